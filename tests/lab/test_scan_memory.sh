#!/usr/bin/env bash
# Silent targets cost no memory per target (issue 11): a scan of 65,536 AnyIP
# hosts that all drop the scanned port, with the table, nmap XML and
# grepable sinks, peaks within 3 MB of the same scan of one such host (a
# record per host cost ~90 bytes each: +5.9 MB here before; now +0.2 MB,
# +0.8 MB under ASan; bench_scan_memory.sh measures 1M hosts).  Each host
# is still in every output, its port filtered, as nmap -Pn lists it.
# Memory only: nothing here depends on time.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool /usr/bin/time

lab_target t1
lab_anyip t1 198.18.0.0/16
lab_drop t1 tcp 9
d=$LAB_DIR
# short timeouts, no retransmissions: every probe ends filtered all the
# same; the engine's rings are sized by --max-parallel (65,536 slots for
# -sS, a 2 MB timer ring the /16 walks through and one host does not), so a
# small one leaves the memory per target to measure
fast=(--max-retries 0 --min-rtt-timeout 1 --initial-rtt-timeout 2 --max-rtt-timeout 5
	--max-parallel 1024)
# under ASan, freed memory sits in a quarantine: resident, but not kept
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"

scan() { # LABEL TARGET: the three sinks, peak RSS (kB) in $d/LABEL.rss
	lab_expect 0 lab_scan /usr/bin/time -f %M -o "$d/$1.rss" "$PORTIER" scan \
		-sS -n --no-progress -p 9 "${fast[@]}" "$2" -oX "$d/$1.xml" \
		-oG "$d/$1.gnmap" > "$d/$1.txt" 2> "$d/$1.err"
}
scan one 198.18.0.1
scan all 198.18.0.0/16
one=$(tail -1 "$d/one.rss") all=$(tail -1 "$d/all.rss")
echo "peak RSS: one host $one kB, 65,536 silent hosts $all kB"

n=65536
[ "$(grep -c '<port protocol="tcp" portid="9"><state state="filtered" reason="no-response"' "$d/all.xml")" = $n ] ||
	lab_fail "not every host is in the XML with 9/tcp filtered"
[ "$(grep -c '<host ' "$d/all.xml")" = $n ] || lab_fail "XML: hosts missing or extra"
[ "$(grep -c $'\tPorts: 9/filtered/tcp//' "$d/all.gnmap")" = $n ] ||
	lab_fail "not every host is in the grepable output with 9/tcp filtered"
grep -q "^# portier done at .* $n IP addresses ($n hosts up)" "$d/all.gnmap" ||
	lab_fail "grepable summary: $(tail -1 "$d/all.gnmap")"
[ "$(grep -c '^9/tcp .* filtered ' "$d/all.txt")" = $n ] ||
	lab_fail "not every host is in the table with 9/tcp filtered"
head -n 4 "$d/all.txt"
[ "$all" -le $((one + 3072)) ] ||
	lab_fail "65,536 silent hosts took $((all - one)) kB more than one host (limit 3072)"
