// Package sshconn is stacktui's SSH transport: one SSH connection to one
// SmartStack host that carries every connection the console makes there,
// so an on-call engineer without a VPN can run the console as if on that
// host (`--ssh user@host`).
//
// It resolves the target as OpenSSH does from ~/.ssh/config and
// /etc/ssh/ssh_config (github.com/kevinburke/ssh_config: HostName, Port,
// User, IdentityFile, IdentitiesOnly, IdentityAgent, UserKnownHostsFile,
// GlobalKnownHostsFile, HostKeyAlias, ConnectTimeout, ServerAliveInterval,
// ServerAliveCountMax), authenticates with the agent and the identity
// files, and checks the host key against known_hosts
// (github.com/skeema/knownhosts over golang.org/x/crypto/ssh/knownhosts,
// which also asks the server for the key types known_hosts holds). A host
// that is not in known_hosts, or whose key does not match, is refused with
// a HostKeyError: never a prompt, never trust on first use.
//
// Over the connection: TCP forwarding (direct-tcpip) for ZooKeeper and the
// fleet's stats pages, OpenSSH's stream-local forwarding
// (direct-streamlocal@openssh.com) for the HAProxy unix socket, a local
// listener forwarding to a remote TCP address for clients that take no
// dialer (Serf's RPC client), SFTP for reading the host's Synapse and Nerve
// configs, and command execution for the actions that must run there.
// Forwarded connections support deadlines (SSH channels do not), so the
// clients' timeouts work through the tunnel.
//
// The connection is kept alive (keepalive@openssh.com) and redialled when
// it drops; meanwhile every dial fails at once with the age of the outage,
// so every source shows unreachable and recovers by itself.
package sshconn
