#!/usr/bin/env bash
# portier inspect's hidden-listener check in a namespace this test creates:
#  - lab-listen holds tcp 45581 and udp 45582 in namespace t1; a proc root
#    made of links to the real /proc, except the /proc/PID/net files of that
#    process, which lack both ports (what a rootkit filtering /proc/net
#    leaves), makes sock_diag and /proc/net disagree in t1: both listeners
#    are reported with t1's name, taken by the bind test run inside t1,
#    confidence high; the caller's own namespace, read live, shows nothing;
#  - a TCP socket bound in t1 without listen(2) on 45583 is invisible to both
#    views but holds the port: `inspect 45583` from the caller's namespace
#    reports it (neither view, bind test taken twice, medium) instead of
#    "nothing listens";
#  - the bind test never disturbs the real listener: it still answers;
#  - a free port is still "nothing listens", exit 2.
# Every portier run checks its exit code.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool jq
[ -x /usr/bin/python3 ] || need_skip "inspect hidden lab: needs /usr/bin/python3"

lab_target t1
NS=${LAB_NS[t1]}
lab_listen t1 tcp:45581 udp:45582
lpid=$(ip netns pids "$NS" | head -1)
[ -n "$lpid" ] || lab_fail "no process in $NS"

# the proc root: links to the real one, a filtered net/ for lab-listen
FIX=$LAB_DIR/proc
mkdir -p "$FIX/$lpid/ns" "$FIX/$lpid/net"
ln -s /proc/self "$FIX/self"
ln -s /proc/self/net "$FIX/net"
cp /proc/stat "$FIX/stat"
ln -s "/proc/$lpid/ns/net" "$FIX/$lpid/ns/net"
for f in tcp tcp6 udp udp6; do
	# 45581 = B20D, 45582 = B20E: the local address column ends in :PORT
	grep -vE '^ *[0-9]+: [0-9A-F]+:B20[DE] ' "/proc/$lpid/net/$f" \
		> "$FIX/$lpid/net/$f"
done
grep -qE ':B20D ' "/proc/$lpid/net/tcp" "/proc/$lpid/net/tcp6" ||
	lab_fail "tcp 45581 not in the real /proc/$lpid/net"

OUT=$LAB_DIR/hidden.json
q() { jq -r "$@" "$OUT"; }
lab_expect 0 env PORTIER_PROC_ROOT="$FIX" "$PORTIER" inspect 45581 \
	--netns "$NS" --json > "$OUT"
[ "$(q '.hidden.checked')" = true ] || lab_fail "hidden check not run"
[ "$(q '.hidden.netns')" -ge 2 ] || lab_fail "only $(q '.hidden.netns') namespaces checked"
for pp in tcp:45581 udp:45582; do
	sel=".hidden.listeners[] | select(.proto == \"${pp%:*}\" and .port == ${pp#*:})"
	[ -n "$(q "$sel | .port")" ] || lab_fail "$pp not reported: $(q -c .hidden)"
	q "$sel | [.sock_diag, .procnet, .bind_busy, .confidence, .netns_label] | @tsv" |
		grep -qxF "$(printf 'true\tfalse\ttrue\thigh\t%s' "$NS")" ||
		lab_fail "$pp: $(q -c "$sel")"
done
q '.hidden.listeners[] | select(.netns_label == "") | .port' | grep -E "^4558[12]$" > /dev/null &&
	lab_fail "the caller's namespace reported t1's ports"
q '.findings[] | select(.rule == "hidden-listener") | .text' |
	grep -q "likely hidden: tcp port 45581 in namespace $NS is listed by sock_diag but not by /proc/net" ||
	lab_fail "no hidden-listener finding: $(q -c '.findings')"
q '.findings[].text' | grep -qi infected && lab_fail "a verdict instead of a confidence"

# the real listener still answers after the bind tests
banner=$(lab_in t1 timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/45581; head -1 <&3')
[ -n "$banner" ] || lab_fail "the listener on 45581 no longer answers"

# ---- taken, but in neither view: a socket bound without listen ----------
cat > "$LAB_DIR/bound.py" <<'PY'
import socket, sys, time
s = socket.socket()
s.bind(("0.0.0.0", int(sys.argv[1])))
open(sys.argv[2], "w").write("ready\n")
time.sleep(1e6)
PY
lab_bg t1 bound /usr/bin/python3 "$LAB_DIR/bound.py" 45583 "$LAB_DIR/bound.ready"
for ((i = 0; i < 200; i++)); do [ -s "$LAB_DIR/bound.ready" ] && break; sleep 0.05; done
[ -s "$LAB_DIR/bound.ready" ] || lab_fail "bound.py did not start"
lab_in t1 ss -Htan 'sport = :45583' | grep -q . && lab_fail "sock_diag shows the bound socket"
lab_expect 0 "$PORTIER" inspect 45583 --json > "$OUT"
sel='.hidden.listeners[] | select(.proto == "tcp" and .port == 45583)'
q "$sel | [.sock_diag, .procnet, .bind_busy, .confidence, .netns_label] | @tsv" |
	grep -qxF "$(printf 'false\tfalse\ttrue\tmedium\t%s' "$NS")" ||
	lab_fail "45583: $(q -c .hidden)"
[ "$(q '.sockets | length')" = 0 ] || lab_fail "45583: a socket was shown"
lab_expect 0 "$PORTIER" inspect 45583 > "$LAB_DIR/hidden.txt"
grep -qF "seen by neither view, port taken (bind test, twice)" "$LAB_DIR/hidden.txt" ||
	lab_fail "text view: $(cat "$LAB_DIR/hidden.txt")"

# --sweep finds it while inspecting another port, as unhide-tcp would
lab_expect 0 "$PORTIER" inspect 45581 --netns "$NS" --sweep --json > "$OUT"
q "$sel | [.sock_diag, .procnet, .bind_busy, .netns_label] | @tsv" |
	grep -qxF "$(printf 'false\tfalse\ttrue\t%s' "$NS")" ||
	lab_fail "--sweep did not find 45583: $(q -c .hidden)"
q '.hidden.listeners[] | select(.port == 45581 or .port == 45582) | .port' |
	grep -E '^4558[12]$' > /dev/null && lab_fail "--sweep reported the visible listeners"

# ---- a free port stays an error ------------------------------------------
lab_expect 2 "$PORTIER" inspect 45584 2> "$LAB_DIR/err.txt"
grep -qF "nothing listens on port 45584" "$LAB_DIR/err.txt" ||
	lab_fail "no clear message for a free port"
lab_log "inspect: hidden listeners in a namespace OK"
