#!/usr/bin/env bash
# portier firewall close, in a target namespace: every generated script
# passes nft -c; after `close 445` a SYN scan from the scanner sees 445
# filtered over IPv4 and IPv6 and every other port as before; a table of
# someone else's is untouched; applying twice gives one set of rules; bad
# input exits 2 and applies nothing; without CAP_NET_ADMIN the error names
# the capability while --dry-run still works; undo restores the exact
# ruleset from before.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
. "$PORTIER_SRC/tests/lab/lib_fw.sh"
need_tool nmap nft

lab_target t1
lab_listen t1 tcp:22 tcp:80 tcp:139 tcp:445 tcp:8080 udp:137
ip4=${LAB_IP[t1]} ip6=${LAB_IP6[t1]}
ports=22,80,139,445,8080

# every verb's script is valid nftables
fw_check_script t1 close 445
fw_check_script t1 close 135,137-139,445/tcp --proto tcp
fw_check_script t1 close 3389/tcp --from 198.19.0.0/16
fw_check_script t1 close 445 --from fd70:7::/32
fw_check_script t1 allow-only 22,80
fw_check_script t1 harden

# someone else's table, which portier must leave alone
lab_in t1 nft -f - <<'EOF'
table ip labother {
	chain in {
		type filter hook input priority 10; policy accept;
		tcp dport 9999 counter drop
	}
}
EOF
other_before=$(lab_in t1 nft list table ip labother)

fw_expect "IPv4 before" "$(fw_scan $ports "$ip4")" \
	"22/open 80/open 139/open 445/open 8080/open"
before=$(fw_ruleset t1)

# bad input: exit 2, nothing applied
for args in "close 70000" "close" "close 445 --proto icmp" "close 445/sctp" \
	"close 445 --from 10.0.0.0/33" "close 22-21" "frobnicate 445"; do
	rc=0
	fw t1 $args 2>"$LAB_DIR/err" || rc=$?
	[ "$rc" = 2 ] || lab_fail "'portier firewall $args' exited $rc, want 2"
	grep -q . "$LAB_DIR/err" || lab_fail "'$args': no error message"
done
rc=0; fw t1 allow-only '' 2>"$LAB_DIR/err" || rc=$?
[ "$rc" = 2 ] || lab_fail "allow-only '' exited $rc, want 2"
grep -q "''" "$LAB_DIR/err" || lab_fail "allow-only '': error does not quote it"
[ "$(fw_ruleset t1)" = "$before" ] || lab_fail "bad input changed the ruleset"
[ -z "$(ls -A "$PORTIER_STATE_DIR" 2>/dev/null)" ] ||
	lab_fail "bad input left an undo point"
echo "ok: bad input exits 2 and applies nothing"

# without CAP_NET_ADMIN: a clear error, and --dry-run still works
rc=0
lab_in t1 setpriv --inh-caps=-net_admin --bounding-set=-net_admin \
	"$PORTIER" firewall close 445 2>"$LAB_DIR/err" || rc=$?
[ "$rc" = 3 ] || lab_fail "close without CAP_NET_ADMIN exited $rc, want 3"
grep -q CAP_NET_ADMIN "$LAB_DIR/err" || lab_fail "error does not name CAP_NET_ADMIN"
lab_in t1 setpriv --inh-caps=-net_admin --bounding-set=-net_admin \
	"$PORTIER" firewall close 445 --dry-run 2>/dev/null |
	grep -q 'elements = { 445 }' || lab_fail "--dry-run without privileges"
[ "$(fw_ruleset t1)" = "$before" ] || lab_fail "unprivileged run changed rules"
echo "ok: without CAP_NET_ADMIN: exit 3 naming it; --dry-run works"

# suggest: the audit's risky listeners, nothing applied, exit 1
rc=0
fw t1 suggest > "$LAB_DIR/suggest" 2>&1 || rc=$?
cat "$LAB_DIR/suggest"
[ "$rc" = 1 ] || lab_fail "suggest exited $rc, want 1"
grep -q '^close  445/tcp' "$LAB_DIR/suggest" || lab_fail "suggest does not name 445/tcp"
grep -q 'portier firewall close .*445/tcp' "$LAB_DIR/suggest" ||
	lab_fail "suggest prints no close command"
