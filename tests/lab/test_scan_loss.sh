#!/usr/bin/env bash
# A lossy path: the target drops 5% of incoming SYNs at random (nftables
# numgen).  Retransmission of unanswered probes still finds exactly the
# listening set with -sS and -sT, and the run reports retransmissions and a
# loss estimate near 5%.  Then a path capped at 10,000 SYNs/s: the scan
# slows down to it and still finds everything.  Also: the SYN scan
# runs without capabilities once its raw sockets are open, and a host name
# is reported with its name.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_scan.sh"
lab_init
need_tool nft

lab_target t1
ip=${LAB_IP[t1]}
mapfile -t ports < <(lab_random_ports 6 1024 60000)
specs=(); for p in "${ports[@]}"; do specs+=("tcp:$p"); done
lab_listen t1 -a "$ip" "${specs[@]}"
truth=$(lab_open_ports t1 | tr '\n' ' ')
lab_in t1 nft -f - <<'EOF'
table inet lossy {
	chain in {
		type filter hook input priority 0; policy accept;
		tcp flags syn numgen random mod 20 0 drop
	}
}
EOF
d=$LAB_DIR
open_of() { grep -o '[0-9]*/open/' "$1" | cut -d/ -f1 | sort -n | tr '\n' ' '; }

for m in -sS -sT; do
	# 6 probes per port: a port is lost only if all 6 are (1 in 6.4e7)
	lab_scan "$PORTIER" scan "$m" -n -p- --max-retries 5 "$ip" \
		-oG "$d/l$m.gnmap" -oJ "$d/l$m.jsonl" > /dev/null 2> "$d/l$m.err"
	cat "$d/l$m.err"
	got=$(open_of "$d/l$m.gnmap")
	[ "$got" = "$truth" ] || lab_fail "$m under 5% loss: '$got' vs '$truth'"
	re=$(scan_summary "$d/l$m.jsonl" retransmits)
	loss=$(scan_summary "$d/l$m.jsonl" loss)
	filt=$(scan_summary "$d/l$m.jsonl" filtered)
	echo "$m: retransmits $re, estimated loss $loss, filtered $filt"
	[ "$re" -gt 1000 ] || lab_fail "$m: only $re retransmissions at 5% loss"
	awk -v l="$loss" 'BEGIN { exit !(l > 0.01 && l < 0.2) }' ||
		lab_fail "$m: loss estimate $loss, expected about 0.05"
	[ "$filt" = 0 ] || lab_fail "$m: $filt ports taken for filtered"
done

# a path that takes at most 10,000 SYNs/s: the scan must slow down to it
# (more than 10% late answers in an interval halve the window and the rate)
# and still find everything, nothing taken for filtered
lab_in t1 nft delete table inet lossy
lab_in t1 nft -f - <<'EOF'
table inet capped {
	chain in {
		type filter hook input priority 0; policy accept;
		tcp flags syn limit rate over 10000/second burst 500 packets drop
	}
}
EOF
for m in -sS -sT; do
	lab_scan "$PORTIER" scan "$m" -n -p- "$ip" -oG "$d/c$m.gnmap" \
		-oJ "$d/c$m.jsonl" > /dev/null 2> "$d/c$m.err"
	cat "$d/c$m.err"
	got=$(open_of "$d/c$m.gnmap")
	[ "$got" = "$truth" ] || lab_fail "$m at 10k SYN/s: '$got' vs '$truth'"
	slow=$(scan_summary "$d/c$m.jsonl" slowdowns)
	filt=$(scan_summary "$d/c$m.jsonl" filtered)
	echo "$m at a 10k SYN/s path: $slow slowdowns, $filt filtered"
	[ "$slow" -gt 0 ] || lab_fail "$m never slowed down"
	[ "$filt" = 0 ] || lab_fail "$m: $filt ports taken for filtered"
done
lab_in t1 nft delete table inet capped

# the SYN scan gives up its capabilities once the raw sockets are open
ip netns exec "$LAB_SCANNER" "$PORTIER" scan -sS -n -q -p 1-20000 --rate 2000 \
	"$ip" -oJ /dev/null &
pid=$!
sleep 1.5
capeff=$(awk '/^CapEff/ {print $2}' "/proc/$pid/status")
caprnd=$(awk '/^CapBnd/ {print $2}' "/proc/$pid/status")
nnp=$(awk '/^NoNewPrivs/ {print $2}' "/proc/$pid/status")
kill -INT "$pid"; rc=0; wait "$pid" || rc=$?
[ "$rc" = 3 ] || lab_fail "an interrupted scan should exit 3, got $rc"
echo "during a SYN scan: CapEff $capeff CapBnd $caprnd NoNewPrivs $nnp"
[ "$capeff" = 0000000000000000 ] || lab_fail "capabilities kept: $capeff"
[ "$caprnd" = 0000000000000000 ] || lab_fail "bounding set kept: $caprnd"
[ "$nnp" = 1 ] || lab_fail "no_new_privs not set"

# a host name is resolved once and reported with the name (loopback)
lab_scan "$PORTIER" scan -sT -p 9 localhost -oX "$d/name.xml" > "$d/name.txt"
grep -q 'portier scan report for localhost (127.0.0.1)' "$d/name.txt" ||
	lab_fail "table does not name localhost: $(cat "$d/name.txt")"
grep -q '<hostname name="localhost" type="user"/>' "$d/name.xml" ||
	lab_fail "XML does not name localhost"
echo "loss: exact under 5% SYN loss with -sS and -sT; capabilities dropped; names kept"
