#!/usr/bin/env bash
# One address policy for scan, nbstat, smb and rpc (include/portier/addr.h):
# every target below is refused by all of them before any socket is opened
# (no network traffic), with exit 2, the same "target 'X' is ..." message
# and a hint.  :: and fe80::/10 were let through by one of the old copies,
# and nothing looked at v4-mapped addresses: the stricter rule holds for all.
. "$PORTIER_SRC/tests/cli/lib.sh"

refused=(:: 0.0.0.0 0.1.2.3 255.255.255.255 224.0.0.1 239.255.255.250
	224.0.0.0/28 ff02::1 fe80::1 fe80::1-fe80::3 ::ffff:224.0.0.1
	::ffff:0.0.0.0 ::ffff:255.255.255.255)
for t in "${refused[@]}"; do
	first=""
	for cmd in "scan -sT -p 80" "scan -sS -p 80" nbstat smb rpc; do
		# shellcheck disable=SC2086 # cmd is a command and its options
		expect_exit 2 "$PORTIER" $cmd "$t"
		expect_in "$ERR" "target '$t' is" "$cmd $t refused, named"
		expect_in "$ERR" "hint:" "$cmd $t has a hint"
		msg=$(sed -n "s/^portier [a-z]*: //p" <<<"$ERR" | head -1)
		expect_in "$msg" "target '$t' is" "$cmd $t: message found"
		[ -n "$first" ] || first=$msg
		expect_in "$first" "$msg" "$cmd $t: the same message as scan's"
	done
done
expect_exit 2 "$PORTIER" nbstat fe80::1
expect_in "$ERR" "scope" "nbstat: link-local hint says why"
expect_exit 2 "$PORTIER" smb ::
expect_in "$ERR" "unspecified" "smb: :: is the unspecified address"

# probe's own rules, kept: blocks skip the .0/.255 of a /24 and a block's
# network and broadcast address, so a block of those alone is empty; names
# are not resolved; too many targets is an error.
expect_exit 2 "$PORTIER" nbstat 198.19.1.255/32
expect_in "$ERR" "no host address left" "nbstat: a lone .255 block is empty"
expect_exit 2 "$PORTIER" smb 198.19.1.0-0
expect_in "$ERR" "no host address left" "smb: a .0 range is empty"
expect_exit 2 "$PORTIER" nbstat lab.invalid
expect_in "$ERR" "name resolution is off" "nbstat: names are not resolved"
expect_exit 2 "$PORTIER" smb fd70:7:1::/64
expect_in "$ERR" "at most 4096" "smb: a /64 is too many targets"
expect_exit 2 "$PORTIER" nbstat 10.0.0.0/8
expect_in "$ERR" "at most 65536" "nbstat: a /8 is too many targets"
cli_done