rc=0; fw t1 suggest --dry-run > "$LAB_DIR/suggest.nft" 2>/dev/null || rc=$?
[ "$rc" = 1 ] || lab_fail "suggest --dry-run exited $rc, want 1 (it names 445)"
grep -q '445' "$LAB_DIR/suggest.nft" || lab_fail "suggest --dry-run: no script"
lab_in t1 nft -c -f "$LAB_DIR/suggest.nft" || lab_fail "nft -c rejects suggest's script"
[ "$(fw_ruleset t1)" = "$before" ] || lab_fail "suggest changed the ruleset"
echo "ok: suggest names 445 and applies nothing"

# close 445, naming who still listens behind it
fw t1 close 445 | tee "$LAB_DIR/close"
grep -q 'tcp/445 is closed, but lab-listen (pid [0-9]*) still listens' \
	"$LAB_DIR/close" || lab_fail "close does not name the listening process"
fw_expect "IPv4 after close 445" "$(fw_scan $ports "$ip4")" \
	"22/open 80/open 139/open 445/filtered 8080/open"
fw_expect "IPv6 after close 445" "$(fw_scan $ports "$ip6" -6)" \
	"22/open 80/open 139/open 445/filtered 8080/open"
# loopback inside the target is not filtered
lab_in t1 bash -c "exec 3<>/dev/tcp/127.0.0.1/445" ||
	lab_fail "loopback to 445 blocked"
echo "ok: loopback to 445 still connects"

# applying twice: the same table, one rule per set, no second undo point
once=$(lab_in t1 nft -s list table inet portier)
again=$(fw t1 close 445)
grep -q "already in place" <<<"$again" || lab_fail "second close not a no-op: $again"
fw t1 close 445/tcp,445/udp >/dev/null
twice=$(lab_in t1 nft -s list table inet portier)
[ "$once" = "$twice" ] || lab_fail "applying twice changed the table"
[ "$(grep -c '@close_tcp' <<<"$twice")" = 1 ] || lab_fail "duplicate rules"
[ "$(lab_in t1 nft list tables | grep -c 'inet portier')" = 1 ] ||
	lab_fail "more than one portier table"
[ "$(ls "$PORTIER_STATE_DIR" | grep -c '^undo-')" = 1 ] ||
	lab_fail "undo points: $(ls "$PORTIER_STATE_DIR")"
echo "ok: applying twice gives one set of rules"

# the suggestion is gone once the port is closed
rc=0; fw t1 suggest > "$LAB_DIR/suggest" 2>&1 || rc=$?
grep -q '^skip   445/tcp.*' "$LAB_DIR/suggest" || lab_fail "closed 445 still suggested"

# the other table is untouched
[ "$(lab_in t1 nft list table ip labother)" = "$other_before" ] ||
	lab_fail "table ip labother changed"
echo "ok: table ip labother untouched"

# status in words
fw t1 status | tee "$LAB_DIR/status"
grep -q "closed tcp  *445" "$LAB_DIR/status" || lab_fail "status lacks tcp 445"
# the scans above were counted (the table was last replaced before them)
grep -qE "closed tcp  *445 \([1-9][0-9]* packets? dropped\)" "$LAB_DIR/status" ||
	lab_fail "status shows no dropped packets for 445"

# undo: the exact ruleset from before
fw t1 undo
[ "$(fw_ruleset t1)" = "$before" ] || {
	diff <(echo "$before") <(fw_ruleset t1) >&2
	lab_fail "undo did not restore the ruleset"
}
fw_expect "IPv4 after undo" "$(fw_scan $ports "$ip4")" \
	"22/open 80/open 139/open 445/open 8080/open"
rc=0; fw t1 undo 2>/dev/null || rc=$?
[ "$rc" = 2 ] || lab_fail "undo with nothing to undo exited $rc"

# harden: a reason per port from the knowledge base, the seeds' list closed
fw_expect "UDP before harden" "$(fw_scan_udp 137 "$ip4")" "137/open"
fw t1 harden > "$LAB_DIR/harden"
fw_expect "UDP after harden" "$(fw_scan_udp 137 "$ip4")" "137/open|filtered"
fw_expect "UDP over IPv6 after harden" "$(fw_scan_udp 137 "$ip6" -6)" "137/open|filtered"
[ "$(grep -cE '^  [0-9]+/(tcp|udp) ' "$LAB_DIR/harden")" = 14 ] ||
	lab_fail "harden does not give 14 reasons: $(cat "$LAB_DIR/harden")"
