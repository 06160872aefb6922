#!/usr/bin/env bash
# portier nbstat against real Samba (nmbd): the same names, suffixes, GROUP
# flags and MAC address as `nmblookup -A`, `nbtscan -v` and nmap's nbstat; a host without
# a name service is reported as refused, a /24 sweep finds only the Samba
# host, and nothing is sent to a multicast or broadcast address (single
# such targets exit 2; ranges skip .255 and .0, counted by nft).
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool nmblookup nbtscan nmap jq

lab_target t1
lab_target t2 # no NetBIOS at all
lab_target t3 # a hostile name service: its name count overruns the packet
lab_target t4 # a name service with 200 names (a reply bigger than an MTU)
lab_target t5 # a name service sending 9000-byte datagrams
lab_target t6 # decoys: right transaction id, but from port 138 or for another name
# aliases add more names (<00> <03> <20> for each alias)
lab_samba t1 "netbios aliases = PTFILES PTBACKUP"
ip=${LAB_IP[t1]}
# fake137 NAME MODE: a name service answering every query with
#   overrun: a reply whose name count (200) runs past the packet
#   many:    a valid reply with 200 names (3.7 KB, more than one MTU)
#   huge:    a 9000-byte datagram, larger than any node status reply
#   decoys:  a valid reply from port 138, and one from 137 whose answer is
#            for the name LABSRV<20> instead of "*": neither is an answer
fake137() {
	lab_bg "$1" "fake137-$2" python3 -c '
import socket, struct, sys
ip, mode = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((ip, 137))
s138 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s138.bind((ip, 138))
def encode(name, sfx):
    raw = name.ljust(15).encode() + bytes([sfx])
    return bytes([32]) + bytes(c for b in raw for c in (65 + (b >> 4), 65 + (b & 15))) + b"\0"
def entry(n, sfx, flags):
    return n.ljust(15).encode() + bytes([sfx]) + struct.pack(">H", flags)
while True:
    q, peer = s.recvfrom(2048)
    if mode == "decoys":
        rd = bytes([1]) + entry("DECOY", 0x20, 0x0400) + bytes(46)
        rr = struct.pack(">HHIH", 0x21, 1, 0, len(rd)) + rd
        hdr = q[:2] + b"\x84\x00\x00\x00\x00\x01\x00\x00\x00\x00"
        s138.sendto(hdr + q[12:46] + rr, peer)
        s.sendto(hdr + encode("LABSRV", 0x20) + rr, peer)
        continue
    if mode == "overrun":
        rd = bytes([200]) + entry("EVIL", 0, 0x0400) + entry("EVIL", 0x20, 0x0400)
    else:
        rd = bytes([200]) + b"".join(entry("N%03d" % i, 0x20, 0x0400) for i in range(200))
        rd += bytes(6 + 40) + (bytes(9000) if mode == "huge" else b"")
    s.sendto(q[:2] + b"\x84\x00\x00\x00\x00\x01\x00\x00\x00\x00" + q[12:46]
             + struct.pack(">HHIH", 0x21, 1, 0, len(rd) & 0xffff) + rd, peer)
' "${LAB_IP[$1]}" "$2"
	lab_wait_port "$1" udp 137
}
fake137 t3 overrun
fake137 t4 many
fake137 t5 huge
fake137 t6 decoys

# nmbd registers its names over the first seconds and wins the browser
# election after about 20 s (adding ..__MSBROWSE__.<01> and <1d>): wait for
# that, at most 45 s, then for a table that holds still
for i in $(seq 1 45); do
	lab_scan nmblookup -A "$ip" 2>/dev/null | grep -q '<1d>' && break
	sleep 1
done
prev=""
for i in $(seq 1 10); do
	cur=$(lab_scan nmblookup -A "$ip" 2>/dev/null | grep '<' | sort || true)
	[ -n "$cur" ] && [ "$cur" = "$prev" ] && break
	prev=$cur
	sleep 1
done

