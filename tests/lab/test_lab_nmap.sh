#!/usr/bin/env bash
# The lab itself: nmap -sT from the scanner namespace sees exactly the
# listeners started in the target namespace (random plain listeners, a real
# web server, real Samba), and nothing else.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
command -v nmap >/dev/null || { echo "nmap missing; skipped"; exit 77; }

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

# The scanner namespace has no route anywhere but the lab.
if lab_scan ip route get 192.0.2.1 >/dev/null 2>&1; then
	lab_fail "scanner namespace has a route out of the lab"
fi
echo "lab ok: ${#ports[@]} random listeners + http + samba seen exactly"
