#!/usr/bin/env bash
# portier firewall allow-only, in a target namespace: after `allow-only
# 22,80` only those ports answer a SYN scan (IPv4 and IPv6), loopback inside
# the target still works, and a connection established before the apply -
# to a port that is not allowed - keeps working.  The SSH guard keeps the
# session's port open (and refuses to close it) unless told otherwise.
# Undo walks back one change at a time, each time to the exact ruleset.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
. "$PORTIER_SRC/tests/lab/lib_fw.sh"
need_tool nmap nft

lab_target t1
lab_listen t1 tcp:22 tcp:80 tcp:445 tcp:8080
ip4=${LAB_IP[t1]} ip6=${LAB_IP6[t1]}
ports=22,80,445,8080

# an echo server on 9000 and a client connected to it before any rule
lab_bg t1 echo9000 busybox nc -l -p 9000 -e cat
lab_wait_port t1 tcp 9000
setsid ip netns exec "$LAB_SCANNER" bash -c '
	exec 3<>/dev/tcp/'"$ip4"'/9000 || exit 1
	echo before >&3; read -r -t 5 a <&3; echo "$a" > "'"$LAB_DIR"'/pre"
	while [ ! -e "'"$LAB_DIR"'/go" ]; do sleep 0.1; done
	echo after >&3; read -r -t 5 b <&3; echo "${b:-nothing}" > "'"$LAB_DIR"'/post"
	sleep 30' >/dev/null 2>&1 </dev/null &
LAB_PIDS+=($!)
for ((i = 0; i < 50; i++)); do [ -s "$LAB_DIR/pre" ] && break; sleep 0.1; done
[ "$(cat "$LAB_DIR/pre" 2>/dev/null)" = before ] || lab_fail "echo connection did not start"

fw_expect "IPv4 before" "$(fw_scan $ports "$ip4")" \
	"22/open 80/open 445/open 8080/open"
ruleset0=$(fw_ruleset t1)

# the SSH guard: the session's port (8080 here) is kept, and not closed
script=$(SSH_CONNECTION="${LAB_IP[t1]%.*}.1 50000 $ip4 8080" \
	fw t1 allow-only 22,80 --dry-run 2>"$LAB_DIR/err")
grep -q 'elements = { 22, 80, 8080 }' <<<"$script" ||
	lab_fail "guard did not keep tcp/8080: $script"
grep -q 'keeping tcp/8080 open' "$LAB_DIR/err" || lab_fail "guard said nothing"
script=$(SSH_CONNECTION="198.19.1.1 50000 $ip4 8080" \
	fw t1 allow-only 22,80 --dry-run --i-know-ssh-is-closed 2>/dev/null)
grep -q 'elements = { 22, 80 }' <<<"$script" ||
	lab_fail "--i-know-ssh-is-closed did not drop the guard"
rc=0
SSH_CONNECTION="198.19.1.1 50000 $ip4 8080" fw t1 close 8080 2>"$LAB_DIR/err" || rc=$?
[ "$rc" = 2 ] || lab_fail "closing the SSH port exited $rc, want 2"
grep -q 'SSH session' "$LAB_DIR/err" || lab_fail "no SSH message: $(cat "$LAB_DIR/err")"
rc=0
SSH_CONNECTION="198.19.1.1 50000 $ip4 8080" \
	fw t1 close 8080/tcp --from 198.19.1.0/24 2>/dev/null || rc=$?
[ "$rc" = 2 ] || lab_fail "closing the SSH port to its client's prefix exited $rc"
[ "$(fw_ruleset t1)" = "$ruleset0" ] || lab_fail "refused close changed rules"
echo "ok: SSH guard keeps and protects the session's port"

# a first change, then allow-only on top of it
fw t1 close 445 >/dev/null
ruleset1=$(fw_ruleset t1)
fw t1 allow-only 22,80
fw_expect "IPv4 after allow-only 22,80" "$(fw_scan $ports "$ip4")" \
	"22/open 80/open 445/filtered 8080/filtered"
fw_expect "IPv6 after allow-only 22,80" "$(fw_scan $ports "$ip6" -6)" \
	"22/open 80/open 445/filtered 8080/filtered"

# loopback inside the target
lab_in t1 bash -c "exec 3<>/dev/tcp/127.0.0.1/8080" || lab_fail "127.0.0.1:8080 blocked"
lab_in t1 bash -c "exec 3<>/dev/tcp/::1/8080" || lab_fail "[::1]:8080 blocked"
echo "ok: loopback inside the target still works"

# the connection made before the apply survives
touch "$LAB_DIR/go"
for ((i = 0; i < 80; i++)); do [ -s "$LAB_DIR/post" ] && break; sleep 0.1; done
fw_expect "established connection to 9000" "$(cat "$LAB_DIR/post" 2>/dev/null)" after
# while a new one to 9000 is dropped
if lab_scan timeout 3 bash -c "exec 3<>/dev/tcp/$ip4/9000" 2>/dev/null; then
	lab_fail "a new connection to 9000 got through"
fi
echo "ok: new connections to 9000 are dropped"

# IPv6 neighbour discovery keeps working under the default drop
lab_in t1 ip -6 neigh flush all
lab_scan ip -6 neigh flush all
fw_expect "IPv6 after neighbour flush" "$(fw_scan 22 "$ip6" -6)" "22/open"

status=$(fw t1 status)
grep -q "allowed tcp  *22, 80" <<<"$status" || lab_fail "status lacks the allow list: $status"
json=$(fw t1 status --json)
fw_expect "status --json" "$(python3 -c '
import json, sys
o = json.loads(sys.argv[1])
print(json.dumps([o["mode"], o["allowed"]["tcp"], o["closed"]["tcp"],
                  o["kept_connections"], o["undo_points"],
                  o["dropped"]["not_allowed"] > 0]))' "$json")" \
	'["allow-only", [[22, 22], [80, 80]], [[445, 445]], 1, 2, true]' 

# undo twice: back through each change, each time exactly
fw t1 undo
[ "$(fw_ruleset t1)" = "$ruleset1" ] || {
	diff <(echo "$ruleset1") <(fw_ruleset t1) >&2
	lab_fail "first undo did not restore the ruleset after close 445"
}
fw t1 undo
[ "$(fw_ruleset t1)" = "$ruleset0" ] || lab_fail "second undo did not restore the first ruleset"
fw_expect "IPv4 after both undos" "$(fw_scan $ports "$ip4")" \
	"22/open 80/open 445/open 8080/open"
echo "lab ok: allow-only, loopback, established connection, SSH guard, undo twice"
