#!/usr/bin/env bash
# portier snapshot / history on PostgreSQL: three lab hosts (namespaces,
# each with its own listeners and its own PORTIER_HOST_ID) write to one
# database, started by this test from Debian's postgresql in a private data
# directory that listens on a Unix socket in a temporary directory only.
#  - The three snapshot at once, twice (the first time they race to create
#    the schema): every snapshot and listener is there, and each host's
#    history compares it with its own snapshots only.
#  - PostgreSQL stopped: snapshots are spooled (exit 0, a note), the
#    password never printed; a full spool refuses (exit 3).  Stopped in the
#    middle of a snapshot (its insert waiting on a lock): spooled too.
#    After a restart the next run sends them first; a spool file sent again
#    (a crash between sending and removing) is stored once; `portier diff`
#    compares the last snapshot with its own host's one before.
#  - portier watch --interval 1 on two hosts into the database: each
#    reports exactly its own NEW; one killed with -9 and restarted repeats
#    nothing and reports the listener that appeared meanwhile; the server
#    stopped under them while a listener appears: the round fails with a
#    note, the watch goes on, and the NEW is reported once it is back.
#  - Two scan files imported on PostgreSQL and on SQLite: diff --scans
#    prints the same on both.
#  - Debian's busybox httpd: its package verdict (1) stored, NULL for a
#    program of no package, and read back by diff.
#  - A database of a newer schema, or of another program: exit 3, the data
#    untouched, nothing spooled.
. "$PORTIER_SRC/tests/lab/lib.sh"
lab_init
need_tool jq
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] && [ -x "$pgbin/pg_ctl" ] ||
	need_skip "PostgreSQL's initdb and pg_ctl missing (make deps installs postgresql)"
need_tool psql runuser
id postgres > /dev/null 2>&1 || need_skip "no postgres user (make deps installs postgresql)"

pgdir=$(mktemp -d /tmp/portier-pg.XXXXXX)
chown postgres "$pgdir"
pg_ctl() { runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w "$@" > /dev/null; }
pg_stop() { [ -e "$pgdir/data/postmaster.pid" ] && pg_ctl stop -m immediate; return 0; }
trap 'pg_stop; lab_cleanup; rm -rf "$pgdir"' EXIT
runuser -u postgres -- "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres \
	--no-sync > "$pgdir/initdb.log" 2>&1 || lab_fail "initdb: $(tail -3 "$pgdir/initdb.log")"
pg_start() { pg_ctl -o "-k $pgdir -c listen_addresses=''" start || lab_fail "pg_ctl start: $(tail -5 "$pgdir/log")"; }
pg_start
sql() { psql -h "$pgdir" -U postgres -d "${DB:-portier}" -v ON_ERROR_STOP=1 -Atc "$1"; }
DB=postgres sql "CREATE DATABASE portier" > /dev/null
# The password is ignored (trust) but must never be printed.
store="postgresql://postgres:Sekr1tPw@/portier?host=$pgdir"

for h in h1 h2 h3; do lab_target "$h"; done
lab_listen h1 tcp:7401
lab_listen h2 tcp:7402 tcp:7412
lab_listen h3 tcp:7403 udp:7413

# snap HOST WANT [ARGS...]: portier snapshot on HOST as HOST, its stdout in
# $LAB_DIR/HOST.out and stderr in HOST.err; fails unless it exits WANT.
snap() {
	local h=$1 want=$2 rc=0; shift 2
	lab_in "$h" env PORTIER_HOST_ID="$h" PORTIER_SPOOL="$LAB_DIR/spool-$h" \
		"$PORTIER" snapshot --json --store "$store" "$@" \
		> "$LAB_DIR/$h.out" 2> "$LAB_DIR/$h.err" || rc=$?
	[ "$rc" = "$want" ] || lab_fail "snapshot on $h exited $rc, expected $want: $(cat "$LAB_DIR/$h.err")"
	! grep -q Sekr1tPw "$LAB_DIR/$h.out" "$LAB_DIR/$h.err" || lab_fail "snapshot on $h printed the password"
}
# all_at_once: the three hosts snapshot concurrently.
all_at_once() {
	local pids=() h
	for h in h1 h2 h3; do snap "$h" 0 & pids+=($!); done
	for h in "${pids[@]}"; do wait "$h" || lab_fail "a concurrent snapshot failed"; done
}
count() { sql "SELECT count(*) FROM snapshot WHERE host = '$1'"; }

