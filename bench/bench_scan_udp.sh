#!/usr/bin/env bash
# bench_scan_udp.sh - portier scan -sU against nmap -sU -T4 on one lab host,
# then on 16 addresses of one kernel (sharing its ICMP limit)
# with the target's default ICMP rate limit (Linux: a burst of 6, then one
# port unreachable per second to us): the top 100 UDP ports plus 20 random
# closed ones, with UDP servers on 53, 123, 11211 (tests/lab/udp_responder.c)
# and a datagram echo on 40000.  Prints wall time and how many ports each
# got right (the truth: what listens answers, everything else is closed),
# then the wall-time ratio.  Runs in namespaces it creates; needs root.
#
#   PORTIER=build/portier bash bench/bench_scan_udp.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
export PORTIER_SRC=${PORTIER_SRC:-$here}
. "$here/bench/lib_ns.sh"
bench_lab_bin listen udp_responder
. "$here/tests/lab/lib.sh"
lab_init
need_tool nmap /usr/bin/time
[ -x "$PORTIER" ] || { echo "bench_scan_udp: PORTIER=$PORTIER is not executable" >&2; exit 2; }

lab_target t1
ip=${LAB_IP[t1]}
d=$LAB_DIR
lab_bg t1 udp-responder "$LAB_BIN/lab-udp_responder" -a "$ip" -r "$d/ready" \
	dns:53 ntp:123 mc:11211
for ((i = 0; i < 100; i++)); do [ -s "$d/ready" ] && break; sleep 0.05; done
lab_listen t1 -a "$ip" udp:40000
top=$(awk '$2 ~ /\/udp$/ {split($2, a, "/"); print $3, a[1]}' \
	/usr/share/nmap/nmap-services | sort -gr | awk 'NR <= 100 {print $2}')
mapfile -t closed < <(lab_random_ports 20 41000 60000)
ports=$(printf '%s\n' $top 53 123 11211 40000 "${closed[@]}" | sort -nu | paste -sd,)
n=$(tr ',' '\n' <<<"$ports" | wc -l)
truth() { # the state every port should have
	for p in ${ports//,/ }; do
		case $p in 53 | 123 | 11211 | 40000) echo "$p open" ;; *) echo "$p closed" ;; esac
	done
}
right() { # GNMAP: ports whose state matches the truth
	local listed ignored
	listed=$(grep -o 'Ports: .*' "$1" | sed 's/^Ports: //; s/\tIgnored.*//' \
		| tr ',' '\n' | awk -F/ 'NF>2{gsub(/ /,"",$1); print $1, $2}')
	ignored=$(grep -o 'Ignored State: [a-z|]*' "$1" | awk '{print $3}')
	for p in ${ports//,/ }; do
		s=$(awk -v p="$p" '$1 == p {print $2}' <<<"$listed")
		echo "$p ${s:-$ignored}"
	done | sort | comm -12 - <(truth | sort) | wc -l
}
declare -A WALL RIGHT
run() { # NAME CMD...
	local name=$1; shift
	lab_scan /usr/bin/time -f '%e' -o "$d/time.$name" "$@" > "$d/log.$name" 2>&1 \
		|| echo "bench_scan_udp: $name exited $?" >&2
	WALL[$name]=$(tail -1 "$d/time.$name")
	RIGHT[$name]=$(right "$d/out.$name")
	printf '%-14s wall %7ss  ports right %s of %s\n' "$name" "${WALL[$name]}" \
		"${RIGHT[$name]}" "$n"
}
echo "one host, $n UDP ports ($((n - 4)) closed), default ICMP rate limit"
run portier-sU "$PORTIER" scan -n -sU -p "$ports" "$ip" -oG "$d/out.portier-sU"
grep 'UDP (' "$d/log.portier-sU" || :
sleep 6 # let the target's ICMP limit fill up again
run nmap-sU-T4 nmap -n -Pn -sU -T4 -p "$ports" -oG "$d/out.nmap-sU-T4" "$ip"
awk -v a="${WALL[portier-sU]}" -v b="${WALL[nmap-sU-T4]}" \
	'BEGIN { printf "ratio portier/nmap -T4 wall time: %.2f\n", a / b }'

# Case 2: a /28 of AnyIP addresses on one target kernel x 3 ports (one
# bound and silent, two closed).  The 16 addresses share the kernel's ICMP
# limit (it is kept per destination: this scanner), so an exact answer
# costs about a second per closed port after the burst, for any tool.
lab_anyip t1 198.18.48.0/28
lab_listen t1 udp:40001
aports=40001,41001,41002
atruth() {
	for h in $(seq 0 15); do
		echo "198.18.48.$h 40001 open|filtered"
		echo "198.18.48.$h 41001 closed"
		echo "198.18.48.$h 41002 closed"
	done | sort
}
aright() { # GNMAP of the /28: (host, port, state) triples that are right
	python3 - "$1" <<'PY' | sort | comm -12 - <(atruth) | wc -l
import re, sys
for line in open(sys.argv[1]):
    m = re.match(r"Host: (\S+) .*Ports: (.*)", line)
    if not m:
        continue
    listed = m.group(2).split("\t")[0]
    ignored = re.search(r"Ignored State: (\S+) \((\d+)\)", line)
    seen = set()
    for e in listed.split(", "):
        f = e.strip().split("/")
        if len(f) > 2:
            print(m.group(1), f[0], f[1]); seen.add(f[0])
    if ignored:
        for p in ("40001", "41001", "41002"):
            if p not in seen:
                print(m.group(1), p, ignored.group(1))
PY
}
arun() { # NAME CMD...
	local name=$1; shift
	lab_scan /usr/bin/time -f '%e' -o "$d/time.$name" "$@" > "$d/log.$name" 2>&1 \
		|| echo "bench_scan_udp: $name exited $?" >&2
	WALL[$name]=$(tail -1 "$d/time.$name")
	RIGHT[$name]=$(aright "$d/out.$name")
	printf '%-14s wall %7ss  (host, port) right %s of 48\n' "$name" "${WALL[$name]}" \
		"${RIGHT[$name]}"
}
echo "16 AnyIP addresses of one kernel x 3 UDP ports (32 closed), one shared ICMP limit"
sleep 6
arun portier-any "$PORTIER" scan -n -sU -p "$aports" 198.18.48.0/28 -oG "$d/out.portier-any"
grep 'UDP (' "$d/log.portier-any" || :
sleep 6
arun nmap-any-T4 nmap -n -Pn -sU -T4 -p "$aports" -oG "$d/out.nmap-any-T4" 198.18.48.0/28
awk -v a="${WALL[portier-any]}" -v b="${WALL[nmap-any-T4]}" \
	'BEGIN { printf "ratio portier/nmap -T4 wall time: %.2f (per host: %.2f s against %.2f s)\n", a / b, a / 16, b / 16 }'
