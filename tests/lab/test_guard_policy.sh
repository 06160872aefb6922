#!/usr/bin/env bash
# portier guard's blocking policy in the kernel: a decoy scan (nmap -D) is
# one event over its sources; the ban-rate cap holds (the 4th ban of the
# minute is refused with --ban-rate 3); the allowlist's accept
# rule comes before the drop rule, so even an allowlisted address that is
# somehow in a block set still gets through; packets for other hosts'
# addresses (forwarded traffic) are never taken for scans of this host;
# the kernel expires a ban and the next offence is banned four times longer
# (a 5 s ban, then 20 s: the second ban is checked well inside its life);
# a flushed ruleset is rebuilt at the next ban.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_guard.sh"
lab_init
need_tool nmap nft masscan curl

lab_target t1
lab_http t1 80
dev="${LAB_ID}s1"
T4=${LAB_IP[t1]}; T6=${LAB_IP6[t1]}
fail=0

# --- decoys: one event; ban-rate cap ------------------------------------------
guard_start t1 --block --ban-rate 3 --allow 198.19.1.50
for i in 1 2 3 4; do guard_src "$i"; done
lab_scan nmap -n -Pn -sS -T4 --max-retries 0 --max-rate 200 -p 1-60 -e "$dev" \
	-S 198.19.1.14 -D 198.19.1.11,198.19.1.12,198.19.1.13 "$T4" >/dev/null 2>&1 || true
events=(); actions=()
for i in 1 2 3 4; do
	a=$(guard_wait_alert "198.19.1.1$i" 10) || { echo "FAIL: decoy 198.19.1.1$i not flagged"; fail=1; continue; }
	events+=("$(guard_field "$a" event)"); actions+=("$(guard_field "$a" action)")
done
echo "decoy scan: events ${events[*]}; actions ${actions[*]}"
[ "$(printf '%s\n' "${events[@]}" | sort -u | wc -l)" = 1 ] || { echo "FAIL: decoys reported as separate events"; fail=1; }
[ "$(printf '%s\n' "${actions[@]}" | grep -c '^blocked$')" = 3 ] || { echo "FAIL: want 3 blocks under --ban-rate 3"; fail=1; }
[ "$(printf '%s\n' "${actions[@]}" | grep -c '^rate-limited$')" = 1 ] || { echo "FAIL: want 1 rate-limited"; fail=1; }

# --- frames for our MAC but another host's address (what a router sees
# all day from its LAN) are not scans of this host ---------------------------
# (masscan must really send them, or "no alert" proves nothing)
guard_src 6
mac=$(ip -n "${LAB_NS[t1]}" -br link show "${LAB_ID}t1" | awk '{print $3}')
lab_scan timeout 20 masscan -e "$dev" --router-mac "$mac" --source-ip "$GUARD_SRC4" \
	-p1-100 --rate 300 --wait 0 --range 198.19.1.77 >"$LAB_DIR/masscan77.log" 2>&1 \
	|| { cat "$LAB_DIR/masscan77.log"; lab_fail "masscan to 198.19.1.77 failed"; }
sleep 0.5
grep -qF "\"source\":\"$GUARD_SRC4\"" "$GUARD_ALERTS" \
	&& { echo "FAIL: probes addressed to another host raised an alert"; fail=1; }
echo "100 probes to 198.19.1.77 through this host's MAC: no alert"

# --- the accept rule comes first ------------------------------------------------
ip -n "$LAB_SCANNER" addr add 198.19.1.50/24 dev "$dev"
lab_in t1 nft add element inet portier_guard block4 '{ 198.19.1.50 timeout 60s }'
lab_scan curl -s -o /dev/null --max-time 3 --interface 198.19.1.50 "http://$T4/" \
	|| { echo "FAIL: an allowlisted address in the block set was dropped"; fail=1; }
echo "allowlisted address inside block4: still served (accept rule first)"

# (--v6-prefix64 and its /64 bans: test_guard_prefix64.sh)
kill -TERM "$(guard_real_pid)"; sleep 0.5
guard_start t1 --block

# --- someone flushes the ruleset under the daemon: the next ban rebuilds ----
lab_in t1 nft flush ruleset
guard_src 7
lab_scan nmap -n -Pn -sS -T5 --max-retries 0 --max-rate 300 -p 1-60 -e "$dev" -S "$GUARD_SRC4" "$T4" >/dev/null 2>&1 || true
a=$(guard_wait_alert "$GUARD_SRC4" 10) || { echo "FAIL: no alert after the flush"; fail=1; }
set4=$(lab_in t1 nft list set inet portier_guard block4 2>&1 || true)
echo "after nft flush ruleset: action $(guard_field "$a" action), table rebuilt: $(grep -cF "$GUARD_SRC4" <<<"$set4") element"
grep -qF "$GUARD_SRC4" <<<"$set4" || { echo "FAIL: table not rebuilt: $set4"; fail=1; }
# --- escalation: the kernel expires a ban; the next offence is banned longer
kill -TERM "$(guard_real_pid)"; sleep 0.5
: > "$GUARD_ALERTS"
guard_start t1 --block --ban-time 5 --ban-max 100
guard_src 9
scan9() {
	lab_scan nmap -n -Pn -sS -T5 --max-retries 0 --max-rate 300 -p "$1" -e "$dev" \
		-S "$GUARD_SRC4" "$T4" >/dev/null 2>&1 || true
}
scan9 1-40
a1=$(guard_wait_alert "$GUARD_SRC4" 10) || { echo "FAIL: first offence not flagged"; fail=1; }
sleep 5.5
set4=$(lab_in t1 nft list set inet portier_guard block4)
grep -qF "$GUARD_SRC4" <<<"$set4" && { echo "FAIL: the 5 s ban did not expire in the kernel"; fail=1; }
scan9 41-80
for ((i = 0; i < 100; i++)); do
	[ "$(grep -cF "\"source\":\"$GUARD_SRC4\"" "$GUARD_ALERTS")" -ge 2 ] && break
	sleep 0.1
done
a2=$(grep -F "\"source\":\"$GUARD_SRC4\"" "$GUARD_ALERTS" | sed -n 2p)
echo "escalation: offence $(guard_field "$a1" offense) banned $(guard_field "$a1" ban_seconds) s, offence $(guard_field "$a2" offense) banned $(guard_field "$a2" ban_seconds) s"
[ "$(guard_field "$a2" offense)" = 2 ] && [ "$(guard_field "$a2" ban_seconds)" = 20 ] \
	|| { echo "FAIL: second offence not escalated to 20 s"; fail=1; }
set4=$(lab_in t1 nft list set inet portier_guard block4)
grep -qF "$GUARD_SRC4 timeout 20s" <<<"$set4" || { echo "FAIL: kernel element without the 20 s timeout: $set4"; fail=1; }
[ "$fail" = 0 ] || { cat "$LAB_DIR/guard.err" >&2; lab_fail "guard policy"; }
echo "guard policy ok"
