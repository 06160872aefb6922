#!/usr/bin/env bash
# A scanner whose block was refused by the ban-rate cap is not let off for
# its whole ban period: with --ban-rate 1, the second scanner of the minute
# is reported "rate-limited" and kept pending; its first probe once the
# minute's budget has refilled raises the alert again and blocks it, with
# the same offence count (no escalation for the unpunished first alert).
# Waits for the next minute boundary: up to about a minute.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_guard.sh"
lab_init
need_tool nmap nft

lab_target t1
dev="${LAB_ID}s1"
T4=${LAB_IP[t1]}
# not in the last 10 s of a minute: both first scans must share one minute
while [ "$(date +%S | sed 's/^0//')" -ge 50 ]; do sleep 1; done
guard_start t1 --block --ban-rate 1
scan() { # SRC PORTS
	lab_scan nmap -n -Pn -sS -T5 --max-retries 0 -p "$2" -e "$dev" -S "$1" \
		"$T4" >/dev/null 2>&1 || true
}
guard_src 1; A=$GUARD_SRC4
guard_src 2; B=$GUARD_SRC4
scan "$A" 1-10
a=$(guard_wait_alert "$A" 10) || lab_fail "first scanner not flagged"
scan "$B" 1-10
b=$(guard_wait_alert "$B" 10) || lab_fail "second scanner not flagged"
echo "same minute: $A $(guard_field "$a" action), $B $(guard_field "$b" action)"
[ "$(guard_field "$a" action)" = blocked ] || lab_fail "first scanner not blocked"
[ "$(guard_field "$b" action)" = rate-limited ] || lab_fail "second scanner not rate-limited"
# the next minute: B probes on and is blocked now
sleep $((61 - $(date +%S | sed 's/^0//')))
scan "$B" 11-14
for ((i = 0; i < 100; i++)); do
	[ "$(grep -cF "\"source\":\"$B\"" "$GUARD_ALERTS")" -ge 2 ] && break
	sleep 0.1
done
b2=$(grep -F "\"source\":\"$B\"" "$GUARD_ALERTS" | sed -n 2p)
[ -n "$b2" ] || { cat "$LAB_DIR/guard.err" >&2; lab_fail "the rate-limited scanner was never retried"; }
echo "next minute: $B $(guard_field "$b2" action), offence $(guard_field "$b2" offense), ban $(guard_field "$b2" ban_seconds) s"
[ "$(guard_field "$b2" action)" = blocked ] || lab_fail "retry did not block"
[ "$(guard_field "$b2" offense)" = 1 ] || lab_fail "the unpunished alert counted as an offence"
set4=$(lab_in t1 nft list set inet portier_guard block4)
grep -qF "$B" <<<"$set4" || lab_fail "no block element for $B: $set4"
echo "rate-limited block retried ok"
