#!/usr/bin/env bash
# bench_guard.sh - how fast portier guard notices a scan, and how many
# packets per second its capture takes before the kernel drops any.
#
# In lab namespaces it creates (nothing leaves them): a target running
# `portier guard --block`, a scanner running nmap (-sS -sT -sF -sN -sX -sA
# -sM -sU) and masscan, GUARD_BENCH_REPS times each (default 5) over IPv4
# and IPv6, each run from a fresh lab address.  For each scan type it
# prints, median and p99:
#   probes   probe packets from the source up to and including the one that
#            flagged it
#   flag-ms  first probe -> flagged (the scanner's own pace dominates this)
#   set-ms   the flagging probe's kernel receive timestamp -> the block's set
#            element added (libnftables call returned)
# Then masscan floods the target at rising rates and guard reports what it
# read and what PACKET_STATISTICS says the kernel dropped.
#
# No peer is measured: psad, PortSentry and fail2ban are not installed here
# (and psad needs 10,000 packets of syslog before it blocks); the target is
# a scanner flagged within 5 probes on average.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PORTIER_SRC=${PORTIER_SRC:-$(cd "$here/.." && pwd)}
PORTIER=${PORTIER:-$PORTIER_SRC/build/portier}
reps=${GUARD_BENCH_REPS:-5}
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_guard.sh"
lab_init
need_tool nmap

lab_target t1
lab_http t1 80
dev="${LAB_ID}s1"
mac=$(ip -n "${LAB_NS[t1]}" -br link show "${LAB_ID}t1" | awk '{print $3}')
guard_start t1 --block --alert-rate 100000 --ban-rate 1000000

scans=(
	"sS|nmap -n -Pn -sS -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
	"sT|nmap -n -Pn -sT -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
	"sF|nmap -n -Pn -sF -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
	"sN|nmap -n -Pn -sN -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
	"sX|nmap -n -Pn -sX -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
	"sA|nmap -n -Pn -sA -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
	"sM|nmap -n -Pn -sM -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
	"sU|nmap -n -Pn -sU -T5 --max-retries 0 --max-rate 300 -p 1-200 -e $dev -S SRC V TGT"
)
command -v masscan >/dev/null && scans+=(
	"masscan|masscan -e $dev --router-mac $mac --source-ip SRC -p1-200 --rate 300 --wait 0 --range TGT")

map="$LAB_DIR/sources.tsv"
: > "$map"
idx=0
for fam in 4 6; do
	for s in "${scans[@]}"; do
		IFS='|' read -r label cmd <<<"$s"
		for ((r = 0; r < reps; r++)); do
			idx=$((idx + 1))
			# addresses .10-.249 (v4) / ::10-... (v6): at most 240 runs
			guard_src "$idx"
			if [ "$fam" = 4 ]; then src=$GUARD_SRC4; tgt=${LAB_IP[t1]}; v=""
			else src=$GUARD_SRC6; tgt=${LAB_IP6[t1]}; v="-6"; fi
			c=${cmd//SRC/$src}; c=${c//TGT/$tgt}; c=${c// V / $v }
			printf '%s\t%s\tIPv%s\n' "$src" "$label" "$fam" >> "$map"
			setsid ip netns exec "$LAB_SCANNER" timeout 30 $c > /dev/null 2>&1 &
			sp=$!
			guard_wait_alert "$src" 15 > /dev/null || echo "bench_guard: $label IPv$fam from $src not flagged" >&2
			kill -TERM -- "-$sp" 2>/dev/null || true
			wait "$sp" 2>/dev/null || true
		done
	done
done

python3 - "$map" "$GUARD_ALERTS" <<'PY'
import json, sys
label = {}
for line in open(sys.argv[1]):
    src, l, fam = line.rstrip('\n').split('\t')
    label[src] = (l, fam)
rows = {}
for line in open(sys.argv[2]):
    a = json.loads(line)
    if a['source'] not in label:
        continue
    key = label[a['source']]
    r = rows.setdefault(key, {'probes': [], 'flag': [], 'set': []})
    r['probes'].append(a['probes'])
    r['flag'].append(a['detect_ms'])
    if 'block_latency_us' in a:
        r['set'].append(a['block_latency_us'] / 1000.0)
def pct(v, p):
    if not v:
        return float('nan')
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]
print('%-8s %-5s %4s  %12s  %16s  %16s' % ('scan', 'fam', 'runs', 'probes med/p99', 'flag-ms med/p99', 'set-ms med/p99'))
allp = []
for key in sorted(rows):
    r = rows[key]
    allp += r['probes']
    print('%-8s %-5s %4d  %6g / %-5g  %7.1f / %-7.1f  %7.2f / %-7.2f' % (
        key[0], key[1], len(r['probes']), pct(r['probes'], 50), pct(r['probes'], 99),
        pct(r['flag'], 50), pct(r['flag'], 99), pct(r['set'], 50), pct(r['set'], 99)))
missed = len(label) - sum(len(r['probes']) for r in rows.values())
print('all scans: %d flagged, %d missed; probes median %g, mean %.2f, p99 %g (target: <= 5 on average)' % (
    len(allp), missed, pct(allp, 50), sum(allp) / max(1, len(allp)), pct(allp, 99)))
PY

# --- capture rate: masscan floods, guard counts reads and kernel drops -------
if command -v masscan >/dev/null; then
	flooders=${GUARD_BENCH_FLOODERS:-2}
	echo "capture: masscan SYN flood for 3 s at each asked rate ($flooders masscan processes,"
	echo "65,535 ports); 'arrived/s' is what reached guard's socket (read + dropped,"
	echo "both directions: each SYN to a closed port also makes an outgoing RST)"
	printf '%10s %10s %12s %12s %10s\n' "asked/s" "arrived/s" "read" "dropped" "loss"
	for rate in 20000 50000 100000 200000 400000 800000; do
		kill -TERM "$(guard_real_pid)" 2>/dev/null || true
		sleep 0.5
		: > "$LAB_DIR/guard.err"
		guard_start t1
		# $flooders masscan processes, each from its own address
		pids=()
		for ((f = 0; f < flooders; f++)); do
			guard_src $((200 + f))
			lab_scan timeout 3 masscan -e "$dev" --router-mac "$mac" --source-ip "$GUARD_SRC4" \
				-p1-65535 --rate $((rate / flooders)) --wait 0 --range "${LAB_IP[t1]}" \
				> /dev/null 2>&1 &
			pids+=($!)
		done
		wait "${pids[@]}" 2>/dev/null || true
		sleep 0.5
		kill -TERM "$(guard_real_pid)" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			grep -q "lost by the kernel" "$LAB_DIR/guard.err" && break
			sleep 0.1
		done
		line=$(grep "lost by the kernel" "$LAB_DIR/guard.err" || echo "? packets read, ? lost")
		read_n=$(sed -E 's/.* ([0-9?]+) packets read.*/\1/' <<<"$line")
		lost_n=$(sed -E 's/.*read, ([0-9?]+) lost.*/\1/' <<<"$line")
		loss=$(awk -v r="$read_n" -v l="$lost_n" 'BEGIN { if (r + l > 0) printf "%.2f%%", 100 * l / (r + l); else print "?" }')
		arrived=$(awk -v r="$read_n" -v l="$lost_n" 'BEGIN { printf "%d", (r + l) / 3 }')
		printf '%10s %10s %12s %12s %10s\n' "$rate" "$arrived" "$read_n" "$lost_n" "$loss"
	done
fi
