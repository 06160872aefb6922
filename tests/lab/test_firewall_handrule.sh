#!/usr/bin/env bash
# A rule someone added by hand to portier's chain: the next change would
# replace the table and lose it, so portier stops (exit 3) naming the rule,
# and changes nothing; status says the same.  Once the rule is gone,
# changes go through again.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
. "$PORTIER_SRC/tests/lab/lib_fw.sh"
need_tool nft

lab_target t1
fw t1 close 445 >/dev/null
fw t1 close 3389/tcp --from 198.19.0.0/16 >/dev/null
fw t1 status >/dev/null || lab_fail "status of portier's own table failed"

lab_in t1 nft add rule inet portier input tcp dport 8080 accept
before=$(fw_ruleset t1)
for args in "close 139" "open 445" "allow-only 22" "status" "status --json"; do
	rc=0
	fw t1 $args >/dev/null 2>"$LAB_DIR/err" || rc=$?
	[ "$rc" = 3 ] || lab_fail "'$args' with a hand-added rule exited $rc, want 3"
	grep -q "holds a rule portier did not write: 'tcp dport 8080 accept'" \
		"$LAB_DIR/err" || lab_fail "'$args': rule not named: $(cat "$LAB_DIR/err")"
	[ "$(fw_ruleset t1)" = "$before" ] || lab_fail "'$args' changed the rules"
done
echo "ok: a hand-added rule stops every verb (exit 3) and is named; nothing changed"

# gone again: changes go through
handle=$(lab_in t1 nft -a list chain inet portier input |
	sed -n 's/.*tcp dport 8080 accept # handle \([0-9]*\)/\1/p')
[ -n "$handle" ] || lab_fail "no handle for the hand-added rule"
lab_in t1 nft delete rule inet portier input handle "$handle"
fw t1 close 139 >/dev/null || lab_fail "close 139 failed once the rule was gone"
table=$(lab_in t1 nft list table inet portier)
grep -q 'elements = { 139, 445 }' <<<"$table" || lab_fail "139 not closed: $table"
echo "lab ok: hand-added rules in portier's chain are reported, not lost"
