#!/usr/bin/env bash
# bench_nbstat.sh - a /24 node status sweep, portier nbstat against nbtscan,
# side by side in the same lab: the same names must be found, and the wall
# time of each is measured with hyperfine and printed as a ratio.
#
# The /24 is 198.19.200.0/24, routed from the scanner namespace.  N hosts
# in it run a real nmbd each (a namespace per host, the address added to its
# veth); the rest of the block goes to one more namespace where either
#   silent:  every other address exists but drops 137/udp (a firewalled LAN)
#   closed:  every other address answers ICMP port unreachable (hosts up,
#            no NetBIOS: Linux machines, printers)
# Both tools get the same timeout and one retransmission.  Only lab
# namespaces receive anything; nothing is sent to .0 or .255.
#
#   PORTIER=build/portier bench/bench_nbstat.sh     (run as root)
#   BENCH_HOSTS=8 BENCH_RUNS=5 to change the size of the run
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PORTIER_SRC=${PORTIER_SRC:-$(cd "$here/.." && pwd)}
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool nbtscan nmbd hyperfine jq
hosts=${BENCH_HOSTS:-8}
runs=${BENCH_RUNS:-5}
net=198.19.200

# lab_nmbd NAME ADDR NBNAME: nmbd alone, answering on ADDR (added to the
# target's veth) with its own NetBIOS name.
lab_nmbd() {
	local name=$1 addr=$2 nb=$3 d="$LAB_DIR/nmbd-$1" dev
	dev=$(lab_in "$name" ip -o link show type veth | awk -F': ' '{print $2}' | cut -d@ -f1)
	lab_in "$name" ip addr add "$addr/24" dev "$dev"
	ip -n "$LAB_SCANNER" route add "$addr/32" via "${LAB_IP[$name]}"
	mkdir -p "$d"/{private,lock,state,cache,pid,log}
	cat > "$d/smb.conf" <<-EOF
	[global]
	  netbios name = $nb
	  workgroup = BENCHLAB
	  interfaces = $addr/24
	  bind interfaces only = yes
	  private dir = $d/private
	  lock directory = $d/lock
	  state directory = $d/state
	  cache directory = $d/cache
	  pid directory = $d/pid
	  log file = $d/log/%m.log
	  local master = no
	EOF
	lab_bg "$name" "nmbd-$name" nmbd --foreground --no-process-group \
		--debug-stdout -s "$d/smb.conf"
}

want=""
for k in $(seq 1 "$hosts"); do
	lab_target "h$k"
	addr="$net.$((k * 29 % 250 + 2))"
	lab_nmbd "h$k" "$addr" "NBENCH$k"
	want+="$addr NBENCH$k"$'\n'
done
for k in $(seq 1 "$hosts"); do lab_wait_port "h$k" udp 137 30; done
lab_target void
lab_anyip void "$net.0/24"
# nmbd's per-host routes (/32) win over the /24 towards the void
lab_in void sysctl -qw net.ipv4.icmp_ratelimit=0
lab_in void sysctl -qw net.ipv4.icmp_msgs_per_sec=100000
lab_in void sysctl -qw net.ipv4.icmp_msgs_burst=10000
want=$(sort <<<"$want" | sed '/^$/d')
range="$net.1-254"

sweep_portier() {
	# exit 1: the nmbd hosts reveal their names
	lab_expect 1 lab_scan "$PORTIER" nbstat --json --timeout 1000 --retries 1 "$range" \
		| jq -r 'select(.status == "ok") | "\(.host) \(.computer)"' | sort
}
sweep_nbtscan() {
	{ lab_scan nbtscan -q -s " " -t 1000 -m 1 "$range" 2>/dev/null || true; } \
		| awk '{print $1, $2}' | sort
}

for mode in silent closed; do
	if [ "$mode" = silent ]; then
		lab_in void nft add table inet b
		lab_in void nft add chain inet b in '{ type filter hook input priority 0; }'
		lab_in void nft add rule inet b in udp dport 137 drop
	else
		lab_in void nft delete table inet b
	fi
	got_p=$(sweep_portier)
	got_n=$(sweep_nbtscan)
	echo "-- $mode: $hosts of 254 hosts run nmbd, the rest $mode"
	echo "portier found $(grep -c . <<<"$got_p" || true), nbtscan $(grep -c . <<<"$got_n" || true), expected $hosts"
	[ "$got_p" = "$want" ] || { diff <(echo "$want") <(echo "$got_p") || true; lab_fail "portier missed names"; }
	[ "$got_n" = "$want" ] || echo "note: nbtscan's names differ from the ground truth"
	# -i: both tools exit non-zero when they find something
	lab_scan hyperfine -N -i --runs "$runs" --warmup 1 \
		--export-json "$LAB_DIR/$mode.json" \
		-n portier "$PORTIER nbstat -q --timeout 1000 --retries 1 $range" \
		-n nbtscan "nbtscan -q -t 1000 -m 1 $range" \
		-n nbtscan-m0 "nbtscan -q -t 1000 $range" >/dev/null 2>&1
	p=$(jq '.results[] | select(.command == "portier") | .mean' "$LAB_DIR/$mode.json")
	n=$(jq '.results[] | select(.command == "nbtscan") | .mean' "$LAB_DIR/$mode.json")
	n0=$(jq '.results[] | select(.command == "nbtscan-m0") | .mean' "$LAB_DIR/$mode.json")
	awk -v p="$p" -v n="$n" -v n0="$n0" -v m="$mode" 'BEGIN {
		printf "%-7s portier %.3f s   nbtscan -m 1 %.3f s (%.2fx)   nbtscan -m 0 %.3f s (%.2fx, no retransmission)\n",
			m, p, n, n / p, n0, n0 / p }'
done