t0=$(date +%s%N)
all_at_once
t1=$(date +%s%N)
lab_listen h1 tcp:7421
all_at_once
t2=$(date +%s%N)
lab_log "3 concurrent snapshots into one PostgreSQL: $(( (t1 - t0) / 1000000 )) ms (schema created), $(( (t2 - t1) / 1000000 )) ms (second round)"
[ "$(sql "SELECT version FROM schema_version WHERE app = 'portier'")" = 6 ] || lab_fail "schema_version is not 6"
for h in h1 h2 h3; do [ "$(count $h)" = 2 ] || lab_fail "$h has $(count $h) snapshots, want 2"; done
# each snapshot's listeners: exactly the host's own
got=$(sql "SELECT s.host, l.port FROM snapshot s JOIN listener l ON l.snapshot = s.id ORDER BY 1, 2" | sort | uniq -c | awk '{print $2, $1}' | tr '\n' ' ')
want="h1|7401 2 h1|7421 1 h2|7402 2 h2|7412 2 h3|7403 2 h3|7413 2 "
[ "$got" = "$want" ] || lab_fail "rows: got '$got', want '$want'"
[ "$(sql "SELECT count(DISTINCT machine_id) FROM snapshot WHERE machine_id <> ''")" -le 1 ] || lab_fail "machine ids differ"
lab_expect 0 "$PORTIER" history --list --json --store "$store" > "$LAB_DIR/list.jsonl"
[ "$(jq -r .machine_id "$LAB_DIR/list.jsonl" | sort -u)" = "$(sql "SELECT DISTINCT machine_id FROM snapshot")" ] ||
	lab_fail "history --list --json lacks the machine ids"

# history, per host: each host's first snapshot is all NEW, then only its
# own changes (h1's new 7421), although the ids interleave.
hist() {
	local rc=0
	"$PORTIER" history --json --store "$store" "$@" > "$LAB_DIR/hist.jsonl" 2> "$LAB_DIR/hist.err" || rc=$?
	[ "$rc" = 0 ] || lab_fail "history $* exited $rc: $(cat "$LAB_DIR/hist.err")"
	jq -r '"\(.event) \((.after // .before).port)"' "$LAB_DIR/hist.jsonl" | sort | tr '\n' ' '
}
[ "$(hist --host h1)" = "NEW 7401 NEW 7421 " ] || lab_fail "history h1: $(hist --host h1)"
[ "$(hist --host h2)" = "NEW 7402 NEW 7412 " ] || lab_fail "history h2: $(hist --host h2)"
[ "$(hist h3)" = "NEW 7403 NEW 7413 " ] || lab_fail "history h3: $(hist h3)"
[ "$(hist | wc -w)" = 12 ] || lab_fail "history of the fleet: $(hist)"
lab_expect 0 "$PORTIER" history --list --store "$store" > "$LAB_DIR/list.txt"
[ "$(grep -c listener "$LAB_DIR/list.txt")" = 6 ] || lab_fail "history --list: $(cat "$LAB_DIR/list.txt")"
# h1's second snapshot printed its one change since its own first
jq -e -s 'map(select(.type == "event")) | length == 1 and .[0].event == "NEW" and .[0].after.port == 7421' \
	"$LAB_DIR/h1.out" > /dev/null || lab_fail "h1's snapshot events: $(cat "$LAB_DIR/h1.out")"

