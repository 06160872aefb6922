#!/usr/bin/env bash
# The SSH guard when no session can be found - sudo resets $SSH_CONNECTION,
# and inside tmux or screen the walk up the parents ends at the
# multiplexer's server, not at sshd (here: no SSH_CONNECTION, and the
# parents are the test's shell).  A process named sshd listens on 22 in the
# target namespace; a change that would drop new connections to 22 is
# refused with exit 2 and leaves the rules as they were, one that keeps 22
# open passes, and --i-know-ssh-is-closed overrides the guard.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
. "$PORTIER_SRC/tests/lab/lib_fw.sh"
need_tool nft

lab_target t1
lab_listen t1 tcp:80
# the lab listener under the name sshd: the guard goes by process name
cp "$LAB_BIN/lab-listen" "$LAB_DIR/sshd"
ready="$LAB_DIR/sshd.ready"
lab_bg t1 sshd "$LAB_DIR/sshd" -r "$ready" tcp:22
for ((i = 0; i < 200; i++)); do [ -s "$ready" ] && break; sleep 0.05; done
[ -s "$ready" ] || lab_fail "the sshd-named listener did not start"
owner=$(lab_in t1 ss -Htlnp 'sport = :22')
grep -q '"sshd"' <<<"$owner" || lab_fail "no process named sshd listens on 22: $owner"

before=$(fw_ruleset t1)
# refused: exit 2, a message naming sshd and the port, nothing applied
for args in "allow-only 80,443" "allow-only 80,443 --dry-run" "close 22" \
	"close 20-25/tcp" "harden"; do
	rc=0
	fw t1 $args >/dev/null 2>"$LAB_DIR/err" || rc=$?
	if [ "$args" = harden ]; then
		# harden leaves 22 alone: not refused
		[ "$rc" = 0 ] || lab_fail "harden exited $rc: $(cat "$LAB_DIR/err")"
		fw t1 undo >/dev/null
		continue
	fi
	[ "$rc" = 2 ] || lab_fail "'$args' with sshd on 22 exited $rc, want 2"
	grep -q 'sshd (pid [0-9]*) listens on tcp/22' "$LAB_DIR/err" ||
		lab_fail "'$args': no message naming sshd: $(cat "$LAB_DIR/err")"
	grep -q 'i-know-ssh-is-closed' "$LAB_DIR/err" ||
		lab_fail "'$args': no hint: $(cat "$LAB_DIR/err")"
	[ "$(fw_ruleset t1)" = "$before" ] || lab_fail "'$args' changed the rules"
done
echo "ok: changes that drop sshd's port are refused (exit 2), nothing applied"

# keeping 22 open passes; a port nobody's sshd listens on closes
fw t1 allow-only 22,80 >/dev/null || lab_fail "allow-only 22,80 was refused"
fw t1 close 80 >/dev/null || lab_fail "close 80 was refused"
echo "ok: changes that keep sshd's port open pass"

# the override, and after it the port counts as closed on purpose
fw t1 close 22 --i-know-ssh-is-closed >/dev/null ||
	lab_fail "--i-know-ssh-is-closed did not override"
table=$(lab_in t1 nft list table inet portier)
grep -q 'elements = { 22, 80 }' <<<"$table" || lab_fail "22 not closed: $table"
fw t1 close 8080 >/dev/null || lab_fail "a later close was refused for 22 closed before"
echo "ok: --i-know-ssh-is-closed overrides; a port already closed is no reason to refuse"
fw t1 reset >/dev/null
echo "lab ok: SSH guard without a session, by sshd's listeners"
