#!/usr/bin/env bash
# The lab itself: nmap -sT from the scanner namespace sees exactly the
# listeners started in the target namespace (random plain listeners, a real
# web server, real Samba), and nothing else.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool nmap

lab_target t1
mapfile -t ports < <(lab_random_ports 6 1024 60000)
specs=(); for p in "${ports[@]}"; do specs+=("tcp:$p"); done
lab_listen t1 -a "${LAB_IP[t1]}" "${specs[@]}"
lab_http t1 80
lab_samba t1

want=$(lab_open_ports t1 | tr '\n' ' ')
got=$(lab_scan nmap -n -Pn -sT -T5 -p- --max-retries 2 -oG - "${LAB_IP[t1]}" \
	| grep -o '[0-9]*/open/' | cut -d/ -f1 | sort -n | tr '\n' ' ')
echo "ground truth (ss): $want"
echo "nmap -sT sees:     $got"
[ -n "$want" ] || lab_fail "no listeners in the target"
for p in 80 139 445 "${ports[@]}"; do
	grep -qw "$p" <<<"$want" || lab_fail "port $p expected in ground truth"
done
[ "$want" = "$got" ] || lab_fail "nmap and ss disagree"

# UDP listeners answer, and nmap -sU agrees.
lab_listen t1 -a "${LAB_IP[t1]}" udp:5353 udp:40000
udp=$(lab_scan nmap -n -Pn -sU -p 5353,40000,40001 -oG - "${LAB_IP[t1]}" \
	| grep -o '[0-9]*/open/' | cut -d/ -f1 | tr '\n' ' ')
echo "nmap -sU sees:     $udp"
[ "$udp" = "5353 40000 " ] || lab_fail "udp listeners not seen exactly"

# IPv6 reaches the target too.
lab_listen t1 -a "${LAB_IP6[t1]}" tcp:8443
v6=$(lab_scan nmap -6 -n -Pn -sT -p 8443,8444 -oG - "${LAB_IP6[t1]}" \
	| grep -o '[0-9]*/open/' | cut -d/ -f1 | tr '\n' ' ')
[ "$v6" = "8443 " ] || lab_fail "IPv6 listener not seen (got '$v6')"

# AnyIP: every address of a /16 answers in a second target.
lab_target t2
lab_anyip t2 198.18.0.0/16
lab_listen t2 tcp:7
any=$(lab_scan nmap -n -Pn -sT -p 7 -oG - 198.18.0.1 198.18.77.200 198.18.255.254 \
	| grep -c '7/open/')
[ "$any" = 3 ] || lab_fail "AnyIP /16: $any of 3 sampled hosts answered"

# The scanner namespace has no route anywhere but the lab.
if lab_scan ip route get 192.0.2.1 >/dev/null 2>&1; then
	lab_fail "scanner namespace has a route out of the lab"
fi
echo "lab ok: ${#ports[@]} random listeners + http + samba seen exactly"
