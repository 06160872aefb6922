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
