#!/usr/bin/env bash
# portier scan -sU against real UDP servers in a target namespace (nmbd on
# 137, small protocol responders for DNS, NTP and memcached, a plain
# datagram echo) and 20 random closed ports, with the target's default ICMP
# rate limit: the same open/closed/open|filtered states as nmap -sU on the
# same port list, with CAP_NET_RAW (raw ICMP sockets) and without it
# (connected sockets with IP_RECVERR); the replies of the
# protocol payloads parse; the outputs carry protocol udp (XML valid
# against nmap.dtd); and over IPv6 the same states as nmap -6 -sU.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_scan.sh"
lab_init
need_tool nmap
need_tool xmllint
need_tool setpriv
need_tool nmbd

lab_target t1
ip="${LAB_IP[t1]}"
lab_samba t1
ready="$LAB_DIR/udp.ready"
lab_bg t1 udp-responder "$LAB_BIN/lab-udp_responder" -a "$ip" -r "$ready" \
	dns:53 ntp:123 mc:11211
for ((i = 0; i < 100; i++)); do [ -s "$ready" ] && break; sleep 0.05; done
[ -s "$ready" ] || lab_fail "udp responder did not start"
lab_listen t1 -a "$ip" udp:40000
mapfile -t closed < <(lab_random_ports 20 41000 60000)
ports="53,123,137,138,11211,40000,$(IFS=,; echo "${closed[*]}")"

# nmap -sU: the reference.  With its own timing nmap gives up on closed
# ports whose ICMP errors the target's limit withholds and calls them
# open|filtered (seen here: 8 of 20 in 7.6 s); one probe per 1.1 s keeps
# every error within Linux's 1/s limit, so nmap's answer is exact.
t0=$(date +%s.%N)
lab_scan nmap -n -Pn -sU --scan-delay 1100ms -p "$ports" \
	-oG "$LAB_DIR/nmap.gnmap" "$ip" > /dev/null || lab_fail "nmap -sU failed"
t_nmap=$(echo "$(date +%s.%N) - $t0" | bc)
states_nmap() {
	grep -o 'Ports: .*' "$1" | sed 's/^Ports: //; s/\tIgnored.*//' \
		| tr ',' '\n' | awk -F/ 'NF>2{gsub(/ /,"",$1); print $1, $2}' \
		| sort -n
}
# ports nmap summarised as "Ignored State: closed (N)" are closed
states_full() { # FILE: every port of the list with its state
	local listed ignored
	listed=$(states_nmap "$1")
	ignored=$(grep -o 'Ignored State: [a-z|]*' "$1" | awk '{print $3}')
	for p in ${ports//,/ }; do
		s=$(awk -v p="$p" '$1 == p {print $2}' <<<"$listed")
		echo "$p ${s:-$ignored}"
	done | sort -n
}
want=$(states_full "$LAB_DIR/nmap.gnmap")
# and nmap's exact answer is the truth: what listens answers or stays
# silent (138: nmbd's datagram service), everything else is closed
truth=$(for p in ${ports//,/ }; do
	case $p in
	53 | 123 | 137 | 11211 | 40000) echo "$p open" ;;
	138) echo "$p open|filtered" ;;
	*) echo "$p closed" ;;
	esac
done | sort -n)
diff <(echo "$truth") <(echo "$want") || lab_fail "nmap -sU (exact) is not the truth"

run_portier() { # DIR PREFIX...: portier -sU as PREFIX runs it, outputs in DIR
	local dir=$1; shift
	local t0
	t0=$(date +%s.%N)
	lab_expect 0 lab_scan "$@" "$PORTIER" scan -n -sU -p "$ports" "$ip" \
		-oJ "$dir/r.jsonl" -oX "$dir/r.xml" -oG "$dir/r.gnmap" \
		> "$dir/table" 2> "$dir/stderr"
	echo "$(date +%s.%N) - $t0" | bc > "$LAB_DIR/$(basename "$dir").time"
}
mkdir -p "$LAB_DIR/raw" "$LAB_DIR/unpriv"
run_portier "$LAB_DIR/raw"
# as nobody, without any capability (no CAP_NET_RAW)
chmod 711 "$LAB_DIR"
chown 65534 "$LAB_DIR/unpriv"
run_portier "$LAB_DIR/unpriv" setpriv --reuid 65534 --regid 65534 \
	--clear-groups --inh-caps=-all --bounding-set=-all
grep -F 'UDP (raw ICMP sockets)' "$LAB_DIR/raw/stderr" \
	|| lab_fail "root's -sU did not read ICMP from raw sockets"
grep -F 'UDP (connected sockets)' "$LAB_DIR/unpriv/stderr" \
	|| lab_fail "-sU without privileges did not use connected sockets"
got_raw=$(states_full "$LAB_DIR/raw/r.gnmap")
got_unpriv=$(states_full "$LAB_DIR/unpriv/r.gnmap")

echo "nmap -sU ($t_nmap s):"; echo "$want" | awk '{printf "%s/%s ", $1, $2} END {print ""}'
echo "portier -sU ($(cat "$LAB_DIR/raw.time") s):"; echo "$got_raw" | awk '{printf "%s/%s ", $1, $2} END {print ""}'
diff <(echo "$want") <(echo "$got_raw") || lab_fail "portier -sU and nmap -sU disagree"
diff <(echo "$want") <(echo "$got_unpriv") \
	|| lab_fail "portier -sU without CAP_NET_RAW disagrees with nmap -sU"

# the servers are open and their replies parsed; the echo is open, unparsed
for p in 53 123 137 11211; do
	scan_has "$LAB_DIR/raw/r.jsonl" "$p" open udp-response \
		|| lab_fail "$p/udp not open with udp-response"
