#!/usr/bin/env bash
# portier clean on a planted backdoor, in a namespace this test creates and
# a planted tree (PORTIER_ROOT):
#  - lab-listen, copied to ROOT/tmp/.x/sksocks, listens on 45576; a systemd
#    unit (with its enabling link), a line in a shared /etc/crontab, an
#    /etc/ld.so.preload entry and an XDG autostart file name it, two
#    companion files lie beside it and in /var/tmp.  inspect finds them all;
#  - without --yes and without a terminal the plan is only printed;
#  - a quarantine directory open to others is refused before anything is
#    done;
#  - a persistence file changed between the plan and the act (while clean
#    waits for y on a terminal) stops the run; what was done is undone;
#  - clean --yes quarantines everything, the port no longer answers (from
#    the namespace and from another one), and undo puts every file back
#    byte for byte with mode, owner and times (sha256sum and stat);
#  - a packaged daemon (busybox httpd, checked against the real dpkg
#    database) is reported owned and verified and not planned;
#  - bad input: no listener, no process, unknown undo id, undo twice.
# Every portier run checks its exit code.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool jq
need_tool nft
need_tool sha256sum
need_tool busybox
need_tool script

lab_target t1
ROOT=$LAB_DIR/root
BIN=$ROOT/tmp/.x/sksocks
export PORTIER_STATE_DIR=$LAB_DIR/fw
mkdir -p "$ROOT/tmp/.x" "$ROOT/var/tmp" \
	"$ROOT/etc/systemd/system/multi-user.target.wants" \
	"$ROOT/etc/xdg/autostart" "$ROOT/var/lib/dpkg/info"
chmod 1777 "$ROOT/tmp" "$ROOT/var/tmp"
printf 'root:x:0:0:root:/root:/bin/bash\n' > "$ROOT/etc/passwd"
cp "$LAB_BIN/lab-listen" "$BIN"
chown 1000:1000 "$BIN"
chmod 0750 "$BIN"
printf 'listen 45576\n' > "$ROOT/tmp/.x/sk.conf"
chown 1000:1000 "$ROOT/tmp/.x/sk.conf"
chmod 0600 "$ROOT/tmp/.x/sk.conf"
printf 'started\n' > "$ROOT/var/tmp/.sk.log"
cat > "$ROOT/etc/systemd/system/dbus-helper.service" <<UNIT
[Unit]
Description=D-Bus helper

[Service]
ExecStart=$BIN tcp:45576
Restart=always

[Install]
WantedBy=multi-user.target
UNIT
ln -s /etc/systemd/system/dbus-helper.service \
	"$ROOT/etc/systemd/system/multi-user.target.wants/dbus-helper.service"
cat > "$ROOT/etc/crontab" <<CRON
# /etc/crontab: system-wide crontab
SHELL=/bin/sh
17 *	* * *	root	cd / && run-parts --report /etc/cron.hourly
*/10 * * * * root $BIN tcp:45576
25 6	* * *	root	test -x /usr/sbin/anacron || run-parts /etc/cron.daily
CRON
printf '%s\n' "$ROOT/tmp/.x/libsk.so" > "$ROOT/etc/ld.so.preload"
printf '[Desktop Entry]\nType=Application\nName=Helper\nExec=%s\n' "$BIN" \
	> "$ROOT/etc/xdg/autostart/helper.desktop"
chmod 0640 "$ROOT/etc/xdg/autostart/helper.desktop"
chown 0:1000 "$ROOT/etc/xdg/autostart/helper.desktop"
# persistence files older than the binary (times must come back too)
touch -d '2024-02-03 04:05:06' "$ROOT/etc/crontab" "$ROOT/etc/ld.so.preload" \
	"$ROOT/etc/systemd/system/dbus-helper.service" \
	"$ROOT/etc/xdg/autostart/helper.desktop"
touch -h -d '2024-02-03 04:05:06' \
	"$ROOT/etc/systemd/system/multi-user.target.wants/dbus-helper.service"

