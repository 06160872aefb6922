#!/usr/bin/env bash
# The kernel's ruleset is the truth (issue 15).  guard remembers its bans
# in its checkpoint, but only the kernel's set blocks a scanner:
#   1. a ban in force survives stop + `nft flush ruleset` + start: it is back
#      in the kernel before the first probe is judged, and the scanner's
#      ports are filtered;
#   2. a ban that ran out while guard was down: the source's next scan is
#      alerted within 5 probes and blocked again (escalated);
#   3. while guard runs, `nft delete table inet portier_guard` and, apart,
#      `nft flush ruleset`: the bans are back within 1 s, each restore an
#      event, and a scan in the gap is still alerted and blocked;
#   4. a checkpoint of a newer format is refused with a clear message, kept
#      aside, and guard starts empty;
#   3b. `guard --unblock` while guard is down lifts the remembered ban too;
#   5. a ban the kernel refuses to take back (it overlaps someone else's
#      element) is released, and guard starts all the same.
# On the way --status shows the state file against the kernel.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_guard.sh"
guard_lab_init

lab_target t1
lab_http t1 80
dev="${LAB_ID}s1"
T4=${LAB_IP[t1]}
fail=0
state="$LAB_DIR/state/guard/guard.state"

scan() { # scan SRC PORTS: a fast SYN scan from SRC
	lab_scan nmap -n -Pn -sS -T5 --max-retries 0 --max-rate 300 -p "$2" \
		-e "$dev" -S "$1" "$T4" >/dev/null 2>&1 || true
}
remembered() { # remembered SRC: the checkpoint holds SRC
	local i
	for ((i = 0; i < 30; i++)); do
		grep -q "^4 $1 " "$state" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# ms until ADDR is back in the set (gives up after 3 s)
ms_until_back() {
	local t0 i
	t0=$(date +%s%N)
	for ((i = 0; i < 300; i++)); do
		guard_in_set t1 "$1" && { echo $(( ($(date +%s%N) - t0) / 1000000 )); return 0; }
		sleep 0.01
	done
	echo never
	return 1
}

# --- 1: stop, flush the ruleset, start: the ban is back ------------------------
guard_start t1 --block --ban-time 600
guard_src 1; A=$GUARD_SRC4
scan "$A" 1-100
guard_wait_alert "$A" 10 >/dev/null || lab_fail "no alert for the first scanner"
remembered "$A" || lab_fail "the checkpoint does not hold $A"
guard_stop
lab_in t1 nft flush ruleset
guard_in_set t1 "$A" && lab_fail "the flush left the ban in place"
# --status, read-only, shows the state file ahead of the kernel
st=$(lab_in t1 env PORTIER_STATE_DIR="$LAB_DIR/state" "$PORTIER" guard --status) || { echo "FAIL: --status exit $?"; fail=1; }
echo "$st" | grep -E "bans in|only in"
grep -q "bans in the state file: 1, in the kernel: 0, differences: 1" <<<"$st" || { echo "FAIL: --status does not count the difference"; fail=1; }
grep -qF "$A/32  only in the state file" <<<"$st" || { echo "FAIL: --status does not name the missing ban"; fail=1; }
stj=$(lab_in t1 env PORTIER_STATE_DIR="$LAB_DIR/state" "$PORTIER" guard --status --json) || { echo "FAIL: --status --json exit $?"; fail=1; }
grep -q "\"type\":\"ban\",\"address\":\"$A\",\"prefix\":32,\"where\":\"state-only\"" <<<"$stj" || { echo "$stj"; echo "FAIL: --status --json lacks the state-only ban"; fail=1; }
guard_start t1 --block --ban-time 600
# guard says "watching" only after the restore, before judging a packet
if ! guard_in_set t1 "$A"; then
	echo "FAIL: the ban of $A is not back after the start"
	lab_in t1 nft list table inet portier_guard; echo "nft: $?"
	fail=1
fi
ev=$(guard_events restore | tail -1)
echo "start after a flush: $ev"
[ "$(guard_field "$ev" reason)" = start ] || { echo "FAIL: no restore event at the start"; fail=1; }
[ "$(guard_field "$ev" restored)" = 1 ] || { echo "FAIL: want 1 ban restored"; fail=1; }
grep -q "1 bans restored" "$LAB_DIR/guard.err" || { echo "FAIL: the restore is not reported on stderr"; fail=1; }
left=$(lab_in t1 nft -j list set inet portier_guard block4 | python3 -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("set", {}).get("elem", []):
        e = e.get("elem", e)
        if isinstance(e, dict): print(e.get("timeout", 0))')
echo "restored ban timeout: ${left}s (the time left of 600)"
[ -n "$left" ] && [ "$left" -le 600 ] && [ "$left" -ge 550 ] || { echo "FAIL: the ban was not restored with its time left"; fail=1; }
out=$(lab_scan nmap -n -Pn -sS -p 80 --max-retries 1 --host-timeout 10s -e "$dev" -S "$A" "$T4" 2>&1 || true)
grep -q "80/tcp *filtered" <<<"$out" || { echo "$out"; echo "FAIL: the restored ban does not filter $A"; fail=1; }
st=$(lab_in t1 env PORTIER_STATE_DIR="$LAB_DIR/state" "$PORTIER" guard --status) || { echo "FAIL: --status exit $?"; fail=1; }
grep -q "bans in the state file: 1, in the kernel: 1, differences: 0" <<<"$st" || { echo "$st"; echo "FAIL: --status after the restore"; fail=1; }
# still one alert: the ban is in force, nothing new to say
n=$(grep -F "\"source\":\"$A\"" "$GUARD_ALERTS" | grep -cF '"type":"scan"')
[ "$n" = 1 ] || { echo "FAIL: $n alerts for $A (want 1)"; fail=1; }

# --- 2: the ban ran out while guard was down ---------------------------------------
guard_stop
guard_start t1 --block --ban-time 2
guard_src 2; B=$GUARD_SRC4
scan "$B" 1-100
a1=$(guard_wait_alert "$B" 10) || lab_fail "no alert for the second scanner"
remembered "$B" || lab_fail "the checkpoint does not hold $B"
guard_stop
lab_in t1 nft flush ruleset
sleep 3 # past the 2 s ban
guard_start t1 --block --ban-time 2
guard_in_set t1 "$B" && { echo "FAIL: an expired ban was put back"; fail=1; }
scan "$B" 101-200
a2=$(guard_wait_alert_n "$B" 2 10) || { echo "FAIL: the returning scanner $B was not alerted"; fail=1; }
# "probes" counts every probe the source ever sent; "ports" holds the
# touches of this trial only (one probe each: --max-retries 0)
n=$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["ports"]))' "$a2")
echo "returning scanner: alerted at its probe $n of the new scan, offence $(guard_field "$a2" offense), $(guard_field "$a2" action) for $(guard_field "$a2" ban_seconds)s"
[ "$n" -le 5 ] || { echo "FAIL: alerted after more than 5 probes"; fail=1; }
[ "$(guard_field "$a2" action)" = blocked ] || { echo "FAIL: the returning scanner was not blocked"; fail=1; }
[ "$(guard_field "$a2" offense)" = 2 ] || { echo "FAIL: the remembered offence did not escalate"; fail=1; }
guard_in_set t1 "$B" || { echo "FAIL: $B is not in the set"; fail=1; }

