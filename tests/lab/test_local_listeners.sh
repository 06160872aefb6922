#!/usr/bin/env bash
# portier local and audit on a known set of sockets in a lab namespace:
#  - TCP and UDP, IPv4 and IPv6 listeners, one connection, all held by two
#    processes after fork;
#  - a listener whose binary was deleted after it started;
#  - a listener running from /tmp on a trojan port;
#  - redis' port on 0.0.0.0 and telnet's on loopback.
# `portier local --json` must list exactly the sockets `ss -tuanp` lists
# there (addresses, ports, states, pids), and `portier audit` must report
# exactly the expected findings.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_local.sh"
lab_init
need_tool python3

lab_target t1
ns=${LAB_NS[t1]}
[ -x "$LAB_BIN/lab-sockhold" ] || lab_fail "lab-sockhold not built (LAB_BIN=$LAB_BIN)"
# The holders run from a system-like place, so that only the findings this
# test provokes apply, wherever the build tree is (CI may build under /tmp).
sys_dir=$(mktemp -d /var/lib/portier-lab.XXXXXX)
trap 'lab_cleanup; rm -rf "$sys_dir"' EXIT
cp "$LAB_BIN/lab-sockhold" "$sys_dir/lab-sockhold"
HOLD="$sys_dir/lab-sockhold"

# The knowledge base entries of these ports, pinned for the test.
T=$'\t'
local_overlay \
	"7101${T}tcp+udp${T}labplain${T}none${T}any${T}Lab test service.${T}-${T}-${T}nothing${T}nothing" \
	"7102${T}tcp+udp${T}labudp${T}none${T}any${T}Lab test service.${T}-${T}-${T}nothing${T}nothing" \
	"7103${T}tcp${T}labgone${T}none${T}any${T}Lab test service.${T}-${T}-${T}nothing${T}nothing" \
	"31337${T}tcp${T}eldim${T}high${T}lan${T}Lab trojan port.${T}-${T}Back Orifice${T}close it${T}close it" \
	"6379${T}tcp${T}redis${T}high${T}local${T}Lab database.${T}No password.${T}-${T}bind 127.0.0.1${T}bind 127.0.0.1" \
	"23${T}tcp${T}telnet${T}high${T}lan${T}Lab telnet.${T}Cleartext.${T}-${T}remove telnetd${T}remove telnetd"

# Shared after fork: v4 and v6 listeners, UDP, one connection to itself.
local_hold t1 shared "$HOLD" -f -c 127.0.0.1:7101 \
	tcp:0.0.0.0:7101 tcp:[::]:7101 udp:0.0.0.0:7102 udp:[::]:7102
shared_child=$LOCAL_PID

# Deleted after start (from a system-like place, so only "deleted" applies).
cp "$HOLD" "$sys_dir/labgone"
local_hold t1 gone "$sys_dir/labgone" tcp:[::]:7103
gone_pid=$LOCAL_PID
rm -f "$sys_dir/labgone"

# Running from /tmp, on a trojan port.
cp "$HOLD" "$LAB_DIR/labtmp"
local_hold t1 tmp "$LAB_DIR/labtmp" tcp:0.0.0.0:31337
tmp_pid=$LOCAL_PID

# A loopback-only service on every address, and telnet on loopback.
local_hold t1 svc "$HOLD" tcp:0.0.0.0:6379 tcp:127.0.0.1:23
svc_pid=$LOCAL_PID

# ---- portier local --json against ss -tuanp ---------------------------------
ip netns exec "$ns" ss -H -tuanp > "$LAB_DIR/ss.txt"
"$PORTIER" local -tua -p --json --netns "$ns" > "$LAB_DIR/portier.jsonl"
"$PORTIER" local -tuap --netns "$ns" > "$LAB_DIR/portier.txt"
cat "$LAB_DIR/portier.txt"

python3 - "$LAB_DIR/ss.txt" "$LAB_DIR/portier.jsonl" <<'EOF' || lab_fail "portier local and ss disagree"
import json, re, sys

def norm_addr(a):
    a = a.split('%')[0].strip('[]')
    return '::' if a == '*' else a

