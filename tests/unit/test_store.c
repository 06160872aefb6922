/*
 * test_store.c - the port history store: SHA-256 against FIPS 180-4's
 * examples, the schema (new, migrated from version 1, refused when newer,
 * corrupt or foreign, the file untouched), snapshots saved and loaded, the
 * executables' hash cache, the event table of two snapshots, and two
 * scans compared as ndiff does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "portier/digest.h"
#include "portier/store.h"
#include "store_test_util.h"

static char base[64];
static char dbpath[128];

static int setup(void **state)
{
	(void)state;
	store_test_mkdir(base, sizeof base, "store");
	snprintf(dbpath, sizeof dbpath, "%s/p.db", base);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return store_test_rmdir(base);
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* ---- SHA-256 -------------------------------------------------------------- */

static void test_sha256_vectors(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
		     "7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff"
			"61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db"
		 "06c1"},
	};
	uint8_t sum[32];
	char h[65];

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		assert_int_equal(portier_sha256(v[i].in, strlen(v[i].in), sum),
				 0);
		hex(sum, 32, h);
		assert_string_equal(h, v[i].out);
	}
}

/* A million 'a' read from a file, in as many reads as it takes. */
static void test_sha256_stream(void **state)
{
	static char a[1000];
	char path[] = "/tmp/portier-sha-XXXXXX";
	int fd = mkstemp(path), i;
	uint8_t sum[32];
	char h[65];

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	memset(a, 'a', sizeof a);
	for (i = 0; i < 1000; i++)
		assert_int_equal(write(fd, a, sizeof a), (ssize_t)sizeof a);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(portier_sha256_fd(fd, sum), 0);
	close(fd);
	hex(sum, 32, h);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a4972"
			       "00e046d39ccc7112cd0");
}

/* ---- the schema ------------------------------------------------------------- */

static void test_schema_new(void **state)
{
	struct portier_store *st;
	struct portier_err err = {0};

	(void)state;
	unlink(dbpath);
	assert_int_equal(portier_store_open(dbpath, 0, &st, &err),
			 PORTIER_ENOENT);
	assert_int_equal(
		portier_store_open(dbpath, PORTIER_STORE_CREATE, &st, &err), 0);
	assert_int_equal(portier_store_version(st), PORTIER_STORE_SCHEMA);
	portier_store_close(st);
	assert_int_equal(sql_int(dbpath, "PRAGMA user_version"),
			 PORTIER_STORE_SCHEMA);
	assert_int_equal(sql_int(dbpath, "PRAGMA application_id"), 0x504f5254);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM sqlite_master"
					 " WHERE name = 'exe_hash'"),
			 1);
	/* WAL is a property of the file: it stays. */
	assert_int_equal(sql_int(dbpath, "SELECT journal_mode = 'wal' FROM"
					 " pragma_journal_mode"),
			 1);
	/* Opening again changes nothing. */
	assert_int_equal(portier_store_open(dbpath, 0, &st, &err), 0);
	assert_int_equal(portier_store_version(st), PORTIER_STORE_SCHEMA);
	portier_store_close(st);
}

/* Version 1 as it shipped: no hashes, verdicts or hash cache. */
static const char schema_v1[] =
	"CREATE TABLE snapshot(id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	" host TEXT NOT NULL);"
	"CREATE TABLE listener(snapshot INTEGER NOT NULL REFERENCES"
	" snapshot(id) ON DELETE CASCADE, proto INTEGER NOT NULL,"
	" family INTEGER NOT NULL, addr BLOB NOT NULL, port INTEGER NOT NULL,"
	" netns TEXT NOT NULL, inode INTEGER, pid INTEGER, uid INTEGER,"
	" comm TEXT, exe TEXT, exe_deleted INTEGER NOT NULL DEFAULT 0,"
	" unit TEXT, container TEXT);"
	"CREATE INDEX listener_snapshot ON listener(snapshot);"
	"PRAGMA application_id = 1347375700; PRAGMA user_version = 1;"
	"INSERT INTO snapshot VALUES(7, 1700000000, 'old');"
	"INSERT INTO listener(snapshot, proto, family, addr, port, netns, pid,"
	" exe) VALUES(7, 1, 4, x'7f000001000000000000000000000000', 631, '',"
	" 42, '/usr/sbin/cupsd');";

