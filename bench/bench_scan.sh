#!/usr/bin/env bash
# bench_scan.sh - portier scan against its peers, side by side, on the lab:
#
#   (a) one lab host, all 65,535 TCP ports (random listeners + Samba)
#   (b) an AnyIP /16 (65,536 hosts answering in one namespace) x 5 ports
#
# for portier -sS, portier -sT, nmap -sS -T5, nmap -sT -T5 and masscan at
# 100,000 packets/s: wall time, CPU (user+sys), peak memory (max RSS) and
# completeness (open ports found / ground truth from ss), then the ratios.
# Everything runs inside namespaces this script creates (tests/lab/lib.sh);
# nothing is sent anywhere else.  Needs root.  Not part of CI's pass/fail.
#
#   PORTIER=build/portier bash bench/bench_scan.sh      (make bench does this)
#   BENCH_SKIP="nmap-sT-b" to leave out slow runs (names as printed).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export PORTIER_SRC=${PORTIER_SRC:-$here}
. "$here/bench/lib_ns.sh"
bench_lab_bin listen
. "$here/tests/lab/lib.sh"
. "$here/tests/lab/lib_scan.sh"
lab_init
need_tool nmap masscan /usr/bin/time
[ -x "$PORTIER" ] || { echo "bench_scan: PORTIER=$PORTIER is not executable" >&2; exit 2; }

lab_target t1
ip=${LAB_IP[t1]}
mapfile -t ports < <(lab_random_ports 10 1024 60000)
specs=(); for p in "${ports[@]}"; do specs+=("tcp:$p"); done
lab_listen t1 "${specs[@]}"         # wildcard: answers for the AnyIP /16 too
lab_samba t1 >/dev/null 2>&1 || echo "bench_scan: samba did not start; without it"
lab_anyip t1 198.18.0.0/16
d=$LAB_DIR
truth_a=$(lab_open_ports t1 | wc -l)
# (b): 5 ports, 2 of them listening on every AnyIP address
bports="${ports[0]},${ports[1]},7,9,13"
truth_b=$((65536 * 2))
dev="${LAB_ID}s1"
tmac=$(lab_in t1 cat "/sys/class/net/${LAB_ID}t1/address")

declare -A WALL CPU MEM FOUND
run() { # NAME FOUND-COUNTER CMD...
	local name=$1 counter=$2; shift 2
	if [[ " ${BENCH_SKIP:-} " == *" $name "* ]]; then return; fi
	rm -f "$d/out.$name"
	lab_scan /usr/bin/time -f '%e %U %S %M' -o "$d/time.$name" "$@" \
		> "$d/log.$name" 2>&1 || echo "bench_scan: $name exited $?" >&2
	read -r wall user sys rss < <(tail -1 "$d/time.$name")
	WALL[$name]=$wall
	CPU[$name]=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	MEM[$name]=$((rss / 1024))
	FOUND[$name]=$($counter "$d/out.$name")
	printf '%-12s wall %7ss  cpu %7ss  rss %5s MB  open found %s\n' "$name" \
		"$wall" "${CPU[$name]}" "${MEM[$name]}" "${FOUND[$name]}"
}
count_jsonl() { scan_ports "$1" open | sort -u | wc -l; }
count_gnmap() { grep -o '[0-9]*/open/tcp' "$1" 2>/dev/null | wc -l; }
count_gnmap_hosts() { awk '/Ports:/ { n += gsub(/\/open\/tcp/, "") } END { print n + 0 }' "$1"; }
count_masscan() { awk '$1 == "open" { print $4, $3 }' "$1" 2>/dev/null | sort -u | wc -l; }

