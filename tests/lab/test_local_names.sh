#!/usr/bin/env bash
# Process names and socket paths are anyone's to choose (prctl(PR_SET_NAME)
# needs no privilege), so they need not be UTF-8 and may hold terminal
# escape sequences.  With listeners whose comm is invalid UTF-8, holds ESC,
# or holds a C1 control (U+009B, CSI), and a UNIX socket whose path has both:
#  - `portier local --json` and `portier audit --json` must keep every
#    socket, process and finding (the findings printed must add up to the
#    summary), the bad bytes replaced by U+FFFD;
#  - the table and text views must show no raw ESC or C1 byte, but the
#    escaped form \x1b / \u009b;
#  - so must `portier firewall close`, which names who still listens
#    behind a closed port (it once let C1 through).
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_local.sh"
lab_init
need_tool python3

lab_target t1
ns=${LAB_NS[t1]}

# A holder (-r READY COMM_HEX PATH_HEX PORT...): sets its comm to the bytes given in hex, listens on the TCP
# ports given, binds a UNIX stream socket at the path given in hex (if
# any), then writes "ready PID" and waits to be killed.
cat > "$LAB_DIR/holder.py" <<'EOF'
#!/usr/bin/env python3
import ctypes, os, socket, sys, time
assert sys.argv[1] == "-r"  # as local_hold calls it
ready, comm_hex, path_hex = sys.argv[2:5]
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(15, ctypes.c_char_p(bytes.fromhex(comm_hex)), 0, 0, 0) != 0:
    sys.exit("prctl(PR_SET_NAME) failed: %d" % ctypes.get_errno())
keep = []
for port in sys.argv[5:]:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("0.0.0.0", int(port)))
    s.listen(5)
    keep.append(s)
if path_hex != "-":
    u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    u.bind(bytes.fromhex(path_hex))
    u.listen(5)
    keep.append(u)
with open(ready + ".tmp", "w") as f:
    f.write("ready %d\n" % os.getpid())
os.rename(ready + ".tmp", ready)
while True:
    time.sleep(60)
EOF
chmod +x "$LAB_DIR/holder.py"

hexof() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# "ev\xffil": not UTF-8
local_hold t1 bad "$LAB_DIR/holder.py" "$(hexof $'ev\xffil')" \
	"$(hexof "$LAB_DIR/u"$'\xff\x1b[31m'"red.sock")" 7203
bad_pid=$LOCAL_PID
# ESC ] 0 ; ... BEL: would retitle the terminal; ESC [ 2 J: clears it
local_hold t1 esc "$LAB_DIR/holder.py" "$(hexof $'x\x1b]0;pwn\x07\x1b[2J')" - 7204
esc_pid=$LOCAL_PID
# (7203-7205 have no IANA service: each makes an unknown-port finding that
# names its owner, wherever python3 is installed)
# U+009B (CSI) encoded in UTF-8: valid UTF-8, still a control
local_hold t1 c1 "$LAB_DIR/holder.py" "$(hexof $'c1\xc2\x9b31mz')" - 7205
c1_pid=$LOCAL_PID
grep -q $'ev\xffil' "/proc/$bad_pid/comm" || lab_fail "prctl did not set the comm"

# ---- JSON keeps every object ------------------------------------------------
"$PORTIER" local -tlxp --json --netns "$ns" > "$LAB_DIR/local.jsonl" ||
	lab_fail "portier local --json exited $?"
set +e
"$PORTIER" audit --json --netns "$ns" > "$LAB_DIR/audit.jsonl"
rc=$?
set -e
[ "$rc" = 0 ] || lab_fail "portier audit --json exited $rc"

python3 - "$LAB_DIR/local.jsonl" "$LAB_DIR/audit.jsonl" "$bad_pid" \
	"$esc_pid" "$c1_pid" <<'EOF' || lab_fail "JSON lost or mangled objects"
import json, sys
local, audit = sys.argv[1:3]
bad, esc, c1 = (int(x) for x in sys.argv[3:6])
want = {7203: (bad, "ev\ufffdil"), 7204: (esc, "x\x1b]0;pwn\x07\x1b[2J"),
        7205: (c1, "c1\u009b31mz")}
