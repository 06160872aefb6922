#!/usr/bin/env bash
# bench_scan_version.sh - service and version detection over several lab
# hosts, each running vsftpd (21, anonymous on), OpenSSH (22), nginx (80,
# 8080, and 443 over TLS with a self-signed certificate), redis-server
# (6379) and memcached (11211): `portier scan -sV` against `nmap -sV` on the
# same ports, in the same lab and the same run.  Per host and port the
# service name, product and version must agree; wall times are measured
# with hyperfine and printed side by side with their ratio, which issue 11
# wants at most 0.5 (nmap's -sV waits its 5 s for the web servers' banner).
#
# BENCH_HOSTS hosts (default 4), each in its own namespace.  Only lab
# namespaces receive anything.
#
#   PORTIER=build/portier bench/bench_scan_version.sh     (run as root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PORTIER_SRC=${PORTIER_SRC:-$(cd "$here/.." && pwd)}
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
. "$PORTIER_SRC/tests/lab/lib_svc.sh"
need_tool nmap hyperfine jq python3
hosts=${BENCH_HOSTS:-4}
runs=${BENCH_RUNS:-3}
ports=21,22,80,443,6379,8080,11211
ips=()
for k in $(seq 1 "$hosts"); do
	lab_target "b$k"
	lab_vsftpd "b$k" 21 YES
	lab_sshd "b$k" 22
	lab_nginx "b$k" 80 8080
	lab_nginx_tls "b$k" 443 self
	lab_redis "b$k" 6379
	lab_memcached "b$k" 11211
	ips+=("${LAB_IP[b$k]}")
done
scan_cmd="$PORTIER scan -sT -sV -p $ports -q -oX $LAB_DIR/p.xml ${ips[*]}"
nmap_cmd="nmap -Pn -n -sT -sV -p $ports -oX $LAB_DIR/n.xml ${ips[*]}"

lab_expect 0 lab_scan $scan_cmd
lab_expect 0 lab_scan $nmap_cmd > /dev/null
# "addr port name product version" per port of an XML file
services() {
	python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
for h in ET.parse(sys.argv[1]).iter("host"):
    a = h.find("address").get("addr")
    for p in h.iter("port"):
        s = p.find("service")
        s = s.attrib if s is not None else {}
        print(a, p.get("portid"), s.get("name"), s.get("product", "-"),
              s.get("version", "-"), sep="\t")
PY
}
got=$(services "$LAB_DIR/p.xml" | sort)
want=$(services "$LAB_DIR/n.xml" | sort)
echo "nmap -sV: $(grep -c . <<<"$want") ports on $hosts hosts; portier -sV: $(grep -c . <<<"$got")"
[ "$(grep -c . <<<"$want")" = $((hosts * 7)) ] || lab_fail "nmap did not see every port"
[ "$want" = "$got" ] || { diff <(echo "$want") <(echo "$got") >&2 || true; lab_fail "portier and nmap disagree"; }

lab_scan hyperfine -N -i --runs "$runs" --warmup 1 \
	--export-json "$LAB_DIR/version.json" \
	-n portier "$scan_cmd" -n nmap "$nmap_cmd" >/dev/null 2>&1
mean() { jq ".results[] | select(.command == \"$1\") | .mean" "$LAB_DIR/version.json"; }
p=$(mean portier) n=$(mean nmap)
awk -v p="$p" -v n="$n" -v h="$hosts" 'BEGIN {
	printf "%d hosts x 7 ports (vsftpd, OpenSSH, nginx x2, nginx TLS, redis, memcached), -sV: portier %.3f s   nmap %.3f s   portier/nmap = %.3fx (nmap/portier = %.1fx)\n", h, p, n, p / n, n / p }'
awk -v p="$p" -v n="$n" 'BEGIN { exit !(p / n <= 0.5) }' \
	|| lab_fail "portier -sV took more than half of nmap -sV's time (issue 11's limit)"
