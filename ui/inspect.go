package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/state"
)

// openInspect shows one instance in full: its registration (znode path,
// JSON, stat), every socket's HAProxy row in full, and its recent history.
func (m *Model) openInspect(svc *state.Service, in *state.Instance) {
	var l []string
	l = append(l, m.st.Section.Render("Registration"))
	if r := in.Registration; r != nil {
		if r.Path != "" {
			l = append(l, plainf("  znode    %s", r.Path))
			l = append(l, plainf("  node     %s (sequence %d)", r.Node, r.Seq))
			owner := "persistent"
			if r.Owner != 0 {
				owner = fmt.Sprintf("ephemeral, session 0x%x", r.Owner)
			}
			l = append(l, "  owner    "+owner)
			l = append(l, fmt.Sprintf("  created  %s (%s ago)", r.Ctime.UTC().Format("2006-01-02 15:04:05 UTC"), age(m.now().Sub(r.Ctime))))
			if !r.Mtime.Equal(r.Ctime) && !r.Mtime.IsZero() {
				l = append(l, "  modified "+r.Mtime.UTC().Format("2006-01-02 15:04:05 UTC"))
			}
		}
		if r.Member != "" {
			l = append(l, plainf("  member   %s %s (%s), tag %s", r.Member, r.MemberAddr, r.MemberStatus, r.Tag))
		}
		l = append(l, plainf("  address  %s  name %q", r.Addr(), r.Name))
		if r.HasWeight {
			l = append(l, fmt.Sprintf("  weight   %d", r.Weight))
		}
		if r.HAProxyServerOptions != "" {
			l = append(l, plainf("  options  %s", r.HAProxyServerOptions))
		}
		if lt := labelsText(in); lt != "" {
			l = append(l, plainf("  labels   %s", lt))
		}
		if r.Malformed != "" {
			l = append(l, "  "+m.st.Bad.Render(plainf("malformed: %s", r.Malformed)))
		}
		if len(r.Raw) > 0 {
			l = append(l, fmt.Sprintf("  data (%d bytes):", r.DataLen))
			for _, d := range prettyData(r.Raw) {
				l = append(l, "    "+d)
			}
		}
	} else {
		l = append(l, "  not registered: HAProxy has this server but no registration explains it")
	}
	for si, seen := range in.HAProxy {
		l = append(l, "", m.st.Section.Render(plainf("HAProxy %s", m.socketLabel(si))))
		if seen.Row == nil {
			l = append(l, plainf("  no server %s in backend %s", in.Server, svc.Backend))
			continue
		}
		l = append(l, rowLines(seen.Row)...)
	}
	l = append(l, "", m.st.Section.Render("Diagnosis"))
	for _, d := range in.Diagnoses {
		l = append(l, plainf("  [%s] %s", d.Code, d.Text))
	}
	l = append(l, "", m.st.Section.Render("Recent history"))
	if scur, req, r5 := m.shist.Series(in.Key); len(scur) > 1 {
		sw := min(max(m.w-24, 10), 60)
		l = append(l, fmt.Sprintf("  sessions  %s  now %.0f", sparkline(scur, sw), scur[len(scur)-1]))
		l = append(l, fmt.Sprintf("  req/s     %s  now %.0f", sparkline(req, sw), req[len(req)-1]))
		l = append(l, fmt.Sprintf("  5xx       %s", sparkline(r5, sw)))
	}
	for _, e := range m.shist.Episodes(in.Key) {
		l = append(l, plainf("  %s", e.Words(time.Local, m.now())))
	}
	n := 0
	for i := len(m.events.all) - 1; i >= 0 && n < 20; i-- {
		e := &m.events.all[i]
		if strings.Contains(e.Text, in.Server) || (in.Registration != nil && in.Registration.Path != "" && strings.Contains(e.Text, in.Registration.Path)) {
			l = append(l, plainf("  %s %s %s", e.At.Local().Format("15:04:05"), e.Kind, e.Text))
			n++
		}
	}
	if n == 0 {
		l = append(l, "  no changes seen since stacktui started")
	}
	m.text.open(svc.Name+" / "+instName(in), l)
	m.overlay = overlayInspect
}

// openRowInspect shows one HAProxy row with every field.
func (m *Model) openRowInspect(r *hapRow) {
	label := m.haps[r.sock].Label
	l := rowLines(m.hap.current(*r))
	m.text.open(fmt.Sprintf("HAProxy %s: %s/%s", label, r.row.Proxy, r.row.Name()), l)
	m.overlay = overlayInspect
}

// rowLines is every field of a `show stat` row, the typed ones first, as
// plain lines (names, descriptions and unknown fields are HAProxy's: they
// are cleaned).
func rowLines(r *haproxy.Row) []string {
	return cleanAll(rowFields(r))
}

func rowFields(r *haproxy.Row) []string {
	l := []string{
		fmt.Sprintf("  %s/%s (%s)  status %s  weight %d/%d  addr %s", r.Proxy, r.Name(), r.Type, r.Status(), r.Weight, r.UWeight, orDash(r.Addr())),
		fmt.Sprintf("  check %s code %d in %s: %s (health %d, rise %d, fall %d)", orDash(r.CheckStatus()), r.CheckCode, r.CheckDuration(), orDash(r.CheckDesc()), r.CheckHealth(), r.CheckRise(), r.CheckFall()),
		fmt.Sprintf("  agent %s %s", orDash(r.AgentStatus()), r.AgentDesc()),
	}
	if r.Preview {
		return append(l, "  counters: not read yet (this row is from `show servers state`; the full `show stat` follows within a second)",
			fmt.Sprintf("  last change %s ago", age(r.LastChange())))
	}
	l = append(l,
		fmt.Sprintf("  sessions cur %d max %d limit %d total %d  queue %d/%d  lbtot %d", r.SCur(), r.SMax(), r.SLim(), r.STot(), r.QCur(), r.QMax(), r.LBTot()),
		fmt.Sprintf("  rate %d/s (max %d)  req %d/s (max %d) total %d  bytes in %s out %s", r.Rate(), r.RateMax(), r.ReqRate(), r.ReqRateMax(), r.ReqTot(), human(r.BIn()), human(r.BOut())),
		fmt.Sprintf("  http 1xx %d 2xx %d 3xx %d 4xx %d 5xx %d other %d", r.Hrsp1xx(), r.Hrsp2xx(), r.Hrsp3xx(), r.Hrsp4xx(), r.Hrsp5xx(), r.HrspOther()),
		fmt.Sprintf("  errors conn %d req %d resp %d  denied req %d resp %d  retries %d redispatches %d", r.EConn(), r.EReq(), r.EResp(), r.DReq(), r.DResp(), r.WRetr(), r.WRedis()),
		fmt.Sprintf("  checks failed %d, down transitions %d, last change %s ago, downtime %s", r.ChkFail(), r.ChkDown(), age(r.LastChange()), r.Downtime()),
		fmt.Sprintf("  times: queue %s connect %s response %s total %s", r.QTime(), r.CTime(), r.RTime(), r.TTime()),
	)
	if extra := r.ExtraFields(); len(extra) > 0 {
		keys := make([]string, 0, len(extra))
		for k, v := range extra {
			if v != "" && k != "-" { // "-": a column HAProxy keeps as a placeholder
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			item := k + "=" + extra[k] + " "
			if b.Len()+len(item) > 76 {
				l = append(l, "  "+strings.TrimSpace(b.String()))
				b.Reset()
			}
			b.WriteString(item)
		}
		if b.Len() > 0 {
			l = append(l, "  "+strings.TrimSpace(b.String()))
		}
	}
	return l
}
