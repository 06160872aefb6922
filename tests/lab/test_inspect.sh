#!/usr/bin/env bash
# portier inspect on a planted backdoor and on a packaged daemon, in a
# namespace this test creates:
#  - lab-listen, copied to ROOT/tmp/.x/sksocks, listens on 45576; ROOT is a
#    planted tree (PORTIER_ROOT) whose systemd unit, cron line,
#    ld.so.preload, XDG autostart file and authorized_keys command= name
#    that path, with two companion files beside and in /var/tmp.  inspect
#    must find every entry and companion, hash the binary as sha256sum
#    does, say it is not owned by any package, and still hash it after it
#    is deleted;
#  - busybox httpd (dpkg lists it as /bin/busybox, it runs as
#    /usr/bin/busybox on merged /usr) is reported owned and verified
#    against the REAL dpkg database, with no package finding;
#  - a copy run from an anonymous memory file is reported as memfd and
#    hashed;
#  - a port nobody listens on is a clear error, exit 2.
# Every portier run checks its exit code.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool jq
need_tool sha256sum
need_tool busybox
[ -x /usr/bin/python3 ] || need_skip "inspect lab: needs /usr/bin/python3 (memfd_create)"

lab_target t1
ROOT=$LAB_DIR/root
BIN=$ROOT/tmp/.x/sksocks
mkdir -p "$ROOT/tmp/.x" "$ROOT/var/tmp" "$ROOT/etc/systemd/system" \
	"$ROOT/etc/cron.d" "$ROOT/etc/xdg/autostart" "$ROOT/root/.ssh" \
	"$ROOT/var/lib/dpkg/info"
printf 'root:x:0:0:root:/root:/bin/bash\n' > "$ROOT/etc/passwd"
cp "$LAB_BIN/lab-listen" "$BIN"
printf 'listen 45576\n' > "$ROOT/tmp/.x/sk.conf"
printf 'started\n' > "$ROOT/var/tmp/.sk.log"
cat > "$ROOT/etc/systemd/system/dbus-helper.service" <<UNIT
[Unit]
Description=D-Bus helper

[Service]
ExecStart=$BIN tcp:45576
Restart=always
UNIT
printf '*/10 * * * * root %s tcp:45576\n' "$BIN" > "$ROOT/etc/cron.d/sk"
printf '%s\n' "$ROOT/tmp/.x/libsk.so" > "$ROOT/etc/ld.so.preload"
printf '[Desktop Entry]\nType=Application\nName=Helper\nExec=%s\n' "$BIN" \
	> "$ROOT/etc/xdg/autostart/helper.desktop"
printf 'command="%s" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlanted x@y\n' \
	"$BIN" > "$ROOT/root/.ssh/authorized_keys"
want_sha=$(sha256sum "$BIN" | cut -d' ' -f1)

ready=$LAB_DIR/sk.ready
lab_bg t1 sksocks "$BIN" -r "$ready" tcp:45576
for ((i = 0; i < 200; i++)); do [ -s "$ready" ] && break; sleep 0.05; done
lab_wait_port t1 tcp 45576

# ---- the planted backdoor ------------------------------------------------
OUT=$LAB_DIR/inspect.json
lab_expect 0 lab_in t1 env PORTIER_ROOT="$ROOT" "$PORTIER" inspect 45576 \
	--json > "$OUT"
q() { jq -r "$@" "$OUT"; }
owner='.processes[] | select(.owner)'
[ "$(q "$owner | .exe.sha256")" = "$want_sha" ] ||
	lab_fail "sha256 $(q "$owner | .exe.sha256") != sha256sum $want_sha"
[ "$(q "$owner | .exe.path")" = "$BIN" ] || lab_fail "exe path"
[ "$(q "$owner | .exe.package")" = null ] || lab_fail "package of $BIN"
q '.findings[] | select(.rule == "not-packaged") | .text' |
	grep -qF "/tmp/.x/sksocks is not owned by any package" ||
	lab_fail "no not-packaged finding"
q '.findings[] | select(.rule == "exe-location") | .severity' | grep -qx high ||
	lab_fail "no exe-location finding"
[ "$(q '.sockets[0].port')" = 45576 ] || lab_fail "socket port"
[ "$(q "$owner | .cmdline")" = "$BIN -r $ready tcp:45576" ] ||
	lab_fail "command line: $(q "$owner | .cmdline")"
# the parent chain reaches pid 1
q '.processes[] | select(.owner | not) | .pid' | grep -qx 1 ||
	lab_fail "parent chain does not reach pid 1"
for f in /etc/systemd/system/dbus-helper.service /etc/cron.d/sk \
	/etc/ld.so.preload /etc/xdg/autostart/helper.desktop \
	/root/.ssh/authorized_keys; do
	q '.persistence[].file' | grep -qxF "$f" ||
		lab_fail "persistence entry $f not found"
done
[ "$(q '.persistence[] | select(.file == "/etc/ld.so.preload") | .match')" \
	= dir ] || lab_fail "ld.so.preload names the binary's directory"
q '.findings[] | select(.rule == "persistence" and (.text |
	startswith("/etc/ld.so.preload"))) | .severity' | grep -qx high ||
	lab_fail "ld.so.preload entry is not a high finding"
for f in /tmp/.x/sk.conf /var/tmp/.sk.log; do
	q '.companions[].path' | grep -qxF "$f" ||
		lab_fail "companion $f not found"
