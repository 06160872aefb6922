#!/usr/bin/env bash
# portier local --summary names a program that leaves 500 connections in
# CLOSE-WAIT, audit raises close-wait for it, and --all-netns finds a
# listener that exists only inside a lab namespace (labelled with its name)
# while the host's own view does not.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_local.sh"
lab_init
need_tool python3

lab_target t1
ns=${LAB_NS[t1]}
[ -x "$LAB_BIN/lab-closewait" ] || lab_fail "lab-closewait not built"

# ---- 500 CLOSE-WAIT on one process -------------------------------------------
local_hold t1 leak "$LAB_BIN/lab-closewait" 500 7201
leak_pid=$LOCAL_PID
"$PORTIER" local --summary --netns "$ns" | tee "$LAB_DIR/summary.txt"
grep -q "500 connections in CLOSE-WAIT belong to lab-closewait (pid $leak_pid" \
	"$LAB_DIR/summary.txt" || lab_fail "--summary does not name the leaking program"
grep -Eq '^CLOSE-WAIT +500 ' "$LAB_DIR/summary.txt" || lab_fail "state count of CLOSE-WAIT is not 500"

"$PORTIER" local --summary --json --netns "$ns" > "$LAB_DIR/summary.jsonl"
python3 - "$LAB_DIR/summary.jsonl" "$leak_pid" <<'PY' || lab_fail "--summary --json"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
counts = [r for r in rows if r["type"] == "state_counts"][0]
diag = [r for r in rows if r["type"] == "diagnosis" and r["kind"] == "close_wait"]
ok = counts["tcp"].get("CLOSE-WAIT") == 500 and len(diag) == 1 and \
    diag[0]["pid"] == int(sys.argv[2]) and diag[0]["count"] == 500
sys.exit(0 if ok else 1)
PY

set +e
"$PORTIER" audit --netns "$ns" --json --fail-on medium > "$LAB_DIR/audit.jsonl"
rc=$?
set -e
[ "$rc" = 1 ] || lab_fail "audit --fail-on medium exited $rc with a CLOSE-WAIT pile"
grep -q "\"rule\":\"close-wait\".*\"pid\":$leak_pid," "$LAB_DIR/audit.jsonl" \
	|| lab_fail "audit has no close-wait finding for pid $leak_pid"

# Judging every namespace from outside finds the same pile, labelled.
"$PORTIER" audit --all-netns --json > "$LAB_DIR/audit-all.jsonl" \
	|| lab_fail "audit --all-netns failed (no --fail-on: exit 0 expected)"
grep -q "\"rule\":\"close-wait\".*\"pid\":$leak_pid,.*\"netns\":\"$ns\"" \
	"$LAB_DIR/audit-all.jsonl" || lab_fail "audit --all-netns: no close-wait labelled $ns"

# A filter the kernel applies: only CLOSE-WAIT, only that program's.
n=$("$PORTIER" local -t --state close-wait --pid "$leak_pid" --json --netns "$ns" | wc -l)
[ "$n" = 500 ] || lab_fail "--state close-wait --pid gave $n sockets, want 500"

# The port filter the kernel runs agrees with ss's.
n=$("$PORTIER" local -ta --port 7201 --json --netns "$ns" | wc -l)
m=$(ip netns exec "$ns" ss -Htan "sport = :7201 or dport = :7201" | wc -l)
[ "$n" = "$m" ] && [ "$n" = 1001 ] || lab_fail "--port 7201: portier $n sockets, ss $m, want 1001"

# ---- --all-netns -------------------------------------------------------------
port=$(lab_random_ports 1 20000 30000)
local_hold t1 only "$LAB_BIN/lab-sockhold" "tcp:0.0.0.0:$port"
only_pid=$LOCAL_PID
"$PORTIER" local -tl -p --all-netns --json > "$LAB_DIR/all.jsonl"
"$PORTIER" local -tl -p --json > "$LAB_DIR/host.jsonl"
"$PORTIER" local -tlp --all-netns > "$LAB_DIR/all.txt" || lab_fail "local -tlp --all-netns failed"
grep -E "^(NETNS|$ns) " "$LAB_DIR/all.txt" || lab_fail "local -tlp --all-netns: no row labelled $ns"
python3 - "$LAB_DIR/all.jsonl" "$LAB_DIR/host.jsonl" "$ns" "$port" "$only_pid" <<'PY' || lab_fail "--all-netns"
import json, sys
allns, host, ns, port, pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
def hits(path, label=None):
    out = []
    for l in open(path):
        o = json.loads(l)
        if o["local_port"] == port and o["state"] == "LISTEN" and \
           (label is None or o["netns"] == label):
            out.append(o)
    return out
found = hits(allns, ns)
print("in --all-netns:", [(o["netns"], o["local_port"], [p["pid"] for p in o["processes"]]) for o in found])
ok = len(found) == 1 and [p["pid"] for p in found[0]["processes"]] == [pid] \
    and not hits(host)
sys.exit(0 if ok else 1)
PY

# ---- -e and -s read the namespace's own counters ---------------------------
"$PORTIER" local -e --netns "$ns" > "$LAB_DIR/ifaces.txt"
grep -q "^${LAB_ID}t1 " "$LAB_DIR/ifaces.txt" || lab_fail "-e --netns does not show the lab veth"
grep -q "^eth0 " "$LAB_DIR/ifaces.txt" && lab_fail "-e --netns shows the host's eth0"
"$PORTIER" local -s --netns "$ns" --json > "$LAB_DIR/stats.jsonl"
grep -q '"name":"PassiveOpens","value":500,' "$LAB_DIR/stats.jsonl" \
	|| lab_fail "-s --netns: PassiveOpens is not the 500 connections accepted here"

# ---- without root: every socket, but not other users' owners -------------
if command -v setpriv >/dev/null && setpriv --reuid 65534 --regid 65534 --clear-groups test -x "$PORTIER"; then
	ip netns exec "$ns" env HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent \
		setpriv --reuid 65534 --regid 65534 --clear-groups \
		"$PORTIER" local -tl --json > "$LAB_DIR/nobody.jsonl" 2> "$LAB_DIR/nobody.err" \
		|| lab_fail "portier local as nobody failed: $(cat "$LAB_DIR/nobody.err")"
	grep -q "\"local_port\":$port," "$LAB_DIR/nobody.jsonl" || lab_fail "nobody does not see the listener"
	grep -q '"processes":\[\]' "$LAB_DIR/nobody.jsonl" || lab_fail "nobody sees root's processes"
	grep -q "root sees" "$LAB_DIR/nobody.err" || lab_fail "no note about root seeing more"
else
	echo "setpriv missing or build not readable by nobody: unprivileged check skipped"
fi

# ---- bad input ----------------------------------------------------------------
set +e
"$PORTIER" local --netns "no-such-ns-$LAB_ID" 2> "$LAB_DIR/err.txt"
rc=$?
set -e
[ "$rc" = 2 ] || lab_fail "--netns of a missing namespace exited $rc, want 2"
grep -q "no-such-ns-$LAB_ID" "$LAB_DIR/err.txt" || lab_fail "error does not name the namespace"
echo "lab ok: CLOSE-WAIT pile named, audit close-wait, --all-netns sees $ns:$port"
