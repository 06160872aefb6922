#!/usr/bin/env bash
# bench_smb_rpc.sh - what several Samba servers give away before any
# password, their shares and their RPC endpoints: one portier scan
# (-p 135,139,445 --probe smb-shares,rpc) over all of them against
# `smbclient -N -L` and impacket's rpcdump run one host after another, in
# the same lab and the same run.  The share names and types and the
# endpoint lists must agree per host; wall times are measured with
# hyperfine and printed as a ratio, which must be at most 0.5 (issue 12).
#
# BENCH_HOSTS Samba servers (default 4, samba-dcerpcd on 135), each in its
# own namespace.  Only lab namespaces receive anything.
#
#   PORTIER=build/portier bench/bench_smb_rpc.sh     (run as root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PORTIER_SRC=${PORTIER_SRC:-$(cd "$here/.." && pwd)}
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool smbd smbclient hyperfine jq /usr/bin/python3
RPCDUMP=/usr/share/doc/python3-impacket/examples/rpcdump.py
[ -r "$RPCDUMP" ] || need_skip "impacket's rpcdump missing (python3-impacket)"
hosts=${BENCH_HOSTS:-4}
runs=${BENCH_RUNS:-5}
wrap="/usr/bin/python3 $PORTIER_SRC/tests/lab/rpcdump_samba.py $RPCDUMP"
ips=()
for k in $(seq 1 "$hosts"); do
	lab_target "b$k"
	lab_samba "b$k" "rpc start on demand helpers = no"
	lab_samba_rpc "b$k"
	ips+=("${LAB_IP[b$k]}")
done
F=$LAB_DIR/scan.jsonl
scan_cmd="$PORTIER scan -sT -p 135,139,445 --probe smb-shares,rpc -q -oJ $F ${ips[*]}"

# "host share type" and "host uuid version binding" lines from the peers
peer_shares() {
	local ip
	for ip in "${ips[@]}"; do
		lab_scan smbclient -N -L "//$ip" 2>/dev/null | awk -v h="$ip" '
			/^\tSharename/ { on = 1; next }
			on && /^\t-/ { next }
			on && !/^\t/ { on = 0 }
			on { print h, $1, $2 }'
	done | sort
}
peer_endpoints() {
	local ip
	for ip in "${ips[@]}"; do
		lab_scan $wrap -port 135 "$ip" | awk -v h="$ip" '
			/^UUID/ { u = tolower($3); v = $4; next }
			/^Bindings:/ { on = 1; next }
			/^$/ { on = 0; next }
			on { sub(/^ +/, ""); print h, u, v, $0 }'
	done | sort
}
# findings leave the scan's exit code at 0
lab_expect 0 lab_scan $scan_cmd
got_shares=$(jq -r 'select(.type == "smb") | .host as $h | .shares.list[] | "\($h) \(.name) \(.type)"' "$F" | sort)
got_eps=$(jq -r 'select(.type == "rpc") | .host as $h | .entries[] | "\($h) \(.uuid) v\(.version) \(.binding)"' "$F" | sort)
want_shares=$(peer_shares)
want_eps=$(peer_endpoints)
echo "smbclient -L: $(wc -l <<<"$want_shares") shares, rpcdump: $(wc -l <<<"$want_eps") endpoints on $hosts hosts"
echo "portier scan: $(wc -l <<<"$got_shares") shares, $(wc -l <<<"$got_eps") endpoints"
[ -n "$want_shares" ] && [ -n "$want_eps" ] || lab_fail "the peers listed nothing"
[ "$want_shares" = "$got_shares" ] || { diff <(echo "$want_shares") <(echo "$got_shares") >&2 || true; lab_fail "the share lists differ"; }
[ "$want_eps" = "$got_eps" ] || { diff <(echo "$want_eps") <(echo "$got_eps") >&2 || true; lab_fail "the endpoint lists differ"; }

seq_cmd="sh -c 'for ip in ${ips[*]}; do smbclient -N -L //\$ip >/dev/null 2>&1; $wrap -port 135 \$ip >/dev/null; done'"
lab_scan hyperfine -N -i --runs "$runs" --warmup 1 --export-json "$LAB_DIR/smb_rpc.json" \
	-n portier "$scan_cmd" \
	-n peers "$seq_cmd" \
	>/dev/null 2>&1
mean() { jq ".results[] | select(.command == \"$1\") | .mean" "$LAB_DIR/smb_rpc.json"; }
p=$(mean portier) r=$(mean peers)
awk -v p="$p" -v r="$r" -v h="$hosts" 'BEGIN {
	printf "%d Samba hosts, shares + rpc: portier scan --probe smb-shares,rpc %.3f s   smbclient -N -L + rpcdump one host after another %.3f s   portier/peers = %.3fx (peers/portier = %.1fx)\n", h, p, r, p / r, r / p }'
awk -v p="$p" -v r="$r" 'BEGIN { exit !(p / r <= 0.5) }' \
	|| lab_fail "portier took more than 0.5x the peers' time"
