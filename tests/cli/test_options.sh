#!/usr/bin/env bash
# Every subcommand words a bad option the same way (src/cli/opts.c): the
# exact message, then the exact hint, nothing on stdout, exit status 2.
# Nothing here gets as far as a socket or a file: options are parsed first.
. "$PORTIER_SRC/tests/cli/lib.sh"
export HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent # no user overlay

hint() {
	echo "hint: 'portier $1 --help' (or 'portier help $1') lists the options"
}

# expect_usage CMD MESSAGE HINT ARGS...: `portier ARGS` exits 2, prints
# nothing on stdout and exactly "portier CMD: MESSAGE" and HINT on stderr.
expect_usage() {
	local cmd=$1 msg=$2 want_hint=$3; shift 3
	expect_exit 2 "$PORTIER" "$@"
	CLI_CHECKS=$((CLI_CHECKS + 1))
	if [ "$ERR" != "portier $cmd: $msg"$'\n'"$want_hint" ] || [ -n "$OUT" ]; then
		echo "FAIL: 'portier $*' printed:" >&2
		echo "$ERR" >&2
		echo "expected:" >&2
		echo "portier $cmd: $msg" >&2
		echo "$want_hint" >&2
		[ -z "$OUT" ] || echo "and on stdout: ${OUT:0:200}" >&2
		CLI_FAILS=$((CLI_FAILS + 1))
	fi
}

# unknown CMD [ARGS...]: --no-such-option and -Z are refused
unknown() {
	local cmd=$1; shift
	expect_usage "$cmd" "unrecognized option '--no-such-option'" \
		"$(hint "$cmd")" "$cmd" "$@" --no-such-option
	expect_usage "$cmd" "unrecognized option '--no-such-option'" \
		"$(hint "$cmd")" "$cmd" "$@" --no-such-option=1
	expect_usage "$cmd" "unrecognized option '-Z'" "$(hint "$cmd")" \
		"$cmd" "$@" -Z
}

# missing CMD OPTION [ARGS...]: OPTION as the last word lacks its argument
missing() {
	local cmd=$1 opt=$2; shift 2
	expect_usage "$cmd" "option '$opt' requires an argument" \
		"$(hint "$cmd")" "$cmd" "$@" "$opt"
}

# invalid CMD OPTION VALUE ACCEPTED [ARGS...]: the value is refused
invalid() {
	local cmd=$1 opt=$2 value=$3 accepted=$4; shift 4
	expect_usage "$cmd" "invalid value '$value' for option '$opt'" \
		"hint: $accepted" "$cmd" "$@" "$opt" "$value"
}

# ---- each command: unknown option, missing argument, bad value -----------
unknown info 445
expect_usage info "option '--json' takes no argument" "$(hint info)" \
	info --json=yes 445

unknown local
missing local --state
missing local --port -t
invalid local --pid abc "--pid takes a whole number from 1 to 2147483647"
expect_usage local "unrecognized option '-Z'" "$(hint local)" local -tZ

unknown top
missing top --interval
missing top --sort -l
invalid top --interval 0 "--interval takes a whole number from 1 to 3600"
invalid top --sort size "--sort takes port, proto, state, remote, program, pid, user, exposure or risk"
expect_usage top "unexpected argument 'now'" "$(hint top)" top now
# no terminal: refused with the commands that work without one
expect_exit 2 "$PORTIER" top
expect_in "$ERR" "needs a terminal" "top without a terminal says why"
expect_in "$ERR" "portier local" "top without a terminal names portier local"
expect_in "$ERR" "--once" "top without a terminal names --once"
# --once: one frame as text, the header first, every line within 80 columns
expect_exit 0 "$PORTIER" top --once --listening --sort risk
expect_in "$(head -1 <<<"$OUT")" "PROTO STATE" "top --once prints the header"
CLI_CHECKS=$((CLI_CHECKS + 1))
if awk 'length > 80 { bad = 1 } END { exit !bad }' <<<"$OUT"; then
	echo "FAIL: top --once printed a line longer than 80 columns" >&2
	CLI_FAILS=$((CLI_FAILS + 1))
fi

unknown audit
missing audit --fail-on
missing audit --close-wait --json
invalid audit --fail-on severe "--fail-on takes high, medium, low or info"
invalid audit --close-wait 0 "--close-wait takes a whole number from 1 to 1000000"

unknown scan 198.19.1.2
missing scan --rate 198.19.1.2
missing scan -p 198.19.1.2
invalid scan --rate 0 "--rate takes a whole number from 1 to 100000000" 198.19.1.2
invalid scan --max-retries 51 "--max-retries takes a whole number from 0 to 50" 198.19.1.2
expect_usage scan "ambiguous option '--max': it could be --max-retries, --max-rtt-timeout, --max-parallel" \
	"$(hint scan)" scan --max 9 198.19.1.2

