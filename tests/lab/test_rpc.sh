#!/usr/bin/env bash
# portier rpc against real Samba's endpoint mapper (samba-dcerpcd on 135):
# the endpoints listed (interface UUID, version, binding) equal impacket's
# rpcdump against the same server in the same run, the list ends on Samba's
# EPT_S_NOT_REGISTERED, and the spooler is flagged.  A fake mapper made
# from the recorded Samba PDUs ends on a zeroed handle (Windows' signal)
# with fragmented responses; hostile ones (a handle that never ends, an
# endless fragment stream, a fragment that never arrives, silence) each
# give a clear per-host error in bounded time while the sweep goes on.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool jq python3
RPCDUMP=/usr/share/doc/python3-impacket/examples/rpcdump.py
[ -r "$RPCDUMP" ] || need_skip "impacket's rpcdump missing (python3-impacket)"
need_tool /usr/bin/python3

lab_target t1 # Samba, samba-dcerpcd on 135, spoolss on
lab_target t2 # Samba with its defaults: no TCP endpoint mapper
lab_target t3 # fake mapper: two fragmented pages, Windows' zeroed handle
lab_target t4 # fake: a live handle forever
lab_target t5 # fake: fragments without end
lab_target t6 # fake: a fragment announced and never sent
lab_target t7 # silent 135
lab_target t8 # fake: each page just inside the timeout, forever
lab_samba t1 "rpc start on demand helpers = no" "disable spoolss = no"
lab_samba_rpc t1
lab_samba t2
fake() {
	lab_bg "$1" "fake-$2" python3 "$PORTIER_SRC/tests/lab/fake_epm.py" \
		"${LAB_IP[$1]}" "$2" "$PORTIER_SRC/tests/data"
	lab_wait_port "$1" tcp 135
}
fake t3 windows
fake t4 endless
fake t5 flood
fake t6 bigfrag
fake t8 drip
lab_bg t7 silent135 python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 135)); s.listen(8)
held = []
while True:
    c, _ = s.accept(); held.append(c)
' "${LAB_IP[t7]}"
lab_wait_port t7 tcp 135

# portier_json WANT ARGS...: portier rpc --json ARGS, which must exit WANT
portier_json() { lab_expect "$1" lab_scan "$PORTIER" rpc --json "${@:2}"; }

# --- Samba against impacket's rpcdump -----------------------------------
# rpcdump_samba.py runs the real rpcdump.py with impacket's status check
# relaxed (Samba ends the list with EPT_S_NOT_REGISTERED; see that file).
ip1=${LAB_IP[t1]}
ref=$(lab_scan timeout 60 /usr/bin/python3 "$PORTIER_SRC/tests/lab/rpcdump_samba.py" \
	"$RPCDUMP" -port 135 "$ip1")
