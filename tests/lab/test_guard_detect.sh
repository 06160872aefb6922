#!/usr/bin/env bash
# portier guard --block in a target namespace notices and classifies every
# kind of port scan from the scanner namespace, over IPv4 and IPv6: nmap
# -sS -sT -sF -sN -sX -sA -sM -sU and masscan, each from its own lab
# address.  Each is flagged within a few probes (median at most 5), gets
# the right scan type (and tool fingerprint), lands in the kernel's block
# set, and the scanner's further packets are dropped.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_guard.sh"
lab_init
need_tool nmap nft masscan curl

lab_target t1
lab_http t1 80
lab_listen t1 udp:5353
dev="${LAB_ID}s1"
mac=$(ip -n "${LAB_NS[t1]}" -br link show "${LAB_ID}t1" | awk '{print $3}')
guard_start t1 --block

# label, expected scan_type, expected tool ("" = any), command (SRC, TGT, V)
scans=(
	"sS|syn|nmap-like|nmap -n -Pn -sS -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
	"sT|connect||nmap -n -Pn -sT -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
	"sF|fin|nmap-like|nmap -n -Pn -sF -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
	"sN|null|nmap-like|nmap -n -Pn -sN -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
	"sX|xmas|nmap-like|nmap -n -Pn -sX -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
	"sA|ack|nmap-like|nmap -n -Pn -sA -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
	"sM|maimon|nmap-like|nmap -n -Pn -sM -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
	"sU|udp||nmap -n -Pn -sU -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
)
scans+=("masscan|syn|masscan-like|masscan -e $dev --router-mac $mac --source-ip SRC -p1-200 --rate 300 --wait 0 --range TGT")

probes=()
idx=0
fail=0
for fam in 4 6; do
	for s in "${scans[@]}"; do
		IFS='|' read -r label want_type want_tool cmd <<<"$s"
		idx=$((idx + 1))
		guard_src "$idx"
		if [ "$fam" = 4 ]; then src=$GUARD_SRC4; tgt=${LAB_IP[t1]}; v=""
		else src=$GUARD_SRC6; tgt=${LAB_IP6[t1]}; v="-6"; fi
		cmd=${cmd//SRC/$src}; cmd=${cmd//TGT/$tgt}; cmd=${cmd// V / $v }
		before=$(guard_drops t1 "$fam")
		lab_scan timeout 40 $cmd > "$LAB_DIR/scan-$label-$fam.log" 2>&1 || true
		if ! alert=$(guard_wait_alert "$src" 10); then
			echo "FAIL $label/IPv$fam from $src: no alert"
			fail=1; continue
		fi
		type=$(guard_field "$alert" scan_type)
		tool=$(guard_field "$alert" tool)
		n=$(guard_field "$alert" probes)
		action=$(guard_field "$alert" action)
		after=$(guard_drops t1 "$fam")
		probes+=("$n")
		printf '%-8s IPv%s %-22s %-8s %-13s probes %-3s %s, %s packets dropped\n' \
			"$label" "$fam" "$src" "$type" "$tool" "$n" "$action" "$((after - before))"
		[ "$type" = "$want_type" ] || { echo "FAIL $label/IPv$fam: type $type, want $want_type"; fail=1; }
		if [ -n "$want_tool" ] && { [ "$fam" = 4 ] || [ "$label" != sU ]; }; then
			[ "$tool" = "$want_tool" ] || { echo "FAIL $label/IPv$fam: tool $tool, want $want_tool"; fail=1; }
		fi
		[ "$action" = blocked ] || { echo "FAIL $label/IPv$fam: action $action"; fail=1; }
		set=$(lab_in t1 nft list set inet portier_guard "block$fam")
		grep -qF "$src" <<<"$set" \
			|| { echo "FAIL $label/IPv$fam: $src not in the block set"; fail=1; }
		[ "$((after - before))" -gt 0 ] || { echo "FAIL $label/IPv$fam: nothing dropped after the block"; fail=1; }
	done
done

# A blocked source cannot reach the open web server; an unblocked one can.
lab_scan curl -s -o /dev/null --max-time 2 --interface "198.19.1.11" "http://${LAB_IP[t1]}/" \
	&& { echo "FAIL: blocked 198.19.1.11 still reaches port 80"; fail=1; }
lab_scan curl -s -o /dev/null --max-time 5 --interface "${LAB_IP[t1]%.2}.1" "http://${LAB_IP[t1]}/" \
	|| { echo "FAIL: the unblocked scanner address cannot reach port 80"; fail=1; }

median=$(printf '%s\n' "${probes[@]}" | guard_median)
echo "probes before the alert: ${probes[*]}; median $median (want <= 5)"
awk -v m="$median" 'BEGIN { exit !(m <= 5) }' || { echo "FAIL: median $median > 5"; fail=1; }
# loopback is never in a block set, whatever happened
set=$(lab_in t1 nft list set inet portier_guard block4)
grep -q '127\.' <<<"$set" && { echo "FAIL: loopback blocked"; fail=1; }
# packets the kernel dropped are worth a line in the log, not a failure
if grep -q "lost by the kernel" "$LAB_DIR/guard.err"; then
	echo "note: guard reported packets lost by the kernel"
fi
[ "$fail" = 0 ] || { cat "$LAB_DIR/guard.err" >&2; lab_fail "guard detection"; }
echo "guard detection ok: ${#probes[@]} scans detected, classified and blocked"
