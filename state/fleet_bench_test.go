package state

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stacktui/stacktui/haproxy"
	"github.com/stacktui/stacktui/sources"
	"github.com/stacktui/stacktui/sources/fleet"
)

// benchFleet is hosts hosts, each with services backends of instances
// servers (one host in ten misses the last instance of each service), and
// the registry of those instances.
func benchFleet(b *testing.B, hosts, services, instances int) (*sources.Snapshot, *fleet.Snapshot) {
	b.Helper()
	reg := &sources.Snapshot{Kind: sources.KindZooKeeper, State: sources.StateConnected, Synced: true}
	for s := range services {
		svc := sources.Service{Name: fmt.Sprintf("svc_%03d", s)}
		for i := range instances {
			svc.Registrations = append(svc.Registrations, sources.Registration{Service: svc.Name, Name: fmt.Sprintf("i%d", i),
				Host: fmt.Sprintf("10.%d.%d.%d", s/250, s%250, i), Port: 8000 + s, Path: fmt.Sprintf("/n/%s/%d", svc.Name, i)})
		}
		reg.Services = append(reg.Services, svc)
	}
	fs := &fleet.Snapshot{}
	for h := range hosts {
		var csv strings.Builder
		csv.WriteString("# pxname,svname,type,status,addr,\n")
		for s := range reg.Services {
			svc := &reg.Services[s]
			fmt.Fprintf(&csv, "%s,FRONTEND,0,OPEN,,\n", svc.Name)
			for i, r := range svc.Registrations {
				if h%10 == 0 && i == len(svc.Registrations)-1 {
					continue
				}
				fmt.Fprintf(&csv, "%s,%s,2,UP,,\n", svc.Name, ServerName(&r))
			}
			fmt.Fprintf(&csv, "%s,BACKEND,1,UP,,\n", svc.Name)
		}
		st, err := haproxy.ParseStat([]byte(csv.String()))
		if err != nil {
			b.Fatal(err)
		}
		fs.Hosts = append(fs.Hosts, fleet.Host{FleetTarget: fleet.Target{Host: fmt.Sprintf("host%03d", h)}, Stats: st})
	}
	return reg, fs
}

// BenchmarkJoinFleet: the join at every fleet refresh.
func BenchmarkJoinFleet(b *testing.B) {
	for _, c := range []struct{ hosts, services, instances int }{{20, 20, 10}, {200, 20, 10}, {200, 100, 10}} {
		b.Run(fmt.Sprintf("hosts=%d/servers=%d", c.hosts, c.services*c.instances), func(b *testing.B) {
			reg, fs := benchFleet(b, c.hosts, c.services, c.instances)
			hist := NewFleetHistory()
			b.ReportAllocs()
			for b.Loop() {
				v := JoinFleet(reg, fs, FleetConfig{History: hist})
				hist.Observe(v)
			}
		})
	}
}
