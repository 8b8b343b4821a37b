#!/bin/sh
# Whole-program benchmarks (issue #9): stacktui against hatop on a real
# HAProxy and against ZooKeeper's floors; writes BENCHMARKS.md at the
# repository root. Not part of CI. Knobs (environment):
#   SIZES=1000,10000,50000  HAProxy servers      IDLE=5m       idle window (several
#                           collections and full `show stat` reads at 50,000)
#   PRESSES=50              page-downs           ZKSIZES=1000,10000 registrations
#   CHANGES=100             znode changes        MICRO=1       also run the micro-benchmarks
#   PRESS_GAP=1s            mean gap between page-downs (random 0.5-1.5x)
#   STARTS=7                starts timed to the first screen, per tool (median and range)
#   ZKBUSY=50000            the ZooKeeper changes again with this many HAProxy
#                           servers polled by the same console (0: not)
#   SKIP_HAPROXY=1 / SKIP_ZK=1 to leave a part out; OUT=path for the report.
#   TOOLS=stacktui,hatop    only the columns whose label contains one of these
#   BIN=path                measure this stacktui binary (another commit) instead of building the tree
#   RECORD_DIR=dir: the console also records (--record) into dir, to see what recording costs the screen.
set -eu
cd "$(dirname "$0")/.."
: "${SIZES:=1000,10000,50000}" "${IDLE:=5m}" "${PRESSES:=50}" "${ZKSIZES:=1000,10000}" "${CHANGES:=100}" "${MICRO:=1}" "${PRESS_GAP:=1s}" "${ZKBUSY:=50000}" "${STARTS:=7}"
export SIZES IDLE PRESSES ZKSIZES CHANGES PRESS_GAP ZKBUSY STARTS
OUT="${OUT:-$(pwd)/BENCHMARKS.md}"
export OUT
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
if [ "$MICRO" = 1 ]; then
	echo "== micro-benchmarks"
	go test -run '^$' -bench . -benchmem ./haproxy/... ./state/... ./ui/... ./sources/... | tee "$work/micro.txt" || true
	MICRO_OUT="$work/micro.txt"
	export MICRO_OUT
fi
echo "== whole-program benchmarks"
exec_status=0
go test -tags bench -count=1 -run TestWholeProgram -v -timeout 90m ./bench || exec_status=$?
exit $exec_status
