#!/usr/bin/env bash
# A slow scan is caught as surely as a fast one: nmap -T1 (one probe every
# 15 seconds) against 10 ports is flagged after the same few probes as
# -T5, because the random walk counts attempts, not attempts per second.
# The scan is stopped once it is flagged (the full scan would take 2.5
# minutes); over IPv6 to show the slow path is family-blind.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_guard.sh"
lab_init
need_tool nmap nft

lab_target t1
lab_http t1 80
guard_start t1 --block
dev="${LAB_ID}s1"
guard_src 1
start=$(date +%s)
setsid ip netns exec "$LAB_SCANNER" nmap -n -Pn -sS -T1 -p 21-23,25,53,110,135,139,443,445 \
	-6 -e "$dev" -S "$GUARD_SRC6" "${LAB_IP6[t1]}" > "$LAB_DIR/nmap-t1.log" 2>&1 &
nm=$!
LAB_PIDS+=("$nm")
alert=$(guard_wait_alert "$GUARD_SRC6" 110) || lab_fail "nmap -T1 not detected within 110 s"
took=$(( $(date +%s) - start ))
kill -TERM -- "-$nm" 2>/dev/null || true
n=$(guard_field "$alert" probes)
echo "nmap -T1 over IPv6: flagged after $n probes, $took s, $(guard_field "$alert" scan_type), $(guard_field "$alert" action)"
[ "$(guard_field "$alert" scan_type)" = syn ] || lab_fail "wrong scan type"
[ "$n" -le 6 ] || lab_fail "$n probes before the alert"
set6=$(lab_in t1 nft list set inet portier_guard block6)
grep -qF "$GUARD_SRC6" <<<"$set6" || lab_fail "slow scanner not blocked"
echo "slow scan ok"
