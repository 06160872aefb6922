#!/usr/bin/env bash
# The command line copied into the -oX and -oG headers: control bytes, DEL
# and invalid UTF-8 become '?', so a newline cannot forge a grepable line
# and the XML stays well-formed.  Traffic: one connect scan of port 1 on
# 127.0.0.1 (loopback only).
. "$PORTIER_SRC/tests/cli/lib.sh"
need_tool xmllint
d=$(mktemp -d /tmp/portier-cli-headers.XXXXXX)
trap 'rm -rf "$d"' EXIT

g="$d/g"$'\n'"Host: 10.9.9.9 ()"$'\t'"Status: Up"
x="$d/x"$'\x01\x7f\xff\xc3'"é.xml"
expect_exit 0 "$PORTIER" scan -sT -n -q -p 1 --max-retries 0 -oG "$g" -oX "$x" 127.0.0.1
expect_in "$(head -1 "$g")" "as: portier scan -sT" "grepable header written"
CLI_CHECKS=$((CLI_CHECKS + 1))
if grep -aq '^Host: 10.9.9.9' "$g"; then
	echo "FAIL: a newline in the command line forged a grepable line" >&2
	CLI_FAILS=$((CLI_FAILS + 1))
fi
expect_in "$(head -1 "$g")" "/g?Host: 10.9.9.9 ()?Status: Up" "newline and tab became '?'"
expect_in "$(cat "$x")" "/x????é.xml" "control bytes, DEL and bad UTF-8 became '?', good UTF-8 kept"
expect_exit 0 xmllint --noout "$x"
cli_done
