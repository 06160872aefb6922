#!/usr/bin/env bash
# portier inspect --pid on a fake /proc (PORTIER_PROC_ROOT) and a planted
# root (PORTIER_ROOT): a process whose command line and a persistence line
# carry terminal escapes.  The text view must show them escaped, never raw;
# the JSON must parse and keep them; a pid that is not there is exit 2 with
# a clear message; --fail-on turns findings into exit 1.  No root needed,
# no network.
. "$(dirname "$0")/lib.sh"
need_tool jq

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root proc=$tmp/proc
mkdir -p "$root/tmp/.x" "$root/etc/cron.d" "$proc/77/fd" "$proc/1"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'planted\n' > "$root/tmp/.x/sk"
printf '* * * * * root /tmp/.x/sk \033]0;owned\007\n' > "$root/etc/cron.d/sk"
printf 'btime 1700000000\n' > "$proc/stat"
printf '1 (init) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n' > "$proc/1/stat"
printf '77 (sk) S 1 77 77 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 900 0 0\n' \
	> "$proc/77/stat"
printf 'Uid:\t0\t0\t0\t0\n' > "$proc/77/status"
printf '/tmp/.x/sk\0--title\0\033[2J\0' > "$proc/77/cmdline"
ln -s "$root/tmp/.x/sk" "$proc/77/exe"
ln -s / "$proc/77/cwd"

run() { env PORTIER_ROOT="$root" PORTIER_PROC_ROOT="$proc" "$PORTIER" "$@"; }

expect_exit 0 run inspect --pid 77
expect_in "$OUT" 'command    /tmp/.x/sk --title \x1b[2J' "escape in the command line shown escaped"
expect_in "$OUT" '\x1b]0;owned\x07' "escape in a cron line shown escaped"
# no dpkg database under this root: unknown, not "not owned"
expect_in "$OUT" "package  unknown: no dpkg database" "package line"
expect_in "$OUT" "user root (0)" "user from the root's passwd"
expect_in "$OUT" "started 2023-11-14T22:1" "start time from btime"
if grep -q not-packaged <<<"$OUT"; then
	echo "FAIL: not-packaged without a dpkg database" >&2
	CLI_FAILS=$((CLI_FAILS + 1))
fi
mkdir -p "$root/var/lib/dpkg/info"
printf '/.\n/usr\n' > "$root/var/lib/dpkg/info/base.list"
expect_exit 0 run inspect --pid 77
expect_in "$OUT" "package  none: not owned by any package" "package line"
expect_in "$OUT" "not-packaged" "finding with a dpkg database"
expect_in "$OUT" "$(printf 'planted\n' | sha256sum | cut -d' ' -f1)" "hash"
if printf '%s' "$OUT" | grep -q $'\033'; then
	echo "FAIL: a raw ESC reached the terminal view" >&2
	CLI_FAILS=$((CLI_FAILS + 1))
fi

expect_exit 0 run inspect --pid 77 --json
cmd=$(jq -r '.processes[] | select(.pid == 77) | .cmdline' <<<"$OUT")
[ "$cmd" = "/tmp/.x/sk --title "$'\033[2J' ] ||
	{ echo "FAIL: JSON cmdline '$cmd'" >&2; CLI_FAILS=$((CLI_FAILS + 1)); }
expect_in "$(jq -r '.persistence[0].file' <<<"$OUT")" "/etc/cron.d/sk" "JSON persistence"
expect_in "$(jq -r '.hidden.checked' <<<"$OUT")" "false" "no net/ in the fake proc: not checked"

expect_exit 1 run inspect --pid 77 --fail-on medium
expect_exit 2 run inspect --pid 78
expect_in "$ERR" "portier inspect: no process with pid 78" "missing pid"
expect_exit 2 run inspect 0
expect_in "$ERR" "is not one port" "port 0"
expect_exit 2 run inspect 10-20
expect_in "$ERR" "'10-20' is not one port" "a range"
expect_exit 2 run inspect
expect_in "$ERR" "which port?" "no argument"
expect_exit 2 env PORTIER_ROOT="$tmp/none" PORTIER_PROC_ROOT="$proc" \
	"$PORTIER" inspect --pid 77
expect_in "$ERR" "cannot open root" "a root that does not exist"
cli_done
