#!/usr/bin/env bash
# bench_smb.sh - SMB dialects and signing of several Samba servers, portier
# smb against nmap's smb-protocols + smb2-security-mode scripts, side by side
# in the same lab: the dialect sets must agree, wall times are measured with
# hyperfine and printed as a ratio.
#
# BENCH_HOSTS Samba servers (default 4), alternately with and without SMB1,
# each in its own namespace.  Only lab namespaces receive anything.
#
#   PORTIER=build/portier bench/bench_smb.sh     (run as root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PORTIER_SRC=${PORTIER_SRC:-$(cd "$here/.." && pwd)}
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool nmap smbd hyperfine jq
hosts=${BENCH_HOSTS:-4}
runs=${BENCH_RUNS:-5}
ips=()
for k in $(seq 1 "$hosts"); do
	lab_target "s$k"
	if [ $((k % 2)) = 1 ]; then
		lab_samba "s$k" "server min protocol = NT1"
	else
		lab_samba "s$k"
	fi
	ips+=("${LAB_IP[s$k]}")
done

# nmap's dialect list per host, in portier's names
nmap_sets() {
	lab_scan nmap -n -Pn -p445 --script smb-protocols "${ips[@]}" | awk '
		/^Nmap scan report for/ { if (host) print host, set; host = $NF; set = "" }
		/dialects:/ { on = 1; next }
		on && /^\|/ {
			d = $0; sub(/^\|_? +/, "", d); sub(/ .*/, "", d)
			if (d == "NT") d = "NT LM 0.12"
			else d = substr(d, 1, 1) "." substr(d, 2, 1) (substr(d, 3, 1) == "0" && d != "202" ? "" : "." substr(d, 3, 1))
			set = set (set ? "," : "") d
			if ($0 ~ /^\|_/) on = 0
		}
		END { if (host) print host, set }' | sort
}
portier_sets() {
	# exit 1: every server here has a finding (SMB1, or signing optional)
	lab_expect 1 lab_scan "$PORTIER" smb --json "${ips[@]}" \
		| jq -r '"\(.host) \(.accepted | join(","))"' | sort
}
# both sorted the same way: compare as sets per host
norm() { while read -r h s; do echo "$h $(tr , '\n' <<<"$s" | sort | paste -sd, -)"; done; }
want=$(nmap_sets | norm)
got=$(portier_sets | norm)
echo "nmap smb-protocols:"; echo "$want"
echo "portier smb:"; echo "$got"
[ "$want" = "$got" ] || lab_fail "dialect sets differ"

lab_scan hyperfine -N -i --runs "$runs" --warmup 1 --export-json "$LAB_DIR/smb.json" \
	-n portier "$PORTIER smb --json ${ips[*]}" \
	-n nmap "nmap -n -Pn -p445 --script smb-protocols,smb2-security-mode ${ips[*]}" \
	>/dev/null 2>&1
p=$(jq '.results[] | select(.command == "portier") | .mean' "$LAB_DIR/smb.json")
n=$(jq '.results[] | select(.command == "nmap") | .mean' "$LAB_DIR/smb.json")
awk -v p="$p" -v n="$n" -v h="$hosts" 'BEGIN {
	printf "%d Samba hosts: portier smb %.3f s   nmap smb-protocols+smb2-security-mode %.3f s   nmap/portier = %.1fx\n", h, p, n, n / p }'
