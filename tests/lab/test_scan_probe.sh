#!/usr/bin/env bash
# portier scan --probe smb,nbstat and -sV against real Samba: after the port
# scan, the SMB object in -oJ has the same accepted dialects as
# `portier smb --json`, the NetBIOS object the same names as
# `portier nbstat --json`; a host with 445 and 139 closed gets no SMB probe
# (but, having answered, a NetBIOS one with --probe nbstat, and none with
# -sV); IPv6 hosts skip NetBIOS with a note; findings leave the exit code at
# 0; the table shows the probe blocks; -oX with host scripts still validates
# against nmap.dtd; --probe bogus exits 2 before anything is sent.
# --probe smb-shares,rpc gives the shares of `portier smb --shares` and the
# endpoints of `portier rpc` for hosts with 445 or 135 open, in every sink
# (the XML as nmap's <elem>/<table>), and -sV runs them too.  The
# SYN scan of two targets on two interfaces finds both (one source address
# per route).
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool python3 xmllint
need_file /usr/share/nmap/nmap.dtd

lab_target t1 # Samba with SMB1 allowed: findings to show; mapper on 135
lab_target t2 # nothing listening: 139 and 445 closed
lab_samba t1 "server min protocol = NT1" "rpc start on demand helpers = no"
lab_samba_rpc t1
ip1=${LAB_IP[t1]} ip2=${LAB_IP[t2]} ip6=${LAB_IP6[t1]}
F=$LAB_DIR/scan.jsonl