# Each tool's view as sorted "NAME<XX>U|G" lines plus "MAC xx:xx:..".
from_nmblookup() {
	lab_scan nmblookup -A "$ip" | awk '
		/^\t.*<..>/ {
			name = substr($0, 2, 15); sub(/ +$/, "", name)
			match($0, /<..>/); sfx = toupper(substr($0, RSTART + 1, 2))
			print name "<" sfx ">" ($0 ~ /<GROUP>/ ? "G" : "U")
		}
		/MAC Address/ { m = tolower($NF); gsub("-", ":", m); print "MAC " m }' | sort
}
from_nbtscan() {
	lab_scan nbtscan -v -s : "$ip" | awk -F: '
		$2 == "MAC" { print "MAC " tolower($3 ":" $4 ":" $5 ":" $6 ":" $7 ":" $8); next }
		NF >= 3 {
			name = $2; sub(/ +$/, "", name)
			gsub(/[^[:print:]]/, ".", name) # nbtscan prints raw bytes
			t = $3; print name "<" toupper(substr(t, 1, 2)) ">" substr(t, 3, 1)
		}' | sort
}
from_nmap() {
	lab_scan nmap -n -Pn -sU -p137 --script nbstat \
		--script-args nbstat.verbose=1 "$ip" | awk '
		/NetBIOS MAC:/ {
			m = $0; sub(/.*NetBIOS MAC: /, "", m); m = tolower(substr(m, 1, 12))
			print "MAC " substr(m,1,2) ":" substr(m,3,2) ":" substr(m,5,2) ":" substr(m,7,2) ":" substr(m,9,2) ":" substr(m,11,2)
		}
		/Flags:/ {
			n = $2; name = n; sub(/<.*/, "", name); sfx = n; sub(/.*</, "", sfx); sub(/>.*/, "", sfx)
			if (name ~ /MSBROWSE/) name = "..__MSBROWSE__."
			print name "<" toupper(sfx) ">" ($0 ~ /<group>/ ? "G" : "U")
		}' | sort
}
from_portier() {
	lab_expect 1 lab_scan "$PORTIER" nbstat --json "$ip" | jq -r '
		(.names[] | "\(.name)<\(.suffix)>\(if .group then "G" else "U" end)"),
		"MAC \(.mac)"' | sort
}

want=$(from_nmblookup)
nbt=$(from_nbtscan)
nse=$(from_nmap)
got=$(from_portier)
echo "== nmblookup -A"; echo "$want"
echo "== nbtscan -v";   echo "$nbt"
echo "== nmap --script nbstat"; echo "$nse"
echo "== portier nbstat"; echo "$got"
[ "$(grep -c '<' <<<"$want")" -ge 9 ] || lab_fail "nmblookup saw too few names"
grep -q '^PTFILES<20>U$' <<<"$want" || lab_fail "alias PTFILES<20> missing in nmblookup"
if grep -q '<1D>U$' <<<"$want"; then
	browser=yes
	grep -q '^\.\.__MSBROWSE__\.<01>G$' <<<"$want" || lab_fail "no __MSBROWSE__ with <1d>"
else
	browser=no
	echo "note: nmbd did not win the browser election within 45 s"
