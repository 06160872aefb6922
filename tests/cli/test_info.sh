#!/usr/bin/env bash
# portier info through the command line: answers, listings, JSON, bad input,
# overlays, and the dispatcher's --help / --version / unknown commands.
. "$PORTIER_SRC/tests/cli/lib.sh"
need_tool python3

expect_exit 0 "$PORTIER" --version
expect_in "$OUT" "portier " "--version"
expect_exit 0 "$PORTIER" --help
expect_in "$OUT" "info" "--help lists info"
expect_exit 2 "$PORTIER"
expect_exit 2 "$PORTIER" frobnicate
expect_in "$ERR" "'frobnicate' is not a portier command" "unknown command"
expect_exit 0 "$PORTIER" help info
expect_in "$OUT" "usage: portier info" "help info"
expect_exit 0 "$PORTIER" info --help
expect_in "$OUT" "--trojans" "info --help"

# one port, with both layers and the class
expect_exit 0 env NO_COLOR=1 "$PORTIER" info 445
expect_in "$OUT" "445/tcp microsoft-ds" "445 header"
expect_in "$OUT" "EternalBlue" "445 danger"
expect_in "$OUT" "well-known (0-1023)" "445 class"
expect_exit 0 "$PORTIER" info 137/udp
expect_in "$OUT" "137/udp netbios-ns" "137/udp"
expect_exit 0 "$PORTIER" info 50000
expect_in "$OUT" "dynamic (49152-65535)" "dynamic class"
# an IANA port without own notes still has its name
expect_exit 0 "$PORTIER" info 1883
expect_in "$OUT" "mqtt" "IANA-only port"

# trojan history beside today's assignment
expect_exit 0 "$PORTIER" info --trojans
expect_in "$OUT" "eldim" "31337 assignment"
expect_in "$OUT" "Back Orifice" "31337 history"
expect_exit 0 "$PORTIER" info 6970-7170
expect_in "$OUT" "6970-7170" "range entry"
expect_exit 0 "$PORTIER" info netbios
expect_in "$OUT" "netbios-ssn" "keyword search"

# JSON Lines: every line parses, the fields are there
expect_exit 0 "$PORTIER" info --risky --json
bad=$(python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    o = json.loads(line)
    assert o["risk"] in ("medium", "high"), o
    for k in ("port", "port_end", "proto", "class", "service", "names",
              "scope", "summary", "danger", "trojans", "advice", "origin", "iana"):
        assert k in o, (k, o)
    n += 1
assert n > 100, n
print("ok")' <<<"$OUT" 2>&1)
expect_in "$bad" "ok" "--risky --json parses"

# bad input: exit 2 with the value named
expect_exit 2 "$PORTIER" info 70000
expect_in "$ERR" "bad port '70000'" "70000"
expect_exit 2 "$PORTIER" info -5
expect_in "$ERR" "bad port '-5'" "-5"
expect_exit 2 "$PORTIER" info ''
expect_in "$ERR" "empty query" "''"
expect_exit 2 "$PORTIER" info 445/icmp
expect_in "$ERR" "bad protocol 'icmp'" "445/icmp"
expect_exit 2 "$PORTIER" info 200-100
expect_in "$ERR" "bad range" "200-100"
expect_exit 2 "$PORTIER" info
expect_exit 2 "$PORTIER" info --bogus

# overlays: the user's file wins, a bad line is refused with file:line
home=$(mktemp -d)
mkdir -p "$home/portier"
printf '445\ttcp\tfiler\tlow\tlan\tOur approved file server.\t-\t-\tkeep\tkeep\n' \
	> "$home/portier/ports.tsv"
expect_exit 0 env XDG_CONFIG_HOME="$home" NO_COLOR=1 "$PORTIER" info 445/tcp
expect_in "$OUT" "445/tcp filer  risk low" "user overlay replaces"
expect_in "$OUT" "(user overlay)" "overlay origin shown"
printf '445\ttcp\tbroken\n' > "$home/portier/ports.tsv"
expect_exit 2 env XDG_CONFIG_HOME="$home" "$PORTIER" info 445
expect_in "$ERR" "ports.tsv:1:" "bad overlay line named"
# a default overlay this user may not read is skipped, not fatal
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	printf '445\ttcp\tsecret\tlow\tlan\tNot for nobody.\t-\t-\tk\tk\n' \
		> "$home/portier/ports.tsv"
	chmod 700 "$home/portier"
	chmod 755 "$home"
	expect_exit 0 setpriv --reuid=65534 --regid=65534 --clear-groups \
		env XDG_CONFIG_HOME="$home" NO_COLOR=1 "$PORTIER" info 445/tcp
	expect_in "$OUT" "445/tcp microsoft-ds" "unreadable overlay skipped"
fi
rm -rf "$home"

cli_done
