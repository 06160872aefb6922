#!/usr/bin/env bash
# The broadcast address of the scanner's own attached subnet: the kernel
# refuses to send to it (EACCES).  That is one target's result (filtered,
# reason "broadcast"), never a cached answer for the whole /24 and never the
# end of the scan.  Only the lab's own 198.19.1.0/24 is touched.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_scan.sh"
lab_init

lab_target t1
port=$(lab_random_ports 1 20000 30000)
lab_listen t1 "tcp:$port"
d=$LAB_DIR
bc=198.19.1.255

for method in -sS -sT; do
	# the broadcast address alone: exit 0, filtered
	lab_scan "$PORTIER" scan "$method" -n -q -p "$port" --max-retries 0 "$bc" \
		-oJ "$d/one$method.jsonl" 2> "$d/err" ||
		{ cat "$d/err"; lab_fail "$method $bc alone failed"; }
	scan_ports "$d/one$method.jsonl" filtered | grep -qx "$bc $port" ||
		lab_fail "$method: $bc not reported filtered"
	# the whole /24 (the broadcast address probed before or after the
	# host): .2 is still found open, the rest filtered
	lab_scan "$PORTIER" scan "$method" -n -q -p "$port" --max-retries 0 \
		--max-rtt-timeout 100 198.19.1.0/24 -oJ "$d/all$method.jsonl" 2> "$d/err" ||
		{ cat "$d/err"; lab_fail "$method /24 failed"; }
	[ "$(scan_ports "$d/all$method.jsonl" open)" = "${LAB_IP[t1]} $port" ] ||
		lab_fail "$method: ${LAB_IP[t1]}:$port not the only open port"
done
# -sS says why: the kernel's refusal to broadcast, not a firewall
scan_has "$d/one-sS.jsonl" "$port" filtered broadcast ||
	lab_fail "-sS: $bc reason is not 'broadcast'"
scan_has "$d/all-sS.jsonl" "$port" filtered broadcast ||
	lab_fail "-sS /24: $bc reason is not 'broadcast'"
echo "broadcast: $bc filtered (broadcast), the /24 scan completes with .2 open"
