#!/usr/bin/env bash
# compare_rootkit.sh - the planted backdoor of issue 14, and what rkhunter,
# chkrootkit, unhide-tcp and `portier inspect` each find of it.
#
# Everything runs inside a network namespace and a private mount namespace
# this script creates, so every tool sees the same planted system and the
# real host is never changed:
#   - a copy of lab-listen as /tmp/.x/sksocks listening on tcp 45576, with
#     two companions (/tmp/.x/sk.conf and /var/tmp/.sk.log); /tmp and
#     /var/tmp are private tmpfs mounts;
#   - /etc is a private copy (bind-mounted over /etc) with a systemd unit
#     (dbus-helper.service), a cron line (/etc/cron.d/sk), an ld.so.preload
#     entry (/tmp/.x/libsk.so, an empty shared object, so every program the
#     tools run really preloads it) and an XDG autostart file (helper.desktop);
#   - a hidden listener: a TCP socket bound to 45577 without listen(2), which
#     neither ss nor netstat nor /proc/net shows but which holds the port
#     (what a rootkit hiding a listener from every view leaves to see).
# portier runs once: `portier inspect 45576 --sweep`.
# rkhunter gets its own --dbdir, --tmpdir and --logfile in the scratch
# directory (copied from /var/lib/rkhunter/db; --propupd is never run, so
# its file-properties test is off); chkrootkit and unhide-tcp write nothing.
# Only loopback inside the namespace is touched; no tool sends a packet out.
#
#   PORTIER=build/portier bench/compare_rootkit.sh
# Prints the table of docs/rootkit-comparison.md and keeps each tool's raw
# output in $KEEP (when set).
set -euo pipefail
PORTIER=${PORTIER:?set PORTIER to the portier binary}
PORTIER=$(readlink -f "$PORTIER")
LAB_BIN=$(readlink -f "${LAB_BIN:-$(dirname "$PORTIER")/tests}")

. "$(dirname "$0")/../tests/need.sh"
. "$(dirname "$0")/lib_ns.sh"
[ "$(id -u)" = 0 ] || need_skip "compare_rootkit: needs root (namespaces, mounts)"
need_tool rkhunter
need_tool chkrootkit
need_tool unhide-tcp
need_tool jq
need_tool unshare
need_tool cc
[ -x "$LAB_BIN/lab-listen" ] || { echo "compare_rootkit: $LAB_BIN/lab-listen not built"; exit 1; }
[ -x /usr/bin/python3 ] || need_skip "compare_rootkit: needs python3"

