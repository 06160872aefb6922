#!/usr/bin/env bash
# bench_firewall.sh - what sets buy: closing N scattered ports with
# `portier firewall close` (one interval set, one rule) against the same
# ports as one nft rule per port (the shape hand-written and iptables-style
# scripts have), in the same lab target namespace:
#   apply:   wall time to load the rules (hyperfine; each run starts from an
#            empty ruleset)
#   packets: wall time to send 100,000 small UDP datagrams from the scanner
#            to the target (port 9, nobody listens), every one of which the
#            input chain evaluates: the per-packet cost of the ruleset
#   rules:   rules in the input chain
# Only the lab namespaces receive anything.
#
#   PORTIER=build/portier bench/bench_firewall.sh      (run as root)
#   BENCH_PORTS=5000 BENCH_RUNS=5 to change the size of the run
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PORTIER_SRC=${PORTIER_SRC:-$(cd "$here/.." && pwd)}
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool hyperfine nft python3
nports=${BENCH_PORTS:-5000}
runs=${BENCH_RUNS:-5}
export PORTIER_STATE_DIR="$LAB_DIR/fw-state"
unset SSH_CONNECTION

lab_target t1
ns=${LAB_NS[t1]}
# every other port from 20000 up: nothing merges into a range
spec=$(seq -s, 20000 2 $((20000 + 2 * (nports - 1))))
perport="$LAB_DIR/perport.nft"
{
	echo "table inet perport {"
	echo "  chain input {"
	echo "    type filter hook input priority filter; policy accept;"
	for p in ${spec//,/ }; do echo "    tcp dport $p drop"; done
	echo "  }"
	echo "}"
} > "$perport"

calc() { python3 -c "print($1)"; }
flood() {
	lab_scan python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(100000):
    s.sendto(b"x", (sys.argv[1], 9))' "${LAB_IP[t1]}"
}
flood_time() {
	local t0 t1
	t0=$(date +%s.%N); flood; t1=$(date +%s.%N)
	calc "$t1 - $t0"
}

echo "closing $nports scattered TCP ports in a lab namespace"
hyperfine -N --runs "$runs" --export-json "$LAB_DIR/apply.json" \
	--prepare "ip netns exec $ns nft flush ruleset" \
	-n portier "ip netns exec $ns $PORTIER firewall close $spec/tcp" \
	-n nft-per-port "ip netns exec $ns nft -f $perport" >/dev/null
read -r t_portier t_perport < <(python3 -c '
import json,sys
r=json.load(open(sys.argv[1]))["results"]
print(r[0]["median"], r[1]["median"])' "$LAB_DIR/apply.json")

# per-packet cost: the same flood against each ruleset
lab_in t1 nft flush ruleset
p_none=$(flood_time)
lab_in t1 "$PORTIER" firewall close "$spec/tcp" >/dev/null
rules_portier=$(lab_in t1 nft list chain inet portier input | grep -c 'drop$' || true)
p_portier=$(flood_time)
lab_in t1 nft flush ruleset
lab_in t1 nft -f "$perport"
rules_perport=$(lab_in t1 nft list chain inet perport input | grep -c 'drop$' || true)
p_perport=$(flood_time)

printf '%-14s %10s %14s %8s\n' "" "apply (s)" "100k pkts (s)" "rules"
printf '%-14s %10.3f %14.3f %8s\n' "no rules" 0 "$p_none" 0
printf '%-14s %10.3f %14.3f %8s\n' "portier" "$t_portier" "$p_portier" "$rules_portier"
printf '%-14s %10.3f %14.3f %8s\n' "nft per port" "$t_perport" "$p_perport" "$rules_perport"
printf 'apply: nft-per-port / portier = %.1fx; packet path: nft-per-port / portier = %.1fx\n' \
	"$(calc "$t_perport / $t_portier")" "$(calc "$p_perport / $p_portier")"
