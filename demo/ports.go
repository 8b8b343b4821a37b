package demo

import (
	"fmt"
	"net"
)

// freeTCPPort finds a loopback TCP port nobody listens on right now.
func freeTCPPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("demo: finding a free loopback port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// freeGossipPort finds a loopback port free for both TCP and UDP, as
// memberlist binds both on the same number.
func freeGossipPort() (int, error) {
	for try := 0; try < 20; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("demo: finding a free loopback port for Serf: %w", err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		ln.Close()
		if err != nil {
			continue
		}
		pc.Close()
		return port, nil
	}
	return 0, fmt.Errorf("demo: no loopback port free for both TCP and UDP after 20 tries")
}
