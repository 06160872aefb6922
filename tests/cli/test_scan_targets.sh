#!/usr/bin/env bash
# portier scan target checks that happen before any socket is opened:
# multicast, broadcast, 0.0.0.0/8 and IPv6 link-local targets are refused
# with exit 2 naming the token (no network traffic: every run stops at
# target parsing).
. "$PORTIER_SRC/tests/cli/lib.sh"

for t in 224.0.0.1 239.255.255.250 224.0.0.0/24 255.255.255.255 0.0.0.0 \
	ff02::1 fe80::1 fe80::1-fe80::3; do
	for m in -sT -sS; do
		expect_exit 2 "$PORTIER" scan "$m" -p 80 "$t"
		expect_in "$ERR" "target '$t' is" "$m $t refused, named"
		expect_in "$ERR" "hint:" "$m $t has a hint"
	done
done
expect_exit 2 "$PORTIER" scan -sT -p 80 224.0.0.1
expect_in "$ERR" "multicast" "multicast said"
expect_exit 2 "$PORTIER" scan -sT -p 80 fe80::1-fe80::3
expect_in "$ERR" "link-local" "link-local said"
expect_in "$ERR" "scope" "link-local hint says why"
cli_done