def split_ep(ep):
    addr, _, port = ep.rpartition(':')
    return norm_addr(addr), 0 if port == '*' else int(port)

ss = set()
for line in open(sys.argv[1]):
    f = line.split()
    if not f:
        continue
    la, lp = split_ep(f[4])
    ra, rp = split_ep(f[5])
    pids = tuple(sorted(int(p) for p in re.findall(r'pid=(\d+)', line)))
    ss.add((f[0], la, lp, ra, rp, f[1], pids))

pt = set()
for line in open(sys.argv[2]):
    o = json.loads(line)
    pids = tuple(sorted({p['pid'] for p in o['processes']}))
    pt.add((o['proto'], o['local_addr'], o['local_port'], o['remote_addr'],
            o['remote_port'], o['state'], pids))

for t in sorted(ss - pt):
    print("only ss:     ", t)
for t in sorted(pt - ss):
    print("only portier:", t)
print(f"ss {len(ss)} sockets, portier {len(pt)}")
shared = [t for t in pt if len(t[6]) == 2]
if len(shared) < 6:
    print("expected the forked holder's sockets to list two processes")
    sys.exit(1)
sys.exit(0 if ss == pt and len(ss) >= 10 else 1)
EOF
grep -q '"exe_deleted":true' "$LAB_DIR/portier.jsonl" || lab_fail "deleted exe not marked"
grep -q "\"exe\":\"$LAB_DIR/labtmp\"" "$LAB_DIR/portier.jsonl" || lab_fail "/tmp exe not shown"

# ---- portier audit: exactly the expected findings ---------------------------
set +e
"$PORTIER" audit --json --netns "$ns" --fail-on high > "$LAB_DIR/audit.jsonl"
rc=$?
"$PORTIER" audit --netns "$ns" > "$LAB_DIR/audit.txt"
set -e
cat "$LAB_DIR/audit.txt"
[ "$rc" = 1 ] || lab_fail "audit --fail-on high exited $rc, want 1"

python3 - "$LAB_DIR/audit.jsonl" "$gone_pid" "$tmp_pid" "$svc_pid" <<'EOF' || lab_fail "audit findings differ"
import json, sys
gone, tmp, svc = (int(x) for x in sys.argv[2:5])
want = {
    ("exe-deleted", "high", None, gone),
    ("trojan-port", "high", 31337, tmp),
    ("exe-location", "high", None, tmp),
    ("local-only", "high", 6379, svc),
    ("name-mismatch", "medium", 6379, svc),
    ("legacy-service", "medium", 23, svc),
}
got, summary = set(), None
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["type"] == "summary":
        summary = o
        continue
    pid = o["process"]["pid"] if o["process"] else None
    got.add((o["rule"], o["severity"], o["port"], pid))
for t in sorted(want - got, key=str):
    print("missing:   ", t)
for t in sorted(got - want, key=str):
    print("unexpected:", t)
ok = want == got and summary and summary["high"] == 4 and \
    summary["medium"] == 2 and summary["findings"] == 6
sys.exit(0 if ok else 1)
EOF

# With the offenders gone, nothing is left to fail on.
kill "$tmp_pid" "$gone_pid" "$svc_pid"
# wait until each has exited (a zombie has closed its sockets too), not a
# fixed time: under load a holder may take longer than any sleep
exited() {
	local p
	for p; do
		[ -e "/proc/$p" ] || continue
		# the state follows the last ')' (a name may hold spaces)
		[ "$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)" = Z ] || return 1
	done
}
for ((i = 0; i < 200; i++)); do
	exited "$tmp_pid" "$gone_pid" "$svc_pid" && break
	sleep 0.05
done
exited "$tmp_pid" "$gone_pid" "$svc_pid" || lab_fail "the socket holders did not exit within 10 s"
if ! "$PORTIER" audit --netns "$ns" --fail-on info > "$LAB_DIR/audit2.txt"; then
	cat "$LAB_DIR/audit2.txt"
	lab_fail "no finding is left, yet --fail-on info failed"
fi
echo "lab ok: portier local agrees with ss; audit found exactly the 6 expected findings"
