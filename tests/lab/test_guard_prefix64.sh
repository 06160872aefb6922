#!/usr/bin/env bash
# --v6-prefix64 and the allowlist: the ban decision is taken on the real
# source address, never on the /64 the detector counts it as.  The target
# sits in fd70:7:1::/64 (its own LAN).  A scan from an --allow address of
# that /64 is reported "allowlisted" and blocks nothing; a scan from another
# address of the host's own /64 right after it is still caught (the own
# /64 is not counted as one source) and blocks that address only (/128),
# never the /64 that holds the host itself, so the rest of the LAN still
# gets through; a scanner hopping addresses inside a foreign /64 gets the
# whole /64 banned, and --unblock of an address inside lifts it.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_guard.sh"
lab_init
need_tool nmap nft ping

lab_target t1
lab_http t1 80
dev="${LAB_ID}s1"
T6=${LAB_IP6[t1]}
fail=0
scan6() { # SRC PORTS
	lab_scan nmap -6 -n -Pn -sS -T5 --max-retries 0 -p "$2" -e "$dev" -S "$1" \
		"$T6" >/dev/null 2>&1 || true
}
restart() {
	[ -n "$GUARD_PID" ] && { kill -TERM "$(guard_real_pid)" 2>/dev/null || true; sleep 0.5; }
	rm -f "$LAB_DIR/state/guard/guard.state"
	[ -n "$GUARD_ALERTS" ] && : > "$GUARD_ALERTS"
	guard_start t1 --block --v6-prefix64 --allow fd70:7:1::87 "$@"
}
# each address resolves its neighbour before the scans (ICMP is no probe);
# one nmap run before guard starts too: nmap's very first IPv6 run in a
# fresh namespace may send nothing while it resolves the target
warm() {
	lab_scan ping -6 -c 1 -W 2 -I "$1" "$T6" >/dev/null 2>&1 || true
	[ -z "$GUARD_PID" ] && scan6 "$1" 80
	return 0
}
for i in 87 88; do ip -n "$LAB_SCANNER" addr add "fd70:7:1::$i/64" dev "$dev" nodad; done
sleep 0.3
warm fd70:7:1::87; warm fd70:7:1::88
# guard reads this host's addresses at start (and every --checkpoint): wait
# for the link-local one to leave duplicate address detection
for ((i = 0; i < 50; i++)); do
	lab_in t1 ip -6 addr show tentative | grep -q inet6 || break
	sleep 0.1
done

# --- an allowlisted address inside the host's own /64 --------------------------
restart
scan6 fd70:7:1::87 1-20
a=$(guard_wait_alert "fd70:7:1::87" 10) || { echo "FAIL: scan from the allowlisted fd70:7:1::87 not reported"; fail=1; }
echo "scan from --allow fd70:7:1::87: action $(guard_field "$a" action) ($(guard_field "$a" allowlisted_as))"
[ "$(guard_field "$a" action)" = allowlisted ] || { echo "FAIL: want allowlisted"; fail=1; }
set6=$(lab_in t1 nft list set inet portier_guard block6)
grep -qF "fd70:7:1::" <<<"$set6" && { echo "FAIL: something of fd70:7:1::/64 blocked: $set6"; fail=1; }

# --- another address of the host's own /64, right after: that address only ----
# (the own /64 is not one source: the allowlisted neighbour's alert does
# not hide this scan)
scan6 fd70:7:1::88 1-20
a=$(guard_wait_alert "fd70:7:1::88" 10) || { echo "FAIL: scan from fd70:7:1::88 not reported"; fail=1; }
echo "scan from fd70:7:1::88: action $(guard_field "$a" action) /$(guard_field "$a" block_prefix): $(guard_field "$a" note)"
[ "$(guard_field "$a" action)" = blocked ] && [ "$(guard_field "$a" block_prefix)" = 128 ] \
	|| { echo "FAIL: want the /128 blocked"; fail=1; }
[ -n "$(guard_field "$a" note)" ] || { echo "FAIL: no note on why only the address"; fail=1; }
set6=$(lab_in t1 nft list set inet portier_guard block6)
grep -qF "fd70:7:1::88" <<<"$set6" || { echo "FAIL: fd70:7:1::88 not blocked: $set6"; fail=1; }
grep -qF "fd70:7:1::/64" <<<"$set6" && { echo "FAIL: the host's own /64 was banned: $set6"; fail=1; }
lab_scan curl -s -o /dev/null --max-time 3 --interface fd70:7:1::1 "http://[$T6]/" \
	|| { echo "FAIL: the rest of the LAN (fd70:7:1::1) is cut off"; fail=1; }
lab_scan curl -s -o /dev/null --max-time 2 --interface fd70:7:1::88 "http://[$T6]/" \
	&& { echo "FAIL: the blocked fd70:7:1::88 still gets through"; fail=1; }

# --- a scanner hopping inside a foreign /64: the /64 is banned -----------------
restart
lab_in t1 ip -6 route add fd70:7:99::/64 dev "${LAB_ID}t1"
for i in 81 82 83 84 85 86; do ip -n "$LAB_SCANNER" addr add "fd70:7:99::$i/64" dev "$dev" nodad; done
sleep 0.3
for i in 81 82 83 84 85 86; do warm "fd70:7:99::$i"; done
for i in 81 82 83 84 85; do scan6 "fd70:7:99::$i" "$((200 + i))"; done
a=$(guard_wait_alert "fd70:7:99::" 10) || { echo "FAIL: address-hopping scanner not flagged as its /64"; fail=1; }
echo "hopping inside fd70:7:99::/64: flagged after $(guard_field "$a" probes) probes, action $(guard_field "$a" action) /$(guard_field "$a" block_prefix)"
set6=$(lab_in t1 nft list set inet portier_guard block6)
grep -qF "fd70:7:99::/64" <<<"$set6" || { echo "FAIL: no /64 ban: $set6"; fail=1; }
lab_scan curl -s -o /dev/null --max-time 2 --interface fd70:7:99::86 "http://[$T6]/" \
	&& { echo "FAIL: the banned /64 still reaches the target"; fail=1; }
lab_in t1 "$PORTIER" guard --unblock fd70:7:99::85 || { echo "FAIL: --unblock inside the /64"; fail=1; }
lab_scan curl -s -o /dev/null --max-time 3 --interface fd70:7:99::86 "http://[$T6]/" \
	|| { echo "FAIL: the /64 is still banned after --unblock"; fail=1; }
[ "$fail" = 0 ] || { cat "$LAB_DIR/guard.err" >&2; lab_fail "guard --v6-prefix64"; }
echo "guard --v6-prefix64 ok"
