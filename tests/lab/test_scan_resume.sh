#!/usr/bin/env bash
# --resume: a scan killed with SIGKILL in the middle continues from its
# checkpoint with the same command, does not scan finished work again, and
# ends with the same result set as an uninterrupted scan; SIGINT leaves a
# well-formed XML file and a checkpoint too.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_scan.sh"
lab_init
need_tool xmllint

lab_target t1
ip=${LAB_IP[t1]}
mapfile -t ports < <(lab_random_ports 8 1024 60000)
specs=(); for p in "${ports[@]}"; do specs+=("tcp:$p"); done
lab_listen t1 -a "$ip" "${specs[@]}"
truth=$(lab_open_ports t1 | tr '\n' ' ')
d=$LAB_DIR
open_of() { grep -o '[0-9]*/open/' "$1" | cut -d/ -f1 | sort -n | tr '\n' ' '; }

# about 13 s at 5000 probes/s: killed after 6 s, past the first checkpoints
args=(scan -sS -n -p- --rate 5000 --resume "$d/ckpt" -oG "$d/res.gnmap"
	-oX "$d/res.xml" -oJ "$d/res.jsonl" "$ip")
# `ip netns exec` execs the command: $! is portier itself
ip netns exec "$LAB_SCANNER" "$PORTIER" "${args[@]}" -q > /dev/null 2>&1 &
pid=$!
sleep 6
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
[ -s "$d/ckpt" ] || lab_fail "no checkpoint after 6 s"
next=$(awk '$1 == "next" {print $2}' "$d/ckpt")
echo "killed; checkpoint at sequence $next of 65535"
[ "$next" -gt 5000 ] && [ "$next" -lt 65535 ] || lab_fail "checkpoint at $next"

lab_scan "$PORTIER" "${args[@]}" > "$d/resume.out" 2> "$d/resume.err" || { cat "$d/resume.err"; lab_fail "resume failed"; }
cat "$d/resume.err"
grep -q "resuming from" "$d/resume.err" || lab_fail "did not resume"
decided=$(sed -n 's/.*scan: \([0-9]*\) of 65535 probes decided.*/\1/p' "$d/resume.err")
sent=$(sed -n 's/.*sent \([0-9]*\) probes.*/\1/p' "$d/resume.err")
[ "$decided" = 65535 ] || lab_fail "resumed scan decided $decided of 65535"
# finished work is not scanned again: this run sent about 65535 - next
[ "$sent" -lt $((65535 - next + 4096)) ] || lab_fail "resume re-scanned: sent $sent"
got=$(open_of "$d/res.gnmap")
echo "truth: $truth"; echo "after resume: $got"
[ "$got" = "$truth" ] || lab_fail "resumed result differs from ss"
xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$d/res.xml" || lab_fail "XML invalid"
[ ! -e "$d/ckpt" ] || lab_fail "checkpoint left behind after a complete scan"
json_open=$(scan_ports "$d/res.jsonl" open | cut -d' ' -f2 | sort -n -u | tr '\n' ' ')
[ "$json_open" = "$truth" ] || lab_fail "JSON after resume: $json_open"

# SIGINT: well-formed XML, a checkpoint, exit 3, and resumable
set +e
ip netns exec "$LAB_SCANNER" "$PORTIER" scan -sT -n -p- --rate 4000 \
	--resume "$d/ck2" -oX "$d/int.xml" "$ip" > /dev/null 2> "$d/int.err" &
pid=$!
sleep 3
kill -INT "$pid"
wait "$pid"
rc=$?
set -e
cat "$d/int.err"
[ "$rc" = 3 ] || lab_fail "interrupted scan exited $rc, not 3"
xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$d/int.xml" ||
	lab_fail "XML after SIGINT is not valid"
grep -q 'exit="error"' "$d/int.xml" || lab_fail "XML does not say interrupted"
[ -s "$d/ck2" ] || lab_fail "no checkpoint after SIGINT"
lab_scan "$PORTIER" scan -sT -n -p- --resume "$d/ck2" -oG "$d/int.gnmap" -q "$ip"
[ "$(open_of "$d/int.gnmap")" = "$truth" ] || lab_fail "resume after SIGINT differs"
echo "resume: SIGKILL and SIGINT both continue to the exact result"