fi
[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got"); lab_fail "portier and nmblookup -A disagree"; }
[ "$got" = "$nbt" ] || { diff <(echo "$nbt") <(echo "$got"); lab_fail "portier and nbtscan -v disagree"; }
[ "$got" = "$nse" ] || { diff <(echo "$nse") <(echo "$got"); lab_fail "portier and nmap's nbstat script disagree"; }

# The one-line view: computer name, <server>, MAC, and the leak line.
out=$(lab_scan "$PORTIER" nbstat "$ip" 2>/dev/null) && rc=0 || rc=$?
echo "$out"
[ "$rc" = 1 ] || lab_fail "a host that leaks names should exit 1, got $rc"
grep -Eq "^$ip +LABSRV[0-9]+ +<server>" <<<"$out" || lab_fail "summary line wrong"
grep -q 'leak: .*workgroup/domain PORTIERLAB.*roles: file server' <<<"$out" \
	|| lab_fail "leak line misses workgroup or role"
if [ "$browser" = yes ]; then
	grep -q 'roles: file server, master browser' <<<"$out" || lab_fail "master browser role missing"
fi
# -v lists every name like nmblookup
[ "$(lab_expect 1 lab_scan "$PORTIER" nbstat -v "$ip" | grep -c '<..>')" = "$(grep -c '<' <<<"$want")" ] \
	|| lab_fail "-v table has a different number of names"

# A host with no name service: ICMP port unreachable, reported, exit 0.
out=$(lab_scan "$PORTIER" nbstat --json --all "${LAB_IP[t2]}") && rc=0 || rc=$?
echo "$out"
[ "$rc" = 0 ] || lab_fail "no answer should exit 0, got $rc"
[ "$(jq -r .status <<<"$out")" = refused ] || lab_fail "t2 should be refused"

# A hostile reply: reported as malformed with the bad count, never as names.
out=$(lab_scan "$PORTIER" nbstat --json "${LAB_IP[t3]}") && rc=0 || rc=$?
echo "$out"
[ "$rc" = 1 ] || lab_fail "a malformed reply should still exit 1 (something answered), got $rc"
[ "$(jq -r .status <<<"$out")" = malformed ] || lab_fail "t3 should be malformed"
jq -r .error <<<"$out" | grep -q 'name count 200' || lab_fail "t3: error does not name the count"
jq -e 'has("names") | not' <<<"$out" >/dev/null || lab_fail "t3: names shown from a bad reply"

# 200 names in one 3.7 KB reply: all of them, not a cut-off list
out=$(lab_expect 1 lab_scan "$PORTIER" nbstat --json "${LAB_IP[t4]}")
[ "$(jq -r '.names | length' <<<"$out")" = 200 ] || lab_fail "t4: expected 200 names"
# a datagram larger than any node status reply: malformed, with its size
out=$(lab_expect 1 lab_scan "$PORTIER" nbstat --json "${LAB_IP[t5]}")
echo "$out"
jq -r .error <<<"$out" | grep -q 'larger than any node status reply' || lab_fail "t5: oversize not named"

# A /24 sweep: exactly the Samba host answers, fast, and .255 is never
# asked (the socket has no SO_BROADCAST and the block skips it).
start=$(date +%s%N)
out=$(lab_expect 1 lab_scan "$PORTIER" nbstat --json --all --timeout 500 198.19.1.0/24)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "/24 sweep: $(jq -r .status <<<"$out" | sort | uniq -c | tr '\n' ' ') in ${ms} ms"
[ "$(jq -r 'select(.status == "ok") | .host' <<<"$out")" = "$ip" ] || lab_fail "/24 sweep: wrong answering set"
[ "$(jq -s length <<<"$out")" = 254 ] || lab_fail "/24 sweep: expected 254 results"
jq -r .host <<<"$out" | grep -q '\.255$' && lab_fail "/24 sweep asked the broadcast address"

# --raw-dir (commands run as root): a symlink planted in the directory is
# not followed (the file it points at stays as it was) and a planted FIFO
# neither blocks nor gets written; the other replies are saved.
raw=$(mktemp -d "$LAB_DIR/raw.XXXXXX")
echo precious > "$LAB_DIR/victim"
ln -s "$LAB_DIR/victim" "$raw/nbstat-$ip.bin"
mkfifo "$raw/nbstat-${LAB_IP[t4]}.bin"
err=$(lab_scan timeout 20 "$PORTIER" nbstat -q --raw-dir "$raw" "$ip" \
	"${LAB_IP[t4]}" "${LAB_IP[t3]}" 2>&1 >/dev/null) && rc=0 || rc=$?
echo "$err"
[ "$rc" = 1 ] || lab_fail "--raw-dir run: expected exit 1, got $rc"
[ "$(cat "$LAB_DIR/victim")" = precious ] || lab_fail "--raw-dir wrote through a symlink"
grep -q "nbstat-$ip.bin': it is a symbolic link" <<<"$err" || lab_fail "--raw-dir: symlink not reported"
grep -q "nbstat-${LAB_IP[t4]}.bin': it is not a regular file" <<<"$err" || lab_fail "--raw-dir: FIFO not reported"
[ -s "$raw/nbstat-${LAB_IP[t3]}.bin" ] || lab_fail "--raw-dir: the plain reply was not saved"
[ "$(stat -c %a "$raw/nbstat-${LAB_IP[t3]}.bin")" = 644 ] || lab_fail "--raw-dir: file mode is not 0644"

# Decoys with the right transaction id from the wrong port or about another
# name are not answers: the host stays silent (and asked twice).
out=$(lab_scan "$PORTIER" nbstat --json --all --timeout 400 "${LAB_IP[t6]}") && rc=0 || rc=$?
echo "$out"
[ "$rc" = 0 ] || lab_fail "t6: decoys only should exit 0, got $rc"
[ "$(jq -r .status <<<"$out")" = timeout ] || lab_fail "t6: a decoy was taken as the answer"
[ "$(jq -r .queries <<<"$out")" = 2 ] || lab_fail "t6: expected 2 queries"

# Unicast only.  nft counters in the scanner's output path count every
# query to a group address; a route sends multicast into the lab (to t1), so
# a query that got past the checks would show up in the counter instead of
# failing for lack of a route.
lab_scan ip route add 224.0.0.0/4 dev "${LAB_ID}s1"
lab_anyip t2 198.18.0.0/16 # no name service there: ICMP or silence
lab_scan nft -f - <<'EOF'
table ip nbstat_guard {
	counter group {}
	counter bcast {}
	counter anyip {}
	chain out {
		type filter hook output priority 0; policy accept;
		udp dport 137 ip daddr 224.0.0.0/4 counter name "group"
		udp dport 137 ip daddr 255.255.255.255 counter name "group"
		udp dport 137 ip daddr { 198.18.0.255, 198.18.1.0 } counter name "bcast"
		udp dport 137 ip daddr 198.18.0.0/16 counter name "anyip"
	}
}
EOF
nft_count() { lab_scan nft list counter ip nbstat_guard "$1" | grep -o 'packets [0-9]*' | cut -d' ' -f2; }
for bad in 224.0.0.1 239.255.255.250 255.255.255.255 0.0.0.0; do
	rc=0; err=$(lab_scan "$PORTIER" nbstat "$bad" 2>&1 >/dev/null) || rc=$?
	echo "nbstat $bad: rc $rc: $(head -1 <<<"$err")"
	[ "$rc" = 2 ] || lab_fail "nbstat $bad should exit 2, got $rc"
	grep -q "'$bad'" <<<"$err" || lab_fail "nbstat $bad: error does not name it"
	grep -q 'hint' <<<"$err" || lab_fail "nbstat $bad: no hint"
done
rc=0; lab_scan "$PORTIER" nbstat 224.0.0.0/28 >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || lab_fail "a multicast block should exit 2, got $rc"
# a range over a /24 boundary: 10 hosts, never .255 nor .0
out=$(lab_expect 0 lab_scan "$PORTIER" nbstat --json --all --retries 0 --timeout 300 \
	198.18.0.250-198.18.1.5)
hosts=$(jq -r .host <<<"$out" | sort -t. -k3,3n -k4,4n | paste -sd' ' -)
echo "range 198.18.0.250-198.18.1.5 asked: $hosts"
[ "$hosts" = "198.18.0.250 198.18.0.251 198.18.0.252 198.18.0.253 198.18.0.254 198.18.1.1 198.18.1.2 198.18.1.3 198.18.1.4 198.18.1.5" ] \
	|| lab_fail "range: wrong set of hosts asked"
echo "counters: group $(nft_count group), .255/.0 $(nft_count bcast), anyip $(nft_count anyip)"
[ "$(nft_count anyip)" = 10 ] || lab_fail "range: expected exactly 10 queries on the wire"
[ "$(nft_count bcast)" = 0 ] || lab_fail "a query went to 198.18.0.255 or 198.18.1.0"
[ "$(nft_count group)" = 0 ] || lab_fail "a query went to a multicast or broadcast address"

# Bad usage: no targets, a bad rate.
lab_scan "$PORTIER" nbstat >/dev/null 2>&1 && lab_fail "no targets must fail"
rc=0; lab_scan "$PORTIER" nbstat --rate x "$ip" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || lab_fail "bad --rate should exit 2, got $rc"
rc=0; lab_scan "$PORTIER" nbstat "${LAB_IP6[t1]}" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || lab_fail "an IPv6 target should exit 2, got $rc"
echo "nbstat ok: $(grep -c '<' <<<"$want") names agree with nmblookup -A, nbtscan -v and nmap's nbstat"
