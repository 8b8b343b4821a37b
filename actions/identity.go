package actions

import (
	"bytes"
	"os"
	"os/user"
	"strconv"
	"strings"
)

// identity is who is acting, for the audit log and spool files: the OS user
// stacktui runs as, the user sudo was run by, and the SSH client they came
// from.
type identity struct {
	user      string // who acted: sudoUser, else osUser
	osUser    string
	sudoUser  string
	sshClient string // the client's address, "" when not over SSH
	host      string
}

func whoAmI() identity {
	id := identity{sudoUser: os.Getenv("SUDO_USER")}
	if u, err := user.Current(); err == nil {
		id.osUser = u.Username
	} else {
		id.osUser = os.Getenv("USER")
	}
	id.user = id.sudoUser
	if id.user == "" {
		id.user = id.osUser
	}
	id.sshClient = sshClientAddr(os.Getenv("SSH_CLIENT"), os.Getenv("SSH_CONNECTION"))
	if id.sshClient == "" && id.sudoUser != "" {
		// sudo's env_reset drops SSH_CLIENT and SSH_CONNECTION: the login
		// shell that ran sudo still has them.
		id.sshClient = sshFromAncestors(os.Getppid(), 16)
	}
	id.host, _ = os.Hostname()
	return id
}

// sshClientAddr is the client address from SSH_CLIENT ("ip port port") or
// SSH_CONNECTION ("ip port ip port"), or "".
func sshClientAddr(client, connection string) string {
	for _, v := range []string{client, connection} {
		if f := strings.Fields(v); len(f) > 0 {
			return f[0]
		}
	}
	return ""
}

// sshFromAncestors looks for SSH_CLIENT or SSH_CONNECTION in the environment
// of pid and up to depth of its ancestors (Linux /proc; readable only for
// processes of the same user, or by root, which sudo made us).
func sshFromAncestors(pid, depth int) string {
	for ; pid > 1 && depth > 0; depth-- {
		env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
		if err == nil {
			var client, conn string
			for _, kv := range bytes.Split(env, []byte{0}) {
				if v, ok := bytes.CutPrefix(kv, []byte("SSH_CLIENT=")); ok {
					client = string(v)
				} else if v, ok := bytes.CutPrefix(kv, []byte("SSH_CONNECTION=")); ok {
					conn = string(v)
				}
			}
			if a := sshClientAddr(client, conn); a != "" {
				return a
			}
		}
		pid = parentPID(pid)
	}
	return ""
}

// parentPID reads the parent of pid from /proc/<pid>/stat, or 0.
func parentPID(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// "pid (comm) state ppid ...": comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}