# --- 3: the table taken away under a running guard ------------------------------
guard_stop
guard_start t1 --block --ban-time 600
guard_in_set t1 "$A" || { echo "FAIL: the ban of $A is gone"; fail=1; }
guard_src 3; C=$GUARD_SRC4
lab_in t1 nft delete table inet portier_guard
ms=$(ms_until_back "$A") || true
scan "$C" 1-100 # in the gap, or just after it
echo "nft delete table: the ban of $A back after $ms ms"
[ "$ms" != never ] && [ "$ms" -le 1000 ] || { echo "FAIL: not restored within 1 s"; fail=1; }
guard_wait_alert "$C" 10 >/dev/null || { echo "FAIL: the scan during the gap was not alerted"; fail=1; }
sleep 0.5
guard_in_set t1 "$C" || { echo "FAIL: the scanner of the gap is not blocked"; fail=1; }
lab_in t1 nft flush ruleset
ms=$(ms_until_back "$A") || true
echo "nft flush ruleset: the ban of $A back after $ms ms"
[ "$ms" != never ] && [ "$ms" -le 1000 ] || { echo "FAIL: not restored within 1 s"; fail=1; }
sleep 0.3
guard_in_set t1 "$C" || { echo "FAIL: the ban of $C was not restored after the flush"; fail=1; }
changed=$(guard_events restore | grep -c '"reason":"table-changed"')
echo "restore events while running: $changed"
guard_events restore | grep '"reason":"table-changed"'
[ "$changed" -ge 2 ] || { echo "FAIL: want a restore event for each of the two removals"; fail=1; }
grep -q "table-changed: .* bans restored" "$LAB_DIR/guard.err" || { echo "FAIL: no restore notice on stderr"; fail=1; }
# an element deleted on purpose stays deleted (guard --unblock)
lab_in t1 env PORTIER_STATE_DIR="$LAB_DIR/state" "$PORTIER" guard --unblock "$A" || { echo "FAIL: --unblock"; fail=1; }
sleep 1
guard_in_set t1 "$A" && { echo "FAIL: guard put back a ban removed with --unblock"; fail=1; }
guard_stop
# ... and so does one lifted while guard is down, when only the state file
# still holds it: the next start must not put it back
lab_in t1 nft flush ruleset
out=$(lab_in t1 env PORTIER_STATE_DIR="$LAB_DIR/state" "$PORTIER" guard --unblock "$C") || { echo "FAIL: --unblock while guard is down: exit $?"; fail=1; }
echo "$out"
grep -q "banned in the state file only" <<<"$out" || { echo "FAIL: --unblock did not say it lifted a remembered ban"; fail=1; }
guard_start t1 --block --ban-time 600
guard_in_set t1 "$C" && { echo "FAIL: a ban lifted with --unblock while guard was down came back"; fail=1; }
guard_stop

