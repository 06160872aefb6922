/*
 * schema.c - the one definition of the store's tables and of the SQL both
 * backends run.  The text is SQLite's; store_sql_text gives PostgreSQL's
 * from it (types, the row id, placeholders), so a new migration is written
 * once and applies to both.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

/*
 * Migration i turns schema i into i + 1; a new database runs them all.
 * Never edit one that has shipped: add the next.
 */
const char *const store_migrations[PORTIER_STORE_SCHEMA] = {
	/* 0 -> 1: snapshots and their listeners. */
	"CREATE TABLE snapshot(id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	" host TEXT NOT NULL);"
	"CREATE TABLE listener(snapshot INTEGER NOT NULL REFERENCES"
	" snapshot(id) ON DELETE CASCADE, proto INTEGER NOT NULL,"
	" family INTEGER NOT NULL, addr BLOB NOT NULL, port INTEGER NOT NULL,"
	" netns TEXT NOT NULL, inode INTEGER, pid INTEGER, uid INTEGER,"
	" comm TEXT, exe TEXT, exe_deleted INTEGER NOT NULL DEFAULT 0,"
	" unit TEXT, container TEXT);"
	"CREATE INDEX listener_snapshot ON listener(snapshot);",
	/* 1 -> 2: executable hashes, the verdicts, and the hash cache. */
	"ALTER TABLE listener ADD COLUMN sha256 BLOB;"
	"ALTER TABLE listener ADD COLUMN kb_risk INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE listener ADD COLUMN audit INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE listener ADD COLUMN rules TEXT;"
	"CREATE INDEX listener_port ON listener(port);"
	"CREATE TABLE exe_hash(dev INTEGER NOT NULL, inode INTEGER NOT NULL,"
	" mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL,"
	" sha256 BLOB NOT NULL, PRIMARY KEY(dev, inode, mtime_ns, size))"
	" WITHOUT ROWID;",
	/* 2 -> 3: the Debian package of the executable. */
	"ALTER TABLE listener ADD COLUMN package TEXT;",
	/* 3 -> 4: the host's machine id beside its name (a fleet shares one
	 * PostgreSQL store), and each snapshot's idempotency key, so a
	 * spooled snapshot sent twice is stored once. */
	"ALTER TABLE snapshot ADD COLUMN machine_id TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE snapshot ADD COLUMN uuid TEXT;"
	"CREATE UNIQUE INDEX snapshot_uuid ON snapshot(uuid);"
	"CREATE INDEX snapshot_host ON snapshot(host, machine_id);",
	/* 4 -> 5: watch's events, delivered once, and stored scans. */
	"CREATE TABLE event(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" host TEXT NOT NULL, snapshot INTEGER NOT NULL REFERENCES"
	" snapshot(id) ON DELETE CASCADE, kind TEXT NOT NULL,"
	" body TEXT NOT NULL);"
	"CREATE INDEX event_host ON event(host, seq);"
	"CREATE TABLE watch(host TEXT PRIMARY KEY, snapshot INTEGER"
	" REFERENCES snapshot(id) ON DELETE SET NULL,"
	" delivered INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE scan(id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	" source TEXT NOT NULL);"
	"CREATE TABLE scan_host(scan INTEGER NOT NULL REFERENCES scan(id)"
	" ON DELETE CASCADE, hid TEXT NOT NULL, name TEXT NOT NULL,"
	" state TEXT NOT NULL, extraports TEXT NOT NULL,"
	" PRIMARY KEY(scan, hid));"
	"CREATE TABLE scan_port(scan INTEGER NOT NULL, hid TEXT NOT NULL,"
	" port INTEGER NOT NULL, proto INTEGER NOT NULL, state TEXT NOT NULL,"
	" service TEXT NOT NULL, FOREIGN KEY(scan, hid) REFERENCES"
	" scan_host(scan, hid) ON DELETE CASCADE);"
	"CREATE INDEX scan_port_host ON scan_port(hid, scan);",
	/* 5 -> 6: whether the executable matches its package's md5sum
	 * (NULL unknown, 0 differs, 1 verifies), and the MD5 beside the
	 * SHA-256 in the hash cache (NULL in older rows: hashed again). */
	"ALTER TABLE exe_hash ADD COLUMN md5 BLOB;"
	"ALTER TABLE listener"
	" ADD COLUMN pkg_verified INTEGER;",
};

const char store_sql_insert_snapshot[] =
	"INSERT INTO snapshot(time, host, machine_id, uuid) VALUES(?, ?, ?, ?)"
	" ON CONFLICT(uuid) DO NOTHING RETURNING id";
const char store_sql_snapshot_by_key[] =
	"SELECT id FROM snapshot WHERE uuid = ?";
const char store_sql_insert_listener[] =
	"INSERT INTO listener(snapshot, proto, family, addr, port, netns,"
	" inode, pid, uid, comm, exe, exe_deleted, unit, container, sha256,"
	" kb_risk, audit, rules, package, pkg_verified)"
	" VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
const char store_sql_select_snapshot[] =
	"SELECT time, host, machine_id, uuid FROM snapshot WHERE id = ?";
