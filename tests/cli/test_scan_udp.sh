#!/usr/bin/env bash
# portier scan -sU input checks: a bad port list, U:/T: ports that do not fit
# the scan types, a payload file that does not parse, and -sU options not
# supported yet all stop with exit 2 and the reason before any socket is
# opened (the target is a documentation address that is never reached).
. "$PORTIER_SRC/tests/cli/lib.sh"

t=192.0.2.1
expect_exit 2 "$PORTIER" scan -sU -p 53,x "$t"
expect_in "$ERR" "bad port 'x'" "-sU bad port named"
expect_exit 2 "$PORTIER" scan -sU -p U:70000 "$t"
expect_in "$ERR" "above 65535" "-sU port above 65535"
expect_exit 2 "$PORTIER" scan -sU -p X:53 "$t"
expect_in "$ERR" "unknown protocol prefix" "bad prefix named"
expect_exit 2 "$PORTIER" scan -sU -p T:22 "$t"
expect_in "$ERR" "only a UDP scan" "T: ports without a TCP scan"
expect_exit 2 "$PORTIER" scan -sT -p U:53 "$t"
expect_in "$ERR" "no UDP scan (-sU)" "U: ports without -sU"
expect_exit 2 "$PORTIER" scan -sU -p 53 --resume /tmp/x.ckpt "$t"
expect_in "$ERR" "--resume is not supported with -sU" "-sU --resume refused"
expect_exit 2 "$PORTIER" scan -sT -p 53 --udp-payloads /dev/null "$t"
expect_in "$ERR" "without a UDP scan" "--udp-payloads needs -sU"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '# ok\ndns 53 dns 0001\nbad 54 dns "\\q"\n' > "$dir/bad"
expect_exit 2 "$PORTIER" scan -sU -p 53 --udp-payloads "$dir/bad" "$t"
expect_in "$ERR" "$dir/bad:3: unknown escape" "payload error names file:line"
printf 'x 53 nosuch 00\n' > "$dir/parser"
expect_exit 2 "$PORTIER" scan -sU -p 53 --udp-payloads "$dir/parser" "$t"
expect_in "$ERR" ":1: unknown parser 'nosuch'" "unknown parser named"
printf 'x 53 dns 0\n' > "$dir/odd"
expect_exit 2 "$PORTIER" scan -sU -p 53 --udp-payloads "$dir/odd" "$t"
expect_in "$ERR" ":1: odd number of hex digits" "odd hex named"
expect_exit 2 "$PORTIER" scan -sU -p 53 --udp-payloads "$dir/none" "$t"
cli_done
