#!/usr/bin/env bash
# portier inspect on a process in another mount namespace (a container's
# view): in network namespace t1, a private mount namespace holds a tmpfs on
# CT (a directory the host sees empty) with the copied binary CT/sksocks and
# a companion, and a tmpfs on /etc/cron.d with a cron line naming it.  The
# host has neither file at those paths: inspect must read the executable's
# package, the persistence and the companions through /proc/PID/root, say
# so (the process's "root"), and find them there.
# Every portier run checks its exit code.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool jq
need_tool unshare
need_tool sha256sum

lab_target t1
CT=$LAB_DIR/ct
mkdir -p "$CT"
cat > "$LAB_DIR/ct.sh" <<SH
set -e
mount -t tmpfs tmpfs "$CT"
cp "$LAB_BIN/lab-listen" "$CT/sksocks"
echo 'listen 45576' > "$CT/sk.conf"
mount -t tmpfs tmpfs /etc/cron.d
echo '*/5 * * * * root $CT/sksocks tcp:45576' > /etc/cron.d/ct
exec "$CT/sksocks" -r "$LAB_DIR/ct.ready" tcp:45576
SH
lab_bg t1 ct unshare -m --propagation private sh "$LAB_DIR/ct.sh"
lab_wait_port t1 tcp 45576
[ -e "$CT/sksocks" ] && lab_fail "the host sees the container's binary"
[ -e /etc/cron.d/ct ] && lab_fail "the host sees the container's cron line"

OUT=$LAB_DIR/ct.json
q() { jq -r "$@" "$OUT"; }
lab_expect 0 lab_in t1 "$PORTIER" inspect 45576 --json --no-hidden > "$OUT"
owner='.processes[] | select(.owner)'
pid=$(q "$owner | .pid")
[ "$(q "$owner | .root")" = "/proc/$pid/root" ] ||
	lab_fail "root not noted: $(q "$owner | .root")"
[ "$(q "$owner | .exe.path")" = "$CT/sksocks" ] || lab_fail "exe path"
[ "$(q "$owner | .exe.sha256")" = "$(sha256sum < "$LAB_BIN/lab-listen" | cut -d' ' -f1)" ] ||
	lab_fail "the container's binary was not hashed"
q '.persistence[].file' | grep -xF > /dev/null /etc/cron.d/ct ||
	lab_fail "the container's cron line not found: $(q -c .persistence)"
q '.companions[].path' | grep -xF > /dev/null "$CT/sk.conf" ||
	lab_fail "the container's companion not found"
q '.findings[] | select(.rule == "not-packaged") | .text' | grep -F > /dev/null "$CT/sksocks" ||
	lab_fail "no not-packaged finding"
q '.notes[]' | grep -F > /dev/null "another mount namespace" || lab_fail "no note on the root"
lab_expect 0 lab_in t1 "$PORTIER" inspect 45576 --no-hidden > "$LAB_DIR/ct.txt"
grep -qF "root       /proc/$pid/root (another mount namespace" "$LAB_DIR/ct.txt" ||
	lab_fail "text view lacks the root line"
lab_log "inspect: a container's files read through /proc/PID/root OK"