echo "== (a) one host ($ip), all 65,535 ports; ground truth: $truth_a open"
run portier-sS-a count_jsonl "$PORTIER" scan -sS -n -q -p- "$ip" -oJ "$d/out.portier-sS-a"
run portier-sT-a count_jsonl "$PORTIER" scan -sT -n -q -p- "$ip" -oJ "$d/out.portier-sT-a"
run nmap-sS-a count_gnmap nmap -n -Pn -sS -T5 -p- "$ip" -oG "$d/out.nmap-sS-a"
run nmap-sT-a count_gnmap nmap -n -Pn -sT -T5 -p- "$ip" -oG "$d/out.nmap-sT-a"
run masscan-a count_masscan masscan --rate 100000 -p1-65535 "$ip" \
	--adapter "$dev" --router-mac "$tmac" --wait 3 -oL "$d/out.masscan-a"

echo "== (b) AnyIP 198.18.0.0/16 x 5 ports ($bports); ground truth: $truth_b open"
run portier-sS-b count_jsonl "$PORTIER" scan -sS -n -q -p "$bports" 198.18.0.0/16 -oJ "$d/out.portier-sS-b"
run portier-sT-b count_jsonl "$PORTIER" scan -sT -n -q -p "$bports" 198.18.0.0/16 -oJ "$d/out.portier-sT-b"
run nmap-sS-b count_gnmap_hosts nmap -n -Pn -sS -T5 -p "$bports" 198.18.0.0/16 -oG "$d/out.nmap-sS-b"
run nmap-sT-b count_gnmap_hosts nmap -n -Pn -sT -T5 -p "$bports" 198.18.0.0/16 -oG "$d/out.nmap-sT-b"
run masscan-b count_masscan masscan --rate 100000 -p "$bports" 198.18.0.0/16 \
	--adapter "$dev" --router-mac "$tmac" --wait 3 -oL "$d/out.masscan-b"
# memory with the table + XML sinks (per-host records), for the flatness check
run portier-sS-bx count_jsonl "$PORTIER" scan -sS -n -q -p "$bports" 198.18.0.0/16 \
	-oJ "$d/out.portier-sS-bx" -oX "$d/x.xml"
run portier-sS-ax count_jsonl "$PORTIER" scan -sS -n -q -p- "$ip" \
	-oJ "$d/out.portier-sS-ax" -oX "$d/y.xml"

ratio() { # A B: A / B
	[ -n "${WALL[$1]:-}" ] && [ -n "${WALL[$2]:-}" ] || { echo "-"; return; }
	awk -v a="${WALL[$1]}" -v b="${WALL[$2]}" 'BEGIN { printf "%.2f", a / b }'
}
pct() { awk -v f="${FOUND[$1]:-0}" -v t="$2" 'BEGIN { printf "%.1f", 100 * f / t }'; }
echo
echo "== summary (completeness = open ports found / ground truth)"
printf '%-12s %9s %9s %8s %10s\n' run wall_s cpu_s rss_MB complete_%
for s in a b; do
	truth=$truth_a; [ $s = b ] && truth=$truth_b
	for n in portier-sS portier-sT nmap-sS nmap-sT masscan; do
		k="$n-$s"
		[ -n "${WALL[$k]:-}" ] || continue
		printf '%-12s %9s %9s %8s %10s\n' "$k" "${WALL[$k]}" "${CPU[$k]}" \
			"${MEM[$k]}" "$(pct "$k" "$truth")"
	done
done
echo
echo "== ratios (wall time; < 1 means portier is faster)"
for s in a b; do
	echo "($s) portier -sS / nmap -sS -T5: $(ratio portier-sS-$s nmap-sS-$s)"
	echo "($s) portier -sT / nmap -sT -T5: $(ratio portier-sT-$s nmap-sT-$s)"
	echo "($s) portier -sS / masscan 100k: $(ratio portier-sS-$s masscan-$s)"
done
if [ -n "${MEM[portier-sS-bx]:-}" ] && [ -n "${MEM[portier-sS-ax]:-}" ]; then
	echo "peak memory with XML: /16 ${MEM[portier-sS-bx]} MB vs one host ${MEM[portier-sS-ax]} MB;" \
		"JSON only: /16 ${MEM[portier-sS-b]:-?} MB vs one host ${MEM[portier-sS-a]:-?} MB"
fi
