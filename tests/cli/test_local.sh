#!/usr/bin/env bash
# portier local and portier audit through the command line: every option in
# the help, bad input refused with exit 2 and a message naming the bad
# value, the counter and interface views on a fake /proc (PORTIER_PROC_ROOT,
# tests/data/local/proc), and the JSON shapes of a real run on this host
# (which needs no privilege and sends nothing).
. "$PORTIER_SRC/tests/cli/lib.sh"

fake="$PORTIER_TESTDATA/local/proc"
export HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent # no user overlay

# ---- help: every option documented ---------------------------------------
expect_exit 0 "$PORTIER" local --help
for opt in -t -u -w -x -4 -6 -l -a -n -p -o -v -s -e --state --port --pid \
	--user --summary --netns --all-netns --json; do
	expect_in "$OUT" "$opt" "local --help documents $opt"
done
expect_exit 0 "$PORTIER" audit --help
for word in --json --fail-on --netns --all-netns --close-wait trojan-port \
	trojan-remote windows-sharing legacy-service local-only risky-port \
	exe-deleted exe-location name-mismatch close-wait no-owner unknown-port; do
	expect_in "$OUT" "$word" "audit --help documents $word"
done

# ---- bad input -------------------------------------------------------------
expect_exit 2 "$PORTIER" local --state sleepy
expect_in "$ERR" "'sleepy'" "bad state quoted"
expect_exit 2 "$PORTIER" local --port 70000
expect_in "$ERR" "70000" "bad port quoted"
expect_exit 2 "$PORTIER" local --port 53/sctp
expect_in "$ERR" "53/sctp" "unsupported protocol quoted"
expect_exit 2 "$PORTIER" local --pid abc
expect_in "$ERR" "'abc'" "bad pid quoted"
expect_exit 2 "$PORTIER" local --user no-such-user-here
expect_in "$ERR" "no-such-user-here" "unknown user quoted"
expect_exit 2 "$PORTIER" local --netns a --all-netns
expect_in "$ERR" "exclude" "netns options exclusive"
expect_exit 2 "$PORTIER" local -s -e
expect_exit 2 "$PORTIER" local -Q
expect_in "$ERR" "-Q" "unknown option named"
expect_exit 2 "$PORTIER" local stray
expect_in "$ERR" "'stray'" "stray argument quoted"
expect_exit 2 "$PORTIER" local --netns ../etc
expect_in "$ERR" "../etc" "bad namespace quoted"
expect_exit 2 "$PORTIER" audit --fail-on severe
expect_in "$ERR" "'severe'" "bad level quoted"
expect_in "$ERR" "high, medium, low or info" "levels listed"
expect_exit 2 "$PORTIER" audit --close-wait 0
expect_exit 2 "$PORTIER" audit extra

# ---- counters and interfaces from a fake /proc --------------------------------
expect_exit 0 env PORTIER_PROC_ROOT="$fake" "$PORTIER" local -s
expect_in "$OUT" "ListenOverflows" "-s shows ListenOverflows"
expect_in "$OUT" "accept queue was full" "-s explains ListenOverflows"
expect_in "$OUT" "RcvbufErrors" "-s shows Udp RcvbufErrors"
expect_exit 0 env PORTIER_PROC_ROOT="$fake" "$PORTIER" local -s --json
expect_in "$OUT" '{"type":"counter","group":"TcpExt","name":"ListenOverflows","value":17,' "-s --json"
expect_exit 0 env PORTIER_PROC_ROOT="$fake" "$PORTIER" local -e
expect_in "$OUT" "RX-BYTES" "-e header"
expect_in "$OUT" "eth0" "-e lists eth0"
expect_exit 0 env PORTIER_PROC_ROOT="$fake" "$PORTIER" local -e --json
expect_in "$OUT" '{"type":"interface","name":"lo","rx_bytes":3647,' "-e --json"
expect_exit 3 env PORTIER_PROC_ROOT=/nonexistent "$PORTIER" local -s
expect_in "$ERR" "/nonexistent" "missing proc root named"

# ---- a real run: the shapes of the output ----------------------------------------
expect_exit 0 "$PORTIER" local -tua --json
if [ -n "$OUT" ]; then
	first=$(head -1 <<<"$OUT")
	for key in '"type":"socket"' '"proto":' '"state":' '"local_addr":' \
		'"local_port":' '"direction":' '"service":' '"processes":'; do
		expect_in "$first" "$key" "socket JSON has $key"
	done
fi
expect_exit 0 "$PORTIER" local --summary --json
expect_in "$OUT" '"type":"state_counts"' "summary JSON"
expect_exit 0 "$PORTIER" audit --json
expect_in "$(tail -1 <<<"$OUT")" '"type":"summary"' "audit ends with a summary"
expect_exit 0 "$PORTIER" audit
expect_in "$OUT" "finding" "audit summary line"

# ---- a knowledge base that does not load: an error, not exit 0 -------------
bad_kb=$(mktemp -d)
trap 'rm -rf "$bad_kb"' EXIT
mkdir -p "$bad_kb/portier"
printf '445\ttcp\tbroken\n' > "$bad_kb/portier/ports.tsv"
expect_exit 2 env XDG_CONFIG_HOME="$bad_kb" "$PORTIER" local -tl
expect_in "$ERR" "ports.tsv:1:" "local names the bad overlay line"
expect_exit 2 env XDG_CONFIG_HOME="$bad_kb" "$PORTIER" local -tl --json
expect_exit 2 env XDG_CONFIG_HOME="$bad_kb" "$PORTIER" audit
# -n needs no knowledge base: the overlay is not read
expect_exit 0 env XDG_CONFIG_HOME="$bad_kb" "$PORTIER" local -tln

# ---- interface names that are not UTF-8 or hold ESC: escaped, never dropped
mkdir -p "$bad_kb/proc/net"
{
	head -2 "$fake/net/dev"
	printf '  ev\033]0;x\007:  1 2 0 0 0 0 0 0  3 4 0 0 0 0 0 0\n'
	printf '  ab\377c:  5 6 0 0 0 0 0 0  7 8 0 0 0 0 0 0\n'
} > "$bad_kb/proc/net/dev"
expect_exit 0 env PORTIER_PROC_ROOT="$bad_kb/proc" "$PORTIER" local -e
if LC_ALL=C grep -q $'\033\\|\007\\|\377' <<<"$OUT"; then
	echo "FAIL: raw control or non-UTF-8 byte in local -e" >&2
	CLI_FAILS=$((CLI_FAILS + 1))
fi
CLI_CHECKS=$((CLI_CHECKS + 1))
expect_in "$OUT" 'ev\x1b]0;x\x07' "-e escapes ESC and BEL"
expect_in "$OUT" 'ab\xffc' "-e escapes a non-UTF-8 byte"
expect_exit 0 env PORTIER_PROC_ROOT="$bad_kb/proc" "$PORTIER" local -e --json
expect_in "$(grep -c '"type":"interface"' <<<"$OUT")" "2" "-e --json keeps both"
expect_in "$OUT" $'"name":"ab\xef\xbf\xbdc"' "-e --json: U+FFFD for the bad byte"

cli_done
