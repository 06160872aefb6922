#!/usr/bin/env bash
# portier scan --probe LIST, -sV, --version-intensity and --intrusive on the
# command line: the list is parsed before anything is sent (a bad name exits
# 2 naming it and the accepted ones, service modules included), and so is
# the intensity; no network traffic here (every run stops at argument
# checking).
. "$PORTIER_SRC/tests/cli/lib.sh"

# bad names, empty names: exit 2, the bad part and the accepted ones named
expect_exit 2 "$PORTIER" scan --probe bogus 127.0.0.1
expect_in "$ERR" "unknown probe 'bogus' in --probe 'bogus'" "bogus named"
expect_in "$ERR" "smb, smb-shares, nbstat, rpc" "accepted names listed"
expect_exit 2 "$PORTIER" scan --probe smb-shares,rpcdump 127.0.0.1
expect_in "$ERR" "unknown probe 'rpcdump'" "rpcdump is not a probe name"
expect_exit 2 "$PORTIER" scan --probe smb-share 127.0.0.1
expect_in "$ERR" "unknown probe 'smb-share'" "a prefix is not a name"
expect_exit 2 "$PORTIER" scan --probe smb,nbstatx 127.0.0.1
expect_in "$ERR" "unknown probe 'nbstatx'" "second name checked"
expect_exit 2 "$PORTIER" scan --probe SMB 127.0.0.1
expect_in "$ERR" "unknown probe 'SMB'" "names are lower case"
expect_exit 2 "$PORTIER" scan --probe smb,,nbstat 127.0.0.1
expect_in "$ERR" "empty probe name in --probe 'smb,,nbstat'" "empty element"
expect_exit 2 "$PORTIER" scan --probe "" 127.0.0.1
expect_in "$ERR" "empty probe name" "empty list"
expect_exit 2 "$PORTIER" scan --probe smb, 127.0.0.1
expect_in "$ERR" "empty probe name" "trailing comma"
expect_exit 2 "$PORTIER" scan 127.0.0.1 --probe
expect_in "$ERR" "option '--probe' requires an argument" "--probe without a list"

# service-detection modules are probe names too, listed when one is wrong
expect_exit 2 "$PORTIER" scan --probe ftp,htp 127.0.0.1
expect_in "$ERR" "unknown probe 'htp'" "htp is not a module"
expect_in "$ERR" "service modules ftp, ssh" "modules listed"
# --version-intensity is 0-9; anything else exits 2 before a socket
for bad in 10 -1 x "" 7x; do
	expect_exit 2 "$PORTIER" scan -sV --version-intensity "$bad" 127.0.0.1
	expect_in "$ERR" "--version-intensity" "intensity '$bad' refused"
done

# good lists (and -sV) are accepted: the run then stops at the next check,
# the missing target, still before any socket
for list in smb nbstat smb,nbstat nbstat,smb smb,smb smb-shares rpc \
	smb-shares,rpc smb,smb-shares,nbstat,rpc http ftp,http smb,ftp; do
	expect_exit 2 "$PORTIER" scan -p 445 --probe "$list"
	expect_in "$ERR" "no targets given" "--probe $list accepted"
done
expect_exit 2 "$PORTIER" scan -sT -sV -p 139,445
expect_in "$ERR" "no targets given" "-sV accepted"
for n in 0 9; do
	expect_exit 2 "$PORTIER" scan -sV --version-intensity $n --intrusive -p 21
	expect_in "$ERR" "no targets given" "--version-intensity $n accepted"
done
expect_exit 2 "$PORTIER" scan --service-probes -p 445
expect_in "$ERR" "no targets given" "--service-probes accepted"

# documented in --help
expect_exit 0 "$PORTIER" scan --help
expect_in "$OUT" "--probe LIST" "help: --probe"
expect_in "$OUT" "-sV, --service-probes" "help: -sV"
expect_in "$OUT" "smb-shares" "help: smb-shares"
expect_in "$OUT" "--version-intensity N" "help: --version-intensity"
expect_in "$OUT" "--intrusive" "help: --intrusive"
cli_done
