# tests/lab/lib_scan.sh - reading `portier scan -oJ` output in the scan lab
# tests (and bench/bench_scan.sh) with python3, which `make deps` installs;
# source it after lib.sh.
#
#   scan_ports FILE [STATE]      "addr port" per port object (of that state)
#   scan_summary FILE FIELD      a field of the summary object (JSON form)
#   scan_has FILE PORT STATE REASON   true if such a port object exists

need_tool python3

scan_ports() {
	python3 - "$1" "${2:-}" <<'PY'
import json, sys
state = sys.argv[2]
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "port" and (not state or o["state"] == state):
        print(o["addr"], o["port"])
PY
}

scan_summary() {
	python3 - "$1" "$2" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("type") == "summary":
        print(json.dumps(o[sys.argv[2]]))
        break
else:
    sys.exit("no summary in " + sys.argv[1])
PY
}

scan_has() {
	python3 - "$@" <<'PY'
import json, sys
path, port, state, reason = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
for line in open(path):
    o = json.loads(line)
    if (o.get("type") == "port" and o["port"] == port and o["state"] == state
            and o["reason"] == reason):
        sys.exit(0)
sys.exit(1)
PY
}

# scan_gnmap_open FILE: the open ports of grepable output (-oG, portier's or
# nmap's), sorted, space-separated.
scan_gnmap_open() {
	grep -o '[0-9]*/open/' "$1" | cut -d/ -f1 | sort -n | paste -sd' '
}

# scan_gnmap_counts FILE: "open N closed N filtered N" from grepable output,
# the ports folded into "Ignored State: STATE (N)" included.
scan_gnmap_counts() {
	python3 - "$1" <<'PY'
import re, sys
n = {"open": 0, "closed": 0, "filtered": 0}
for line in open(sys.argv[1]):
    for state in re.findall(r"\d+/([a-z|]+)/tcp", line):
        n[state] = n.get(state, 0) + 1
    m = re.search(r"Ignored State: ([a-z|]+) \((\d+)\)", line)
    if m:
        n[m.group(1)] = n.get(m.group(1), 0) + int(m.group(2))
print(" ".join("%s %d" % kv for kv in n.items()))
PY
}