const char store_sql_select_listeners[] =
	"SELECT proto, family, addr, port, netns, inode, pid, uid, comm, exe,"
	" exe_deleted, unit, container, sha256, kb_risk, audit, rules, package,"
	" pkg_verified FROM listener WHERE snapshot = ?";
const char store_sql_list[] =
	"SELECT s.id, s.time, (SELECT count(*) FROM listener WHERE"
	" snapshot = s.id), s.host, s.machine_id FROM snapshot s ORDER BY s.id";

/*
 * watch: where each host's watch stands, and its events.  Each host has
 * its own rows (event.host, watch.host), so the watchers of a fleet
 * sharing one PostgreSQL store never touch each other's; seq comes from
 * the table's sequence (AUTOINCREMENT, BIGSERIAL), read back by RETURNING.
 */
const char store_sql_watch_row[] =
	"SELECT coalesce(snapshot, 0), delivered FROM watch WHERE host = ?";
const char store_sql_host_last_snapshot[] =
	"SELECT coalesce(max(id), 0) FROM snapshot WHERE host = ?";
const char store_sql_host_last_event[] =
	"SELECT coalesce(max(seq), 0) FROM event WHERE host = ?";
const char store_sql_insert_event[] =
	"INSERT INTO event(host, snapshot, kind, body) VALUES(?, ?, ?, ?)"
	" RETURNING seq";
const char store_sql_upsert_watch[] =
	"INSERT INTO watch(host, snapshot, delivered) VALUES(?, ?, ?)"
	" ON CONFLICT(host) DO UPDATE SET snapshot = excluded.snapshot";
const char store_sql_outbox[] =
	"SELECT seq, body, snapshot FROM event WHERE host = ? AND seq > ?"
	" ORDER BY seq";
const char store_sql_delivered[] =
	"UPDATE watch SET delivered = ? WHERE host = ? AND delivered < ?";

/* Stored scans.  Rows come back in any order: the loader sorts them as a
 * scan file is sorted (PostgreSQL's collation is not strcmp's). */
const char store_sql_insert_scan[] =
	"INSERT INTO scan(time, source) VALUES(?, ?) RETURNING id";
const char store_sql_insert_scan_host[] =
	"INSERT INTO scan_host(scan, hid, name, state, extraports)"
	" VALUES(?, ?, ?, ?, ?)";
const char store_sql_insert_scan_port[] =
	"INSERT INTO scan_port(scan, hid, port, proto, state, service)"
	" VALUES(?, ?, ?, ?, ?, ?)";
const char store_sql_scan_exists[] = "SELECT count(*) FROM scan WHERE id = ?";
const char store_sql_scan_hosts[] =
	"SELECT hid, name, state, extraports FROM scan_host WHERE scan = ?";
const char store_sql_scan_ports[] =
	"SELECT hid, port, proto, state, service FROM scan_port"
	" WHERE scan = ? ORDER BY hid";
const char store_sql_scan_list[] =
	"SELECT s.id, s.time, (SELECT count(*) FROM scan_host WHERE"
	" scan = s.id), s.source FROM scan s ORDER BY s.id";

/* SQLite's words and PostgreSQL's, longest first where one starts another. */
static const struct {
	const char *sqlite, *pg;
} words[] = {
	{"INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY"},
	{"INTEGER PRIMARY KEY", "BIGSERIAL PRIMARY KEY"},
	{"INTEGER", "BIGINT"},
	{"BLOB", "BYTEA"},
	{" WITHOUT ROWID", ""},
	{"BEGIN IMMEDIATE", "BEGIN"},
};

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* The rewrite of sql[i...] that matches there, or NULL. */
static int match_word(const char *sql, size_t i)
{
	for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
		size_t n = strlen(words[w].sqlite);

		if (strncmp(sql + i, words[w].sqlite, n) == 0 &&
		    (i == 0 || !word_char(sql[i - 1]) || sql[i] == ' ') &&
		    !word_char(sql[i + n]))
			return (int)w;
	}
	return -1;
}

int store_sql_text(const char *sql, enum store_dialect d, char *out, size_t len)
{
	size_t o = 0;
	unsigned param = 0;
	char quote = 0;

	if (d == STORE_SQLITE)
		return portier_strlcpy(out, sql, len) < len ? 0
							    : PORTIER_EINVAL;
	for (size_t i = 0; sql[i];) {
		char buf[16];
		const char *put = buf;
		size_t step = 1;
		int w;

		buf[0] = sql[i];
		buf[1] = '\0';
		if (quote) {
			if (sql[i] == quote)
				quote = 0;
		} else if (sql[i] == '\'' || sql[i] == '"') {
			quote = sql[i];
		} else if (sql[i] == '?') {
			snprintf(buf, sizeof buf, "$%u", ++param);
		} else if ((w = match_word(sql, i)) >= 0) {
			put = words[w].pg;
			step = strlen(words[w].sqlite);
		}
		for (; *put; put++) {
			if (o + 1 >= len)
				return PORTIER_EINVAL;
			out[o++] = *put;
		}
		i += step;
	}
	if (o >= len)
		return PORTIER_EINVAL;
	out[o] = '\0';
	return 0;
}
