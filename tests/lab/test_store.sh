#!/usr/bin/env bash
# portier snapshot / diff on a lab host, and portier diff of two nmap XML
# scans against ndiff.
#  - In a namespace: listeners on 7201 (127.0.0.1), 7202, 7203; snapshot;
#    then a new listener (7204), 7201 moved to 0.0.0.0, 7202's binary
#    replaced at the same path and restarted, 7203 stopped; snapshot.
#    `portier diff` must report exactly NEW 7204, REBOUND 7201,
#    BINARY_MODIFIED 7202, GONE 7203 and exit 1; the same snapshot twice
#    gives nothing and exit 0.  A store of a newer schema is refused (exit
#    3) and left as it was.
#  - nmap -oX of two lab hosts before and after a change: `portier diff
#    a.xml b.xml` prints the same port changes as `ndiff a.xml b.xml` and
#    exits the same (1 changed, 0 the same).
#  - A UDP client socket on an ephemeral port and 20 TCP connections at the
#    second snapshot make no event.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_local.sh"
lab_init
need_tool jq
need_tool nmap
need_tool ndiff
need_tool sqlite3

lab_target t1
lab_target t2
# The programs live in a private system-like directory, one copy each so
# that every listener has its own path.
local_programs a b c d
sys_dir=$LOCAL_SYS
store=$LOCAL_STORE
wait_gone() { local_wait_gone "$@"; }
snap() { lab_expect 0 lab_in t1 "$PORTIER" snapshot --store "$store" "$@"; }
# The events of the last two snapshots as "EVENT PORT", sorted.
events() {
	local rc=0
	lab_in t1 "$PORTIER" diff --store "$store" --json > "$LAB_DIR/ev.jsonl" || rc=$?
	[ "$rc" = "$1" ] || lab_fail "portier diff exited $rc, expected $1"
	jq -r '"\(.event) \((.after // .before).port)"' "$LAB_DIR/ev.jsonl" | sort
}

local_four_start t1
snap
snap -q
got=$(events 0)
[ -z "$got" ] || lab_fail "events between two equal snapshots: $got"

# The four changes.
local_four_change t1
pg_d=$LOCAL_PG_D
# A client's unconnected UDP socket on an ephemeral port (a resolver's),
# and TCP connections (clients' and accepted ones): no event for any.
lab_bg t1 udpclient python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"x", ("127.0.0.1", 9))
c = [socket.create_connection(("127.0.0.1", 7204)) for i in range(20)]
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
time.sleep(1e6)' "$LAB_DIR/udpport"
for ((i = 0; i < 100; i++)); do [ -s "$LAB_DIR/udpport" ] && break; sleep 0.05; done
udp_port=$(cat "$LAB_DIR/udpport")
lab_in t1 ss -H -uan "sport = :$udp_port" | grep -q UNCONN || lab_fail "no UDP client socket on $udp_port"
snap > "$LAB_DIR/snap.txt"
lab_expect 0 lab_in t1 "$PORTIER" history --store "$store" --list --json > "$LAB_DIR/list.jsonl"
# the client socket is in the snapshot (it looks like a listener) ...
[ "$(jq -s ".[-1].listeners" "$LAB_DIR/list.jsonl")" = 4 ] || lab_fail "snapshot 3 should hold 3 listeners and the UDP client socket"
cat "$LAB_DIR/snap.txt"
got=$(events 1)
# ... but makes no event
want=$(printf '%s\n' "BINARY_MODIFIED 7202" "GONE 7203" "NEW 7204" "REBOUND 7201" | sort)
[ "$got" = "$want" ] || lab_fail "events: got '$got', want '$want'"
lab_log "diff of two snapshots: $(echo $got)"
# The text view says the same, and the snapshot printed it too.
for ev in "NEW +tcp 0.0.0.0:7204" "REBOUND +tcp 127.0.0.1:7201 -> 0.0.0.0:7201" \
	"BINARY_MODIFIED +tcp 0.0.0.0:7202" "GONE +tcp 0.0.0.0:7203"; do
	grep -Eq "^$ev" "$LAB_DIR/snap.txt" || lab_fail "snapshot output lacks '$ev'"
done
# A new listener of a program no Debian package ships is high.
jq -s -e 'map(select(.event == "NEW"))[0] | .severity == "high" and .after.package == ""' \
	"$LAB_DIR/ev.jsonl" > /dev/null || lab_fail "NEW of an unpackaged program is not high"
