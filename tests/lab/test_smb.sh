#!/usr/bin/env bash
# portier smb against real Samba (smbd): the accepted dialect set equals
# nmap's smb-protocols, signing matches smb2-security-mode, SMB1 is reported
# and flagged only when Samba allows it, 139 is used (with a NetBIOS
# session) when 445 is dropped by nftables, and hostile or silent peers give
# a clear per-host error in bounded time.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool nmap jq nft

lab_target t1 # SMB2_10 and up: no SMB1
lab_target t2 # NT1 allowed, signing mandatory
lab_target t3 # defaults, 445 dropped by nftables
lab_target t4 # a plain listener on 445 and a silent one on 139
lab_target t5 # a silent 445
lab_target t6 # a session service that accepts only *SMBSERVER, then hangs up
lab_samba t1 "server min protocol = SMB2_10"
lab_samba t2 "server min protocol = NT1" "server signing = mandatory"
lab_samba t3
lab_in t3 nft add table inet t
lab_in t3 nft add chain inet t in '{ type filter hook input priority 0; }'
lab_in t3 nft add rule inet t in tcp dport 445 drop
lab_listen t4 -a "${LAB_IP[t4]}" tcp:445
# silent NAME PORT: accept connections on PORT and never say a word
silent() {
	lab_bg "$1" "silent$2" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8)
held = []
while True:
    c, _ = s.accept(); held.append(c)   # accept, never answer
' "${LAB_IP[$1]}" "$2"
	lab_wait_port "$1" tcp "$2"
}
silent t4 139
silent t5 445
lab_bg t6 picky139 python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 139)); s.listen(8)
while True:
    c, _ = s.accept()
    req = c.recv(72)
    enc = req[5:37]
    name = bytes(((enc[i] - 65) << 4) | (enc[i + 1] - 65) for i in range(0, 32, 2))
    # RFC 1002 4.3.3/4.3.4: positive for *SMBSERVER, else "called name not present"
    c.sendall(b"\x82\0\0\0" if name.startswith(b"*SMBSERVER") else b"\x83\0\0\x01\x82")
    c.close()
' "${LAB_IP[t6]}"
lab_wait_port t6 tcp 139

# nmap's view: the dialects as portier names them, one line, sorted
nmap_dialects() {
	lab_scan nmap -n -Pn -p "$2" --script smb-protocols "$1" | awk '
		/dialects:/ { on = 1; next }
		on && /^\|/ {
			d = $0; sub(/^\|_? +/, "", d); sub(/ .*/, "", d)
			if (d == "NT") d = "NT LM 0.12"
			else if (d ~ /^[0-9]+$/) {
				d = substr(d, 1, 1) "." substr(d, 2, 1) (substr(d, 3, 1) == "0" && d != "202" ? "" : "." substr(d, 3, 1))
			}
			print d
			if ($0 ~ /^\|_/) on = 0
		}' | sort | paste -sd, -
}
nmap_signing() {
	lab_scan nmap -n -Pn -p "$2" --script smb2-security-mode "$1" \
		| grep -o 'Message signing [a-z ]*' | head -1
}
# portier_json WANT ARGS...: portier smb --json ARGS, which must exit WANT
portier_json() { lab_expect "$1" lab_scan "$PORTIER" smb --json "${@:2}"; }

