# tests/cli/lib.sh - small assertions for tests of the portier command line.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../need.sh"
PORTIER=${PORTIER:?PORTIER must name the built binary}

# No packet of a CLI test can leave this machine: as root (make check, CI)
# each script runs in a network namespace of its own with only loopback, so
# a target a test expects to be refused, if it were not, goes nowhere.
if [ -z "${PORTIER_CLI_NETNS:-}" ] && [ "$(id -u)" = 0 ]; then
	export PORTIER_CLI_NETNS=1
	exec unshare --net -- bash -c 'ip link set lo up && exec bash "$0" "$@"' "$0" "$@"
fi
CLI_FAILS=0
CLI_CHECKS=0

# expect_exit CODE CMD...: run CMD, keep stdout/stderr in $OUT/$ERR.
expect_exit() {
	local want=$1 got=0; shift
	OUT=$("$@" 2>/tmp/cli-err.$$) || got=$?
	ERR=$(cat /tmp/cli-err.$$); rm -f /tmp/cli-err.$$
	CLI_CHECKS=$((CLI_CHECKS + 1))
	if [ "$got" != "$want" ]; then
		echo "FAIL: '$*' exited $got, expected $want; stderr: $ERR" >&2
		CLI_FAILS=$((CLI_FAILS + 1))
	fi
}

# expect_in HAYSTACK NEEDLE WHAT
expect_in() {
	CLI_CHECKS=$((CLI_CHECKS + 1))
	if ! grep -qF -- "$2" <<<"$1"; then
		echo "FAIL: $3: '$2' not found in: ${1:0:300}" >&2
		CLI_FAILS=$((CLI_FAILS + 1))
	fi
}

cli_done() {
	echo "$((CLI_CHECKS - CLI_FAILS)) passed, $CLI_FAILS failed"
	[ "$CLI_FAILS" = 0 ]
}