done
q '.companions[].path' | grep -qxF /tmp/.x/sksocks &&
	lab_fail "the binary is its own companion"
[ "$(q '.hidden.checked')" = true ] || lab_fail "hidden check not run"
[ "$(q '.hidden.listeners | length')" = 0 ] ||
	lab_fail "false hidden listeners: $(q '.hidden.listeners')"
[ "$(q '.kb.trojans')" != null ] || lab_fail "no kb entry for 45576"
q '.kb.trojans' | grep -qi sksocks || lab_fail "kb does not name SkSocks"

# the same from outside, naming the namespace
lab_expect 0 env PORTIER_ROOT="$ROOT" "$PORTIER" inspect 45576 \
	--netns "${LAB_NS[t1]}" --json > "$LAB_DIR/netns.json"
[ "$(jq -r "$owner | .exe.sha256" "$LAB_DIR/netns.json")" = "$want_sha" ] ||
	lab_fail "--netns: not the planted binary"
[ "$(jq -r '.hidden.checked' "$LAB_DIR/netns.json")" = true ] &&
[ "$(jq -r '.hidden.listeners | length' "$LAB_DIR/netns.json")" = 0 ] ||
	lab_fail "--netns: hidden check $(jq -c .hidden "$LAB_DIR/netns.json")"

# text view, --pid, and --fail-on
lab_expect 0 lab_in t1 env PORTIER_ROOT="$ROOT" "$PORTIER" inspect 45576 \
	> "$LAB_DIR/inspect.txt"
grep -qF "not owned by any package" "$LAB_DIR/inspect.txt" ||
	lab_fail "text view lacks the package line"
grep -qF "$want_sha" "$LAB_DIR/inspect.txt" || lab_fail "text view lacks the hash"
pid=$(q "$owner | .pid")
lab_expect 1 lab_in t1 env PORTIER_ROOT="$ROOT" "$PORTIER" inspect \
	--pid "$pid" --fail-on high --no-hidden > "$LAB_DIR/inspect-pid.txt"
grep -qF "process $pid (sksocks)" "$LAB_DIR/inspect-pid.txt" ||
	lab_fail "--pid does not show the process"

# deleted while it runs: still hashed through /proc/PID/exe
rm "$BIN"
lab_expect 0 lab_in t1 env PORTIER_ROOT="$ROOT" "$PORTIER" inspect 45576 \
	--json --no-hidden > "$OUT"
[ "$(q "$owner | .exe.deleted")" = true ] || lab_fail "deleted not seen"
[ "$(q "$owner | .exe.sha256")" = "$want_sha" ] ||
	lab_fail "a deleted binary was not hashed"
q '.findings[].rule' | grep -qx exe-deleted || lab_fail "no exe-deleted"

# ---- a binary run from an anonymous memory file (memfd_create) -----------
cat > "$LAB_DIR/memfd.py" <<'PY'
import os, sys
src, ready, port = sys.argv[1:4]
fd = os.memfd_create("kworker", 0)
with open(src, "rb") as f:
    os.write(fd, f.read())
os.execv("/proc/self/fd/%d" % fd, ["kworker", "-r", ready, "tcp:" + port])
PY
lab_bg t1 memfd /usr/bin/python3 "$LAB_DIR/memfd.py" "$LAB_BIN/lab-listen" \
	"$LAB_DIR/memfd.ready" 45579
lab_wait_port t1 tcp 45579
lab_expect 0 lab_in t1 env PORTIER_ROOT="$ROOT" "$PORTIER" inspect 45579 \
	--json --no-hidden > "$OUT"
[ "$(q "$owner | .exe.memfd")" = true ] || lab_fail "memfd not seen: $(q "$owner | .exe.path")"
[ "$(q "$owner | .exe.sha256")" = "$(sha256sum < "$LAB_BIN/lab-listen" | cut -d' ' -f1)" ] ||
	lab_fail "a memfd binary was not hashed"
q '.findings[].rule' | grep -qx exe-memfd || lab_fail "no exe-memfd finding"
q '.findings[].rule' | grep -qx exe-deleted && lab_fail "a memfd counted as deleted too"

# ---- a packaged daemon against the real dpkg database --------------------
lab_http t1 8080
bb=$(readlink -f "$(command -v busybox)")
lab_expect 0 lab_in t1 "$PORTIER" inspect 8080 --json --no-hidden > "$OUT"
[ "$(q "$owner | .exe.path")" = "$bb" ] || lab_fail "busybox path"
[ "$(q "$owner | .exe.package")" = busybox ] ||
	lab_fail "busybox not owned: $(q "$owner | .exe.package")"
[ "$(q "$owner | .exe.verified")" = true ] || lab_fail "busybox not verified"
q '.findings[].rule' | grep -qxE 'not-packaged|package-modified' &&
	lab_fail "a packaged daemon made a package finding"

# ---- bad input -------------------------------------------------------------
lab_expect 2 lab_in t1 "$PORTIER" inspect 45577 2> "$LAB_DIR/err.txt"
grep -qF "nothing listens on port 45577" "$LAB_DIR/err.txt" ||
	lab_fail "no clear message for a port without listener"
lab_expect 2 lab_in t1 "$PORTIER" inspect --pid 2147483647 2> "$LAB_DIR/err.txt"
grep -qF "no process with pid 2147483647" "$LAB_DIR/err.txt" ||
	lab_fail "no clear message for a missing pid"
cat "$LAB_DIR/inspect.txt" >&2
lab_log "inspect: planted backdoor and packaged daemon OK"
