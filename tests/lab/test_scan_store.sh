#!/usr/bin/env bash
# Scans in the port history (issue 13): `portier scan --store` and
# `portier snapshot --import FILE` keep scan results in the store, and
# `portier diff --scans` of two stored scans of one host reports NEW,
# GONE and SERVICE_CHANGED.
#  - portier scan --store of a lab host; a listener stopped, another
#    started; scan --store again: exactly GONE 7301 and NEW 7302, exit 1.
#  - nmap -sV of a web server on 8080 (python's SimpleHTTP), then of
#    another one on the same port (saying it is nginx), both imported: exactly
#    SERVICE_CHANGED 8080, exit 1; portier diff of the two files says the
#    same.  The same scan twice: no event, exit 0.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_local.sh"
lab_init
need_tool jq
need_tool nmap
need_tool python3

lab_target t1
local_programs a b
store=$LOCAL_STORE
ip=${LAB_IP[t1]}

# "EVENT PORT" of each line of a --json diff, sorted.
events() { jq -r '"\(.event) \(.port)"' "$1" | sort; }
# diff_scans WANT_RC OUT [IDS]: portier diff --scans --json, its exit code.
diff_scans() {
	local want=$1 out=$2 rc=0; shift 2
	"$PORTIER" diff --store "$store" --scans --json "$@" > "$out" || rc=$?
	[ "$rc" = "$want" ] || lab_fail "portier diff --scans $* exited $rc, expected $want"
}

# ---- portier scan --store ------------------------------------------------------
local_hold t1 a "$LOCAL_SYS/svc-a" tcp:0.0.0.0:7301
pg_a=${LAB_PIDS[-1]}
scan() { lab_expect 0 lab_scan "$PORTIER" scan -sT -q -p 7300-7310 --store="$store" "$ip"; }
scan
kill -TERM -- "-$pg_a"
local_wait_gone t1 7301
local_hold t1 b "$LOCAL_SYS/svc-b" tcp:0.0.0.0:7302
scan
diff_scans 1 "$LAB_DIR/d1.jsonl"
cat "$LAB_DIR/d1.jsonl"
got=$(events "$LAB_DIR/d1.jsonl")
want=$(printf '%s\n' "GONE 7301" "NEW 7302")
[ "$got" = "$want" ] || lab_fail "scan --store: got '$got', want '$want'"
scan
diff_scans 0 "$LAB_DIR/d2.jsonl"
[ ! -s "$LAB_DIR/d2.jsonl" ] || lab_fail "the same scan twice: $(cat "$LAB_DIR/d2.jsonl")"

# ---- nmap -sV, imported: SERVICE_CHANGED ----------------------------------------
# web_server LABEL VERSION: an HTTP server on 8080 whose Server header is
# VERSION ("" for python's own, SimpleHTTP/0.6).
web_server() {
	lab_bg t1 "$1" python3 -c '
import http.server, sys
class H(http.server.SimpleHTTPRequestHandler):
    def version_string(self):
        return sys.argv[1] or super().version_string()
http.server.HTTPServer(("0.0.0.0", 8080), H).serve_forever()' "$2"
	lab_wait_port t1 tcp 8080
}
nmap_sv() { lab_expect 0 lab_scan nmap -n -Pn -sT -sV -p 8080 -oX "$1" "$ip" > /dev/null; }
web_server web1 ""
pg_web=${LAB_PIDS[-1]}
nmap_sv "$LAB_DIR/a.xml"
kill -TERM -- "-$pg_web"
local_wait_gone t1 8080
web_server web2 "nginx/1.22.1"
nmap_sv "$LAB_DIR/b.xml"
grep -h '<service' "$LAB_DIR/a.xml" "$LAB_DIR/b.xml"
lab_expect 0 "$PORTIER" snapshot --store "$store" --import "$LAB_DIR/a.xml"
lab_expect 0 "$PORTIER" snapshot --store "$store" --import "$LAB_DIR/b.xml" > "$LAB_DIR/imp.txt"
cat "$LAB_DIR/imp.txt"
grep -q "^SERVICE_CHANGED .* 8080/tcp: open" "$LAB_DIR/imp.txt" || lab_fail "the import does not show SERVICE_CHANGED"
diff_scans 1 "$LAB_DIR/d3.jsonl"
got=$(events "$LAB_DIR/d3.jsonl")
[ "$got" = "SERVICE_CHANGED 8080" ] || lab_fail "nmap -sV imports: got '$got', want SERVICE_CHANGED 8080"
jq -e '(.a.service | test("SimpleHTTPServer")) and (.b.service | test("nginx"))
	and .a.state == "open" and .b.state == "open"' \
	"$LAB_DIR/d3.jsonl" > /dev/null || lab_fail "SERVICE_CHANGED lacks both services"
# the files compared directly say the same (and exit as ndiff)
rc=0; "$PORTIER" diff --json "$LAB_DIR/a.xml" "$LAB_DIR/b.xml" > "$LAB_DIR/d4.jsonl" || rc=$?
[ "$rc" = 1 ] || lab_fail "portier diff a.xml b.xml exited $rc, expected 1"
[ "$(jq -r .event "$LAB_DIR/d4.jsonl")" = SERVICE_CHANGED ] || lab_fail "file diff: $(cat "$LAB_DIR/d4.jsonl")"
# older scans by id: the first portier scan against the last import
lab_expect 1 "$PORTIER" diff --store "$store" --scans 1 5 > /dev/null
lab_log "ok"
