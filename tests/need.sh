# tests/need.sh - what a test script does when it cannot run here; sourced
# by tests/cli/lib.sh and tests/lab/lib.sh (and the benchmarks through the
# latter), so every script decides the same way.
#
#   need_tool NAME...   every NAME must be a command on PATH
#   need_file PATH      PATH must be a readable file (e.g. nmap.dtd)
#   need_skip REASON    stop: skipped (exit 77, ctest's SKIP_RETURN_CODE)
#
# Under CI=true nothing is skipped: CI installs every tool (make deps) and
# runs as root, so a missing tool or privilege there is a broken set-up and
# the test fails (exit 1) instead of passing unseen as "skipped".

need_skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: $1 (CI=true: a test that cannot run fails)" >&2
		exit 1
	fi
	echo "skipped: $1" >&2
	exit 77
}

need_tool() {
	local t missing=()
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	[ ${#missing[@]} = 0 ] ||
		need_skip "${missing[*]} missing (make deps installs the test tools)"
}

need_file() {
	[ -r "$1" ] || need_skip "$1 missing (make deps installs the test tools)"
}
