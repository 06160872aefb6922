#!/usr/bin/env bash
# A state directory carried to another network namespace (issue 15): the
# bans it remembers are in no kernel there, so no source it names may be
# ignored.  Without --block the remembered scanner's next scan is alerted
# within 5 probes; with --block its ban is put into the new namespace's
# table before the first probe is judged, and its probes are dropped.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_guard.sh"
guard_lab_init

lab_target t1
lab_target t2
lab_target t3
fail=0

# scan NAME SRC PORTS: a fast SYN scan of target NAME from address SRC
# (sent on NAME's link whatever the subnet: guard sees it as it arrives)
scan() {
	local k=${1#t}
	lab_scan nmap -n -Pn -sS -T5 --max-retries 0 --max-rate 300 -p "$3" \
		-e "${LAB_ID}s$k" -S "$2" "${LAB_IP[$1]}" >/dev/null 2>&1 || true
}

# --- the state: a scanner banned for 600 s in t1 ------------------------------
guard_start t1 --block
guard_src 1; A=$GUARD_SRC4
scan t1 "$A" 1-100
guard_wait_alert "$A" 10 >/dev/null || lab_fail "no alert for the scanner in t1"
for ((i = 0; i < 30; i++)); do
	grep -q "^4 $A " "$LAB_DIR/state/guard/guard.state" 2>/dev/null && break
	sleep 0.1
done
guard_stop
grep -q "^4 $A " "$LAB_DIR/state/guard/guard.state" || lab_fail "the checkpoint does not hold $A"
for d in state2 state3; do
	cp -a "$LAB_DIR/state" "$LAB_DIR/$d"
done

# --- t2, watching only: the remembered scanner is judged, and alerted ---------
guard_start t2 --state-dir "$LAB_DIR/state2/guard"
ev=$(guard_events restore | tail -1)
echo "t2 start: $ev"
[ "$(guard_field "$ev" released)" = 1 ] || { echo "FAIL: the remembered ban was not released in t2"; fail=1; }
scan t2 "$A" 101-200
a=$(guard_wait_alert_n "$A" 2 10) || { echo "FAIL: the remembered scanner was ignored in t2"; fail=1; }
if [ -n "$a" ]; then
	n=$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["ports"]))' "$a")
	echo "t2: $A alerted at probe $n of its scan, offence $(guard_field "$a" offense), action $(guard_field "$a" action)"
	[ "$n" -le 5 ] || { echo "FAIL: alerted after more than 5 probes"; fail=1; }
	[ "$(guard_field "$a" offense)" = 2 ] || { echo "FAIL: the remembered offence was lost"; fail=1; }
fi
guard_stop

# --- t3, blocking: the ban is put into t3's kernel at the start ----------------
guard_start t3 --block --state-dir "$LAB_DIR/state3/guard"
guard_in_set t3 "$A" || { echo "FAIL: the remembered ban is not in t3's table"; fail=1; }
ev=$(guard_events restore | tail -1)
echo "t3 start: $ev"
[ "$(guard_field "$ev" restored)" = 1 ] || { echo "FAIL: want 1 ban restored in t3"; fail=1; }
before=$(guard_drops t3 4)
scan t3 "$A" 201-220
after=$(guard_drops t3 4)
echo "t3: the block rule dropped $((after - before)) probes of $A"
[ "$after" -gt "$before" ] || { echo "FAIL: $A's probes were not dropped in t3"; fail=1; }
guard_stop

[ "$fail" = 0 ] || { cat "$LAB_DIR/guard.err.old" >&2; lab_fail "guard state in another namespace"; }
echo "guard state in another namespace ok: the remembered scanner is alerted (watching) or banned (blocking)"
