#!/usr/bin/env bash
# portier scan is exact: over -p- of a lab host with random listeners, a web
# server and real Samba (139/445), both -sT and -sS find exactly the
# listening set that `ss -tln` reports inside the target, a port dropped by
# an nftables rule in the target is filtered, a known-closed port is closed,
# repeated runs agree, the XML validates against nmap.dtd, and ndiff against
# nmap's own XML of the same lab shows no difference but the header.  IPv6 too.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_scan.sh"
lab_init
need_tool nmap ndiff xmllint nft

lab_target t1
ip=${LAB_IP[t1]}
ip6=${LAB_IP6[t1]}
mapfile -t ports < <(lab_random_ports 7 1024 60000)
dropped=${ports[6]}
specs=(); for p in "${ports[@]}"; do specs+=("tcp:$p"); done
lab_listen t1 -a "$ip" "${specs[@]}"
lab_http t1 80
lab_samba t1
# the dropped port has a listener, but its SYNs never arrive
lab_drop t1 tcp "$dropped"

truth=$(lab_open_ports t1 | grep -vx "$dropped" | tr '\n' ' ')
echo "ground truth (ss, minus dropped $dropped): $truth"
[ -n "$truth" ] || lab_fail "no listeners"
closed=1
while grep -qw "$closed" <<<"$truth $dropped"; do closed=$((closed + 1)); done

d=$LAB_DIR
open_of() { grep -o '[0-9]*/open/' "$1" | cut -d/ -f1 | sort -n | tr '\n' ' '; }

for method in -sT -sS; do
	for run in 1 2; do
		out="$d/portier$method.$run"
		lab_scan "$PORTIER" scan "$method" -n -p- --max-retries 2 "$ip" \
			-oA "$out" > "$out.txt" 2> "$out.err" ||
			{ cat "$out.err"; lab_fail "portier scan $method exited $?"; }
		got=$(open_of "$out.gnmap")
		echo "portier $method run $run: $got"
		cat "$out.err"
		[ "$got" = "$truth" ] || lab_fail "$method run $run differs from ss"
		grep -q "Ports: .*$dropped/filtered/" "$out.gnmap" ||
			lab_fail "$method: dropped port $dropped is not filtered"
		scan_has "$out.jsonl" "$dropped" filtered no-response ||
			lab_fail "$method: JSON lacks filtered $dropped"
		n_open=$(scan_ports "$out.jsonl" open | cut -d' ' -f2 | sort -n | tr '\n' ' ')
		[ "$n_open" = "$truth" ] || lab_fail "$method: JSON open ports '$n_open'"
		[ "$(scan_summary "$out.jsonl" complete)" = true ] &&
			[ "$(scan_summary "$out.jsonl" done)" = 65535 ] ||
			lab_fail "$method: no complete summary"
		xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$out.xml" ||
			lab_fail "$method: XML does not validate against nmap.dtd"
		grep -q 'Not shown: [0-9]* closed tcp ports' "$out.txt" ||
			lab_fail "$method: table lacks the closed summary"
		grep -Eq '^445/tcp +open +microsoft-ds +high' "$out.txt" ||
			lab_fail "$method: table lacks 445 with its risk mark"
	done
done

# a few closed ports, listed one by one, are closed (reason per method)
lab_scan "$PORTIER" scan -sS -n -p "$closed,445" "$ip" -oG "$d/c.gnmap" -q
grep -q "$closed/closed/" "$d/c.gnmap" || lab_fail "port $closed not closed (-sS)"
lab_scan "$PORTIER" scan -sT -n -p "$closed,445" "$ip" -oJ "$d/c.jsonl" -q
lab_scan "$PORTIER" scan -sT -n -p "$closed" "$ip" -oX "$d/c.xml" -q
grep -q "portid=\"$closed\"><state state=\"closed\" reason=\"conn-refused\"" "$d/c.xml" ||
	lab_fail "port $closed not closed (-sT)"

# ndiff: nmap's XML and ours of the same lab, no port-state differences
for pair in "-sS:-sS" "-sT:-sT"; do
	m=${pair%%:*}
	lab_scan nmap -n -Pn "$m" -T5 --max-retries 2 -p- "$ip" -oX "$d/nmap$m.xml" >/dev/null
	set +e
	ndiff "$d/nmap$m.xml" "$d/portier$m.1.xml" > "$d/ndiff$m.txt"
	set -e
	echo "ndiff nmap $m vs portier $m:"; cat "$d/ndiff$m.txt"
	# only the header lines (scanner version, start time) may differ
	if grep -E '^[-+]' "$d/ndiff$m.txt" | grep -vE '^[-+](Nmap|portier|Not shown)' |
		grep -q .; then
		lab_fail "ndiff reports port differences ($m)"
	fi
	if grep -E '^[-+]Not shown' "$d/ndiff$m.txt" | grep -q .; then
		lab_fail "ndiff reports a different closed summary ($m)"
	fi
done

# IPv6: Samba listens on the v6 lab address too; addrtype is ipv6
lab_scan "$PORTIER" scan -sS -n -p "139,445,$closed" "$ip6" -oX "$d/v6.xml" \
	-oG "$d/v6.gnmap" -q
grep -q 'addrtype="ipv6"' "$d/v6.xml" || lab_fail "IPv6 addrtype missing"
xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$d/v6.xml" || lab_fail "v6 XML invalid"
[ "$(open_of "$d/v6.gnmap")" = "139 445 " ] || lab_fail "IPv6 -sS: $(cat "$d/v6.gnmap")"
grep -q "$closed/closed/" "$d/v6.gnmap" || lab_fail "IPv6 closed port"
lab_scan "$PORTIER" scan -sT -n -p "139,445" "$ip6" -oG "$d/v6t.gnmap" -q
[ "$(open_of "$d/v6t.gnmap")" = "139 445 " ] || lab_fail "IPv6 -sT"

echo "scan exact: -sT and -sS match ss over -p- twice each; filtered, closed, XML, ndiff, IPv6 ok"