unknown nbstat 198.19.1.2
missing nbstat --rate 198.19.1.2
invalid nbstat --retries 11 "--retries takes a whole number from 0 to 10" 198.19.1.2

unknown smb 198.19.1.2
missing smb --timeout 198.19.1.2
invalid smb --only 80 "--only 445 (direct SMB) or --only 139 (NetBIOS session)" 198.19.1.2
invalid smb --parallel 0 "--parallel takes how many hosts to probe at once, 1 to 256" 198.19.1.2

unknown rpc 198.19.1.2
missing rpc --timeout 198.19.1.2
invalid rpc --max-pages 0 "--max-pages takes a whole number from 1 to 4096" 198.19.1.2
invalid rpc --timeout 5 "--timeout takes a whole number from 10 to 60000" 198.19.1.2
invalid rpc --parallel 257 "--parallel takes a whole number from 1 to 256" 198.19.1.2
expect_usage rpc "no targets given" \
	"hint: name the servers to ask: 'portier rpc 198.19.1.2'" rpc --json

unknown firewall close 445
missing firewall --from close 445
expect_usage firewall "unrecognized option '--dry-run'" "$(hint firewall)" \
	firewall --dry-run close 445

unknown inspect 45576
missing inspect --pid
missing inspect --window 45576
missing inspect --netns
invalid inspect --window 0 "--window takes a whole number from 1 to 10080" 45576
invalid inspect --pid x "--pid takes a whole number from 1 to 2147483647"
invalid inspect --fail-on severe "--fail-on takes high, medium, low or info" 45576

unknown clean 45576
missing clean --pid
missing clean --window 45576
missing clean --undo
invalid clean --window 0 "--window takes a whole number from 1 to 10080" 45576
invalid clean --pid x "--pid takes a whole number from 1 to 2147483647"
expect_usage clean "which port? give PORT, --pid PID, --undo ID or --list" \
	"$(hint clean)" clean --yes
expect_usage clean "--undo stands alone: no port, --pid or other action with it" \
	"$(hint clean)" clean --undo 20261204T132240Z-45576 45576
expect_usage clean "--list stands alone: no port, --pid or other action with it" \
	"$(hint clean)" clean --list --pid 1
expect_usage clean "'0' is not one port" \
	"hint: give one port from 1 to 65535, such as 45576 or 53/udp" clean 0

unknown guard
missing guard --ban-time
missing guard -i
invalid guard --window 5 "--window takes a whole number from 60 to 2592000"

# help has no option that takes an argument
expect_usage help "unrecognized option '--no-such-option'" \
	"hint: 'portier help' lists the commands, 'portier help COMMAND' explains one" \
	help --no-such-option
expect_usage help "unrecognized option '-Z'" \
	"hint: 'portier help' lists the commands, 'portier help COMMAND' explains one" \
	help -Z scan
expect_exit 0 "$PORTIER" help --help
expect_in "$OUT" "commands:" "help --help shows the overview"

unknown snapshot
missing snapshot --store
missing snapshot --netns --json
missing snapshot --import
unknown history 22
missing history --store
unknown diff
missing diff --store
unknown watch
missing watch --store
missing watch --interval
missing watch --exec
invalid watch --interval 0 "--interval takes a whole number from 1 to 86400"
invalid watch --settle 1001 "--settle takes a whole number from 1 to 1000"
invalid watch --exec-timeout x "--exec-timeout takes a whole number from 1 to 3600"
invalid watch --exec hook.sh "the absolute path of an executable program (it is run without a shell)"
invalid watch --exec /nonexistent/hook "the absolute path of an executable program (it is run without a shell)"

# ---- every command of the table is covered above -------------------------
expect_exit 0 "$PORTIER" --help
for cmd in $(sed -n 's/^  \([a-z]*\) .*/\1/p' <<<"$OUT"); do
	expect_in " info local top audit inspect clean snapshot history diff watch scan nbstat smb rpc firewall guard " " $cmd " \
		"command '$cmd' has its bad-option cases here"
done

# ---- U: ports need -sU, T: ports a TCP scan (nothing is sent) -------------
expect_exit 2 "$PORTIER" scan -p T:445,U:137 198.19.1.2
expect_in "$ERR" "U:137" "U: quoted"
expect_in "$ERR" "no UDP scan (-sU)" "U: without -sU said"
expect_exit 2 "$PORTIER" scan -sU -p T:445,U:137 198.19.1.2
expect_in "$ERR" "T:445" "T: with -sU alone quoted"
expect_in "$ERR" "-sSU, -sTU" "T: with -sU alone points to -sSU"

cli_done
