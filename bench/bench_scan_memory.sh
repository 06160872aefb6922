#!/usr/bin/env bash
# bench_scan_memory.sh - is portier scan's memory flat in the number of
# targets?  Peak RSS (/usr/bin/time, "Maximum resident set size") and wall
# time of one silent host against an AnyIP block of silent hosts, one port
# each, for every output sink that keeps per-host state (the table, nmap XML,
# grepable; each alone, the table on standard output into a file) and for
# JSON Lines alone.
#
# "Silent": the target namespace answers for the whole block (AnyIP, a local
# route on lo) but drops the scanned port (an nftables drop rule), so every
# probe ends filtered (no-response) after its retries: the case where a
# scanner that keeps a record per target grows with the target count.
# Issue 11's limit: the block's peak RSS within 20 MB of the one host's.
# Everything runs in namespaces this script creates (tests/lab/lib.sh);
# nothing is sent anywhere else.  Needs root and nft.
#
#   PORTIER=build/portier bash bench/bench_scan_memory.sh
#   BENCH_BLOCK=100.64.0.0/12 (default: 1,048,576 hosts; RFC 6598 space,
#   since a /12 around the lab's 198.18.0.0/15 would cover its veth
#   addresses 198.19.k.x; the scanner namespace routes it to t1 only)
#   BENCH_METHODS="-sS -sT" (default -sS; -sT over 1M hosts takes minutes)
#   BENCH_SINKS="table json xml grep" (default: all four)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export PORTIER_SRC=${PORTIER_SRC:-$here}
. "$here/tests/lab/lib.sh"
lab_init
need_tool nft /usr/bin/time
[ -x "${PORTIER:-}" ] || { echo "bench_scan_memory: PORTIER=${PORTIER:-} is not executable" >&2; exit 2; }

block=${BENCH_BLOCK:-100.64.0.0/12}
methods=${BENCH_METHODS:--sS}
sinks=${BENCH_SINKS:-table json xml grep}
port=9
limit_mb=20
# A silent probe never grows the congestion window, so an all-silent scan
# runs with the initial window: short timeouts and no retransmissions keep
# 1M probes to a minute; memory does not depend on them (slots are bounded).
read -r -a speed <<< "${BENCH_SPEED:---max-retries 0 --min-rtt-timeout 1 --initial-rtt-timeout 2 --max-rtt-timeout 5}"

lab_target t1
lab_anyip t1 "$block"
lab_drop t1 tcp "$port"
hosts=$(( 1 << (32 - ${block#*/}) ))
one=${block%/*}
one=${one%.*}.1
d=$LAB_DIR

# peak RSS in kB and wall seconds of one run: "RSS WALL"
measure() { # LABEL TARGET METHOD SINK
	local label=$1 target=$2 method=$3 sink=$4 out=() rc=0
	case $sink in # the table is the default sink; -q leaves it out
	table) out=() ;;
	json) out=(-q -oJ "$d/$label.jsonl") ;;
	xml) out=(-q -oX "$d/$label.xml") ;;
	grep) out=(-q -oG "$d/$label.gnmap") ;;
	esac
	lab_scan /usr/bin/time -f '%M %e' -o "$d/$label.time" "$PORTIER" scan \
		"$method" -n --no-progress -p "$port" "${speed[@]}" "$target" "${out[@]}" \
		> "$d/$label.table" 2> "$d/$label.err" || rc=$?
	if [ "$rc" != 0 ]; then
		echo "bench_scan_memory: $label exited $rc" >&2
		cat "$d/$label.err" >&2
		exit 1
	fi
	tail -1 "$d/$label.time"
}

# hosts the run listed with the port filtered (low memory from lost output
# would be no result)
listed() { # LABEL SINK
	case $2 in
	table) grep -c "^$port/tcp .* filtered " "$d/$1.table" ;;
	json) grep -c '"state":"filtered"' "$d/$1.jsonl" ;;
	xml) grep -c "portid=\"$port\"><state state=\"filtered\"" "$d/$1.xml" ;;
	grep) grep -c $'\tPorts: '"$port/filtered/tcp/" "$d/$1.gnmap" ;;
	esac
}

printf '%-4s %-6s %12s %12s %10s %8s %10s\n' method sink one_MB block_MB diff_MB limit block_s
fail=0
for m in $methods; do
	for s in $sinks; do
		read -r rss1 _ < <(measure "one$m-$s" "$one" "$m" "$s")
		read -r rssn wall < <(measure "block$m-$s" "$block" "$m" "$s")
		got=$(listed "block$m-$s" "$s")
		[ "$got" = "$hosts" ] || {
			echo "bench_scan_memory: $m $s listed $got of $hosts hosts" >&2
			exit 1
		}
		diff=$(awk -v a="$rssn" -v b="$rss1" 'BEGIN { printf "%.1f", (a - b) / 1024 }')
		verdict=ok
		awk -v x="$diff" -v l="$limit_mb" 'BEGIN { exit !(x <= l) }' || { verdict=OVER; fail=1; }
		printf '%-4s %-6s %12.1f %12.1f %10s %8s %10s\n' "$m" "$s" \
			"$(awk -v a="$rss1" 'BEGIN { print a / 1024 }')" \
			"$(awk -v a="$rssn" 'BEGIN { print a / 1024 }')" \
			"$diff" "$limit_mb:$verdict" "$wall"
	done
done
echo "($block: $hosts silent hosts x 1 port ($port/tcp, dropped); one host: $one)"
exit $fail