static void test_schema_migrate(void **state)
{
	struct portier_store *st;
	struct portier_snapshot *s;
	struct portier_err err = {0};

	(void)state;
	unlink(dbpath);
	sql_run(dbpath, schema_v1);
	assert_int_equal(portier_store_open(dbpath, 0, &st, &err), 0);
	assert_int_equal(portier_store_version(st), PORTIER_STORE_SCHEMA);
	assert_int_equal(portier_store_load(st, 7, &s, &err), 0);
	assert_int_equal(s->n, 1);
	assert_string_equal(s->host, "old");
	assert_int_equal(s->l[0].port, 631);
	assert_string_equal(s->l[0].exe, "/usr/sbin/cupsd");
	assert_false(s->l[0].have_sha);
	assert_int_equal(s->l[0].kb_risk, PORTIER_RISK_NONE);
	portier_snapshot_free(s);
	portier_store_close(st);
	assert_int_equal(sql_int(dbpath, "PRAGMA user_version"),
			 PORTIER_STORE_SCHEMA);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = malloc(1 << 20);

	assert_non_null(f);
	*len = fread(b, 1, 1 << 20, f);
	fclose(f);
	return b;
}

/* Opening path fails with PORTIER_EIO and leaves it byte for byte. */
static void refused(const char *why)
{
	struct portier_store *st = NULL;
	struct portier_err err = {0};
	size_t n0, n1;
	char *before = slurp(dbpath, &n0), *after, wal[160];

	assert_int_equal(
		portier_store_open(dbpath, PORTIER_STORE_CREATE, &st, &err),
		PORTIER_EIO);
	assert_null(st);
	assert_non_null(strstr(err.msg, why));
	after = slurp(dbpath, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(before, after, n0);
	snprintf(wal, sizeof wal, "%s-wal", dbpath);
	assert_int_not_equal(access(wal, F_OK), 0);
	free(before);
	free(after);
}

static void test_schema_newer(void **state)
{
	(void)state;
	unlink(dbpath);
	sql_run(dbpath, "CREATE TABLE snapshot(id INTEGER PRIMARY KEY);"
			"PRAGMA application_id = 1347375700;"
			"PRAGMA user_version = 99;");
	refused("schema version 99 is newer");
}

static void test_schema_corrupt(void **state)
{
	FILE *f;

	(void)state;
	unlink(dbpath);
	f = fopen(dbpath, "wb");
	for (int i = 0; i < 4096; i++)
		fputc((i * 7919) & 0xff, f);
	fclose(f);
	refused("not a database");
	/* A real database whose pages were overwritten. */
	unlink(dbpath);
	sql_run(dbpath, "PRAGMA page_size = 1024; CREATE TABLE t(x);"
			"PRAGMA application_id = 1347375700;"
			"PRAGMA user_version = 2;");
	f = fopen(dbpath, "r+b");
	fseek(f, 0, SEEK_SET);
	fputs("this is no longer SQLite format 3", f);
	fclose(f);
	refused("not a database");
}

static void test_schema_foreign(void **state)
{
	(void)state;
	unlink(dbpath);
	sql_run(dbpath, "CREATE TABLE moz_places(id INTEGER PRIMARY KEY);"
			"INSERT INTO moz_places VALUES(1);");
	refused("not a portier store");
}

/* ---- snapshots and hashes ----------------------------------------------------- */

static struct portier_listener L(uint8_t proto, const char *addr, uint16_t port,
				 int pid, const char *exe, uint8_t sha) {
	struct portier_listener x = {
		.proto = proto,
		.family = strchr(addr, ':') ? 6 : 4,
		.port = port,
		.pid = pid,
	};

	if (x.family == 4)
		sscanf(addr, "%hhu.%hhu.%hhu.%hhu", &x.addr[0], &x.addr[1],
		       &x.addr[2], &x.addr[3]);
	x.netns = portier_strdup("");
	x.exe = exe ? portier_strdup(exe) : NULL;
	if (sha) {
		x.have_sha = true;
		memset(x.sha256, sha, 32);
	}
	return x;
}

/* Free the strings L() made. */
static void
drop(struct portier_listener *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		portier_free(l[i].netns);
		portier_free(l[i].exe);
		portier_free(l[i].package);
	}
}

