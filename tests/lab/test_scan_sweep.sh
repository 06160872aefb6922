#!/usr/bin/env bash
# An AnyIP /16 x 5 ports sweep (65,536 hosts answering in one target
# namespace): -sS and -sT find 100% of the open ports (2 per host, 131,072
# in all) and nothing else; two shards with the same seed are disjoint and
# together give exactly the full result, for TCP and (split by host) UDP;
# and -sU stays exact on addresses that share one kernel's ICMP limit.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_scan.sh"
lab_init

lab_target t1
lab_anyip t1 198.18.0.0/16
mapfile -t ports < <(lab_random_ports 5 1024 60000)
open1=${ports[1]} open2=${ports[3]}
# listeners on the wildcard address answer for every AnyIP address
lab_listen t1 "tcp:$open1" "tcp:$open2"
plist=$(IFS=,; echo "${ports[*]}")
want=$((65536 * 2))
d=$LAB_DIR

count_open() { scan_ports "$1" open | sort -u | wc -l; }

for method in -sS -sT; do
	lab_scan "$PORTIER" scan "$method" -n -q -p "$plist" 198.18.0.0/16 \
		-oJ "$d/sweep$method.jsonl" -oG "$d/sweep$method.gnmap" 2> "$d/err" ||
		{ cat "$d/err"; lab_fail "sweep $method failed"; }
	got=$(count_open "$d/sweep$method.jsonl")
	echo "portier $method /16 x 5: $got of $want open ports"
	[ "$got" = "$want" ] || lab_fail "$method found $got of $want"
	# nothing but the two listening ports is open
	scan_ports "$d/sweep$method.jsonl" open | cut -d' ' -f2 | sort -n -u |
		tr '\n' ' ' | grep -qx "$(printf '%s\n' "$open1" "$open2" | sort -n | tr '\n' ' ')" ||
		lab_fail "$method reports other open ports"
	[ "$(grep -c 'Status: Up' "$d/sweep$method.gnmap")" = 65536 ] ||
		lab_fail "$method: not all 65536 hosts in the grepable output"
done

# shards: same seed, 1/2 and 2/2 on a /20, disjoint and together complete
for k in 1 2; do
	lab_scan "$PORTIER" scan -sS -n -q -p "$plist" 198.18.16.0/20 --seed 99 \
		--shard "$k/2" -oJ "$d/shard$k.jsonl"
done
scan_ports "$d/shard1.jsonl" | sort > "$d/s1"
scan_ports "$d/shard2.jsonl" | sort > "$d/s2"
[ -z "$(comm -12 "$d/s1" "$d/s2")" ] || lab_fail "shards overlap"
[ "$(cat "$d/s1" "$d/s2" | sort -u | wc -l)" = $((4096 * 2)) ] ||
	lab_fail "shards together do not cover the /20"
s1=$(scan_summary "$d/shard1.jsonl" positions)
s2=$(scan_summary "$d/shard2.jsonl" positions)
[ $((s1 + s2)) = $((4096 * 5)) ] || lab_fail "shard sizes $s1 + $s2"

# -sU shards split by host: a bound, silent UDP port on all of a /27 (no
# ICMP, so every pair ends open|filtered after one try); the two shards
# take 16 hosts each, whole, and together cover the /27 once
udp=${ports[0]}
lab_listen t1 "udp:$udp"
for k in 1 2; do
	lab_scan "$PORTIER" scan -sU -n -q -p "$udp" --max-retries 0 \
		198.18.32.0/27 --seed 5 --shard "$k/2" -oJ "$d/ushard$k.jsonl" ||
		lab_fail "-sU --shard $k/2 failed"
	scan_ports "$d/ushard$k.jsonl" 'open|filtered' | sort > "$d/u$k"
	[ "$(wc -l < "$d/u$k")" = 16 ] ||
		lab_fail "-sU shard $k/2 has $(wc -l < "$d/u$k") hosts, not 16"
done
[ -z "$(comm -12 "$d/u1" "$d/u2")" ] || lab_fail "-sU shards overlap"
[ "$(cat "$d/u1" "$d/u2" | sort -u | wc -l)" = 32 ] ||
	lab_fail "-sU shards together do not cover the /27"

# -sU on addresses of one kernel: they share its ICMP limit (a burst of 6,
# then 1 a second to us), so a silence is proof only when no error came
# from any of them meanwhile; the 16 closed ports of a /28 are all closed,
# the bound one open|filtered on every host
closed=${ports[2]}
lab_scan "$PORTIER" scan -sU -n -q --closed -p "$udp,$closed" 198.18.48.0/28 \
	-oJ "$d/shared.jsonl" || lab_fail "-sU on a shared ICMP limit failed"
n=$(scan_ports "$d/shared.jsonl" closed | grep -c " $closed\$" || :)
[ "$n" = 16 ] || { grep -v '"port"' "$d/shared.jsonl" >&2
	lab_fail "-sU: $n of 16 closed ports behind the shared limit are closed"; }
[ "$(scan_ports "$d/shared.jsonl" 'open|filtered' | grep -c " $udp\$")" = 16 ] ||
	lab_fail "-sU: the bound port is not open|filtered on every host"
[ "$(scan_summary "$d/shared.jsonl" icmp_contested)" -gt 0 ] ||
	lab_fail "-sU: no try was contested behind a shared limit"

echo "sweep: 100% of $want open ports with -sS and -sT; shards disjoint and complete (TCP and UDP); -sU exact behind a shared ICMP limit"
