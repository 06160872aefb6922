#!/usr/bin/env bash
# --resume refuses a checkpoint of another scan before touching anything:
# a different --exclude (same count, same first and last address) is another
# scan, and a refused --resume leaves the earlier run's -oX/-oJ/-oG files
# exactly as they were.
. "$PORTIER_SRC/tests/lab/lib.sh"
. "$PORTIER_SRC/tests/lab/lib_scan.sh"
lab_init

lab_target t1
d=$LAB_DIR
range=198.19.1.1-198.19.1.5
outs=(-oX "$d/r.xml" -oJ "$d/r.jsonl" -oG "$d/r.gnmap")

# an interrupted scan of .1,.2,.4,.5 leaves a checkpoint and outputs
set +e
ip netns exec "$LAB_SCANNER" "$PORTIER" scan -sT -n -p- --rate 3000 \
	--exclude 198.19.1.3 --resume "$d/ck" "${outs[@]}" "$range" \
	> /dev/null 2> "$d/int.err" &
pid=$!
sleep 2
kill -INT "$pid"
wait "$pid"
rc=$?
set -e
[ "$rc" = 3 ] || { cat "$d/int.err"; lab_fail "interrupted scan exited $rc"; }
[ -s "$d/ck" ] || lab_fail "no checkpoint"
for f in r.xml r.jsonl r.gnmap ck; do cp "$d/$f" "$d/$f.before"; done

# other ports: refused, and the outputs are not truncated first
set +e
lab_scan "$PORTIER" scan -sT -n -p 1-65534 --rate 3000 --exclude 198.19.1.3 \
	--resume "$d/ck" "${outs[@]}" "$range" > /dev/null 2> "$d/rej.err"
rc=$?
set -e
[ "$rc" = 2 ] || { cat "$d/rej.err"; lab_fail "resume with other ports exited $rc, not 2"; }
for f in r.xml r.jsonl r.gnmap ck; do
	cmp -s "$d/$f" "$d/$f.before" || lab_fail "refused --resume truncated $f"
done

# .1,.2,.3,.5: four addresses from .1 to .5 as well, but another scan
set +e
lab_scan "$PORTIER" scan -sT -n -p- --rate 3000 --exclude 198.19.1.4 \
	--resume "$d/ck" "${outs[@]}" "$range" > /dev/null 2> "$d/rej.err"
rc=$?
set -e
cat "$d/rej.err"
[ "$rc" = 2 ] || lab_fail "resume with another --exclude exited $rc, not 2"
grep -q "belongs to another scan" "$d/rej.err" || lab_fail "refusal not explained"
for f in r.xml r.jsonl r.gnmap ck; do
	cmp -s "$d/$f" "$d/$f.before" || lab_fail "refused --resume changed $f"
done
echo "resume check: another --exclude refused (exit 2), outputs untouched"