# probe_field FILE TYPE ADDR EXPR: EXPR (python, over the object o) of the
# probe object of TYPE for ADDR in a scan's JSON Lines, or "none"
probe_field() {
	python3 - "$@" <<'PY'
import json, sys
path, typ, addr, expr = sys.argv[1:5]
hits = [o for o in map(json.loads, open(path))
        if o.get("type") == typ and o.get("host") == addr]
if len(hits) > 1:
    print("duplicate"); sys.exit()
print(eval(expr, {"o": hits[0]}) if hits else "none")
PY
}
# the same EXPR over one object given as text
one_field() {
	python3 -c 'import json, sys; o = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}
DIALECTS='",".join(sorted(o["accepted"]))'
NAMES='",".join(sorted("%s<%s>%s" % (n["name"], n["suffix"], "G" if n["group"] else "U") for n in o.get("names", [])))'

# both exit 1: t1 leaks its names and accepts SMB1
portier_names() { one_field "$(lab_expect 1 lab_scan "$PORTIER" nbstat --json "$ip1")" "$NAMES"; }
want_smb=$(one_field "$(lab_expect 1 lab_scan "$PORTIER" smb --json "$ip1")" "$DIALECTS")
echo "portier smb --json: $want_smb"
[ -n "$want_smb" ] || lab_fail "portier smb found no dialect on t1"

# scan_and_compare WHAT ARGS...: run the scan; compare its probe objects with
# portier smb / portier nbstat.  nmbd adds its browser names when it wins
# the election (about 20 s after start): names are compared only when
# `portier nbstat` gives the same set before and after the scan.
scan_and_compare() {
	local what=$1 try before after got rc; shift
	for try in 1 2 3 4; do
		before=$(portier_names)
		rc=0
		lab_scan "$PORTIER" scan -sT -p 139,445 "$@" "$ip1" "$ip2" -oJ "$F" \
			> "$LAB_DIR/out.txt" 2> "$LAB_DIR/err.txt" || rc=$?
		after=$(portier_names)
		[ "$before" = "$after" ] && break
		echo "$what: names changed during the scan (browser election); again"
	done
	cat "$LAB_DIR/err.txt"
	[ "$rc" = 0 ] || lab_fail "$what: scan exited $rc (findings must not change it)"
	got=$(probe_field "$F" smb "$ip1" "$DIALECTS")
	echo "$what: smb dialects: $got"
	[ "$got" = "$want_smb" ] || lab_fail "$what: scan's smb dialects '$got' != portier smb '$want_smb'"
	[ "$(probe_field "$F" smb "$ip1" 'o["smb1"]')" = True ] || lab_fail "$what: SMB1 not reported"
	[ "$(probe_field "$F" smb "$ip1" '",".join(f["id"] for f in o["findings"])')" != "" ] \
		|| lab_fail "$what: no SMB finding shown"
	got=$(probe_field "$F" nbstat "$ip1" "$NAMES")
	echo "$what: nbstat names: $got"
	[ -n "$after" ] && [ "$got" = "$after" ] || lab_fail "$what: scan's names '$got' != portier nbstat '$after'"
	probe_field "$F" nbstat "$ip1" 'o["computer"]' | grep -Eqx 'LABSRV[0-9]+' \
		|| lab_fail "$what: computer name"
	[ "$(probe_field "$F" smb "$ip2" 'o')" = none ] || lab_fail "$what: t2 (445 closed) was probed for SMB"
	# the port results came first, the probes (and -sV's services) after
	# them, the summary last
	python3 - "$F" <<'PY' || lab_fail "$what: JSON objects out of order"
import json, sys
t = [json.loads(l)["type"] for l in open(sys.argv[1])]
first_probe = min(i for i, x in enumerate(t) if x in ("smb", "nbstat"))
assert all(x == "port" for x in t[:first_probe]), t
assert all(x in ("smb", "nbstat", "service") for x in t[first_probe:-1]), t
assert t[-1] == "summary", t
PY
}

# --probe: NetBIOS for every host that answered, SMB where 139/445 is open
scan_and_compare "--probe" --probe smb,nbstat
[ "$(probe_field "$F" nbstat "$ip2" 'o["status"]')" = refused ] \
	|| lab_fail "--probe nbstat: t2 answered the scan and should get a (refused) query"
grep -q '^portier scan: probes: nbstat asked 2 hosts (1 answered), smb asked 1 host' "$LAB_DIR/err.txt" \
	|| lab_fail "--probe: summary line"
# the table: the same blocks as portier nbstat -v and portier smb, under the host
sed -n "/report for $ip1\$/,/^portier scan report for $ip2/p" "$LAB_DIR/out.txt" > "$LAB_DIR/t1.txt"
cat "$LAB_DIR/t1.txt"
grep -q "^Looking up status of $ip1" "$LAB_DIR/t1.txt" || lab_fail "table: no nbstat block"
grep -q '^  leak: ' "$LAB_DIR/t1.txt" || lab_fail "table: no leak line"
grep -q '^    NT LM 0.12  accepted' "$LAB_DIR/t1.txt" || lab_fail "table: no SMB dialects"
grep -q 'finding.*\[high\]' "$LAB_DIR/t1.txt" || lab_fail "table: SMB1 finding not shown"
lab_expect 1 lab_scan "$PORTIER" smb "$ip1" > "$LAB_DIR/smb.txt"
# (the transport line differs: the scan already knows 445 is open)
grep '^    ' "$LAB_DIR/smb.txt" | while IFS= read -r line; do
	grep -qxF -- "$line" "$LAB_DIR/t1.txt" || lab_fail "table: '$line' of portier smb missing"
done

# -sV: both probes, only for hosts with 139 or 445 open
scan_and_compare "-sV" -sV
[ "$(probe_field "$F" nbstat "$ip2" 'o')" = none ] || lab_fail "-sV: t2 has no 139/445 open, no NetBIOS query expected"

# -sS (raw packets; privileges are dropped before the probes) over two
# targets behind different interfaces: each needs its own source address
lab_scan "$PORTIER" scan -sS -p 139,445 --closed --probe smb "$ip1" "$ip2" -oJ "$F" -q \
	|| lab_fail "-sS scan failed"
states=$(python3 -c '
import json, sys
print(" ".join(sorted("%s:%d:%s" % (o["addr"], o["port"], o["state"])
      for o in map(json.loads, open(sys.argv[1])) if o["type"] == "port")))' "$F")
echo "-sS: $states"
[ "$states" = "$ip1:139:open $ip1:445:open $ip2:139:closed $ip2:445:closed" ] \
	|| lab_fail "-sS: wrong port states (source address per interface?)"
[ "$(probe_field "$F" smb "$ip1" "$DIALECTS")" = "$want_smb" ] || lab_fail "-sS: smb dialects"

# smb alone, with IPv6: NetBIOS not asked, SMB over IPv6
lab_scan "$PORTIER" scan -sT -p 445 --probe smb,nbstat "$ip6" -oJ "$F" 2> "$LAB_DIR/err.txt" >/dev/null \
	|| lab_fail "IPv6 scan failed: $(cat "$LAB_DIR/err.txt")"
[ "$(probe_field "$F" smb "$ip6" "$DIALECTS")" = "$want_smb" ] || lab_fail "IPv6: smb dialects"
[ "$(probe_field "$F" nbstat "$ip6" 'o')" = none ] || lab_fail "IPv6: NetBIOS asked"
grep -q 'nbstat skips 1 IPv6 host' "$LAB_DIR/err.txt" || lab_fail "IPv6: no note"

# -oX: nmap-style host scripts, valid against nmap.dtd
lab_scan "$PORTIER" scan -sT -p 139,445 -sV "$ip1" "$ip2" -oX "$LAB_DIR/scan.xml" -q \
	|| lab_fail "-oX scan failed"
xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$LAB_DIR/scan.xml" \
	|| lab_fail "XML with host scripts does not validate"
grep -q '<hostscript><script id="nbstat" output="Looking up status of' "$LAB_DIR/scan.xml" \
	|| lab_fail "XML: no nbstat script"
grep -q '<script id="smb-protocols" output="[^"]*NT LM 0.12  accepted' "$LAB_DIR/scan.xml" \
	|| lab_fail "XML: no smb-protocols script"
[ "$(grep -c '<hostscript>' "$LAB_DIR/scan.xml")" = 1 ] || lab_fail "XML: t2 has host scripts"

# -sV without 139 or 445 among the ports still asks every open port what it
# is (test_scan_version): no note that nothing can be probed; 80 is closed
# on t2, so no port is asked
lab_scan "$PORTIER" scan -sT -sV -p 80 "$ip2" > /dev/null 2> "$LAB_DIR/err.txt" ||
	lab_fail "-sV -p 80 failed: $(cat "$LAB_DIR/err.txt")"
grep -q 'note: -sV probes only' "$LAB_DIR/err.txt" && lab_fail "-sV -p 80: an outdated note"
grep -q 'services: asked 0 ports' "$LAB_DIR/err.txt" || lab_fail "-sV -p 80: no service summary"

# --probe smb-shares,rpc: what portier smb --shares and portier rpc say
SHARES='",".join(sorted("%s:%s" % (s["name"], s["type"]) for s in o["shares"]["list"]))'
EPS='",".join(sorted("%s/%s/%s" % (e["uuid"], e["version"], e["binding"]) for e in o["entries"]))'
js=$(lab_expect 1 lab_scan "$PORTIER" smb --shares --json "$ip1")
echo "$js" | jq -c .shares
want_shares=$(one_field "$js" "$SHARES")
want_eps=$(one_field "$(lab_expect 1 lab_scan "$PORTIER" rpc --json "$ip1")" "$EPS")
echo "portier smb --shares: $want_shares"
echo "portier rpc: $want_eps"
case ",$want_shares," in *,pub:Disk,*) ;; *) lab_fail "portier smb --shares did not list pub" ;; esac
[ -n "$want_eps" ] || lab_fail "portier rpc listed nothing on t1"
rc=0
lab_scan "$PORTIER" scan -sT -p 135,139,445 --probe smb-shares,rpc "$ip1" "$ip2" \
	-oJ "$F" -oX "$LAB_DIR/sr.xml" > "$LAB_DIR/out.txt" 2> "$LAB_DIR/err.txt" || rc=$?
