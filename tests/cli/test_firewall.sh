#!/usr/bin/env bash
# portier firewall through the command line, without touching any ruleset:
# every command here either fails on bad input before reading anything, or
# runs without CAP_NET_ADMIN (dropped with setpriv when the test runs as
# root), where --dry-run builds its script from an empty portier table and
# must print exactly the golden scripts of the unit tests.
. "$PORTIER_SRC/tests/cli/lib.sh"

data="$PORTIER_SRC/tests/data/fw"
tmp=$(mktemp -d /tmp/portier-cli-fw.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export PORTIER_STATE_DIR="$tmp/state"
export PORTIER_PROC_ROOT="$tmp/proc" # no SSH session above us
mkdir -p "$PORTIER_PROC_ROOT"
unset SSH_CONNECTION

# unprivileged: drop CAP_NET_ADMIN when running as root, and run in a
# network namespace of its own there: the connections allow-only keeps come
# from the socket table, and this host's must not end up in the scripts
nocap() {
	if [ "$(id -u)" = 0 ]; then
		unshare -n setpriv --inh-caps=-net_admin \
			--bounding-set=-net_admin "$@"
	else
		"$@"
	fi
}
fw() { nocap "$PORTIER" firewall "$@"; }

expect_exit 0 "$PORTIER" firewall --help
for verb in close open allow-only harden suggest status undo reset --dry-run --from \
	--proto --i-know-ssh-is-closed --json; do
	expect_in "$OUT" "$verb" "--help mentions $verb"
done
[ -f "$PORTIER_SRC/docs/portier-firewall.1" ] || { echo "FAIL: no man page"; exit 1; }

# the scripts are the golden ones
expect_exit 0 fw close 445 --dry-run
expect_in "$ERR" "without CAP_NET_ADMIN" "dry run without privileges says so"
CLI_CHECKS=$((CLI_CHECKS + 1))
[ "$OUT" = "$(cat "$data/render.close445.nft")" ] || {
	echo "FAIL: close 445 --dry-run differs from render.close445.nft" >&2
	CLI_FAILS=$((CLI_FAILS + 1)); }
expect_exit 0 fw harden --dry-run
CLI_CHECKS=$((CLI_CHECKS + 1))
[ "$OUT" = "$(cat "$data/render.harden.nft")" ] || {
	echo "FAIL: harden --dry-run differs from render.harden.nft" >&2
	CLI_FAILS=$((CLI_FAILS + 1)); }
CLI_CHECKS=$((CLI_CHECKS + 1))
[ "$(grep -cE '^  [0-9]+/(tcp|udp) ' <<<"$ERR")" = 14 ] || {
	echo "FAIL: harden gives no reason per port: $ERR" >&2
	CLI_FAILS=$((CLI_FAILS + 1)); }
expect_exit 0 fw allow-only 22,80/tcp --dry-run
CLI_CHECKS=$((CLI_CHECKS + 1))
[ "$OUT" = "$(cat "$data/render.allow-only.nft")" ] || {
	echo "FAIL: allow-only --dry-run differs from render.allow-only.nft" >&2
	CLI_FAILS=$((CLI_FAILS + 1)); }

# bad input: exit 2, the bad value quoted
expect_exit 2 fw close 70000
expect_in "$ERR" "'70000'" "close 70000"
expect_exit 2 fw allow-only ''
expect_in "$ERR" "empty port list ''" "allow-only ''"
expect_exit 2 fw close 445 --proto icmp
expect_in "$ERR" "unknown protocol 'icmp'" "--proto icmp"
expect_exit 2 fw close 445/sctp
expect_in "$ERR" "'sctp'" "445/sctp"
expect_exit 2 fw close 445 --from 10.0.0.0/33
expect_in "$ERR" "'33'" "--from /33"
expect_exit 2 fw close 445 --from nowhere
expect_in "$ERR" "'nowhere'" "--from nowhere"
expect_exit 2 fw close -5
expect_exit 2 fw close 80-22
expect_exit 2 fw close
expect_exit 2 fw status --from 10.0.0.0/8
expect_in "$ERR" "'--from' does not apply to 'status'" "option of another verb"
expect_exit 2 fw open 70000
expect_exit 2 fw open 22 --from 10.0.0.0/8
expect_exit 0 fw open 445 --dry-run
expect_in "$OUT" "delete table inet portier" "open on an empty table"
expect_exit 2 fw close 445 --json
expect_exit 2 fw status --json --dry-run
expect_exit 2 fw frobnicate
expect_in "$ERR" "unknown verb 'frobnicate'" "unknown verb"
expect_exit 2 "$PORTIER" firewall

# without CAP_NET_ADMIN: exit 3, the capability named
for args in "close 445" "allow-only 22" "harden" "status" "undo" "reset"; do
	expect_exit 3 fw $args
	expect_in "$ERR" "CAP_NET_ADMIN" "$args without privileges"
done
expect_exit 2 fw undo --dry-run
expect_in "$ERR" "nothing to undo" "undo with no undo point"
CLI_CHECKS=$((CLI_CHECKS + 1))
[ ! -e "$PORTIER_STATE_DIR" ] || {
	echo "FAIL: a state directory was created without any change" >&2
	CLI_FAILS=$((CLI_FAILS + 1)); }

# the SSH guard, from $SSH_CONNECTION
export SSH_CONNECTION="192.0.2.9 50000 192.0.2.1 2222"
expect_exit 0 fw allow-only 80/tcp --dry-run
expect_in "$OUT" "elements = { 80, 2222 }" "allow-only keeps the SSH port"
expect_in "$ERR" "keeping tcp/2222 open" "the guard says so"
expect_exit 0 fw allow-only 80/tcp --dry-run --i-know-ssh-is-closed
expect_in "$OUT" "elements = { 80 }" "--i-know-ssh-is-closed"
expect_exit 2 fw close 2222 --dry-run
expect_in "$ERR" "would cut the SSH session" "close of the SSH port"
expect_exit 2 fw close 2222 --from 192.0.2.0/24 --dry-run
expect_exit 0 fw close 2222 --from 198.51.100.0/24 --dry-run
expect_exit 0 fw close 2222 --dry-run --i-know-ssh-is-closed
unset SSH_CONNECTION

# a state directory others can write to is not trusted (root runs what it
# holds), nor an undo point that touches more than portier's table
shared="$tmp/shared"
mkdir -m 1777 "$shared"
chmod 1777 "$shared"
PORTIER_STATE_DIR=$shared expect_exit 3 fw undo --dry-run
expect_in "$ERR" "refusing the state directory '$shared'" "a world-writable state directory"
expect_in "$ERR" "chmod 700" "the fix is named"
planted="$tmp/planted"
mkdir -m 700 "$planted"
printf 'table inet portier\ndelete table inet portier\nflush ruleset\n' \
	> "$planted/undo-999999999.nft"
PORTIER_STATE_DIR=$planted expect_exit 3 fw undo --dry-run
expect_in "$ERR" "refusing the undo point" "an undo point with flush ruleset"
expect_in "$ERR" "flush ruleset" "the statement is quoted"
ln -s "$planted" "$tmp/link"
PORTIER_STATE_DIR=$tmp/link expect_exit 3 fw undo --dry-run
expect_in "$ERR" "symbolic link" "a symlinked state directory"
expect_exit 0 "$PORTIER" firewall --help
expect_in "$OUT" "never one under /tmp" "--help warns about /tmp"

cli_done
