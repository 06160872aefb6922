#!/usr/bin/env bash
# portier guard --block, the safety side: a benign workload (2,000 HTTP
# connections, 300 over IPv6, a keep-alive connection that was open before
# guard started, a few attempts at closed ports) raises no alert; a scan
# from an allowlisted address or spoofed from the target's own address is
# reported but never blocked; a real scanner is blocked, the block and the
# offence survive kill -9 and a restart, --status shows them and --unblock
# lifts the block.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_guard.sh"
lab_init
need_tool nmap nft masscan curl
[ -x "$LAB_BIN/lab-guard_client" ] || lab_fail "lab-guard_client not built"

lab_target t1
lab_http t1 80
lab_bg t1 echo "$LAB_BIN/lab-guard_client" -s 7000
lab_wait_port t1 tcp 7000
dev="${LAB_ID}s1"
T4=${LAB_IP[t1]}; T6=${LAB_IP6[t1]}
fail=0
allowed=198.19.1.50
ip -n "$LAB_SCANNER" addr add "$allowed/24" dev "$dev"

# --- benign workload --------------------------------------------------------
# the keep-alive connection is older than guard: its packets must be
# recognised through the socket table, not through a SYN guard saw
lab_scan "$LAB_BIN/lab-guard_client" -k 12 "$T4" 7000 > "$LAB_DIR/keepalive.out" 2>&1 &
ka=$!
sleep 0.5
guard_start t1 --block --allow "$allowed/32"
lab_scan "$LAB_BIN/lab-guard_client" -n 2000 "$T4" 80 > "$LAB_DIR/get4.out"
lab_scan "$LAB_BIN/lab-guard_client" -n 300 "$T6" 80 > "$LAB_DIR/get6.out"
for p in 8081 8082 8083; do # a real client trying a few wrong ports
	lab_scan curl -s -o /dev/null --max-time 2 "http://$T4:$p/" || true
done
lab_scan curl -s -o /dev/null --max-time 2 "http://[$T6]:8081/" || true
wait "$ka" || { echo "FAIL: keep-alive client: $(cat "$LAB_DIR/keepalive.out")"; fail=1; }
echo "benign: $(cat "$LAB_DIR/get4.out") (IPv4), $(cat "$LAB_DIR/get6.out") (IPv6), keep-alive $(cat "$LAB_DIR/keepalive.out")"
grep -q "ok 2000" "$LAB_DIR/get4.out" || { echo "FAIL: the 2,000 GETs did not all succeed"; fail=1; }
sleep 1
n_alerts=$(wc -l < "$GUARD_ALERTS" 2>/dev/null || echo 0)
echo "alerts on the benign workload: $n_alerts (want 0)"
[ "$n_alerts" = 0 ] || { cat "$GUARD_ALERTS"; echo "FAIL: benign traffic raised alerts"; fail=1; }

# --- allowlisted and spoofed sources: alert, no block -------------------------
lab_scan nmap -n -Pn -sS -T5 --max-retries 0 --max-rate 300 -p 1-100 -e "$dev" -S "$allowed" "$T4" >/dev/null 2>&1 || true
alert=$(guard_wait_alert "$allowed" 10) || { echo "FAIL: no alert for the allowlisted scanner"; fail=1; }
echo "allowlisted scanner: action $(guard_field "$alert" action) ($(guard_field "$alert" allowlisted_as))"
[ "$(guard_field "$alert" action)" = allowlisted ] || { echo "FAIL: allowlisted source not reported as such"; fail=1; }
# nmap refuses a source equal to the target; masscan sends anything
mac=$(ip -n "${LAB_NS[t1]}" -br link show "${LAB_ID}t1" | awk '{print $3}')
lab_scan timeout 20 masscan -e "$dev" --router-mac "$mac" --source-ip "$T4" \
	-p1-100 --rate 300 --wait 0 --range "$T4" >/dev/null 2>&1 || true