cat "$LAB_DIR/err.txt"
[ "$rc" = 0 ] || lab_fail "--probe smb-shares,rpc: scan exited $rc"
[ "$(probe_field "$F" smb "$ip1" "$SHARES")" = "$want_shares" ] \
	|| lab_fail "--probe smb-shares: shares differ from portier smb --shares"
[ "$(probe_field "$F" smb "$ip1" 'o["sessions"]["guest"]["result"] if o["sessions"]["guest"] else None')" != None ] \
	|| lab_fail "--probe smb-shares: no guest session reported"
[ "$(probe_field "$F" rpc "$ip1" "$EPS")" = "$want_eps" ] \
	|| lab_fail "--probe rpc: endpoints differ from portier rpc"
[ "$(probe_field "$F" rpc "$ip1" 'o["end"]')" = EPT_S_NOT_REGISTERED ] || lab_fail "--probe rpc: list end"
[ "$(probe_field "$F" rpc "$ip2" 'o')" = none ] || lab_fail "--probe rpc: t2 (135 closed) was asked"
[ "$(probe_field "$F" smb "$ip2" 'o')" = none ] || lab_fail "--probe smb-shares: t2 (445 closed) was asked"
grep -q '^portier scan: probes: rpc asked 1 host (1 listed endpoints' "$LAB_DIR/err.txt" \
	|| lab_fail "--probe rpc: summary line"
