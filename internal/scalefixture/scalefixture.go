// Package scalefixture builds the large inputs the benchmarks of several
// packages share: backends x servers in HAProxy and regsPer registrations a
// service, every 17th server DOWN, as of one instant.
package scalefixture

import (
	"fmt"
	"time"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
)

// Build returns the registry and HAProxy snapshots: 500, 100, 20 is the
// 50,000-server, 10,000-registration input of the issue-19 figures.
func Build(backends, servers, regsPer int, at time.Time) (sources.Snapshot, *haproxy.Snapshot) {
	reg := sources.Snapshot{Kind: sources.KindZooKeeper, Address: "zk:2181", State: sources.StateConnected,
		Synced: true, At: at, LastGood: at}
	st := &haproxy.Stats{}
	for b := 0; b < backends; b++ {
		svc := fmt.Sprintf("service_%04d", b)
		rs := sources.Service{Name: svc, Path: "/nerve/services/" + svc + "/services"}
		st.Rows = append(st.Rows, haproxy.Row{Proxy: svc, Type: haproxy.TypeFrontend}.WithString(haproxy.ColName, "FRONTEND").WithString(haproxy.ColStatus, "OPEN"))
		for s := 0; s < servers; s++ {
			host := fmt.Sprintf("10.%d.%d.%d", b/256, b%256, s)
			name := fmt.Sprintf("i-%04d-%03d", b, s)
			status := "UP"
			if s%17 == 0 {
				status = "DOWN"
			}
			st.Rows = append(st.Rows, haproxy.Row{Proxy: svc, Type: haproxy.TypeServer,
				Weight: 1}.WithString(haproxy.ColName, name+"_"+host+":8080").WithString(haproxy.ColStatus, status).WithString(haproxy.ColCheckStatus, "L7OK").WithString(haproxy.ColAddr, host+":8080").With(haproxy.ColSCur, int64(s)).With(haproxy.ColReqRate, int64(s*2)))
			if s < regsPer {
				p := fmt.Sprintf("%s/%s_%010d", rs.Path, name, s)
				rs.Registrations = append(rs.Registrations, sources.Registration{Service: svc, Name: name, Host: host,
					Port: 8080, Path: p, Node: name, Seq: int64(s), Ctime: at.Add(-time.Hour)})
			}
		}
		st.Rows = append(st.Rows, haproxy.Row{Proxy: svc, Type: haproxy.TypeBackend}.WithString(haproxy.ColName, "BACKEND").WithString(haproxy.ColStatus, "UP"))
		reg.Services = append(reg.Services, rs)
	}
	return reg, &haproxy.Snapshot{Label: "local", Address: "/run/haproxy.sock", At: at, LastGood: at,
		Info: &haproxy.Info{Version: "2.6.12", PID: 1, MaxConn: 4096}, Stats: st}
}
