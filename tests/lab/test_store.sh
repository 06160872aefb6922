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
#  - busybox httpd (Debian's busybox) is a listener whose package verifies;
#    a copy of it under /tmp has no package (high); against md5sums that
#    record another sum it does not verify (high).
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

# ---- packaged programs: does each still match its package's md5sum? -----------
# busybox httpd as Debian ships it (7401) and a copy of that binary under
# /tmp that no package ships (7402), snapshotted into a store with the real
# dpkg database and one into a store with a fixture database whose md5sums
# record another sum for busybox.
bb=$(readlink -f "$(command -v busybox)")
dpkg -S "$bb" > /dev/null 2>&1 || dpkg -S "${bb#/usr}" > /dev/null 2>&1 || lab_fail "$bb is not Debian-packaged here"
vstore=$LAB_DIR/verify.db bstore=$LAB_DIR/tampered.db fake=$LAB_DIR/dpkg-fake
mkdir -p "$fake/info" "$LAB_DIR/copy" "$LAB_DIR/www-verify"
cp /var/lib/dpkg/info/busybox.list "$fake/info/"
sed -E 's/^[0-9a-f]{32}(  (usr\/)?bin\/busybox)$/0123456789abcdef0123456789abcdef\1/' \
	/var/lib/dpkg/info/busybox.md5sums > "$fake/info/busybox.md5sums"
cmp -s /var/lib/dpkg/info/busybox.md5sums "$fake/info/busybox.md5sums" && lab_fail "the fixture md5sums did not change"
cp "$bb" "$LAB_DIR/copy/busybox"
echo "portier lab" > "$LAB_DIR/www-verify/index.html"
vsnap() { lab_expect 0 lab_in t1 "$PORTIER" snapshot --store "$vstore" "$@"; }
bsnap() { lab_expect 0 lab_in t1 env PORTIER_DPKG_ADMINDIR="$fake" "$PORTIER" snapshot --store "$bstore" "$@"; }
vsnap -q
bsnap -q
lab_bg t1 httpd-pkg "$bb" httpd -f -p 7401 -h "$LAB_DIR/www-verify"
lab_bg t1 httpd-copy "$LAB_DIR/copy/busybox" httpd -f -p 7402 -h "$LAB_DIR/www-verify"
lab_wait_port t1 tcp 7401
lab_wait_port t1 tcp 7402
vsnap > "$LAB_DIR/vsnap.txt"
bsnap > "$LAB_DIR/bsnap.txt"
cat "$LAB_DIR/vsnap.txt" "$LAB_DIR/bsnap.txt"
lab_expect 1 lab_in t1 "$PORTIER" diff --store "$vstore" --json > "$LAB_DIR/vev.jsonl"
lab_expect 1 lab_in t1 "$PORTIER" diff --store "$bstore" --json > "$LAB_DIR/bev.jsonl"
# the packaged one verifies and is not raised for it; the copy has no
# package, unknown verdict, and is high
jq -s -e 'map(select(.event == "NEW" and .after.port == 7401)) | length == 1 and
	.[0].after.package == "busybox" and .[0].after.package_verified == true and
	.[0].severity != "high"' "$LAB_DIR/vev.jsonl" > /dev/null || lab_fail "busybox on 7401 is not a verified package: $(cat "$LAB_DIR/vev.jsonl")"
jq -s -e 'map(select(.event == "NEW" and .after.port == 7402)) | length == 1 and
	.[0].after.package == "" and .[0].after.package_verified == null and
	.[0].severity == "high"' "$LAB_DIR/vev.jsonl" > /dev/null || lab_fail "the copy on 7402 is not unpackaged and high"
grep -Eq "^NEW .*:7401 .*package busybox \(verifies\)" "$LAB_DIR/vsnap.txt" || lab_fail "text lacks 'package busybox (verifies)'"
grep -Eq "^NEW .*:7402 .*no package" "$LAB_DIR/vsnap.txt" || lab_fail "text lacks 'no package' for the copy"
# against md5sums that record another sum: does not verify, high
jq -s -e 'map(select(.event == "NEW" and .after.port == 7401)) | length == 1 and
	.[0].after.package == "busybox" and .[0].after.package_verified == false and
	.[0].severity == "high"' "$LAB_DIR/bev.jsonl" > /dev/null || lab_fail "busybox against a wrong md5sum is not 'does not verify' and high"
grep -Eq "^NEW .*:7401 .*package busybox \(DOES NOT VERIFY\)" "$LAB_DIR/bsnap.txt" || lab_fail "text lacks '(DOES NOT VERIFY)'"
[ "$(sqlite3 "$vstore" "SELECT pkg_verified FROM listener WHERE port = 7401 ORDER BY snapshot DESC LIMIT 1")" = 1 ] \
	|| lab_fail "the store does not hold pkg_verified = 1"
lab_log "busybox verifies against dpkg's md5sum; a copy is unpackaged; a wrong sum does not verify"

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