ns="ptrk$$"
# not under /tmp or /var/tmp: those are replaced inside the namespace
dir=$(mktemp -d /run/portier-rk.XXXXXX)
chmod 700 "$dir"
cleanup() { bench_ns_drop "$ns"; rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$ns"
ip -n "$ns" link set lo up

# the private /etc, prepared outside (cp -a keeps modes and owners)
cp -a /etc "$dir/etc"
mkdir -p "$dir/etc/xdg/autostart" "$dir/etc/cron.d" "$dir/etc/systemd/system"
cat > "$dir/etc/systemd/system/dbus-helper.service" <<'UNIT'
[Unit]
Description=D-Bus helper

[Service]
ExecStart=/tmp/.x/sksocks tcp:45576
Restart=always

[Install]
WantedBy=multi-user.target
UNIT
printf '*/10 * * * * root /tmp/.x/sksocks tcp:45576\n' > "$dir/etc/cron.d/sk"
printf '/tmp/.x/libsk.so\n' > "$dir/etc/ld.so.preload"
printf '[Desktop Entry]\nType=Application\nName=Helper\nExec=/tmp/.x/sksocks tcp:45576\n' \
	> "$dir/etc/xdg/autostart/helper.desktop"
printf 'int portier_rk_planted;\n' > "$dir/libsk.c"
cc -shared -fPIC -o "$dir/libsk.so" "$dir/libsk.c"
mkdir -p "$dir/rkdb" "$dir/rktmp" "$dir/out"
# the programs, copied out of a build tree that may lie under /tmp
cp "$LAB_BIN/lab-listen" "$dir/sksocks"
cp "$PORTIER" "$dir/portier"
cp -a /var/lib/rkhunter/db/. "$dir/rkdb/"

cat > "$dir/bound.py" <<'PY'
import socket, sys, time
s = socket.socket()
s.bind(("0.0.0.0", 45577))
open(sys.argv[1], "w").write("ready\n")
time.sleep(1e6)
PY

# the inside: mounts, the planted programs, then every tool in turn
cat > "$dir/inner.sh" <<INNER
set -euo pipefail
D=$dir
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /var/tmp
mkdir /tmp/.x
cp "\$D/sksocks" /tmp/.x/sksocks
cp "\$D/libsk.so" /tmp/.x/libsk.so
# from here on every program started preloads /tmp/.x/libsk.so
mount --bind "\$D/etc" /etc
echo 'listen 45576' > /tmp/.x/sk.conf
echo started > /var/tmp/.sk.log
setsid /tmp/.x/sksocks -r /tmp/.x/ready tcp:45576 > /dev/null 2>&1 < /dev/null &
setsid /usr/bin/python3 "\$D/bound.py" /tmp/.x/bound.ready > /dev/null 2>&1 < /dev/null &
for ((i = 0; i < 200; i++)); do
	[ -s /tmp/.x/ready ] && [ -s /tmp/.x/bound.ready ] && break
	sleep 0.05
done
[ -s /tmp/.x/ready ] && [ -s /tmp/.x/bound.ready ] || { echo "planted programs did not start"; exit 1; }
rm /tmp/.x/ready /tmp/.x/bound.ready

t() { local s=\$(date +%s.%N); "\$@"; echo "\$(date +%s.%N) - \$s" | bc > "\$D/out/\$1.time"; }
# portier: one run; --sweep bind-tests every port as unhide-tcp does
# (exit 0, or 1 for findings: never more)
run_portier() {
	local rc=0
	"\$D/portier" inspect 45576 --sweep --json > "\$D/out/portier-45576.json" || rc=\$?
	[ \$rc -le 1 ] || { echo "portier inspect 45576 exited \$rc"; exit 1; }
}
t run_portier
# unhide-tcp: a non-zero exit says it found hidden ports (its output says which)
unhide_tcp() { unhide-tcp > "\$D/out/unhide-tcp.txt" 2>&1 || echo "exit \$?" >> "\$D/out/unhide-tcp.txt"; }
t unhide_tcp
chk() { chkrootkit > "\$D/out/chkrootkit.txt" 2>&1 || :; }
t chk
rk() {
	rkhunter --check --sk --nocolors --no-mail-on-warning --rwo \\
		--dbdir "\$D/rkdb" --tmpdir "\$D/rktmp" --logfile "\$D/out/rkhunter.log" \\
		--enable all --disable properties > "\$D/out/rkhunter.txt" 2>&1 || :
}
t rk
INNER
ip netns exec "$ns" unshare -m --propagation private bash -x "$dir/inner.sh" 2> "$dir/inner.log" || { tail -20 "$dir/inner.log"; exit 1; }
if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP"; cp -a "$dir/out/." "$KEEP/"; fi

o=$dir/out
pj() { jq -r "$@" "$o/portier-45576.json"; }
# did TOOL's output name the planted item?  (whole output read: no grep -q
# on a pipe, which would end jq early)
in_out() { grep -E -- "$2" "$1" > /dev/null; }
rk=$o/rkhunter.log
yes_no() { if "$@"; then echo yes; else echo no; fi; }

declare -A what=(
	[exe]="listener binary /tmp/.x/sksocks on 45576"
	[unit]="systemd unit dbus-helper.service"
	[cron]="cron line /etc/cron.d/sk"
	[preload]="ld.so.preload entry /tmp/.x/libsk.so"
	[xdg]="XDG autostart helper.desktop"
	[comp1]="companion /tmp/.x/sk.conf"
	[comp2]="companion /var/tmp/.sk.log"
	[hidden]="hidden listener tcp 45577 (bound, in no view)"
)
declare -A rkp=(
	[exe]='/tmp/\.x/sksocks|45576' [unit]='dbus-helper' [cron]='cron\.d/sk'
	[preload]='libsk\.so|ld\.so\.preload' [xdg]='helper\.desktop'
	[comp1]='sk\.conf' [comp2]='\.sk\.log' [hidden]='45577'
)
# rkhunter's log names every test; only its warnings count as found
grep -E 'Warning|^ +/' "$rk" > "$o/rkhunter.warn" 2>/dev/null || :
portier_has() {
	case $1 in
	exe) pj '.processes[] | select(.owner) | .exe.path' | grep -x /tmp/.x/sksocks > /dev/null &&
		pj '.findings[].rule' | grep -x not-packaged > /dev/null ;;
	unit) pj '.persistence[].file' | grep -x /etc/systemd/system/dbus-helper.service > /dev/null ;;
	cron) pj '.persistence[].file' | grep -x /etc/cron.d/sk > /dev/null ;;
	preload) pj '.persistence[].file' | grep -x /etc/ld.so.preload > /dev/null ;;
	xdg) pj '.persistence[].file' | grep -x /etc/xdg/autostart/helper.desktop > /dev/null ;;
	comp1) pj '.companions[].path' | grep -x /tmp/.x/sk.conf > /dev/null ;;
	comp2) pj '.companions[].path' | grep -x /var/tmp/.sk.log > /dev/null ;;
	hidden) pj '.hidden.listeners[] | select(.port == 45577 and .bind_busy) | .port' |
		grep -x 45577 > /dev/null ;;
	esac
}

