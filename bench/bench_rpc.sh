#!/usr/bin/env bash
# bench_rpc.sh - the endpoint lists of several Samba servers (samba-dcerpcd
# on 135): portier rpc over all of them at once against impacket's rpcdump
# run one host after another, in the same lab and the same run.  The lists
# must agree (interface UUID, version, binding per host); wall times are
# measured with hyperfine and printed as a ratio, for the sweep and for a
# single host.
#
# BENCH_HOSTS Samba servers (default 4), each in its own namespace.  Only
# lab namespaces receive anything.
#
#   PORTIER=build/portier bench/bench_rpc.sh     (run as root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PORTIER_SRC=${PORTIER_SRC:-$(cd "$here/.." && pwd)}
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool smbd hyperfine jq /usr/bin/python3
RPCDUMP=/usr/share/doc/python3-impacket/examples/rpcdump.py
[ -r "$RPCDUMP" ] || need_skip "impacket's rpcdump missing (python3-impacket)"
hosts=${BENCH_HOSTS:-4}
runs=${BENCH_RUNS:-5}
wrap="/usr/bin/python3 $PORTIER_SRC/tests/lab/rpcdump_samba.py $RPCDUMP"
ips=()
for k in $(seq 1 "$hosts"); do
	lab_target "r$k"
	lab_samba "r$k" "rpc start on demand helpers = no"
	lab_samba_rpc "r$k"
	ips+=("${LAB_IP[r$k]}")
done

# "host uuid version binding" lines from both tools
rpcdump_list() {
	local ip
	for ip in "${ips[@]}"; do
		lab_scan $wrap -port 135 "$ip" | awk -v h="$ip" '
			/^UUID/ { u = tolower($3); v = $4; next }
			/^Bindings:/ { on = 1; next }
			/^$/ { on = 0; next }
			on { sub(/^ +/, ""); print h, u, v, $0 }'
	done | sort
}
portier_list() {
	# exit 1: every list readable from the network is a finding
	lab_expect 1 lab_scan "$PORTIER" rpc --json "${ips[@]}" |
		jq -r '.host as $h | .entries[] | "\($h) \(.uuid) v\(.version) \(.binding)"' |
		sort
}
want=$(rpcdump_list)
got=$(portier_list)
echo "rpcdump: $(wc -l <<<"$want") endpoints on $hosts hosts; portier rpc: $(wc -l <<<"$got")"
[ -n "$want" ] || lab_fail "rpcdump listed nothing"
[ "$want" = "$got" ] || { diff <(echo "$want") <(echo "$got") >&2 || true; lab_fail "the lists differ"; }

seq_cmd="sh -c 'for ip in ${ips[*]}; do $wrap -port 135 \$ip >/dev/null; done'"
lab_scan hyperfine -N -i --runs "$runs" --warmup 1 --export-json "$LAB_DIR/rpc.json" \
	-n portier "$PORTIER rpc --json ${ips[*]}" \
	-n rpcdump "$seq_cmd" \
	-n portier1 "$PORTIER rpc --json ${ips[0]}" \
	-n rpcdump1 "$wrap -port 135 ${ips[0]}" \
	>/dev/null 2>&1
mean() { jq ".results[] | select(.command == \"$1\") | .mean" "$LAB_DIR/rpc.json"; }
awk -v p="$(mean portier)" -v r="$(mean rpcdump)" -v p1="$(mean portier1)" \
	-v r1="$(mean rpcdump1)" -v h="$hosts" 'BEGIN {
	printf "%d Samba hosts: portier rpc %.3f s   rpcdump one after another %.3f s   portier/rpcdump = %.3f (rpcdump/portier = %.1fx)\n", h, p, r, p / r, r / p
	printf "1 Samba host:  portier rpc %.3f s   rpcdump %.3f s   portier/rpcdump = %.3f (rpcdump/portier = %.1fx)\n", p1, r1, p1 / r1, r1 / p1 }'