# The REBOUND event keeps the old address and the new.
jq -s -e 'map(select(.event == "REBOUND")) | length == 1 and
	.[0].before.addr == "127.0.0.1" and .[0].after.addr == "0.0.0.0"' \
	"$LAB_DIR/ev.jsonl" > /dev/null || lab_fail "REBOUND lacks its addresses"
# history of one port: its first appearance and the move
lab_expect 0 lab_in t1 "$PORTIER" history --store "$store" 7201 > "$LAB_DIR/hist.txt"
cat "$LAB_DIR/hist.txt"
[ "$(grep -c . "$LAB_DIR/hist.txt")" = 2 ] || lab_fail "history 7201: want 2 lines"
grep -q "#1  NEW  *tcp 127.0.0.1:7201" "$LAB_DIR/hist.txt" || lab_fail "history 7201: no NEW"
grep -q "#3  REBOUND  *tcp 127.0.0.1:7201" "$LAB_DIR/hist.txt" || lab_fail "history 7201: no REBOUND"

# A store of a newer schema: refused, exit 3, file untouched.
sqlite3 "$store" 'PRAGMA user_version = 99'
sum=$(sha256sum "$store")
rc=0; lab_in t1 "$PORTIER" snapshot --store "$store" 2> "$LAB_DIR/err.txt" || rc=$?
[ "$rc" = 3 ] || lab_fail "newer schema: exit $rc, want 3"
grep -q "schema version 99 is newer" "$LAB_DIR/err.txt" || lab_fail "newer schema: $(cat "$LAB_DIR/err.txt")"
[ "$(sha256sum "$store")" = "$sum" ] || lab_fail "newer schema: the file was changed"

# ---- two nmap scans: portier diff against ndiff ------------------------------
local_hold t2 t2a "$sys_dir/svc-c" tcp:0.0.0.0:7301 tcp:0.0.0.0:7302
pg_t2=${LAB_PIDS[-1]}
scan() { lab_expect 0 lab_scan nmap -n -Pn -sT -p 7200-7310 -oX "$1" "${LAB_IP[t1]}" "${LAB_IP[t2]}" > /dev/null; }
scan "$LAB_DIR/a.xml"
kill -TERM -- "-$pg_t2"
wait_gone t2 7301
wait_gone t2 7302
local_hold t2 t2b "$sys_dir/svc-c" tcp:0.0.0.0:7302 tcp:0.0.0.0:7303
kill -TERM -- "-$pg_d"
wait_gone t1 7204
scan "$LAB_DIR/b.xml"
scan "$LAB_DIR/c.xml"

# "SIGN SPEC STATE" of each port line of a diff.
port_lines() { grep -E '^[-+][0-9]+/(tcp|udp) ' | awk '{print substr($1,1,1), substr($1,2), $2}' | sort; }
compare() {
	local a=$1 b=$2 want_rc=$3 rc_n=0 rc_p=0
	ndiff "$a" "$b" > "$LAB_DIR/ndiff.txt" || rc_n=$?
	"$PORTIER" diff "$a" "$b" > "$LAB_DIR/pdiff.txt" || rc_p=$?
	cat "$LAB_DIR/pdiff.txt"
	[ "$rc_n" = "$want_rc" ] || lab_fail "ndiff $a $b exited $rc_n, expected $want_rc"
	[ "$rc_p" = "$rc_n" ] || lab_fail "portier diff exited $rc_p, ndiff $rc_n"
	diff <(port_lines < "$LAB_DIR/ndiff.txt") <(port_lines < "$LAB_DIR/pdiff.txt") \
		|| lab_fail "port changes differ from ndiff's ($a -> $b)"
}
compare "$LAB_DIR/a.xml" "$LAB_DIR/b.xml" 1
n=$(port_lines < "$LAB_DIR/pdiff.txt" | wc -l)
[ "$n" -ge 2 ] || lab_fail "expected port changes between a and b, got $n"
compare "$LAB_DIR/b.xml" "$LAB_DIR/c.xml" 0
compare "$LAB_DIR/a.xml" "$LAB_DIR/a.xml" 0
# Not a scan file: an error, as ndiff's (2).
echo "junk" > "$LAB_DIR/junk.xml"
rc=0; "$PORTIER" diff "$LAB_DIR/a.xml" "$LAB_DIR/junk.xml" 2> /dev/null || rc=$?
[ "$rc" = 2 ] || lab_fail "portier diff of a junk file exited $rc, expected 2"
lab_log "ok"
