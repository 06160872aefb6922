#!/usr/bin/env bash
# A fragmented SYN scan (nmap -f: 8 bytes of TCP header per fragment) is
# seen: guard reads packets before the kernel reassembles them, so the first
# fragment, with the ports but no flags, counts as a probe of kind "other",
# judged like a SYN; the scanner is flagged and blocked like any other.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_guard.sh"
lab_init
need_tool nmap nft

lab_target t1
lab_http t1 80
guard_start t1 --block
dev="${LAB_ID}s1"
guard_src 1
lab_scan nmap -n -Pn -sS -f -T4 --max-retries 0 -p 1-30,80 -e "$dev" -S "$GUARD_SRC4" \
	"${LAB_IP[t1]}" > "$LAB_DIR/nmap.log" 2>&1 || true
alert=$(guard_wait_alert "$GUARD_SRC4" 10) || { cat "$LAB_DIR/nmap.log" "$LAB_DIR/guard.err" >&2; lab_fail "nmap -f not detected"; }
echo "nmap -f -sS: flagged after $(guard_field "$alert" probes) probes as $(guard_field "$alert" scan_type), $(guard_field "$alert" action)"
[ "$(guard_field "$alert" scan_type)" = other ] || lab_fail "want scan type other"
[ "$(guard_field "$alert" probes)" -le 6 ] || lab_fail "too many probes before the alert"
[ "$(guard_field "$alert" action)" = blocked ] || lab_fail "fragment scanner not blocked"
set4=$(lab_in t1 nft list set inet portier_guard block4)
grep -qF "$GUARD_SRC4" <<<"$set4" || lab_fail "no block element: $set4"
echo "fragmented scan ok"