FILES=(/tmp/.x/sksocks /tmp/.x/sk.conf /var/tmp/.sk.log /etc/crontab
	/etc/ld.so.preload /etc/xdg/autostart/helper.desktop
	/etc/systemd/system/dbus-helper.service)
LINK=/etc/systemd/system/multi-user.target.wants/dbus-helper.service
snapshot() {
	local f
	for f in "${FILES[@]}"; do
		[ -f "$ROOT$f" ] && [ ! -L "$ROOT$f" ] || { echo "$f missing"; continue; }
		echo "$f $(sha256sum < "$ROOT$f" | cut -d' ' -f1) $(stat -c '%a %u %g %Y' "$ROOT$f")"
	done
	echo "$LINK $(readlink "$ROOT$LINK") $(stat -c '%u %g %Y' "$ROOT$LINK")"
}
snapshot > "$LAB_DIR/before.txt"
cp -a "$ROOT/etc/crontab" "$LAB_DIR/crontab.orig"

start_backdoor() {
	rm -f "$LAB_DIR/sk.ready"
	lab_bg t1 sksocks "$BIN" -r "$LAB_DIR/sk.ready" tcp:45576
	for ((i = 0; i < 200; i++)); do [ -s "$LAB_DIR/sk.ready" ] && break; sleep 0.05; done
	lab_wait_port t1 tcp 45576
	SKPID=$(lab_in t1 ss -Htlnp "sport = :45576" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
	[ -n "$SKPID" ] || lab_fail "no pid for the backdoor"
}
alive() { # a zombie is gone; so is a process that ends while we look
	local st
	st=$(cut -d' ' -f3 "/proc/$1/stat" 2> /dev/null) && [ "$st" != Z ]
}
answers() { # answers NS-RUNNER ADDR: does 45576 accept a connection?
	"$@" timeout 3 bash -c 'exec 3<>/dev/tcp/'"${ADDR}"'/45576' 2> /dev/null
}
start_backdoor
clean() { lab_in t1 env PORTIER_ROOT="$ROOT" "$PORTIER" clean "$@"; }

# ---- inspect finds every piece -------------------------------------------
lab_expect 0 lab_in t1 env PORTIER_ROOT="$ROOT" "$PORTIER" inspect 45576 \
	--json --no-hidden > "$LAB_DIR/inspect.json"
for f in /etc/systemd/system/dbus-helper.service "$LINK" /etc/crontab \
	/etc/ld.so.preload /etc/xdg/autostart/helper.desktop; do
	jq -r '.persistence[].file' "$LAB_DIR/inspect.json" | grep -qxF "$f" ||
		lab_fail "inspect: persistence entry $f not found"
done
for f in /tmp/.x/sk.conf /var/tmp/.sk.log; do
	jq -r '.companions[].path' "$LAB_DIR/inspect.json" | grep -qxF "$f" ||
		lab_fail "inspect: companion $f not found"
done

# ---- no --yes, no terminal: the plan only --------------------------------
lab_expect 1 clean 45576 < /dev/null > "$LAB_DIR/plan.txt" 2> "$LAB_DIR/err.txt"
grep -qF "no terminal to confirm on" "$LAB_DIR/err.txt" || lab_fail "no reason given"
for w in "stop     pid $SKPID" "save     /tmp/.x/sksocks" \
	"save     /tmp/.x/sk.conf" "save     /var/tmp/.sk.log" "kill     pid $SKPID" \
	"move     /etc/systemd/system/dbus-helper.service" "move     $LINK" \
	"mask     dbus-helper.service: /etc/systemd/system/dbus-helper.service" \
	"rewrite  /etc/crontab without line 4" "move     /etc/ld.so.preload" \
	"move     /etc/xdg/autostart/helper.desktop" "remove   /tmp/.x/sksocks" \
	"block    port 45576/tcp" "reboot afterwards"; do
	grep -qF "$w" "$LAB_DIR/plan.txt" || lab_fail "plan lacks '$w'"
done
snapshot | diff - "$LAB_DIR/before.txt" || lab_fail "a plan changed files"
[ "$(ps -o stat= -p "$SKPID" | cut -c1)" != T ] || lab_fail "a plan stopped the process"

# ---- a quarantine directory others may write to --------------------------
mkdir -p "$ROOT/var/lib/portier/quarantine"
chmod 0777 "$ROOT/var/lib/portier/quarantine"
lab_expect 3 clean 45576 --yes > /dev/null 2> "$LAB_DIR/err.txt"
grep -qF "quarantine" "$LAB_DIR/err.txt" || lab_fail "bad quarantine: $(cat "$LAB_DIR/err.txt")"
snapshot | diff - "$LAB_DIR/before.txt" || lab_fail "refused run changed files"
[ "$(ps -o stat= -p "$SKPID" | cut -c1)" != T ] || lab_fail "refused run stopped the process"
chmod 0700 "$ROOT/var/lib/portier/quarantine"

# on_tty WHILE-WAITING ARGS...: clean ARGS on a terminal (script(1)); once it
# asks, run WHILE-WAITING, then answer y.  Its output and "exit=N" land in
# $LAB_DIR/tty.txt.
on_tty() {
	local meanwhile=$1; shift
	rm -f "$LAB_DIR/tty.txt"
	{
		for ((i = 0; i < 100; i++)); do
			grep -qF 'carry out this plan?' "$LAB_DIR/tty.txt" 2> /dev/null && break
			sleep 0.1
		done
		$meanwhile
		echo y
		sleep 2
	} | script -qefc "ip netns exec ${LAB_NS[t1]} env PORTIER_ROOT=$ROOT PORTIER_STATE_DIR=$PORTIER_STATE_DIR $PORTIER clean $*; echo exit=\$?" "$LAB_DIR/tty.txt" > /dev/null ||
		lab_fail "script(1) failed"
}
quarantines() { find "$ROOT/var/lib/portier/quarantine" -mindepth 1 -maxdepth 1 | wc -l; }

# ---- the process vanishes while clean waits for y: nothing is done ------
vanish() { kill -KILL "$SKPID"; while alive "$SKPID"; do sleep 0.05; done; }
n=$(quarantines)
on_tty vanish --pid "$SKPID"
grep -qF 'exit=2' "$LAB_DIR/tty.txt" &&
	grep -qF "vanished before it could be stopped: nothing was changed" "$LAB_DIR/tty.txt" ||
	lab_fail "vanished pid: $(cat "$LAB_DIR/tty.txt")"
[ "$(quarantines)" = "$n" ] || lab_fail "a quarantine was made for a vanished pid"
snapshot | diff - "$LAB_DIR/before.txt" || lab_fail "a vanished pid changed files"
start_backdoor

# ---- a file that changes while clean waits for y -------------------------
change_crontab() { echo '# added by the admin' >> "$ROOT/etc/crontab"; }
on_tty change_crontab 45576
grep -qF 'exit=2' "$LAB_DIR/tty.txt" || lab_fail "changed crontab: $(cat "$LAB_DIR/tty.txt")"
grep -qF '/etc/crontab changed since the plan was made' "$LAB_DIR/tty.txt" ||
	lab_fail "no clear message for a changed file"
ID=$(grep -o "clean --undo [0-9A-Za-z-]*" "$LAB_DIR/tty.txt" | head -1 | cut -d' ' -f3)
[ -n "$ID" ] || lab_fail "no undo id after a stopped run"
alive "$SKPID" && lab_fail "the process survived the kill step"
lab_expect 0 clean --list > "$LAB_DIR/list.txt"
grep -qF "$ID" "$LAB_DIR/list.txt" && grep -qF "stopped after" "$LAB_DIR/list.txt" ||
	lab_fail "--list: $(cat "$LAB_DIR/list.txt")"
lab_expect 0 clean --undo "$ID" > "$LAB_DIR/undo.txt"
grep -qF "not started again" "$LAB_DIR/undo.txt" || lab_fail "undo does not say the program stays stopped"
cp -a "$LAB_DIR/crontab.orig" "$ROOT/etc/crontab"
snapshot | diff - "$LAB_DIR/before.txt" || lab_fail "undo of a stopped run"

# ---- clean --yes -------------------------------------------------------------
start_backdoor
ADDR=${LAB_IP[t1]} answers lab_scan || lab_fail "the backdoor does not answer before"
lab_expect 0 clean 45576 --yes > "$LAB_DIR/clean.txt"
ID=$(grep -o "clean --undo [0-9A-Za-z-]*" "$LAB_DIR/clean.txt" | head -1 | cut -d' ' -f3)
[ -n "$ID" ] || lab_fail "no quarantine id: $(cat "$LAB_DIR/clean.txt")"
Q=$ROOT/var/lib/portier/quarantine/$ID
[ "$(stat -c '%a %u' "$Q")" = "700 0" ] || lab_fail "quarantine mode $(stat -c '%a %u' "$Q")"
jq -e '.steps | all(.state == "done")' "$Q/manifest.json" > /dev/null ||
	lab_fail "manifest: not all steps done"
alive "$SKPID" && lab_fail "the backdoor still runs"
ADDR=127.0.0.1 answers lab_in t1 && lab_fail "45576 still answers in the namespace"
ADDR=${LAB_IP[t1]} answers lab_scan && lab_fail "45576 still answers from outside"
# read the listing whole: grep -q would leave early and nft, still writing,
# die of SIGPIPE, which pipefail turns into a failure
ruleset=$(lab_in t1 nft list table inet portier) || lab_fail "no portier table after clean"
grep -q 45576 <<<"$ruleset" || lab_fail "45576 not blocked"
for f in /tmp/.x/sksocks /tmp/.x/sk.conf /var/tmp/.sk.log /etc/ld.so.preload \
	/etc/xdg/autostart/helper.desktop "$LINK"; do
	[ -e "$ROOT$f" ] || [ -L "$ROOT$f" ] && lab_fail "$f still there"
done
[ "$(readlink "$ROOT/etc/systemd/system/dbus-helper.service")" = /dev/null ] ||
	lab_fail "dbus-helper.service not masked"
grep -qF sksocks "$ROOT/etc/crontab" && lab_fail "cron line still there"
grep -qF 'cron.daily' "$ROOT/etc/crontab" || lab_fail "other cron lines lost"
[ "$(stat -c '%a %u %g' "$ROOT/etc/crontab")" = "644 0 0" ] || lab_fail "rewritten crontab mode"
# every copy in quarantine hashes as the manifest says
jq -r '.steps[] | select(.qname != null and .link == false and .kind != "remove") |
	"\(.sha256)  \(.qname)"' "$Q/manifest.json" | (cd "$Q" && sha256sum -c --quiet) ||
	lab_fail "quarantine copies do not match the manifest"

# ---- undo ----------------------------------------------------------------------
# a directory put in place of the one clean took files from: refused whole
mv "$ROOT/tmp/.x" "$ROOT/tmp/.x.moved"
mkdir "$ROOT/tmp/.x"
lab_expect 2 clean --undo "$ID" 2> "$LAB_DIR/err.txt"
grep -qF "would go into another directory" "$LAB_DIR/err.txt" ||
	lab_fail "swapped directory: $(cat "$LAB_DIR/err.txt")"
[ "$(readlink "$ROOT/etc/systemd/system/dbus-helper.service")" = /dev/null ] ||
	lab_fail "a refused undo changed something"
rmdir "$ROOT/tmp/.x"
mv "$ROOT/tmp/.x.moved" "$ROOT/tmp/.x"
# as after a crash while the port was being blocked: the step started, its
# undo point not recorded; undo finds the firewall's by its description
jq '.steps |= map(if .kind == "block" then .state = "started" | .fw_point = 0 else . end)' \
	"$Q/manifest.json" > "$Q/manifest.new"
mv "$Q/manifest.new" "$Q/manifest.json"
lab_expect 0 clean --undo "$ID" > "$LAB_DIR/undo.txt"
snapshot | diff - "$LAB_DIR/before.txt" || lab_fail "undo did not restore every file exactly"
ruleset=$(lab_in t1 nft list table inet portier 2> /dev/null) || ruleset=""
grep -q 45576 <<<"$ruleset" && lab_fail "45576 still blocked after undo"
grep -qF "reboot" "$LAB_DIR/undo.txt" || lab_fail "no reboot advice (ld.so.preload)"
lab_expect 2 clean --undo "$ID" 2> "$LAB_DIR/err.txt"
grep -qF "undone already" "$LAB_DIR/err.txt" || lab_fail "second undo"

# ---- a binary deleted while it runs: saved through /proc/PID/exe -----------------
R2=$LAB_DIR/root2
mkdir -p "$R2/tmp/.y" "$R2/etc"
printf 'root:x:0:0:root:/root:/bin/bash\n' > "$R2/etc/passwd"
cp "$LAB_BIN/lab-listen" "$R2/tmp/.y/kworker"
lab_bg t1 deleted "$R2/tmp/.y/kworker" -r "$LAB_DIR/del.ready" tcp:45578
lab_wait_port t1 tcp 45578
rm "$R2/tmp/.y/kworker"
lab_expect 0 lab_in t1 env PORTIER_ROOT="$R2" "$PORTIER" clean 45578 --yes \
	> "$LAB_DIR/deleted.txt"
grep -qF "the executable (deleted while it runs)" "$LAB_DIR/deleted.txt" ||
	lab_fail "deleted binary: $(cat "$LAB_DIR/deleted.txt")"
grep -qF "remove " "$LAB_DIR/deleted.txt" && lab_fail "a deleted binary planned for removal"
ID2=$(grep -o "clean --undo [0-9A-Za-z-]*" "$LAB_DIR/deleted.txt" | head -1 | cut -d' ' -f3)
Q2=$R2/var/lib/portier/quarantine/$ID2
q=$(jq -r '.steps[] | select(.kind == "save") | .qname' "$Q2/manifest.json")
[ "$(sha256sum < "$Q2/$q" | cut -d' ' -f1)" = "$(sha256sum < "$LAB_BIN/lab-listen" | cut -d' ' -f1)" ] ||
	lab_fail "the deleted binary's copy does not hash as the binary"
lab_expect 0 lab_in t1 env PORTIER_ROOT="$R2" "$PORTIER" clean --undo "$ID2" > /dev/null
[ -e "$R2/tmp/.y/kworker" ] && lab_fail "undo made up a file that was deleted before clean"

# ---- a packaged daemon ----------------------------------------------------------
lab_http t1 8080
lab_expect 0 lab_in t1 "$PORTIER" clean 8080 > "$LAB_DIR/pkg.txt"
grep -qF "nothing to do" "$LAB_DIR/pkg.txt" &&
	grep -qE "owned by package busybox and verified" "$LAB_DIR/pkg.txt" ||
	lab_fail "packaged daemon: $(cat "$LAB_DIR/pkg.txt")"
lab_wait_port t1 tcp 8080 1

# ---- bad input ---------------------------------------------------------------------
lab_expect 2 clean 45577 2> "$LAB_DIR/err.txt"
grep -qF "nothing listens on port 45577" "$LAB_DIR/err.txt" || lab_fail "no listener message"
lab_expect 2 clean --pid 2147483647 2> "$LAB_DIR/err.txt"
grep -qF "no process with pid 2147483647" "$LAB_DIR/err.txt" || lab_fail "no process message"
lab_expect 2 clean --undo 20990101T000000Z-1 2> "$LAB_DIR/err.txt"
grep -qF "no quarantine" "$LAB_DIR/err.txt" || lab_fail "unknown id message"
lab_expect 2 clean --undo ../fw 2> "$LAB_DIR/err.txt"
grep -qF "is not a quarantine id" "$LAB_DIR/err.txt" || lab_fail "bad id message"
cat "$LAB_DIR/clean.txt" >&2
lab_log "clean: planted backdoor quarantined and put back, packaged daemon left alone"