check() { # name port json
	local name=$1 port=$2 json=$3 want got
	want=$(nmap_dialects "${LAB_IP[$name]}" "$port")
	got=$(jq -r '.accepted[]' <<<"$json" | sort | paste -sd, -)
	echo "$name: nmap smb-protocols: $want"
	echo "$name: portier smb:        $got"
	[ -n "$want" ] || lab_fail "$name: nmap found no dialects"
	[ "$want" = "$got" ] || lab_fail "$name: dialect sets differ"
	want=$(nmap_signing "${LAB_IP[$name]}" "$port")
	got=$(jq -r 'if .signing.required then "Message signing enabled and required"
		else "Message signing enabled but not required" end' <<<"$json")
	echo "$name: nmap: $want / portier: $got"
	[ "$want" = "$got" ] || lab_fail "$name: signing differs from smb2-security-mode"
}

# t1: no SMB1, signing optional -> one medium finding, exit 1
j1=$(portier_json 1 "${LAB_IP[t1]}")
check t1 445 "$j1"
[ "$(jq -r .smb1 <<<"$j1")" = false ] || lab_fail "t1: SMB1 reported with SMB2_10"
[ "$(jq -r '.transport.used' <<<"$j1")" = 445 ] || lab_fail "t1: 445 not used"
[ "$(jq -r '[.findings[].id] | join(",")' <<<"$j1")" = signing-not-required ] \
	|| lab_fail "t1: expected only the signing finding"
[ "$(jq -r .highest <<<"$j1")" = 3.1.1 ] || lab_fail "t1: highest should be 3.1.1"
[ "$(jq -r '.dialects[] | select(.dialect == "3.1.1") | .preauth_hash' <<<"$j1")" = SHA-512 ] \
	|| lab_fail "t1: 3.1.1 hash missing"
jq -e '.server_guid | test("^[0-9a-f-]{36}$")' <<<"$j1" >/dev/null || lab_fail "t1: no GUID"

# the server's clock as nmap's smb2-time reads it (to the second, give or
# take the moment between the two runs)
nt=$(lab_scan nmap -n -Pn -p445 --script smb2-time "${LAB_IP[t1]}" | grep -o 'date: [0-9T:-]*' | cut -d' ' -f2)
pt=$(jq -r .system_time <<<"$j1")
echo "t1: nmap smb2-time $nt, portier $pt"
[ -n "$nt" ] && [ "$pt" != null ] || lab_fail "t1: no server time"
d=$(( $(date -u -d "${nt}Z" +%s) - $(date -u -d "$pt" +%s) ))
[ "${d#-}" -le 5 ] || lab_fail "t1: server time differs from smb2-time by ${d}s"

# the same server over IPv6
j6=$(portier_json 1 "${LAB_IP6[t1]}")
[ "$(jq -c .accepted <<<"$j6")" = "$(jq -c .accepted <<<"$j1")" ] \
	|| lab_fail "t1: IPv6 and IPv4 dialect sets differ"
echo "t1 over IPv6: $(jq -c '{transport, accepted}' <<<"$j6")"

# t2: SMB1 accepted and flagged high; signing required
j2=$(portier_json 1 "${LAB_IP[t2]}")
check t2 445 "$j2"
[ "$(jq -r .smb1 <<<"$j2")" = true ] || lab_fail "t2: SMB1 not reported with NT1"
jq -e '.findings[] | select(.id == "smb1-accepted" and .severity == "high")' <<<"$j2" \
	>/dev/null || lab_fail "t2: SMB1 not flagged high"
jq -e '[.findings[].id] | index("signing-not-required") | not' <<<"$j2" >/dev/null \
	|| lab_fail "t2: signing is mandatory, no signing finding expected"
out=$(lab_scan "$PORTIER" smb "${LAB_IP[t2]}" 2>&1) && rc=0 || rc=$?
echo "$out"
[ "$rc" = 1 ] || lab_fail "t2: findings should exit 1, got $rc"
grep -q 'NT LM 0.12  accepted' <<<"$out" || lab_fail "t2: text output lacks SMB1"

# t3: 445 dropped -> filtered, 139 used with a NetBIOS session
start=$(date +%s%N)
j3=$(portier_json 1 --timeout 1500 "${LAB_IP[t3]}")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "t3: $(jq -c .transport <<<"$j3") in ${ms} ms"
[ "$(jq -r '.transport."445"' <<<"$j3")" = filtered ] || lab_fail "t3: 445 should be filtered"
[ "$(jq -r '.transport."139"' <<<"$j3")" = open ] || lab_fail "t3: 139 should be open"
[ "$(jq -r '.transport.used' <<<"$j3")" = 139 ] || lab_fail "t3: 139 not used"
[ "$(jq -r '.transport.netbios_session' <<<"$j3")" = true ] || lab_fail "t3: no session"
jq -r .transport.called <<<"$j3" | grep -Eq '^LABSRV[0-9]+$' \
	|| lab_fail "t3: called name not learned from 137"
check t3 139 "$j3"
# the generic name works too
j3b=$(portier_json 1 --only 139 --name '*SMBSERVER' "${LAB_IP[t3]}")
[ "$(jq -r .transport.called <<<"$j3b")" = '*SMBSERVER' ] || lab_fail "t3: *SMBSERVER refused"

# t4: a banner on 445 and a silent 139: clear errors, bounded time, exit 0
start=$(date +%s%N)
out=$(lab_scan "$PORTIER" smb --timeout 500 "${LAB_IP[t4]}" 2>&1) && rc=0 || rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "$out"; echo "t4 took ${ms} ms"
[ "$rc" = 0 ] || lab_fail "t4: no SMB means no finding, got exit $rc"
grep -q 'highest       none' <<<"$out" || lab_fail "t4: should report no dialect"
grep -q 'unknown session packet type' <<<"$out" || lab_fail "t4: garbage not named"
out=$(lab_scan "$PORTIER" smb --only 139 --timeout 500 "${LAB_IP[t4]}" 2>&1) && rc=0 || rc=$?
echo "$out"
[ "$rc" = 0 ] || lab_fail "t4 --only 139: a silent session is no finding, got exit $rc"
grep -q 'no reply before the timeout' <<<"$out" || lab_fail "t4: silent session not reported"
[ "$ms" -lt 8000 ] || lab_fail "t4 took too long"
# t5 swallows every offer: after two silent offers the rest are skipped
start=$(date +%s%N)
out=$(lab_scan "$PORTIER" smb --only 445 --timeout 300 "${LAB_IP[t5]}" 2>&1) && rc=0 || rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "$out"; echo "t5 took ${ms} ms"
[ "$rc" = 0 ] || lab_fail "t5: silent offers are no finding, got exit $rc"
[ "$(grep -c 'no reply before the timeout' <<<"$out")" = 2 ] || lab_fail "t5: two timeouts expected"
grep -q 'not offered' <<<"$out" || lab_fail "t5: the rest should be skipped"
[ "$ms" -lt 1500 ] || lab_fail "t5 took ${ms} ms"

# t6 refuses our name: portier says so and falls back to *SMBSERVER
j6=$(portier_json 0 --only 139 --name FILESRV --timeout 500 "${LAB_IP[t6]}")
echo "t6: $(jq -c .transport <<<"$j6")"
[ "$(jq -r .transport.refused.name <<<"$j6")" = FILESRV ] || lab_fail "t6: refusal not reported"
[ "$(jq -r .transport.refused.reason <<<"$j6")" = "called name not present" ] \
	|| lab_fail "t6: refusal reason wrong"
[ "$(jq -r .transport.called <<<"$j6")" = '*SMBSERVER' ] || lab_fail "t6: no fallback to *SMBSERVER"
[ "$(jq -r '.accepted | length' <<<"$j6")" = 0 ] || lab_fail "t6: nothing can be accepted"

# Several hosts at once: reported in target order, one object each
all=$(portier_json 1 --timeout 1000 --parallel 4 "${LAB_IP[t1]}" "${LAB_IP[t2]}" \
	"${LAB_IP[t3]}" "${LAB_IP[t4]}")
[ "$(jq -r .host <<<"$all" | paste -sd' ' -)" = \
	"${LAB_IP[t1]} ${LAB_IP[t2]} ${LAB_IP[t3]} ${LAB_IP[t4]}" ] \
	|| lab_fail "parallel run: wrong hosts or order"
[ "$(jq -r .smb1 <<<"$all" | paste -sd' ' -)" = "false true false false" ] \
	|| lab_fail "parallel run: SMB1 flags differ from the single runs"

# Bad usage
rc=0; lab_scan "$PORTIER" smb >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || lab_fail "no targets should exit 2, got $rc"
rc=0; lab_scan "$PORTIER" smb --only 446 "${LAB_IP[t1]}" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || lab_fail "bad --only should exit 2, got $rc"
# --raw-dir never writes through a symlink planted in the directory
raw=$(mktemp -d "$LAB_DIR/raw.XXXXXX")
echo precious > "$LAB_DIR/victim"
ln -s "$LAB_DIR/victim" "$raw/smb-${LAB_IP[t1]}-445-0311.bin"
err=$(lab_scan timeout 30 "$PORTIER" smb --only 445 --timeout 1000 --raw-dir "$raw" \
	"${LAB_IP[t1]}" 2>&1 >/dev/null) && rc=0 || rc=$?
[ "$rc" = 1 ] || lab_fail "--raw-dir run: t1's signing finding should exit 1, got $rc"
[ "$(cat "$LAB_DIR/victim")" = precious ] || lab_fail "--raw-dir wrote through a symlink"
grep -q "smb-${LAB_IP[t1]}-445-0311.bin': it is a symbolic link" <<<"$err" \
	|| lab_fail "--raw-dir: symlink not reported"
[ -s "$raw/smb-${LAB_IP[t1]}-445-0210.bin" ] || lab_fail "--raw-dir: 2.1 reply not saved"

# Unicast hosts only, as for nbstat: a group address is refused by name
for bad in 224.0.0.1 255.255.255.255 ff02::1; do
	rc=0; err=$(lab_scan "$PORTIER" smb "$bad" 2>&1 >/dev/null) || rc=$?
	[ "$rc" = 2 ] || lab_fail "smb $bad should exit 2, got $rc"
	grep -q "'$bad'" <<<"$err" || lab_fail "smb $bad: error does not name it"
done
echo "smb ok: dialects and signing agree with nmap on 445 and 139"
