#!/usr/bin/env bash
# portier snapshot / history / diff through the command line, without root
# or network: usage errors, the store's refusals (exit 3, file untouched),
# the private-directory rule, and diff of scan files (portier -oJ, nmap
# XML) with ndiff's exit codes.
. "$PORTIER_SRC/tests/cli/lib.sh"
need_tool sqlite3

dir=$(mktemp -d /tmp/portier-cli-store.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 700 "$dir"
db="$dir/s/p.db"

expect_exit 0 "$PORTIER" snapshot --help
expect_in "$OUT" "usage: portier snapshot" "snapshot --help"
expect_exit 2 "$PORTIER" snapshot extra
expect_exit 2 "$PORTIER" history 1 2
expect_exit 2 "$PORTIER" diff onlyone
expect_exit 2 "$PORTIER" diff x y
expect_in "$ERR" "neither a snapshot id nor a scan file" "diff of nonsense"
expect_exit 2 "$PORTIER" history 99999999
# nothing stored yet
expect_exit 2 "$PORTIER" history --store "$db"
expect_in "$ERR" "no store at" "history without a store"
expect_exit 2 "$PORTIER" diff --store "$db"

# two snapshots (the sockets of wherever the test runs)
expect_exit 0 "$PORTIER" snapshot --store "$db"
expect_in "$OUT" "snapshot 1:" "first snapshot"
expect_exit 0 "$PORTIER" snapshot --json --store "$db"
expect_in "$OUT" '"type":"snapshot","id":2' "second snapshot as JSON"
expect_exit 0 "$PORTIER" history --list --store "$db"
expect_in "$OUT" "     2  " "history --list"
expect_exit 2 "$PORTIER" diff 1 7 --store "$db"
expect_in "$ERR" "no snapshot 7" "diff of a missing snapshot"
[ "$(stat -c %a "$dir/s")" = 700 ] || { echo "FAIL: store directory not 0700" >&2; CLI_FAILS=$((CLI_FAILS + 1)); }

# a directory others may write to is refused
mkdir -m 777 "$dir/open"
expect_exit 3 "$PORTIER" snapshot --store "$dir/open/p.db"
[ ! -e "$dir/open/p.db" ] || { echo "FAIL: a store was made in an open directory" >&2; CLI_FAILS=$((CLI_FAILS + 1)); }

# refusals leave the file as it was
refused() {
	local sum; sum=$(sha256sum "$1")
	expect_exit 3 "$PORTIER" snapshot --store "$1"
	expect_in "$ERR" "$2" "refusal of $1"
	expect_exit 3 "$PORTIER" history --store "$1"
	[ "$(sha256sum "$1")" = "$sum" ] || { echo "FAIL: $1 was changed" >&2; CLI_FAILS=$((CLI_FAILS + 1)); }
}
cp "$db" "$dir/newer.db"
sqlite3 "$dir/newer.db" "PRAGMA user_version = 99"
refused "$dir/newer.db" "schema version 99 is newer"
head -c 8192 /dev/urandom > "$dir/junk.db"
refused "$dir/junk.db" "not a database"
sqlite3 "$dir/other.db" "CREATE TABLE t(x); INSERT INTO t VALUES(1)"
refused "$dir/other.db" "not a portier store"

# PostgreSQL without a server (a closed port on loopback): the snapshot is
# spooled (exit 0, a note), the password never printed; history cannot read
# (exit 3); a bad connection string is exit 3 and spools nothing.
pg="postgresql://portier:Sekr1tPw@127.0.0.1:1/portier"
export PORTIER_SPOOL="$dir/spool"
no_secret() {
	case "$OUT$ERR" in *Sekr1tPw*) echo "FAIL: the password was printed: $ERR" >&2; CLI_FAILS=$((CLI_FAILS + 1)) ;; esac
}
expect_exit 0 "$PORTIER" snapshot --store "$pg"
no_secret
expect_in "$ERR" "snapshot spooled in $dir/spool (1 waiting)" "spooled"
expect_in "$ERR" "postgresql://portier:***@127.0.0.1:1/portier" "redacted"
expect_in "$ERR" "attempt 3 of 4" "retries logged"
expect_exit 0 "$PORTIER" snapshot --json --store "host=127.0.0.1 port=1 password=Sekr1tPw"
no_secret
expect_in "$OUT" '"spooled":true' "spooled as JSON"
expect_in "$OUT" '"waiting":2' "two waiting"
expect_exit 3 "$PORTIER" history --store "$pg"
no_secret
expect_in "$ERR" "cannot reach the store" "history without a server"
expect_exit 3 "$PORTIER" snapshot --store "host=127.0.0.1 password='Sekr1tPw junk"
no_secret
expect_in "$ERR" "not a valid connection string" "bad connection string"
# watch and stored scans run on PostgreSQL too: out of reach at the start
# they fail as history does (exit 3), not as unsupported
expect_exit 3 "$PORTIER" watch --interval 1 --store "$pg"
no_secret
expect_in "$ERR" "cannot reach the store" "watch without a server"
expect_exit 3 "$PORTIER" diff --scans --store "$pg"
no_secret
expect_in "$ERR" "cannot reach the store" "diff --scans without a server"
PORTIER_SPOOL_MAX=2 expect_exit 3 "$PORTIER" snapshot -q --store "$pg"
no_secret
expect_in "$ERR" "is full (2 snapshots" "full spool"
PORTIER_SPOOL_MAX=lots expect_exit 2 "$PORTIER" snapshot -q --store "$pg"
no_secret
expect_in "$ERR" "PORTIER_SPOOL_MAX 'lots' is not a number" "bad spool bound"
for f in "$dir"/spool/*; do
	case $f in *.snap) ;; *) echo "FAIL: unexpected spool file $f" >&2; CLI_FAILS=$((CLI_FAILS + 1)) ;; esac
	grep -q Sekr1tPw "$f" && { echo "FAIL: the password is in $f" >&2; CLI_FAILS=$((CLI_FAILS + 1)); }
done
[ "$(ls "$dir/spool" | wc -l)" = 2 ] || { echo "FAIL: the spool should hold 2 files" >&2; CLI_FAILS=$((CLI_FAILS + 1)); }
unset PORTIER_SPOOL

# scan files
j() { printf '{"type":"port","addr":"%s","family":"ipv4","hostname":null,"port":%s,"proto":"tcp","state":"%s","service":"x"}\n' "$@"; }
{ j 198.19.1.2 22 open; j 198.19.1.2 80 open; echo '{"type":"summary","complete":true}'; } > "$dir/a.jsonl"
{ j 198.19.1.2 80 open; j 198.19.1.2 22 open; } > "$dir/a2.jsonl"
{ j 198.19.1.2 22 open; j 198.19.1.2 443 filtered; j 198.19.1.3 22 open; } > "$dir/b.jsonl"
expect_exit 0 "$PORTIER" diff "$dir/a.jsonl" "$dir/a2.jsonl"
[ -z "$OUT" ] || { echo "FAIL: output for equal scans: $OUT" >&2; CLI_FAILS=$((CLI_FAILS + 1)); }
expect_exit 1 "$PORTIER" diff "$dir/a.jsonl" "$dir/b.jsonl"
expect_in "$OUT" "-80/tcp open x" "port gone"
expect_in "$OUT" "+443/tcp filtered x" "port new"
expect_in "$OUT" "+198.19.1.3:" "host new"
expect_exit 1 "$PORTIER" diff --json "$dir/a.jsonl" "$dir/b.jsonl"
expect_in "$OUT" '"type":"port-change","host":"198.19.1.2","port":80' "JSON port change"
echo '<nmaprun><host>' > "$dir/bad.xml"
expect_exit 2 "$PORTIER" diff "$dir/a.jsonl" "$dir/bad.xml"
expect_in "$ERR" "not well-formed XML" "bad XML"
expect_exit 2 "$PORTIER" diff "$dir/a.jsonl" "$dir/missing.xml"

# scans in the store: --import, diff --scans (events)
sdb="$dir/scans/p.db"
expect_exit 0 "$PORTIER" snapshot --store "$sdb" --import "$dir/a.jsonl"
expect_in "$OUT" "scan 1: 1 host from" "import of a -oJ file"
expect_exit 2 "$PORTIER" diff --store "$sdb" --scans
expect_in "$ERR" "the store holds 1 scan: nothing to compare" "one scan"
{ j 198.19.1.2 22 open; j 198.19.1.2 80 open | sed 's/"x"/"http nginx 1.22"/'; j 198.19.1.2 443 open; } > "$dir/c.jsonl"
expect_exit 0 "$PORTIER" snapshot --store "$sdb" --json --import "$dir/c.jsonl"
expect_in "$OUT" '"type":"scan","id":2' "import as JSON"
expect_in "$OUT" '"event":"SERVICE_CHANGED"' "the import's changes"
expect_exit 1 "$PORTIER" diff --store "$sdb" --scans
expect_in "$OUT" "SERVICE_CHANGED 198.19.1.2 80/tcp: open 'x' -> open 'http nginx 1.22'" "SERVICE_CHANGED"
expect_in "$OUT" "NEW             198.19.1.2 443/tcp" "NEW of a stored scan"
expect_exit 0 "$PORTIER" diff --store "$sdb" --scans 2 2
expect_exit 2 "$PORTIER" diff --store "$sdb" --scans 1 9
expect_in "$ERR" "no scan 9" "diff of a missing scan"
# a bad file stores nothing
sum=$(sha256sum "$sdb")
expect_exit 2 "$PORTIER" snapshot --store "$sdb" --import "$dir/bad.xml"
expect_in "$ERR" "not well-formed XML" "import of bad XML"
[ "$(sha256sum "$sdb")" = "$sum" ] || { echo "FAIL: a refused import changed the store" >&2; CLI_FAILS=$((CLI_FAILS + 1)); }
expect_exit 2 "$PORTIER" snapshot --store "$sdb" --import "$dir/a.jsonl" --all-netns
cli_done