alert=$(guard_wait_alert "$T4" 10) || { echo "FAIL: no alert for the scan spoofed from the target's own address"; fail=1; }
echo "spoofed own address: action $(guard_field "$alert" action) ($(guard_field "$alert" allowlisted_as))"
[ "$(guard_field "$alert" allowlisted_as)" = own-address ] || { echo "FAIL: own address not recognised"; fail=1; }
set4=$(lab_in t1 nft list set inet portier_guard block4)
grep -qF -e "$allowed" -e "$T4" <<<"$set4" && { echo "FAIL: an allowlisted address was blocked"; fail=1; }
lab_scan curl -s -o /dev/null --max-time 3 --interface "$allowed" "http://$T4/" \
	|| { echo "FAIL: the allowlisted address lost access"; fail=1; }

# --- a real scanner: blocked; kill -9; restart; still blocked ---------------
guard_src 2
lab_scan nmap -n -Pn -sS -T5 --max-retries 0 --max-rate 300 -p 1-100 -e "$dev" -S "$GUARD_SRC4" "$T4" >/dev/null 2>&1 || true
guard_wait_alert "$GUARD_SRC4" 10 >/dev/null || { echo "FAIL: no alert for the scanner"; fail=1; }
# the checkpoint follows an alert within a second
for ((i = 0; i < 30; i++)); do
	grep -q "^4 $GUARD_SRC4 " "$LAB_DIR/state/guard/guard.state" 2>/dev/null && break
	sleep 0.1
done
pid=$(guard_real_pid)
kill -9 "$pid" 2>/dev/null || true
sleep 0.5
kill -0 "$pid" 2>/dev/null && { echo "FAIL: guard survived kill -9"; fail=1; }
set4=$(lab_in t1 nft list set inet portier_guard block4)
grep -qF "$GUARD_SRC4" <<<"$set4" || { echo "FAIL: block gone after kill -9"; fail=1; }
lab_scan curl -s -o /dev/null --max-time 2 --interface "$GUARD_SRC4" "http://$T4/" \
	&& { echo "FAIL: the blocked scanner reaches port 80 with guard dead"; fail=1; }
guard_start t1 --block --allow "$allowed/32"
set4=$(lab_in t1 nft list set inet portier_guard block4)
grep -qF "$GUARD_SRC4" <<<"$set4" || { echo "FAIL: block gone after the restart"; fail=1; }
# the restarted guard remembers: the same scanner again is no new alert
lab_scan nmap -n -Pn -sS -T5 --max-retries 0 -p 101-120 -e "$dev" -S "$GUARD_SRC4" "$T4" >/dev/null 2>&1 || true
sleep 1
n=$(grep -cF "\"source\":\"$GUARD_SRC4\"" "$GUARD_ALERTS")
[ "$n" = 1 ] || { echo "FAIL: $n alerts for $GUARD_SRC4 after the restart (want 1)"; fail=1; }

status=$(lab_in t1 env PORTIER_STATE_DIR="$LAB_DIR/state" "$PORTIER" guard --status)
echo "$status"
grep -qF "$GUARD_SRC4/32" <<<"$status" || { echo "FAIL: --status does not list the block"; fail=1; }
grep -qE "dropped by the block rules: [1-9]" <<<"$status" || { echo "FAIL: --status shows no drops"; fail=1; }
grep -F "$GUARD_SRC4 " <<<"$status" | grep -q "1 offences" \
	|| { echo "FAIL: the offence was not restored from the checkpoint"; fail=1; }

# --- --unblock ------------------------------------------------------------------
lab_in t1 "$PORTIER" guard --unblock "$GUARD_SRC4" || { echo "FAIL: --unblock"; fail=1; }
lab_scan curl -s -o /dev/null --max-time 3 --interface "$GUARD_SRC4" "http://$T4/" \
	|| { echo "FAIL: still blocked after --unblock"; fail=1; }
lab_in t1 "$PORTIER" guard --unblock 198.19.1.99 2>/dev/null && { echo "FAIL: unblock of a non-blocked address succeeded"; fail=1; }
# loopback never in a block set
set4=$(lab_in t1 nft list set inet portier_guard block4)
grep -q '127\.' <<<"$set4" && { echo "FAIL: loopback blocked"; fail=1; }
[ "$fail" = 0 ] || { cat "$LAB_DIR/guard.err" >&2; lab_fail "guard blocking"; }
echo "guard blocking ok: no false alarm, allowlist honoured, blocks survive kill -9"
