# Sourced by .ci/run: print the versions of the tools the tests run.
# No `| head` here: under pipefail, head closing the pipe early kills the
# writer with SIGPIPE (exit 141) and CI would stop before any test.

# first_line runs a command and prints the first line of its output
# (stdout and stderr); the command's own failure still fails CI.
first_line() {
  local out
  out=$("$@" 2>&1)
  printf '%s\n' "${out%%$'\n'*}"
}

print_versions() {
  first_line java -version
  first_line haproxy -v
  first_line serf version
}