done
parsed=$(python3 - "$LAB_DIR/raw/r.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "port" and o["state"] == "open":
        assert o["proto"] == "udp"
        print(o["port"], o["parsed"], o["service"])
PY
)
echo "$parsed"
grep -qx "53 True domain" <<<"$parsed" || lab_fail "DNS reply not parsed"
grep -qx "123 True ntp" <<<"$parsed" || lab_fail "NTP reply not parsed"
grep -qx "137 True netbios-ns" <<<"$parsed" || lab_fail "nmbd's node status not parsed"
grep -qx "11211 True memcache" <<<"$parsed" || lab_fail "memcached reply not parsed"
grep -q "^40000 False " <<<"$parsed" || lab_fail "the echo on 40000 counted as parsed"
[ "$(scan_summary "$LAB_DIR/raw/r.jsonl" complete)" = true ] || lab_fail "summary incomplete"
# the closed ports cost the ICMP limit: portier says it saw one
lim=$(scan_summary "$LAB_DIR/raw/r.jsonl" icmp_limited_hosts)
echo "ICMP-limited hosts: $lim, waited $(scan_summary "$LAB_DIR/raw/r.jsonl" icmp_wait_s) s"

# XML: valid against nmap's DTD, every port protocol="udp"
dtd=/usr/share/nmap/nmap.dtd
[ -r "$dtd" ] || lab_fail "no $dtd"
xmllint --noout --dtdvalid "$dtd" "$LAB_DIR/raw/r.xml" || lab_fail "XML not valid"
grep -q 'protocol="tcp"' "$LAB_DIR/raw/r.xml" && lab_fail "a TCP port in a -sU scan's XML"
grep -q '<scaninfo type="udp" protocol="udp"' "$LAB_DIR/raw/r.xml" || lab_fail "no udp scaninfo"
grep -q '53/open/udp//domain' "$LAB_DIR/raw/r.gnmap" || lab_fail "grepable lacks 53/open/udp"

# -sSU: TCP then UDP into the same outputs; a plain port goes to both
mkdir -p "$LAB_DIR/mixed"
lab_expect 0 lab_scan "$PORTIER" scan -n -sSU -p 53,T:445,U:137 "$ip" -q \
	-oX "$LAB_DIR/mixed/r.xml" -oG "$LAB_DIR/mixed/r.gnmap" -oJ "$LAB_DIR/mixed/r.jsonl"
xmllint --noout --dtdvalid "$dtd" "$LAB_DIR/mixed/r.xml" || lab_fail "-sSU XML not valid"
for want in 'protocol="tcp" portid="445"><state state="open"' \
	'protocol="udp" portid="53"><state state="open"' \
	'protocol="udp" portid="137"><state state="open"' \
	'<scaninfo type="syn" protocol="tcp" numservices="2" services="53,445"' \
	'<scaninfo type="udp" protocol="udp" numservices="2" services="53,137"'; do
	grep -qF "$want" "$LAB_DIR/mixed/r.xml" || lab_fail "-sSU XML lacks: $want"
done
grep -q '445/open/tcp//.*53/open/udp//domain' "$LAB_DIR/mixed/r.gnmap" \
	|| lab_fail "-sSU grepable lacks TCP then UDP"

# IPv6: a DNS responder on the target's IPv6 address and three closed
# ports (within the ICMPv6 limit's burst): the same states as nmap -6 -sU,
# from raw ICMPv6 sockets as root and connected sockets as nobody
ip6=${LAB_IP6[t1]}
ready6="$LAB_DIR/udp6.ready"
lab_bg t1 udp-responder6 "$LAB_BIN/lab-udp_responder" -a "$ip6" -r "$ready6" dns:53
for ((i = 0; i < 100; i++)); do [ -s "$ready6" ] && break; sleep 0.05; done
[ -s "$ready6" ] || lab_fail "IPv6 udp responder did not start"
ports6="53,${closed[0]},${closed[1]},${closed[2]}"
lab_scan nmap -n -Pn -6 -sU --scan-delay 1100ms -p "$ports6" \
	-oG "$LAB_DIR/nmap6.gnmap" "$ip6" > /dev/null || lab_fail "nmap -6 -sU failed"
mkdir -p "$LAB_DIR/v6raw" "$LAB_DIR/v6unpriv"
chown 65534 "$LAB_DIR/v6unpriv"
lab_expect 0 lab_scan "$PORTIER" scan -n -sU -p "$ports6" "$ip6" -q \
	-oG "$LAB_DIR/v6raw/r.gnmap"
lab_expect 0 lab_scan setpriv --reuid 65534 --regid 65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all "$PORTIER" scan -n -sU \
	-p "$ports6" "$ip6" -q -oG "$LAB_DIR/v6unpriv/r.gnmap"
ports=$ports6
want6=$(states_full "$LAB_DIR/nmap6.gnmap")
truth6=$(printf '%s open\n' 53; for p in "${closed[@]:0:3}"; do echo "$p closed"; done)
diff <(sort -n <<<"$truth6") <(echo "$want6") || lab_fail "nmap -6 -sU is not the truth"
diff <(echo "$want6") <(states_full "$LAB_DIR/v6raw/r.gnmap") ||
	lab_fail "portier -sU over IPv6 disagrees with nmap"
diff <(echo "$want6") <(states_full "$LAB_DIR/v6unpriv/r.gnmap") ||
	lab_fail "portier -sU over IPv6 without CAP_NET_RAW disagrees with nmap"
echo "IPv6: $(echo "$want6" | tr '\n' ' ')"

echo "lab ok: portier -sU agrees with nmap -sU on ${#closed[@]} closed ports and the servers, IPv4 and IPv6"