printf '%-48s %-9s %-10s %-10s %-8s\n' "planted item" rkhunter chkrootkit unhide-tcp portier
missing=0
for k in exe unit cron preload xdg comp1 comp2 hidden; do
	r=$(yes_no in_out "$o/rkhunter.warn" "${rkp[$k]}")
	c=$(yes_no in_out "$o/chkrootkit.txt" "${rkp[$k]}")
	u=$(yes_no in_out "$o/unhide-tcp.txt" "${rkp[$k]}")
	p=$(yes_no portier_has "$k")
	printf '%-48s %-9s %-10s %-10s %-8s\n' "${what[$k]}" "$r" "$c" "$u" "$p"
	if [ "$p" = no ] && { [ "$r" = yes ] || [ "$c" = yes ] || [ "$u" = yes ]; }; then
		missing=$((missing + 1))
	fi
done
printf '%-48s %-9s %-10s %-10s %-8s\n' "wall time (s)" \
	"$(printf %.1f "$(cat "$o/rk.time")")" "$(printf %.1f "$(cat "$o/chk.time")")" \
	"$(printf %.1f "$(cat "$o/unhide_tcp.time")")" "$(printf %.1f "$(cat "$o/run_portier.time")")"
echo
echo "rkhunter warnings:   $(grep -c 'Warning' "$rk" || :)"
grep 'Warning' "$rk" | sed 's/^\[[0-9:]*\] */  /' | head -20 || :
echo "chkrootkit lines naming INFECTED, suspicious or hidden:"
grep -Ei 'infected|suspicious|hidden|warning' "$o/chkrootkit.txt" | grep -v 'not infected' | sed 's/^/  /' | head -20 || :
echo "unhide-tcp:"
grep -Ei 'hidden|found' "$o/unhide-tcp.txt" | sed 's/^/  /' | head -10 || :
echo "portier inspect 45576 --sweep findings:"
pj '.findings[] | "  \(.severity) \(.rule)  \(.text)"' 
[ "$missing" = 0 ] || { echo "compare_rootkit: portier misses $missing item(s) another tool found"; exit 1; }