grep -qE '^  445/tcp .*(Sasser|WannaCry|EternalBlue)' "$LAB_DIR/harden" ||
	lab_fail "harden's reason for 445 is not the knowledge base's"
fw_expect "IPv4 after harden" "$(fw_scan $ports "$ip4")" \
	"22/open 80/open 139/filtered 445/filtered 8080/open"
udp_set=$(lab_in t1 nft list set inet portier close_udp)
grep -q 'elements = { 135, 137-138, 445 }' <<<"$udp_set" ||
	lab_fail "harden's UDP set is wrong: $udp_set"
hardened=$(fw_ruleset t1)
fw t1 reset >/dev/null
[ "$(fw_ruleset t1)" = "$before" ] || lab_fail "reset left rules behind"
fw t1 undo >/dev/null
[ "$(fw_ruleset t1)" = "$hardened" ] || lab_fail "undo of reset"
fw t1 undo >/dev/null

# thousands of ports stay one rule
fw t1 close "$(seq -s, 20000 2 23998)/tcp" >/dev/null
chain=$(lab_in t1 nft list chain inet portier input)
[ "$(grep -c 'dport @close_tcp' <<<"$chain")" = 1 ] ||
	lab_fail "2000 ports are not one rule"
tcp_set=$(lab_in t1 nft list set inet portier close_tcp)
[ "$(grep -o '[0-9][0-9]*' <<<"$tcp_set" | grep -c '^2[0-9]\{4\}$')" = 2000 ] ||
	lab_fail "the set does not hold the 2000 ports"
fw t1 undo >/dev/null
[ "$(fw_ruleset t1)" = "$before" ] || lab_fail "undo after the big set"
echo "ok: harden closes the seeds' list with reasons; reset and its undo; 2000 ports are one rule"

# open: the opposite of close, one port at a time
fw t1 close 139,445/tcp >/dev/null
fw t1 open 139 >/dev/null
fw_expect "IPv4 after close 139,445 then open 139" "$(fw_scan $ports "$ip4")" \
	"22/open 80/open 139/open 445/filtered 8080/open"
fw t1 open 445 >/dev/null
[ "$(fw_ruleset t1)" = "$before" ] || lab_fail "opening every closed port left rules"
fw t1 undo >/dev/null; fw t1 undo >/dev/null; fw t1 undo >/dev/null
[ "$(fw_ruleset t1)" = "$before" ] || lab_fail "undo after open"
echo "ok: open reopens exactly what it names"

# --from: only that source prefix is dropped (the scanner's IPv4 /24, so
# the same port still answers over IPv6)
fw t1 close 8080/tcp --from "${ip4%.*}.0/24" >/dev/null
fw_expect "IPv4 after close 8080 --from its /24" "$(fw_scan 80,8080 "$ip4")" \
	"80/open 8080/filtered"
fw_expect "IPv6 after close 8080 --from an IPv4 /24" "$(fw_scan 80,8080 "$ip6" -6)" \
	"80/open 8080/open"
fw t1 close 8080/tcp --from "${ip6%::*}::/64" >/dev/null
fw_expect "IPv6 after close 8080 --from its /64" "$(fw_scan 80,8080 "$ip6" -6)" \
	"80/open 8080/filtered"
fw t1 undo >/dev/null
fw t1 undo >/dev/null
[ "$(fw_ruleset t1)" = "$before" ] || lab_fail "undo after --from"
echo "ok: --from drops only its prefix, per address family"

# a set added to portier's table by hand is reported, not silently dropped
fw t1 close 445 >/dev/null
lab_in t1 nft add set inet portier mine '{ type ipv4_addr; }'
edited=$(fw_ruleset t1)
rc=0; fw t1 close 139 2>"$LAB_DIR/err" || rc=$?
[ "$rc" = 3 ] || lab_fail "close over a hand-edited table exited $rc, want 3"
grep -q "'mine'" "$LAB_DIR/err" || lab_fail "the foreign set is not named: $(cat "$LAB_DIR/err")"
[ "$(fw_ruleset t1)" = "$edited" ] || lab_fail "the hand-edited table was changed"
fw t1 undo >/dev/null
[ "$(fw_ruleset t1)" = "$before" ] || lab_fail "undo over a hand-edited table"
echo "ok: hand edits in portier's table are reported, and undo still works"
echo "lab ok: close, IPv6, idempotence, other table, bad input, undo, harden, sets"