want=$(awk '
	/^UUID/ { u = tolower($3); v = $4; next }
	/^Bindings:/ { on = 1; next }
	/^$/ { on = 0; next }
	on { sub(/^ +/, ""); print u " " v " " $0 }' <<<"$ref" | sort)
[ -n "$want" ] || { echo "$ref" >&2; lab_fail "rpcdump listed no endpoints"; }
out=$(portier_json 1 "$ip1")
got=$(jq -r '.entries[] | "\(.uuid) v\(.version) \(.binding)"' <<<"$out" | sort)
echo "t1: rpcdump: $(wc -l <<<"$want") endpoints, portier: $(wc -l <<<"$got")"
if [ "$want" != "$got" ]; then
	diff <(echo "$want") <(echo "$got") >&2 || true
	lab_fail "t1: portier rpc and rpcdump list different endpoints"
fi
[ "$(jq -r .status <<<"$out")" = ok ] || lab_fail "t1: status not ok"
[ "$(jq -r .end <<<"$out")" = EPT_S_NOT_REGISTERED ] ||
	lab_fail "t1: Samba's list did not end on EPT_S_NOT_REGISTERED"
jq -e '.findings | map(.id) | index("rpc-spooler-exposed") and index("rpc-endpoints-listed")' \
	<<<"$out" >/dev/null || lab_fail "t1: spooler or list finding missing"
jq -e '.entries[] | select(.binding == "ncacn_ip_tcp:'"$ip1"'[135]")' \
	<<<"$out" >/dev/null || lab_fail "t1: the mapper's own 135 binding missing"
# over IPv6 the same server lists the same endpoints; its towers have only
# an IPv4 floor, which Samba then fills with 0.0.0.0, so compare without it
ends() { jq -r '.entries[] | "\(.uuid) v\(.version) \(.protseq) \(.endpoint)"' | sort; }
out6=$(portier_json 1 "${LAB_IP6[t1]}")
[ "$(ends <<<"$out6")" = "$(ends <<<"$out")" ] ||
	lab_fail "t1 over IPv6: other endpoints: $(jq -c '{status, error}' <<<"$out6")"
jq -e '[.entries[] | select(.protseq == "ncacn_ip_tcp") | .address] | unique == ["0.0.0.0"]' \
	<<<"$out6" >/dev/null || lab_fail "t1 over IPv6: Samba's towers changed"
# the text view: a summary line, the interfaces, the findings
text=$(lab_expect 1 lab_scan "$PORTIER" rpc "$ip1" 2>&1)
grep -q "^$ip1  135/tcp  [0-9]* endpoints, [0-9]* interfaces (list ended: EPT_S_NOT_REGISTERED" \
	<<<"$text" || lab_fail "t1: no summary line: $text"
grep -q "MS-RPRN print spooler" <<<"$text" || lab_fail "t1: spooler not named"

# --raw-dir: the PDUs as received, starting with the bind_ack; a planted
# symlink is not followed
mkdir "$LAB_DIR/raw"
ln -s "$LAB_DIR/victim" "$LAB_DIR/raw/rpc-${LAB_IP[t3]}-135.bin"
lab_expect 1 lab_scan "$PORTIER" rpc --json --raw-dir "$LAB_DIR/raw" "$ip1" \
	"${LAB_IP[t3]}" >/dev/null 2>"$LAB_DIR/raw.err"
raw="$LAB_DIR/raw/rpc-$ip1-135.bin"
[ "$(od -An -tx1 -N3 "$raw" | tr -d ' ')" = 05000c ] ||
	lab_fail "--raw-dir: $raw does not start with a bind_ack"
[ ! -e "$LAB_DIR/victim" ] || lab_fail "--raw-dir followed a symlink"
grep -q "symbolic link (not followed)" "$LAB_DIR/raw.err" ||
	lab_fail "--raw-dir: the symlink was not reported"

# --- default Samba: 135 is closed ---------------------------------------
out=$(portier_json 0 "${LAB_IP[t2]}")
[ "$(jq -r .status <<<"$out")" = closed ] || lab_fail "t2: $out"

# --- Windows' end signal, fragmented pages --------------------------------
out=$(portier_json 1 "${LAB_IP[t3]}")
[ "$(jq -r '.end, .pages, (.entries | length)' <<<"$out" | paste -sd' ')" \
	= "null handle 2 76" ] || lab_fail "t3: $(jq -c '{end, pages, error}' <<<"$out")"

# --- hostile servers: bounded, a clear error each, the sweep goes on ------
start=$(date +%s)
out=$(portier_json 1 --timeout 1000 --max-pages 5 \
	"${LAB_IP[t4]}" "${LAB_IP[t5]}" "${LAB_IP[t6]}" "${LAB_IP[t7]}" "${LAB_IP[t1]}")
took=$(($(date +%s) - start))
echo "$out" | jq -c '{host, status, error}'
[ "$(jq -s length <<<"$out")" = 5 ] || lab_fail "hostile: not 5 hosts reported"
host() { jq -c "select(.host == \"${LAB_IP[$1]}\")" <<<"$out"; }
jq -e '.status == "partial" and (.error | test("did not end the list after 5 pages")) and (.entries | length) == 190' \
	<<<"$(host t4)" >/dev/null || lab_fail "t4: $(host t4)"
jq -e '.status == "partial" and (.error | test("more than 256 fragments|larger than"))' \
	<<<"$(host t5)" >/dev/null || lab_fail "t5: $(host t5)"
jq -e '.status == "partial" and (.error | test("no reply before the timeout"))' \
	<<<"$(host t6)" >/dev/null || lab_fail "t6: $(host t6)"
jq -e '.status == "error" and (.error | test("bind: no reply before the timeout"))' \
	<<<"$(host t7)" >/dev/null || lab_fail "t7: $(host t7)"
jq -e '.status == "ok"' <<<"$(host t1)" >/dev/null || lab_fail "t1 in the sweep: $(host t1)"
[ "$took" -le 10 ] || lab_fail "hostile sweep took ${took}s (bound: 10)"
# a server answering each page just inside the timeout: the host's budget
# (8 timeouts in all) ends it, with the entries read so far
start=$(date +%s)
out=$(portier_json 1 --timeout 500 "${LAB_IP[t8]}")
took=$(($(date +%s) - start))
jq -e '.status == "partial" and (.error | test("used up its 4000 ms")) and .pages >= 1' \
	<<<"$out" >/dev/null || lab_fail "t8: $(jq -c '{status, error, pages}' <<<"$out")"
[ "$took" -le 6 ] || lab_fail "t8: the drip held portier for ${took}s"
# the endless handle with the default bounds stops at 4096 entries
out=$(portier_json 1 --timeout 1000 "${LAB_IP[t4]}")
jq -e '.error | test("more than 4096 entries")' <<<"$out" >/dev/null ||
	lab_fail "t4 default bounds: $(jq -c '{error, pages}' <<<"$out")"
echo "test_rpc: ok"