static int lcmp(const void *a, const void *b)
{
	return portier_listener_cmp(a, b);
}

static struct portier_snapshot *snap(const struct portier_listener *l, size_t n)
{
	struct portier_snapshot *s = portier_calloc(1, sizeof *s);

	s->l = portier_calloc(n + 1, sizeof *s->l);
	if (n)
		memcpy(s->l, l, n * sizeof *l);
	for (size_t i = 0; i < n; i++) {
		s->l[i].netns = portier_strdup(l[i].netns);
		s->l[i].exe = l[i].exe ? portier_strdup(l[i].exe) : NULL;
		s->l[i].package =
			l[i].package ? portier_strdup(l[i].package) : NULL;
	}
	s->n = n;
	s->host = portier_strdup("lab");
	s->time = 1700000000;
	qsort(s->l, n, sizeof *s->l, lcmp);
	return s;
}

static void test_save_load(void **state)
{
	struct portier_listener l[] = {
		L(PORTIER_LOCAL_TCP, "0.0.0.0", 22, 100, "/usr/sbin/sshd", 1),
		L(PORTIER_LOCAL_UDP, "127.0.0.1", 53, 0, NULL, 0),
	};
	struct portier_snapshot *s = snap(l, 2), *back;

	drop(l, 2);
	struct portier_snapshot_info *info;
	struct portier_store *st;
	struct portier_err err = {0};
	size_t n;

	(void)state;
	unlink(dbpath);
	s->l[0].rules = portier_strdup("risky-port");
	s->l[0].audit = PORTIER_RISK_MEDIUM;
	assert_int_equal(
		portier_store_open(dbpath, PORTIER_STORE_CREATE, &st, &err), 0);
	assert_int_equal(portier_store_save(st, s, &err), 0);
	assert_true(s->id > 0);
	assert_int_equal(portier_store_load(st, s->id, &back, &err), 0);
	assert_int_equal(back->n, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(portier_listener_cmp(&s->l[i], &back->l[i]),
				 0);
		assert_int_equal(s->l[i].have_sha, back->l[i].have_sha);
		assert_memory_equal(s->l[i].sha256, back->l[i].sha256, 32);
		assert_int_equal(s->l[i].pid, back->l[i].pid);
	}
	assert_string_equal(back->l[0].rules, "risky-port");
	assert_int_equal(back->l[0].audit, PORTIER_RISK_MEDIUM);
	assert_int_equal(portier_store_list(st, &info, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(info[0].listeners, 2);
	assert_string_equal(info[0].host, "lab");
	struct portier_snapshot *none;
	assert_int_equal(portier_store_load(st, 999, &none, &err),
			 PORTIER_ENOENT);
	assert_null(none);
	portier_free(info);
	portier_snapshot_free(back);
	portier_snapshot_free(s);
	portier_store_close(st);
}

static void test_hash_cache(void **state)
{
	struct portier_listener l[] = {
		L(PORTIER_LOCAL_TCP, "0.0.0.0", 80, 4242, "/bin/fake", 0),
		L(PORTIER_LOCAL_TCP, "0.0.0.0", 81, 4242, "/bin/fake", 0),
		L(PORTIER_LOCAL_TCP, "0.0.0.0", 82, 4343, "/bin/gone", 0),
	};
	struct portier_snapshot *s = snap(l, 3);

	drop(l, 3);
	struct portier_store *st;
	struct portier_err err = {0};
	char dir[160], exe[200], link[200];
	uint8_t want[32];
	FILE *f;

	(void)state;
	unlink(dbpath);
	snprintf(dir, sizeof dir, "%s/proc/4242", base);
	snprintf(exe, sizeof exe, "%s/proc", base);
	assert_int_equal(mkdir(exe, 0700), 0);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(exe, sizeof exe, "%s/fake-binary", base);
	f = fopen(exe, "w");
	fputs("#!/bin/sh\necho one\n", f);
	fclose(f);
	snprintf(link, sizeof link, "%s/exe", dir);
	assert_int_equal(symlink(exe, link), 0);
	assert_int_equal(portier_sha256("#!/bin/sh\necho one\n", 19, want), 0);

	assert_int_equal(
		portier_store_open(dbpath, PORTIER_STORE_CREATE, &st, &err), 0);
	snprintf(dir, sizeof dir, "%s/proc", base);
	assert_int_equal(portier_store_hash_exes(st, s, dir, &err), 0);
	assert_true(s->l[0].have_sha && s->l[1].have_sha);
	assert_memory_equal(s->l[0].sha256, want, 32);
	assert_memory_equal(s->l[1].sha256, want, 32);
	assert_false(s->l[2].have_sha); /* no such process */
	portier_store_close(st);

	/* The cache answers for an unchanged file: poison it to see. */
	sql_run(dbpath, "UPDATE exe_hash SET sha256 = zeroblob(32)");
	assert_int_equal(portier_store_open(dbpath, 0, &st, &err), 0);
	s->l[0].have_sha = false;
	assert_int_equal(portier_store_hash_exes(st, s, dir, &err), 0);
	assert_true(s->l[0].have_sha);
	assert_memory_equal(s->l[0].sha256, (uint8_t[32]){0}, 32);

	/* A changed mtime is another file: hashed again. */
	struct timeval tv[2] = {{1000, 0}, {1000, 0}};
	assert_int_equal(utimes(exe, tv), 0);
	assert_int_equal(portier_store_hash_exes(st, s, dir, &err), 0);
	assert_memory_equal(s->l[0].sha256, want, 32);
	portier_store_close(st);
	portier_snapshot_free(s);
}

static void test_packages(void **state)
{
	struct portier_listener l[] = {
		L(PORTIER_LOCAL_TCP, "0.0.0.0", 22, 10, "/usr/sbin/sshd", 0),
		L(PORTIER_LOCAL_TCP, "0.0.0.0", 23, 11, "/usr/bin/lab", 0),
		L(PORTIER_LOCAL_TCP, "0.0.0.0", 24, 12, "/opt/x/server", 0),
		L(PORTIER_LOCAL_TCP, "0.0.0.0", 25, 0, NULL, 0),
	};
	struct portier_snapshot *s = snap(l, 4);
	struct portier_err err = {0};
	char path[200];
	FILE *f;

	(void)state;
	drop(l, 4);
	snprintf(path, sizeof path, "%s/dpkg", base);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/dpkg/info", base);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/dpkg/info/openssh-server.list", base);
	f = fopen(path, "w");
	fputs("/.\n/usr\n/usr/sbin\n/usr/sbin/sshd\n", f);
	fclose(f);
	/* merged /usr: listed as /bin/lab, running as /usr/bin/lab */
	snprintf(path, sizeof path, "%s/dpkg/info/labpkg:amd64.list", base);
	f = fopen(path, "w");
	fputs("/bin\n/bin/lab\n", f);
	fclose(f);
	snprintf(path, sizeof path, "%s/dpkg/info/labpkg:amd64.md5sums", base);
	f = fopen(path, "w");
	fputs("/opt/x/server\n", f); /* not a list */
	fclose(f);

	snprintf(path, sizeof path, "%s/dpkg", base);
	assert_int_equal(portier_store_packages(s, path, &err), 0);
	assert_string_equal(s->l[0].package, "openssh-server");
	assert_string_equal(s->l[1].package, "labpkg");
	assert_string_equal(s->l[2].package, "");
	assert_null(s->l[3].package);
	portier_snapshot_free(s);

	/* no dpkg: unknown, not "no package" */
	s = snap(l, 0);
	assert_int_equal(portier_store_packages(s, "/nonexistent", &err), 0);
	portier_snapshot_free(s);
}

/* ---- events -------------------------------------------------------------------- */

struct ev_want {
	enum portier_event_kind kind;
	uint16_t port;
	enum portier_risk sev;
};

static void diff_is(const struct portier_listener *a, size_t na,
		    const struct portier_listener *b, size_t nb,
		    const struct ev_want *w, size_t nw)
{
	struct portier_snapshot *sa = snap(a, na), *sb = snap(b, nb);
	struct portier_event *ev;
	struct portier_err err = {0};
	size_t n;

	assert_int_equal(
		portier_store_diff(sa, sb, 32768, 60999, &ev, &n, &err), 0);
	assert_int_equal(n, nw);
	for (size_t i = 0; i < n; i++) {
		const struct portier_listener *x = ev[i].b ? ev[i].b : ev[i].a;

		assert_string_equal(portier_event_name(ev[i].kind),
				    portier_event_name(w[i].kind));
		assert_int_equal(x->port, w[i].port);
		assert_int_equal(ev[i].severity, w[i].sev);
	}
	portier_free(ev);
	portier_snapshot_free(sa);
	portier_snapshot_free(sb);
}

static void test_events(void **state)
{
	(void)state;
	/* The lab's four changes at once. */
	{
		struct portier_listener a[] = {
			L(PORTIER_LOCAL_TCP, "127.0.0.1", 8080, 10, "/srv/a",
			  1),
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 8081, 11, "/srv/b", 2),
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 8082, 12, "/srv/c", 3),
		};
		struct portier_listener b[] = {
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 8080, 20, "/srv/a", 1),
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 8081, 21, "/srv/b", 9),
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 8083, 23, "/srv/d", 4),
		};
		const struct ev_want w[] = {
			{PORTIER_EV_REBOUND, 8080, PORTIER_RISK_NONE},
			{PORTIER_EV_BINARY_MODIFIED, 8081, PORTIER_RISK_MEDIUM},
			{PORTIER_EV_GONE, 8082, PORTIER_RISK_NONE},
			{PORTIER_EV_NEW, 8083, PORTIER_RISK_NONE},
		};

		diff_is(a, 3, b, 3, w, 4);
		drop(a, 3);
		drop(b, 3);
	}
	/* A new pid of the same binary, and the same snapshot: nothing. */
	{
		struct portier_listener a[] = {
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 22, 10, "/sshd", 1),
		};
		struct portier_listener b[] = {
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 22, 99, "/sshd", 1),
		};

		diff_is(a, 1, b, 1, NULL, 0);
		diff_is(a, 1, a, 1, NULL, 0);
		drop(a, 1);
		drop(b, 1);
	}
	/* Another program on the port; an owner not visible says nothing. */
	{
		struct portier_listener a[] = {
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 80, 10, "/nginx", 1),
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 81, 10, "/nginx", 1),
		};
		struct portier_listener b[] = {
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 80, 11, "/tmp/x", 2),
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 81, 0, NULL, 0),
		};
		const struct ev_want w[] = {
			{PORTIER_EV_OWNER_CHANGED, 80, PORTIER_RISK_NONE},
		};

		diff_is(a, 2, b, 2, w, 1);
		drop(a, 2);
		drop(b, 2);
	}
	/* UDP clients in the ephemeral range come and go silently; TCP
	 * listeners there are real; the same port over UDP is another key;
	 * a new listener of a deleted binary is high; kb risk carries. */
	{
		struct portier_listener a[] = {
			L(PORTIER_LOCAL_UDP, "0.0.0.0", 40000, 10, "/dig", 0),
		};
		struct portier_listener b[] = {
			L(PORTIER_LOCAL_UDP, "0.0.0.0", 41000, 10, "/dig", 0),
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 41000, 12, "/x", 0),
			L(PORTIER_LOCAL_UDP, "0.0.0.0", 22, 13, "/y", 0),
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 23, 13, "/y", 0),
		};
		const struct ev_want w[] = {
			{PORTIER_EV_NEW, 23, PORTIER_RISK_HIGH},
			{PORTIER_EV_NEW, 41000, PORTIER_RISK_HIGH},
			{PORTIER_EV_NEW, 22, PORTIER_RISK_NONE},
		};

		b[1].exe_deleted = true;
		b[3].kb_risk = PORTIER_RISK_HIGH;
		diff_is(a, 1, b, 4, w, 3);
		drop(a, 1);
		drop(b, 4);
	}
	/* A new listener of a program no package ships is high; of a
	 * packaged one, or where packages are unknown, it is not. */
	{
		struct portier_listener b[] = {
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 8001, 10, "/opt/a", 0),
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 8002, 11, "/usr/b", 0),
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 8003, 12, "/usr/c", 0),
		};
		const struct ev_want w[] = {
			{PORTIER_EV_NEW, 8001, PORTIER_RISK_HIGH},
			{PORTIER_EV_NEW, 8002, PORTIER_RISK_NONE},
			{PORTIER_EV_NEW, 8003, PORTIER_RISK_NONE},
		};

		b[0].package = portier_strdup("");
		b[1].package = portier_strdup("bpkg");
		diff_is(NULL, 0, b, 3, w, 3);
		drop(b, 3);
	}
	/* Two addresses of one port: one stays, one moves. */
	{
		struct portier_listener a[] = {
			L(PORTIER_LOCAL_TCP, "10.0.0.1", 25, 10, "/smtpd", 1),
			L(PORTIER_LOCAL_TCP, "127.0.0.1", 25, 10, "/smtpd", 1),
		};
		struct portier_listener b[] = {
			L(PORTIER_LOCAL_TCP, "0.0.0.0", 25, 10, "/smtpd", 1),
			L(PORTIER_LOCAL_TCP, "10.0.0.1", 25, 10, "/smtpd", 1),
		};
		const struct ev_want w[] = {
			{PORTIER_EV_REBOUND, 25, PORTIER_RISK_NONE},
		};

		diff_is(a, 2, b, 2, w, 1);
		drop(a, 2);
		drop(b, 2);
	}
}

