#!/usr/bin/env bash
# The two paths where the pacing of the TCP scan decides what it finds:
#
#  - a firewalled host that answers on 3 ports and drops everything else
#    without a word: all 65,535 ports give exactly those 3 open and every
#    other port filtered (silence is not loss; it neither slows the scan
#    nor gets taken for anything but filtered);
#  - a slow, lossy wire (40 ms and 10% loss each way, tests/lab/lossy_link.c,
#    so 80 ms of round trip and ~19% of probe/answer pairs lost): -sS and -sT
#    over ports 1-5000 find exactly the listening set - random loss is
#    repaired by retransmission, not taken for filtered.
#
# No timing is asserted here (bench/bench_scan_pacing.sh measures it).
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_scan.sh"
lab_init
need_tool nft
d=$LAB_DIR

lab_target fw
ipa=${LAB_IP[fw]}
mapfile -t aports < <(lab_random_ports 3 1024 60000)
lab_walled fw "${aports[@]}"
truth_a=$(printf '%s\n' "${aports[@]}" | paste -sd' ')

lab_scan "$PORTIER" scan -sS -n -q -p- "$ipa" -oG "$d/fw.gnmap" \
	-oJ "$d/fw.jsonl" > /dev/null 2> "$d/fw.err" ||
	lab_fail "firewalled -sS exited $?: $(cat "$d/fw.err")"
cat "$d/fw.err"
got=$(scan_gnmap_open "$d/fw.gnmap")
[ "$got" = "$truth_a" ] || lab_fail "firewalled: open '$got', expected '$truth_a'"
counts=$(scan_gnmap_counts "$d/fw.gnmap")
[ "$counts" = "open 3 closed 0 filtered 65532" ] ||
	lab_fail "firewalled: $counts, expected 3 open and 65532 filtered"
[ "$(scan_summary "$d/fw.jsonl" filtered)" = 65532 ] ||
	lab_fail "firewalled: the summary does not count 65532 filtered"

lab_lossy_target lossy 40 10
ipb=${LAB_IP[lossy]}
mapfile -t bports < <(lab_random_ports 10 1 5000)
specs=(); for p in "${bports[@]}"; do specs+=("tcp:$p"); done
lab_listen lossy -a "$ipb" "${specs[@]}"
truth_b=$(printf '%s\n' "${bports[@]}" | paste -sd' ')
for m in -sS -sT; do
	lab_scan "$PORTIER" scan "$m" -n -q -p 1-5000 "$ipb" -oG "$d/lossy$m.gnmap" \
		-oJ "$d/lossy$m.jsonl" > /dev/null 2> "$d/lossy$m.err" ||
		lab_fail "lossy $m exited $?: $(cat "$d/lossy$m.err")"
	cat "$d/lossy$m.err"
	got=$(scan_gnmap_open "$d/lossy$m.gnmap")
	[ "$got" = "$truth_b" ] || lab_fail "lossy wire $m: open '$got', expected '$truth_b'"
	re=$(scan_summary "$d/lossy$m.jsonl" retransmits)
	[ "$re" -gt 0 ] || lab_fail "lossy wire $m: no retransmissions at ~19% loss"
	echo "lossy wire $m: $(scan_gnmap_counts "$d/lossy$m.gnmap"), $re retransmissions"
done
echo "pacing: firewalled host exact (3 open, 65532 filtered); lossy wire exact with -sS and -sT"
