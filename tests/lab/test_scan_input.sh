#!/usr/bin/env bash
# Bad input stops `portier scan` before anything is sent: each case exits 2
# with a message naming the bad token, and the scanner namespace sends no
# TCP or UDP packet (an nftables counter on its output hook).  Also: no target means no scan, U: ports
# without -sU, T: ports with -sU alone and a payload file that does not
# parse are refused, EMFILE is retried and never becomes a
# closed port, and without CAP_NET_RAW the scan falls back to -sT with a
# one-line note.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init

lab_target t1
ip=${LAB_IP[t1]}
lab_listen t1 -a "$ip" tcp:2222
d=$LAB_DIR
# count every TCP and UDP packet the scanner namespace sends (the kernel's
# own IPv6 neighbour traffic is not ours to count)
lab_scan nft -f - <<'EOF'
table inet scancount {
	chain out {
		type filter hook output priority 0; policy accept;
		meta l4proto { tcp, udp } counter
	}
}
EOF
tx() { lab_scan nft list chain inet scancount out | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
: > "$d/empty"

# expect_bad TOKEN ARGS...: exit 2, TOKEN quoted in the message, nothing sent
expect_bad() {
	local token=$1 before after rc; shift
	before=$(tx)
	set +e
	lab_scan "$PORTIER" scan "$@" > "$d/out" 2> "$d/err"
	rc=$?
	set -e
	after=$(tx)
	echo "portier scan $* -> exit $rc: $(head -1 "$d/err")"
	[ "$rc" = 2 ] || lab_fail "'$*' exited $rc, not 2"
	grep -qF -- "$token" "$d/err" || lab_fail "'$*': message does not name $token"
	grep -q '^hint: ' "$d/err" || lab_fail "'$*': no hint"
	[ "$before" = "$after" ] || lab_fail "'$*' sent $((after - before)) packets"
}

expect_bad "'33'" 198.19.0.0/33 -p 22
expect_bad "'70000'" "$ip" -p 0-70000
expect_bad "'300'" 300.1.1.1 -p 22
expect_bad "'$d/empty'" -iL "$d/empty" -p 22
expect_bad "'nosuchhost.invalid'" nosuchhost.invalid -p 22
expect_bad "U:137" "$ip" -p T:445,U:137
expect_bad "T:22" -sU "$ip" -p T:22,U:137
printf 'dns 53 dns "\\x00\n' > "$d/payloads"
expect_bad "$d/payloads:1" -sU "$ip" -p 53 --udp-payloads "$d/payloads"
expect_bad "no targets" -p 22
expect_bad "'abc'" "$ip" -p 22,abc
expect_bad "'5/4'" "$ip" -p 22 --shard 5/4
expect_bad "'fast'" "$ip" -p 22 --rate fast
expect_bad "exclusions" "$ip" -p 22 --exclude "$ip"
expect_bad "--bogus" "$ip" --bogus

# -iL - reads stdin; --exclude-file takes a file
printf '%s\n# comment\n198.19.1.77\n' "$ip" > "$d/targets"
echo 198.19.1.77 > "$d/excl"
lab_scan "$PORTIER" scan -sT -n -q -p 2222 -iL - --exclude-file "$d/excl" \
	-oG "$d/g" < "$d/targets"
grep -q "Host: $ip .*2222/open/" "$d/g" || lab_fail "-iL - did not scan $ip"
! grep -q 198.19.1.77 "$d/g" || lab_fail "--exclude-file ignored"

# --closed: the JSON lists every port, closed ones too
lab_scan "$PORTIER" scan -sT -n -q -p 1-10,2222 --closed "$ip" -oJ "$d/all.jsonl"
[ "$(grep -c '"state":"closed","reason":"conn-refused"' "$d/all.jsonl")" = 10 ] ||
	lab_fail "--closed: $(cat "$d/all.jsonl")"
grep -q '"port":2222,"proto":"tcp","state":"open"' "$d/all.jsonl" || lab_fail "--closed lost 2222"

# a file descriptor shortage (EMFILE at 12 descriptors) is retried, never
# reported as a closed port: the open port is still found
(
	ulimit -n 12
	lab_scan "$PORTIER" scan -sT -n -p 1-4000 "$ip" -oG "$d/emfile.gnmap" \
		> /dev/null 2> "$d/emfile.err"
)
cat "$d/emfile.err"
grep -q "2222/open/" "$d/emfile.gnmap" || lab_fail "open port lost under EMFILE"
grep -q "Ignored State: closed (3999)" "$d/emfile.gnmap" ||
	lab_fail "EMFILE changed the closed count: $(grep Ports "$d/emfile.gnmap")"
errs=$(sed -n 's/.* \([0-9]*\) local errors retried.*/\1/p' "$d/emfile.err")
[ "${errs:-0}" -gt 0 ] || lab_fail "no local errors at 12 descriptors?"

# unprivileged: the default method is connect, with a note
if command -v setpriv >/dev/null; then
	lab_scan setpriv --reuid 65534 --regid 65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all \
		env HOME=/nonexistent "$PORTIER" scan -n -p 2222 "$ip" -oG - > "$d/u.out" 2> "$d/u.err"
	cat "$d/u.err"
	grep -q "connect scan (-sT)" "$d/u.err" || lab_fail "no fallback note"
	grep -q "2222/open/" "$d/u.out" || lab_fail "unprivileged scan failed"
	set +e
	lab_scan setpriv --reuid 65534 --regid 65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all \
		env HOME=/nonexistent "$PORTIER" scan -sS -n -p 2222 "$ip" > /dev/null 2> "$d/u2.err"
	rc=$?
	set -e
	[ "$rc" = 3 ] && grep -q CAP_NET_RAW "$d/u2.err" ||
		lab_fail "-sS without privileges: exit $rc, $(cat "$d/u2.err")"
fi
echo "input: every bad input exits 2 naming its token, nothing sent"