# ---- the server down ---------------------------------------------------------
pg_ctl stop -m fast
lab_listen h2 tcp:7432
t0=$(date +%s%N)
snap h2 0
t1=$(date +%s%N)
lab_log "snapshot with the server down (4 attempts, then spooled): $(( (t1 - t0) / 1000000 )) ms"
grep -q "snapshot spooled in $LAB_DIR/spool-h2 (1 waiting)" "$LAB_DIR/h2.err" || lab_fail "no spool note: $(cat "$LAB_DIR/h2.err")"
grep -q "attempt 3 of 4" "$LAB_DIR/h2.err" || lab_fail "the retries are not logged: $(cat "$LAB_DIR/h2.err")"
jq -e '.spooled == true and .waiting == 1' "$LAB_DIR/h2.out" > /dev/null || lab_fail "JSON of a spooled snapshot: $(cat "$LAB_DIR/h2.out")"
spooled=$(ls "$LAB_DIR/spool-h2")
[ "$(echo "$spooled" | wc -l)" = 1 ] || lab_fail "spool of h2: $spooled"
[ "$(stat -c %a "$LAB_DIR/spool-h2/$spooled")" = 600 ] || lab_fail "spool file not 0600"
key=${spooled#*-}; key=${key%.snap}
cp -p "$LAB_DIR/spool-h2/$spooled" "$LAB_DIR/kept.snap"
snap h3 0
PORTIER_SPOOL_MAX=1 snap h3 3
grep -q "is full (1 snapshots" "$LAB_DIR/h3.err" || lab_fail "full spool: $(cat "$LAB_DIR/h3.err")"
[ "$(ls "$LAB_DIR/spool-h3" | wc -l)" = 1 ] || lab_fail "the full spool changed"

# ---- the server stopped in the middle of a snapshot ---------------------------
# A session holds the listener table locked, so h1's snapshot waits inside
# its transaction (in its listeners' pipeline); the server is stopped then.
# The inserts fail with the connection, the reconnect finds nobody, the
# snapshot goes to the spool.
pg_start
psql -h "$pgdir" -U postgres -d portier -v ON_ERROR_STOP=1 -qc \
	"BEGIN; LOCK TABLE listener IN EXCLUSIVE MODE; SELECT pg_sleep(60)" \
	> /dev/null 2>&1 &
locker=$!
for ((i = 0; i < 100; i++)); do
	[ "$(sql "SELECT count(*) FROM pg_locks WHERE relation = 'listener'::regclass AND mode = 'ExclusiveLock' AND granted")" = 1 ] && break
	sleep 0.1
done
snap h1 0 &
snapper=$!
for ((i = 0; i < 100; i++)); do
	[ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'portier' AND wait_event_type = 'Lock'")" = 1 ] && break
	sleep 0.1
done
[ "$i" -lt 100 ] || lab_fail "h1's snapshot never waited on the lock"
pg_ctl stop -m fast
wait "$snapper" || lab_fail "the snapshot cut off by the server's stop failed"
rc=0; wait "$locker" || rc=$?
[ "$rc" != 0 ] || lab_fail "the locking session outlived the server's stop"
grep -q "snapshot spooled in $LAB_DIR/spool-h1 (1 waiting)" "$LAB_DIR/h1.err" || lab_fail "no spool after a stop mid-snapshot: $(cat "$LAB_DIR/h1.err")"
grep -q "cannot save the snapshot" "$LAB_DIR/h1.err" || lab_fail "the lost connection is not reported: $(cat "$LAB_DIR/h1.err")"

# ---- back: the spool is sent first, once ---------------------------------------
pg_start
snap h2 0
grep -q "sent 1 spooled snapshot" "$LAB_DIR/h2.err" || lab_fail "h2 did not send its spool: $(cat "$LAB_DIR/h2.err")"
[ -z "$(ls "$LAB_DIR/spool-h2")" ] || lab_fail "h2's spool not emptied"
[ "$(sql "SELECT count(*) FROM snapshot WHERE uuid = '$key'")" = 1 ] || lab_fail "the spooled snapshot is not stored once"
# the spooled one (with 7432) comes before the new one, in h2's history
[ "$(sql "SELECT count(*) FROM snapshot s JOIN listener l ON l.snapshot = s.id WHERE s.uuid = '$key' AND l.port = 7432")" = 1 ] ||
	lab_fail "the spooled snapshot lacks its listener 7432"
[ "$(hist --host h2)" = "NEW 7402 NEW 7412 NEW 7432 " ] || lab_fail "history h2 after the spool: $(hist --host h2)"
# the same file again, as after a crash before its removal: stored once
cp -p "$LAB_DIR/kept.snap" "$LAB_DIR/spool-h2/$spooled"
snap h2 0
[ "$(sql "SELECT count(*) FROM snapshot WHERE uuid = '$key'")" = 1 ] || lab_fail "a spool file sent twice is stored twice"
[ "$(count h2)" = 5 ] || lab_fail "h2 has $(count h2) snapshots, want 5"
snap h3 0
[ "$(count h3)" = 4 ] || lab_fail "h3 has $(count h3) snapshots, want 4 (2, one spooled, one now)"
# diff without ids: h3's last two (the spooled one and now), not h2's and h3's
lab_expect 0 "$PORTIER" diff --store "$store" > "$LAB_DIR/diff.txt"
[ ! -s "$LAB_DIR/diff.txt" ] || lab_fail "diff of h3's last two: $(cat "$LAB_DIR/diff.txt")"
snap h1 0
grep -q "sent 1 spooled snapshot" "$LAB_DIR/h1.err" || lab_fail "h1 did not send its spool: $(cat "$LAB_DIR/h1.err")"
[ "$(count h1)" = 4 ] || lab_fail "h1 has $(count h1) snapshots, want 4 (2, one cut off and spooled, one now)"
# every row exactly once: h1 7 listeners (1+2+2+2), h2 13 (2+2+3+3+3), h3 8
rows=$(sql "SELECT s.host || ':' || string_agg(l.port::text || '/' || l.proto, ',' ORDER BY s.id, l.port) FROM snapshot s JOIN listener l ON l.snapshot = s.id GROUP BY s.host ORDER BY 1" | tr '\n' ' ')
[ "$(sql "SELECT count(*) FROM listener")" = 28 ] || lab_fail "listeners after the restart: $rows"
lab_log "after the restart: $(sql "SELECT count(*) FROM snapshot") snapshots, 28 listeners ($rows)"

# ---- eight first-time writers at once on a new database ---------------------------
# history creates nothing; the writers wait on the advisory lock for the one
# that creates the schema, and all eight snapshots arrive.
DB=postgres sql "CREATE DATABASE race" > /dev/null
race="host=$pgdir user=postgres dbname=race"
rc=0; "$PORTIER" history --store "$race" 2> "$LAB_DIR/race.err" || rc=$?
[ "$rc" = 2 ] || lab_fail "history of an empty database exited $rc, want 2"
grep -q "no store in" "$LAB_DIR/race.err" || lab_fail "history of an empty database: $(cat "$LAB_DIR/race.err")"
[ "$(DB=race sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = 0 ] || lab_fail "history created tables"
pids=()
t0=$(date +%s%N)
for i in 1 2 3 4 5 6 7 8; do
	lab_in h$((i % 3 + 1)) env PORTIER_HOST_ID="race$i" "$PORTIER" snapshot -q --store "$race" \
		2> "$LAB_DIR/race$i.err" & pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || lab_fail "a first-time writer failed: $(cat "$LAB_DIR"/race*.err)"; done
t1=$(date +%s%N)
[ "$(DB=race sql "SELECT count(DISTINCT host) FROM snapshot")" = 8 ] || lab_fail "first-time writers: $(DB=race sql "SELECT host FROM snapshot")"
[ "$(DB=race sql "SELECT version FROM schema_version")" = 6 ] || lab_fail "the raced schema is not version 6"
lab_log "8 first-time writers on a new database: $(( (t1 - t0) / 1000000 )) ms, $(DB=race sql "SELECT count(*) FROM listener") listeners"

# ---- a packaged listener's verdict, stored and loaded through PostgreSQL --------
# Debian's busybox httpd on 7490 in h1 (which also holds lab-listen on 7401,
# a program of no package): 1 for it, NULL for lab-listen; diff reads it back.
vsnap() { lab_expect 0 lab_in h1 env PORTIER_HOST_ID=verify "$PORTIER" snapshot -q --store "$race"; }
vsnap
mkdir -p "$LAB_DIR/www"
echo "portier lab" > "$LAB_DIR/www/index.html"
lab_bg h1 httpd-7490 busybox httpd -f -p 7490 -h "$LAB_DIR/www"
httpd_pg=${LAB_PIDS[-1]}
lab_wait_port h1 tcp 7490
vsnap
vrow() { DB=race sql "SELECT coalesce(l.pkg_verified::text, 'null') FROM listener l JOIN snapshot s ON s.id = l.snapshot WHERE s.host = 'verify' AND l.port = $1 ORDER BY s.id DESC LIMIT 1"; }
[ "$(vrow 7490)" = 1 ] || lab_fail "busybox on 7490: pkg_verified $(vrow 7490), want 1"
[ "$(vrow 7401)" = null ] || lab_fail "lab-listen on 7401: pkg_verified $(vrow 7401), want NULL"
lab_expect 1 "$PORTIER" diff --store "$race" --json > "$LAB_DIR/verify.jsonl"
jq -s -e 'length == 1 and .[0].event == "NEW" and .[0].after.port == 7490 and
	.[0].after.package == "busybox" and .[0].after.package_verified == true' \
	"$LAB_DIR/verify.jsonl" > /dev/null || lab_fail "diff on PostgreSQL: $(cat "$LAB_DIR/verify.jsonl")"
# gone again before h1's watch below takes its baseline
kill -TERM -- "-$httpd_pg"
for ((i = 0; i < 100; i++)); do [ -z "$(lab_in h1 ss -Htln "sport = :7490")" ] && break; sleep 0.05; done
[ -z "$(lab_in h1 ss -Htln "sport = :7490")" ] || lab_fail "busybox httpd on 7490 did not stop"

# ---- refusals: nothing written, nothing spooled ---------------------------------
before=$(sql "SELECT count(*) FROM snapshot")
sql "UPDATE schema_version SET version = 99" > /dev/null
snap h1 3
grep -q "schema version 99 is newer" "$LAB_DIR/h1.err" || lab_fail "newer schema: $(cat "$LAB_DIR/h1.err")"
[ "$(sql "SELECT count(*) FROM snapshot")" = "$before" ] || lab_fail "a newer schema was written to"
sql "UPDATE schema_version SET version = 6" > /dev/null
# ---- portier watch on two hosts into the one database ----------------------------
# start_watch HOST: portier watch --interval 1 in HOST as HOST, its stdout in
# $LAB_DIR/watch-HOST.jsonl (appended to over restarts), stderr in .err;
# returns once its first round is done.
declare -A WATCH
start_watch() {
	local h=$1 out="$LAB_DIR/watch-$1.jsonl" i
	setsid ip netns exec "${LAB_NS[$h]}" env PORTIER_HOST_ID="$h" "$PORTIER" watch \
		--interval 1 --store "$store" >> "$out" 2> "$out.err" < /dev/null &
	WATCH[$h]=$!
	LAB_PIDS+=("${WATCH[$h]}")
	for ((i = 0; i < 400; i++)); do
		grep -q "watching" "$out.err" && return 0
		kill -0 "${WATCH[$h]}" 2> /dev/null || lab_fail "portier watch on $h exited: $(cat "$out.err")"
		sleep 0.05
	done
	lab_fail "portier watch on $h did not take its first snapshot in 20 s: $(cat "$out.err")"
}
# wait_events HOST N [SECONDS]: until HOST's watch has written N events.
wait_events() {
	local out="$LAB_DIR/watch-$1.jsonl" i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		[ "$(grep -c . "$out")" -ge "$2" ] && return 0
		sleep 0.05
	done
	lab_fail "expected $2 events from $1's watch, got: $(cat "$out" "$out.err")"
}
# "EVENT PORT HOST SEQ" of each event HOST's watch wrote.
wevents() { jq -r '"\(.event) \((.after // .before).port) \(.host) \(.seq)"' "$LAB_DIR/watch-$1.jsonl" | tr '\n' ' '; }
seq_of() { sql "SELECT seq FROM event WHERE host = '$1' AND body LIKE '%\"port\":$2%'"; }

before=$(sql "SELECT count(*) FROM event")
[ "$before" = 0 ] || lab_fail "events before any watch: $before"
start_watch h1
start_watch h2
! grep -q Sekr1tPw "$LAB_DIR/watch-h1.jsonl.err" "$LAB_DIR/watch-h2.jsonl.err" || lab_fail "watch printed the password"
# a listener appears on each: each watcher reports exactly its own NEW
lab_listen h1 tcp:7501
lab_listen h2 tcp:7502
wait_events h1 1
wait_events h2 1
sleep 2
[ "$(wevents h1)" = "NEW 7501 h1 $(seq_of h1 7501) " ] || lab_fail "h1's watch: $(wevents h1)"
[ "$(wevents h2)" = "NEW 7502 h2 $(seq_of h2 7502) " ] || lab_fail "h2's watch: $(wevents h2)"
[ "$(sql "SELECT host || ' ' || kind FROM event ORDER BY host" | tr '\n' ,)" = "h1 NEW,h2 NEW," ] ||
	lab_fail "events in the database: $(sql "SELECT seq, host, kind FROM event")"
[ "$(sql "SELECT string_agg(host || ':' || (delivered = (SELECT max(seq) FROM event e WHERE e.host = w.host))::text, ',' ORDER BY host) FROM watch w")" = "h1:true,h2:true" ] ||
	lab_fail "watch rows: $(sql "SELECT * FROM watch")"

# kill -9 h1's watcher, a listener while it is down, a restart: that one
# NEW, numbered after the first, nothing repeated
kill -KILL -- "-${WATCH[h1]}"
while kill -0 "${WATCH[h1]}" 2> /dev/null; do sleep 0.05; done
lab_listen h1 tcp:7511
start_watch h1
wait_events h1 2
sleep 2
[ "$(wevents h1)" = "NEW 7501 h1 $(seq_of h1 7501) NEW 7511 h1 $(seq_of h1 7511) " ] ||
	lab_fail "h1's watch after kill -9: $(wevents h1)"
[ "$(seq_of h1 7511)" -gt "$(seq_of h1 7501)" ] || lab_fail "seq went back"
[ "$(wevents h2)" = "NEW 7502 h2 $(seq_of h2 7502) " ] || lab_fail "h2 saw h1's restart: $(wevents h2)"

# PostgreSQL stopped under the watchers; a listener appears on h2 while it
# is down: the round fails (a note), the watch keeps going, and the NEW is
# reported once the server is back.
pg_ctl stop -m fast
lab_listen h2 tcp:7522
t_change=$(date +%s%3N)
for ((i = 0; i < 200; i++)); do
	grep -q "this round is not recorded" "$LAB_DIR/watch-h2.jsonl.err" && break
	sleep 0.05
done
[ "$i" -lt 200 ] || lab_fail "h2's watch did not say its round failed: $(cat "$LAB_DIR/watch-h2.jsonl.err")"
kill -0 "${WATCH[h2]}" 2> /dev/null || lab_fail "h2's watch died with the server: $(cat "$LAB_DIR/watch-h2.jsonl.err")"
[ "$(grep -c . "$LAB_DIR/watch-h2.jsonl")" = 1 ] || lab_fail "h2 reported with the server down: $(wevents h2)"
sleep 2
pg_start
t_up=$(date +%s%3N)
# within a few intervals: the next round, after at most one sequence of
# reconnect attempts (1.75 s) that began before the server was up
wait_events h2 2 8
t_seen=$(date +%s%3N)
sleep 2
lab_log "server down $((t_up - t_change)) ms after the change; reported $((t_seen - t_up)) ms after it came back"
[ "$(wevents h2)" = "NEW 7502 h2 $(seq_of h2 7502) NEW 7522 h2 $(seq_of h2 7522) " ] ||
	lab_fail "h2's watch after the server's restart: $(wevents h2)"
[ "$(grep -c . "$LAB_DIR/watch-h1.jsonl")" = 2 ] || lab_fail "h1 reported while the server was down: $(wevents h1)"
! grep -q Sekr1tPw "$LAB_DIR/watch-h1.jsonl.err" "$LAB_DIR/watch-h2.jsonl.err" || lab_fail "watch printed the password"
[ "$(sql "SELECT count(*) FROM event")" = 4 ] || lab_fail "events in the database: $(sql "SELECT seq, host, kind FROM event")"
for h in h1 h2; do
	kill -TERM "${WATCH[$h]}"
	rc=0; wait "${WATCH[$h]}" || rc=$?
	[ "$rc" = 0 ] || lab_fail "portier watch on $h exited $rc on SIGTERM: $(cat "$LAB_DIR/watch-$h.jsonl.err")"
done

# ---- stored scans: PostgreSQL gives what SQLite gives ------------------------------
# Two scan files (two hosts, a port gone, one new, a service changed, text
# that is not ASCII) imported into both stores; diff --scans of each.
j() { printf '{"type":"port","addr":"%s","family":"ipv4","hostname":"%s","port":%s,"proto":"%s","state":"%s","service":"%s"}\n' "$@"; }
{ j 198.18.0.10 b.example 22 tcp open ssh; j 198.18.0.10 b.example 80 tcp open "http nginx 1.22"
  j 198.18.0.9 A.example 53 udp open domain; j 198.18.0.9 A.example 25 tcp open "smtp Écrivain 1"; } > "$LAB_DIR/sa.jsonl"
{ j 198.18.0.10 b.example 80 tcp open "http nginx 1.24"; j 198.18.0.10 b.example 443 tcp open https
  j 198.18.0.9 A.example 53 udp open domain; j 198.18.0.9 A.example 25 tcp filtered "smtp Écrivain 1"; } > "$LAB_DIR/sb.jsonl"
mkdir -m 700 "$LAB_DIR/sq"
for s in "$store" "$LAB_DIR/sq/p.db"; do
	for f in sa sb; do lab_expect 0 "$PORTIER" snapshot -q --store "$s" --import "$LAB_DIR/$f.jsonl"; done
done
rc=0; "$PORTIER" diff --scans --json --store "$store" > "$LAB_DIR/pg-scans.jsonl" || rc=$?
[ "$rc" = 1 ] || lab_fail "diff --scans on PostgreSQL exited $rc, expected 1"
lab_expect 1 "$PORTIER" diff --scans --json --store "$LAB_DIR/sq/p.db" > "$LAB_DIR/sq-scans.jsonl"
cat "$LAB_DIR/pg-scans.jsonl"
[ "$(grep -c . "$LAB_DIR/pg-scans.jsonl")" -ge 4 ] || lab_fail "diff --scans found too little"
cmp "$LAB_DIR/pg-scans.jsonl" "$LAB_DIR/sq-scans.jsonl" || lab_fail "diff --scans differs between PostgreSQL and SQLite"
lab_expect 1 "$PORTIER" diff --scans --store "$store" > "$LAB_DIR/pg-scans.txt"
lab_expect 1 "$PORTIER" diff --scans --store "$LAB_DIR/sq/p.db" > "$LAB_DIR/sq-scans.txt"
cmp "$LAB_DIR/pg-scans.txt" "$LAB_DIR/sq-scans.txt" || lab_fail "diff --scans (text) differs between PostgreSQL and SQLite"
lab_expect 0 "$PORTIER" diff --scans --store "$store" 2 2
[ "$(sql "SELECT count(*) FROM scan_port")" = 8 ] || lab_fail "scan ports: $(sql "SELECT * FROM scan_port")"
DB=postgres sql "CREATE DATABASE other" > /dev/null
DB=other sql "CREATE TABLE accounts(id int); INSERT INTO accounts VALUES (1)" > /dev/null
store="host=$pgdir user=postgres dbname=other password=Sekr1tPw"
snap h1 3
grep -q "not a portier store" "$LAB_DIR/h1.err" || lab_fail "foreign database: $(cat "$LAB_DIR/h1.err")"
[ "$(DB=other sql "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'")" = accounts ] ||
	lab_fail "the foreign database was changed"
[ ! -e "$LAB_DIR/spool-h1" ] || [ -z "$(ls "$LAB_DIR/spool-h1")" ] || lab_fail "a refused snapshot was spooled"
lab_log "ok"