ok = True
seen = {}
unix = []
for line in open(local, encoding="utf-8"):
    o = json.loads(line)
    if o["proto"] == "unix":
        unix.append(o)
    elif o["state"] == "LISTEN":
        seen[o["local_port"]] = [(p["pid"], p["comm"]) for p in o["processes"]]
for port, owner in want.items():
    if seen.get(port) != [owner]:
        print("local: port %d owners %r, want %r" % (port, seen.get(port), [owner]))
        ok = False
paths = [u["path"] for u in unix if u["path"] and u["path"].endswith("red.sock")]
if len(paths) != 1 or "\ufffd\x1b[31m" not in paths[0]:
    print("local: unix socket path missing or wrong: %r" % paths)
    ok = False
elif [p["pid"] for u in unix if u["path"] == paths[0] for p in u["processes"]] != [bad]:
    print("local: unix socket owner missing")
    ok = False

findings, summary = [], None
for line in open(audit, encoding="utf-8"):
    o = json.loads(line)
    if o["type"] == "finding":
        findings.append(o)
    else:
        summary = o
if summary is None or summary["findings"] != len(findings):
    print("audit: %d finding lines, summary says %r" %
          (len(findings), summary and summary["findings"]))
    ok = False
comms = {f["process"]["comm"] for f in findings if f["process"]}
for port, (pid, comm) in want.items():
    if comm not in comms:
        print("audit: no finding names the process %r (port %d)" % (comm, port))
        ok = False
print("local: %d listeners, %d unix; audit: %d findings" %
      (len(seen), len(unix), len(findings)))
sys.exit(0 if ok else 1)
EOF

# ---- text views: escaped, never raw -------------------------------------------
"$PORTIER" local -tlxv --netns "$ns" > "$LAB_DIR/local.txt"
"$PORTIER" audit --netns "$ns" > "$LAB_DIR/audit.txt" || lab_fail "audit --netns failed (no --fail-on: exit 0 expected)"
cat "$LAB_DIR/local.txt" "$LAB_DIR/audit.txt"
for f in local.txt audit.txt; do
	if LC_ALL=C grep -q $'\x1b' "$LAB_DIR/$f"; then
		lab_fail "raw ESC in $f"
	fi
	if LC_ALL=C grep -q $'\xc2\x9b\|\x07' "$LAB_DIR/$f"; then
		lab_fail "raw C1 CSI or BEL in $f"
	fi
	grep -qF 'x\x1b]0;pwn\x07' "$LAB_DIR/$f" || lab_fail "escaped ESC name missing in $f"
	grep -qF 'c1\u009b31mz' "$LAB_DIR/$f" || lab_fail "escaped C1 name missing in $f"
	grep -qF 'ev\xffil' "$LAB_DIR/$f" || lab_fail "escaped invalid UTF-8 name missing in $f"
done
grep -qF 'u\xff\x1b[31mred.sock' "$LAB_DIR/local.txt" || lab_fail "escaped unix path missing"

# ---- firewall close names the listener: escaped, never raw --------------------
# --dry-run applies nothing; the note about who still listens goes to stderr
export PORTIER_STATE_DIR="$LAB_DIR/fw-state"
rc=0
lab_in t1 "$PORTIER" firewall close 7204,7205 --dry-run \
	> "$LAB_DIR/fw.nft" 2> "$LAB_DIR/fw.txt" || rc=$?
cat "$LAB_DIR/fw.txt"
[ "$rc" = 0 ] || lab_fail "firewall close --dry-run exited $rc"
if LC_ALL=C grep -q $'\x1b\|\xc2\x9b\|\x07' "$LAB_DIR/fw.txt"; then
	lab_fail "raw ESC, C1 CSI or BEL in firewall close's note"
fi
grep -qF 'tcp/7205 is closed, but c1\u009b31mz (pid' "$LAB_DIR/fw.txt" ||
	lab_fail "firewall close: escaped C1 name missing"
grep -qF 'tcp/7204 is closed, but x\x1b]0;pwn\x07\x1b[2J (pid' "$LAB_DIR/fw.txt" ||
	lab_fail "firewall close: escaped ESC name missing"
lab_log "ok: odd names kept in JSON, escaped in text and firewall notes"