/* ---- scan files ------------------------------------------------------------------ */

#define XML_HEAD "<?xml version=\"1.0\"?><nmaprun scanner=\"nmap\">"
#define XML_HOST(addr, extra, ports)                                               \
	"<host><status state=\"up\"/><address addr=\"" addr                        \
	"\" addrtype=\"ipv4\"/><ports><extraports state=\"closed\" count=\"" extra \
	"\"/>" ports "</ports></host>"
#define XML_PORT(n, state, svc)                                         \
	"<port protocol=\"tcp\" portid=\"" n "\"><state state=\"" state \
	"\"/><service name=\"" svc "\"/></port>"

static struct portier_scan_file *parse(const char *text)
{
	struct portier_scan_file *f;
	struct portier_err err = {0};

	assert_int_equal(
		portier_scan_file_parse(text, strlen(text), "t", &f, &err), 0);
	return f;
}

static void test_scan_diff(void **state)
{
	struct portier_scan_file *a = parse(
		XML_HEAD XML_HOST("10.0.0.2", "998",
				  XML_PORT("22", "open", "ssh")
					  XML_PORT("80", "open", "http"))
			XML_HOST("10.0.0.3", "999",
				 XML_PORT("22", "open", "ssh")) "</nmaprun>");
	struct portier_scan_file *b = parse(
		XML_HEAD XML_HOST("10.0.0.2", "998",
				  XML_PORT("22", "open", "ssh")
					  XML_PORT("443", "open", "https"))
			XML_HOST("10.0.0.3", "999",
				 XML_PORT("22", "open", "ssh")) "</nmaprun>");
	struct portier_scan_change *c;
	struct portier_err err = {0};
	size_t n;

	(void)state;
	assert_int_equal(a->n, 2);
	assert_int_equal(portier_scan_file_diff(a, b, &c, &n, &err), 0);
	/* 80 open -> not listed (closed, an extra-ports state), 443 new */
	assert_int_equal(n, 2);
	assert_int_equal(c[0].a->port, 80);
	assert_null(c[0].b);
	assert_true(c[0].show_a);
	assert_false(c[0].show_b);
	assert_int_equal(c[1].b->port, 443);
	assert_true(c[1].show_b);
	portier_free(c);
	assert_int_equal(portier_scan_file_diff(a, a, &c, &n, &err), 0);
	assert_int_equal(n, 0);
	portier_scan_file_free(a);
	portier_scan_file_free(b);

	/* portier -oJ, lines in any order */
	a = parse("{\"type\":\"port\",\"addr\":\"10.0.0.3\",\"port\":80,"
		  "\"hostname\":null,"
		  "\"proto\":\"tcp\",\"state\":\"open\",\"service\":\"http\"}\n"
		  "{\"type\":\"port\",\"addr\":\"10.0.0.2\",\"port\":22,"
		  "\"proto\":\"tcp\",\"state\":\"open\",\"service\":\"ssh\"}\n"
		  "{\"type\":\"summary\",\"complete\":true}\n");
	assert_int_equal(a->n, 2);
	assert_string_equal(a->hosts[0].name, "10.0.0.2");
	portier_scan_file_free(a);

	/* A port without a state (the fuzzer's hang: an empty state matched
	 * every extra-ports state forever). */
	a = parse("{\"type\":\"port\",\"addr\":\"10.0.0.2\",\"port\":1,"
		  "\"proto\":\"tcp\",\"state\":\"\"}\n");
	b = parse(XML_HEAD XML_HOST(
		"10.0.0.2", "9",
		"<port protocol=\"tcp\" portid=\"1\"/>") "</nmaprun>");
	assert_int_equal(portier_scan_file_diff(a, b, &c, &n, &err), 0);
	assert_int_equal(n, 1); /* only the host's extra ports differ */
	assert_null(c[0].a);
	portier_free(c);
	portier_scan_file_free(a);
	portier_scan_file_free(b);

	/* bad input is an error, never a crash */
	static const char *const bad[] = {
		"",
		"nothing",
		"<nmaprun><host><ports><port portid=\"x\"",
		"<other/>",
		"{\"type\":\"port\"}",
		"{\"type\":\"port\",\"addr"
		"\":\"1.2.3.4\",\"port\":70000,"
		"\"proto\":\"tcp\",\"state\""
		":\"open\"}",
		XML_HEAD
		"<host><ports><port protocol=\"tcp\" portid=\"99999\"/>"
		"</ports></host></nmaprun>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(portier_scan_file_parse(bad[i], strlen(bad[i]),
							 "bad", &a, &err),
				 PORTIER_EINVAL);
		assert_null(a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_sha256_stream),
		cmocka_unit_test(test_schema_new),
		cmocka_unit_test(test_schema_migrate),
		cmocka_unit_test(test_schema_newer),
		cmocka_unit_test(test_schema_corrupt),
		cmocka_unit_test(test_schema_foreign),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_hash_cache),
		cmocka_unit_test(test_packages),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_scan_diff),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