# --- 4: a checkpoint of a newer portier: refused, kept aside, start empty -----
printf 'portier-guard 2\nwhatever comes next\n' > "$state"
guard_start t1 --block --ban-time 600
grep -q "format 2, written by a newer portier" "$LAB_DIR/guard.err" || { echo "FAIL: no clear message for a newer checkpoint"; fail=1; }
grep -q "0 sources remembered" "$LAB_DIR/guard.err" || { echo "FAIL: guard did not start empty"; fail=1; }
aside=$(ls "$LAB_DIR/state/guard/" | grep -c '^guard.state.refused-' || true)
[ "$aside" = 1 ] || { echo "FAIL: the refused checkpoint was not kept aside"; fail=1; }
grep -q "^portier-guard 2" "$LAB_DIR"/state/guard/guard.state.refused-* || { echo "FAIL: the kept file is not the old one"; fail=1; }
guard_stop
head -1 "$state" | grep -q "^portier-guard 1" || { echo "FAIL: no fresh checkpoint after the refused one"; fail=1; }

# --- 5: a ban the kernel will not take back does not stop guard ---------------
# a remembered /64 ban, and someone else's element inside that /64 in the
# set: the kernel refuses the overlapping interval, so guard builds its
# table without it and judges the source again instead
now=$(date +%s%6N)
printf 'portier-guard 1\n6 fd70:7:9:: %s %s %s %s 5.5 4 4 0 4 1 1 4,0,0,0,0,0,0,0,0,0 4 0 4 45000 0 - -\n' \
	"$now" "$now" "$now" "$((now + 600000000))" > "$state"
lab_in t1 nft flush ruleset
lab_in t1 nft add table inet portier_guard
lab_in t1 nft add set inet portier_guard block6 '{ type ipv6_addr; flags interval, timeout; size 65536; }'
lab_in t1 nft add element inet portier_guard block6 '{ fd70:7:9::5 timeout 600s }'
guard_start t1 --block --v6-prefix64
ev=$(guard_events restore | tail -1)
echo "a refused restore: $ev"
[ "$(guard_field "$ev" released)" = 1 ] || { echo "FAIL: the refused ban was not released"; fail=1; }
grep -q "interval overlaps" "$LAB_DIR/guard.err" || { echo "FAIL: the kernel's refusal was not reported"; fail=1; }
# read the listing whole: grep -q would leave early and nft, still
# writing, die of SIGPIPE, which pipefail turns into a failure
chain=$(lab_in t1 nft list chain inet portier_guard input) || { echo "FAIL: no chain after a refused restore"; fail=1; }
grep -q "@block6 counter" <<<"$chain" || { echo "FAIL: no table after a refused restore"; fail=1; }
guard_stop

[ "$fail" = 0 ] || { cat "$LAB_DIR/guard.err.old" "$LAB_DIR/guard.err" >&2; lab_fail "guard restore"; }
echo "guard restore ok: bans survive a flush across a restart, come back within 1 s while running, and an expired ban hides no scan"