grep -Eq '^    pub +Disk +null' "$LAB_DIR/out.txt" || lab_fail "table: no share line"
grep -q "^$ip1  135/tcp  [0-9]* endpoints" "$LAB_DIR/out.txt" || lab_fail "table: no rpc block"
xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$LAB_DIR/sr.xml" \
	|| lab_fail "XML with shares and rpc scripts does not validate"
python3 - "$LAB_DIR/sr.xml" "$ip1" "$want_shares" "$want_eps" <<'PY' || lab_fail "XML: scripts do not carry the JSON facts"
import sys, xml.etree.ElementTree as ET
path, ip, shares, eps = sys.argv[1:5]
host = [h for h in ET.parse(path).getroot().iter("host")
        if h.find("address").get("addr") == ip][0]
sc = {s.get("id"): s for s in host.iter("script")}
assert set(sc) == {"smb-protocols", "smb-enum-shares", "msrpc-enum"}, set(sc)
def table(node, key):
    return [t for t in node if t.tag == "table" and t.get("key") == key][0]
def elem(node, key):
    return [e for e in node if e.tag == "elem" and e.get("key") == key][0].text
lst = table(table(sc["smb-enum-shares"], "shares"), "list")
got = ",".join(sorted("%s:%s" % (elem(t, "name"), elem(t, "type")) for t in lst))
assert got == shares, (got, shares)
assert "pub" in sc["smb-enum-shares"].get("output")
ents = table(sc["msrpc-enum"], "entries")
got = ",".join(sorted("%s/%s/%s" % (elem(t, "uuid"), elem(t, "version"), elem(t, "binding")) for t in ents))
assert got == eps, (got, eps)
assert elem(sc["smb-protocols"], "smb1") == "true"
assert not [t for t in sc["smb-protocols"] if t.get("key") == "shares"]
PY
# -sV runs the same probes as --probe smb-shares,nbstat,rpc on these ports;
# --probe smb alone never logs on nor asks 135
lab_scan "$PORTIER" scan -sT -p 135,139,445 -sV "$ip1" -oJ "$F" -q || lab_fail "-sV -p 135 failed"
[ "$(probe_field "$F" rpc "$ip1" "$EPS")" = "$want_eps" ] || lab_fail "-sV: endpoints differ from portier rpc"
[ "$(probe_field "$F" smb "$ip1" "$SHARES")" = "$want_shares" ] || lab_fail "-sV: shares differ from portier smb --shares"
lab_scan "$PORTIER" scan -sT -p 135,139,445 --probe smb "$ip1" -oJ "$F" -q || lab_fail "--probe smb -p 135 failed"
[ "$(probe_field "$F" rpc "$ip1" 'o')" = none ] || lab_fail "--probe smb asked the endpoint mapper"
[ "$(probe_field "$F" smb "$ip1" '"sessions" in o')" = False ] || lab_fail "--probe smb logged on"

# a bad probe name: exit 2, nothing sent
rc=0
lab_scan "$PORTIER" scan -sT -p 445 --probe smb,bogus "$ip1" 2> "$LAB_DIR/err.txt" || rc=$?
[ "$rc" = 2 ] || lab_fail "--probe bogus exited $rc, expected 2"
grep -q "unknown probe 'bogus'" "$LAB_DIR/err.txt" || lab_fail "--probe bogus: message"
echo "ok"
