/*
 * test_store_remote.c - the pure parts of the PostgreSQL store and its
 * spool: telling a connection string from a file, printing one without its
 * password, the schema's SQL in PostgreSQL's words, the spool file format
 * (round trip; every truncation and a flipped byte refused), and the spool
 * directory (full, sent in order into a store, a file sent twice stored
 * once, a damaged file set aside).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "portier/bytes.h"
#include "store/store_int.h"
#include "store_test_util.h"

static char base[64];

static int setup(void **state)
{
	(void)state;
	store_test_mkdir(base, sizeof base, "remote");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return store_test_rmdir(base);
}

static void test_is_remote(void **state)
{
	(void)state;
	assert_true(portier_store_is_remote("postgresql://db.example/x"));
	assert_true(portier_store_is_remote("POSTGRES://u@h/x"));
	assert_true(portier_store_is_remote("host=/run/pg dbname=portier"));
	assert_true(portier_store_is_remote("  dbname = portier"));
	assert_false(portier_store_is_remote("/var/lib/portier/portier.db"));
	assert_false(portier_store_is_remote("portier.db"));
	assert_false(portier_store_is_remote("./a=b.db"));
	assert_false(portier_store_is_remote("state/a=b.db"));
	assert_false(portier_store_is_remote("postgresql:/x"));
	assert_false(portier_store_is_remote(""));
	assert_false(portier_store_is_remote(NULL));
}

static void redacts(const char *in, const char *want)
{
	char buf[256];

	portier_store_redact(in, buf, sizeof buf);
	assert_string_equal(buf, want);
}

static void test_redact(void **state)
{
	char small[8];

	(void)state;
	redacts("postgresql://u:pw@db:5432/x", "postgresql://u:***@db:5432/x");
	redacts("postgres://u:p@w@db/x", "postgres://u:***@db/x");
	redacts("postgresql://u@db/x", "postgresql://u@db/x");
	redacts("postgresql://db/x?user=u&password=pw&sslmode=require",
		"postgresql://db/x?user=u&password=***&sslmode=require");
	redacts("postgresql:///x?password=pw", "postgresql:///x?password=***");
	redacts("host=h password=pw dbname=x", "host=h password=*** dbname=x");
	redacts("password = 'a \\' b' host=h", "password = *** host=h");
	redacts("host=h passwordx=1", "host=h passwordx=1");
	redacts("/var/lib/p.db", "/var/lib/p.db");
	redacts("host=h password=pw junk", "host=h password=*** junk");
	portier_store_redact("postgresql://u:secret@h/x", small, sizeof small);
	assert_string_equal(small, "postgre");
	assert_null(strstr(small, "secret"));
}

static void test_sql_text(void **state)
{
	char out[2048];

	(void)state;
	assert_int_equal(
		store_sql_text(store_migrations[0], STORE_PG, out, sizeof out),
		0);
	assert_non_null(strstr(out, "id BIGSERIAL PRIMARY KEY, time BIGINT"));
	assert_non_null(strstr(out, "addr BYTEA NOT NULL"));
	assert_null(strstr(out, "INTEGER"));
	assert_int_equal(
		store_sql_text(store_migrations[1], STORE_PG, out, sizeof out),
		0);
	assert_null(strstr(out, "ROWID"));
	assert_non_null(
		strstr(out, "PRIMARY KEY(dev, inode, mtime_ns, size));"));
	assert_int_equal(store_sql_text("SELECT '?', x FROM t WHERE a = ? AND"
					" b = ? AND INTEGERS = 1",
					STORE_PG, out, sizeof out),
			 0);
	assert_string_equal(out, "SELECT '?', x FROM t WHERE a = $1 AND b = $2"
				 " AND INTEGERS = 1");
	assert_int_equal(store_sql_text(store_sql_insert_listener, STORE_PG,
					out, sizeof out),
			 0);
	assert_non_null(strstr(out, "$20)"));
	assert_int_equal(
		store_sql_text(store_sql_list, STORE_SQLITE, out, sizeof out),
		0);
	assert_string_equal(out, store_sql_list);
	assert_int_equal(store_sql_text(store_migrations[0], STORE_PG, out, 40),
			 PORTIER_EINVAL);
}

/* sql in PostgreSQL's words contains want. */
static void pg_has(const char *sql, const char *want)
{
	char out[2048];

	assert_int_equal(store_sql_text(sql, STORE_PG, out, sizeof out), 0);
	assert_non_null(strstr(out, want));
}

/* The statements of watch and stored scans, shared by both backends. */
static void test_sql_watch_scan(void **state)
{
	(void)state;
	pg_has("BEGIN IMMEDIATE; SELECT ?", "BEGIN; SELECT $1");
	pg_has(store_sql_upsert_watch,
	       "INSERT INTO watch(host, snapshot, delivered) VALUES($1, $2, $3)"
	       " ON CONFLICT(host) DO UPDATE SET snapshot = excluded.snapshot");
	pg_has(store_sql_insert_event, "VALUES($1, $2, $3, $4) RETURNING seq");
	pg_has(store_sql_delivered, "UPDATE watch SET delivered = $1 WHERE"
				    " host = $2 AND delivered < $3");
	pg_has(store_sql_insert_scan_port, "VALUES($1, $2, $3, $4, $5, $6)");
	pg_has(store_sql_insert_scan, "VALUES($1, $2) RETURNING id");
	pg_has(store_migrations[4], "event(seq BIGSERIAL PRIMARY KEY, host");
}

/* A snapshot of two listeners: one with every field, one with NULLs. */
static struct portier_snapshot *sample(const char *key)
{
	struct portier_snapshot *s = portier_calloc(1, sizeof *s);

	s->time = 1796390000;
	s->host = portier_strdup("h1");
	s->machine_id = portier_strdup("3d1219c7c4c5404aaa1f6d2a48adfda4");
	portier_strlcpy(s->key, key, sizeof s->key);
	s->l = portier_calloc(2, sizeof *s->l);
	s->n = 2;
	s->l[0] = (struct portier_listener){
		.proto = PORTIER_LOCAL_TCP,
		.family = 6,
		.port = 22,
		.inode = 1ull << 40,
		.pid = 77,
		.uid = 4000000000u,
		.exe_deleted = true,
		.have_sha = true,
		.kb_risk = 2,
		.audit = 3,
		.pkg_verified = PORTIER_PKG_DIFFERS,
	};
	s->l[0].addr[15] = 1;
	memset(s->l[0].sha256, 0xab, 32);
	s->l[0].netns = portier_strdup("lab");
	s->l[0].comm = portier_strdup("sshd");
	s->l[0].exe = portier_strdup("/usr/sbin/sshd (deleted)");
	s->l[0].unit = portier_strdup("ssh.service");
	s->l[0].container = portier_strdup("");
	s->l[0].package = portier_strdup("openssh-server");
	s->l[0].rules = portier_strdup("risky-port,any-address");
	s->l[1] = (struct portier_listener){
		.proto = PORTIER_LOCAL_UDP, .family = 4, .port = 53};
	s->l[1].netns = portier_strdup("");
	return s;
}

static void same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

static void same(const struct portier_snapshot *a,
		 const struct portier_snapshot *b)
{
	assert_int_equal(a->time, b->time);
	same_str(a->host, b->host);
	same_str(a->machine_id, b->machine_id);
	assert_string_equal(a->key, b->key);
	assert_int_equal(a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct portier_listener *x = &a->l[i], *y = &b->l[i];

		assert_int_equal(portier_listener_cmp(x, y), 0);
		assert_int_equal(x->inode, y->inode);
		assert_int_equal(x->pid, y->pid);
		assert_int_equal(x->uid, y->uid);
		assert_int_equal(x->exe_deleted, y->exe_deleted);
		assert_int_equal(x->have_sha, y->have_sha);
		assert_memory_equal(x->sha256, y->sha256, 32);
		assert_int_equal(x->kb_risk, y->kb_risk);
		assert_int_equal(x->audit, y->audit);
		same_str(x->comm, y->comm);
		same_str(x->exe, y->exe);
		same_str(x->unit, y->unit);
		same_str(x->container, y->container);
		same_str(x->package, y->package);
		assert_int_equal(x->pkg_verified, y->pkg_verified);
		same_str(x->rules, y->rules);
	}
}

static void test_spool_format(void **state)
{
	struct portier_snapshot *s = sample("00112233445566778899aabbccddeeff");
	struct portier_snapshot *back = NULL;
	struct portier_err err = {0};
	uint8_t *buf;
	size_t len;

	(void)state;
	assert_int_equal(portier_spool_encode(s, &buf, &len, &err), 0);
	assert_int_equal(portier_spool_decode(buf, len, &back, &err), 0);
	same(s, back);
	portier_snapshot_free(back);
	/* every truncation, and one byte more, is refused */
	for (size_t n = 0; n < len; n++) {
		assert_int_equal(portier_spool_decode(buf, n, &back, NULL),
				 PORTIER_EINVAL);
		assert_null(back);
	}
	uint8_t *more = portier_calloc(1, len + 1);
	memcpy(more, buf, len);
	assert_int_equal(portier_spool_decode(more, len + 1, &back, &err),
			 PORTIER_EINVAL);
	/* a NUL inside a string */
	memcpy(more, buf, len);
	uint8_t *h = memmem(more, len, "h1", 2);
	assert_non_null(h);
	h[1] = '\0';
	assert_int_equal(portier_spool_decode(more, len, &back, &err),
			 PORTIER_EINVAL);
	/* another version */
	memcpy(more, buf, len);
	more[12] = 9;
	assert_int_equal(portier_spool_decode(more, len, &back, &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "version 9"));
	/* a verdict out of range */
	memcpy(more, buf, len);
	h = memmem(more, len, "openssh-server", 14);
	assert_non_null(h);
	h[14] = PORTIER_PKG_VERIFIES + 1;
	assert_int_equal(portier_spool_decode(more, len, &back, &err),
			 PORTIER_EINVAL);
	portier_free(more);
	portier_free(buf);
	portier_snapshot_free(s);
}

/* A file of version 1 (before pkg_verified) still reads, every package
 * unverified. */
static void test_spool_version1(void **state)
{
	struct portier_snapshot *s = sample("00112233445566778899aabbccddeeff");
	struct portier_snapshot *back = NULL;
	struct portier_err err = {0};
	uint8_t *buf, *v1, *p;
	size_t len, at;

	(void)state;
	assert_int_equal(portier_spool_encode(s, &buf, &len, &err), 0);
	/* drop the two verdict bytes: after l[0]'s package, and l[1]'s
	 * (its last fields: the verdict, kb_risk, audit, rules NULL) */
	v1 = portier_calloc(1, len);
	p = memmem(buf, len, "openssh-server", 14);
	assert_non_null(p);
	at = (size_t)(p - buf) + 14;
	memcpy(v1, buf, at);
	memcpy(v1 + at, buf + at + 1, len - 7 - at - 1);
	memcpy(v1 + len - 8, buf + len - 6, 6);
	v1[12] = 1;
	put_be32(v1 + 13, (uint32_t)(len - 2 - 17));
	assert_int_equal(portier_spool_decode(v1, len - 2, &back, &err), 0);
	assert_int_equal(back->l[0].pkg_verified, PORTIER_PKG_UNKNOWN);
	assert_int_equal(back->l[1].pkg_verified, PORTIER_PKG_UNKNOWN);
	s->l[0].pkg_verified = PORTIER_PKG_UNKNOWN;
	same(s, back);
	portier_snapshot_free(back);
	portier_free(v1);
	portier_free(buf);
	portier_snapshot_free(s);
}

static size_t files_in(const char *dir, const char *suffix)
{
	char cmd[256], line[64];
	FILE *p;

	snprintf(cmd, sizeof cmd, "ls %s | grep -c '%s$'", dir, suffix);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof line, p));
	pclose(p);
	return strtoul(line, NULL, 10);
}

static void test_spool_dir(void **state)
{
	struct portier_spool_limits lim = {.files = 2};
	struct portier_snapshot_info *info;
	struct portier_snapshot *s;
	struct portier_store *st;
	struct portier_err err = {0};
	char dir[128], db[128], cmd[512];
	size_t waiting, sent, bad, n;

	(void)state;
	snprintf(dir, sizeof dir, "%s/spool", base);
	snprintf(db, sizeof db, "%s/p.db", base);
	s = sample("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(portier_spool_put(dir, s, &lim, &waiting, &err), 0);
	assert_int_equal(waiting, 1);
	portier_snapshot_free(s);
	s = sample("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	s->time++;
	assert_int_equal(portier_spool_put(dir, s, &lim, &waiting, &err), 0);
	assert_int_equal(waiting, 2);
	/* full: the new one is refused, the two kept */
	assert_int_equal(portier_spool_put(dir, s, &lim, &waiting, &err),
			 PORTIER_EIO);
	assert_non_null(strstr(err.msg, "is full (2 snapshots"));
	assert_int_equal(files_in(dir, ".snap"), 2);
	portier_snapshot_free(s);
	struct stat sb;
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* a copy of the first (sent before a crash, then found again) and a
	 * damaged file */
	snprintf(cmd, sizeof cmd,
		 "cd %s && f=$(ls | head -1) && cp -p $f 0-copy.snap && "
		 "head -c 20 $f > 00-cut.snap",
		 dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(
		portier_store_open(db, PORTIER_STORE_CREATE, &st, &err), 0);
	assert_int_equal(portier_spool_flush(dir, st, &sent, &bad, &err), 0);
	assert_int_equal(sent, 3);
	assert_int_equal(bad, 1);
	assert_int_equal(files_in(dir, ".snap"), 0);
	assert_int_equal(files_in(dir, ".bad"), 1);
	assert_int_equal(portier_store_list(st, &info, &n, &err), 0);
	assert_int_equal(n, 2); /* the copy was stored once */
	assert_int_equal(info[0].time, 1796390000);
	assert_int_equal(info[1].time, 1796390001);
	assert_string_equal(info[0].machine_id,
			    "3d1219c7c4c5404aaa1f6d2a48adfda4");
	assert_true(portier_snapshot_same_host(&info[0], &info[1]));
	assert_int_equal(portier_store_load(st, info[0].id, &s, &err), 0);
	assert_string_equal(s->key, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(s->n, 2);
	portier_snapshot_free(s);
	portier_free(info);
	/* nothing left to send; a missing spool is nothing either */
	assert_int_equal(portier_spool_flush(dir, st, &sent, &bad, &err), 0);
	assert_int_equal(sent + bad, 0);
	snprintf(dir, sizeof dir, "%s/none", base);
	assert_int_equal(portier_spool_flush(dir, st, &sent, &bad, &err), 0);
	portier_store_close(st);
}

static void test_same_host(void **state)
{
	struct portier_snapshot_info old = {.host = "h"},
				     a = {.host = "h", .machine_id = "x"},
				     b = {.host = "h", .machine_id = "y"},
				     c = {.host = "g", .machine_id = "x"};

	(void)state;
	assert_true(portier_snapshot_same_host(&a, &a));
	assert_true(portier_snapshot_same_host(&old, &a)); /* before v4 */
	assert_true(portier_snapshot_same_host(&b, &old));
	assert_false(portier_snapshot_same_host(&a, &b)); /* a clone's name */
	assert_false(portier_snapshot_same_host(&a, &c));
}

static void test_stamp(void **state)
{
	struct portier_snapshot s = {0};
	char key[33];

	(void)state;
	setenv("PORTIER_HOST_ID", "lab-h7", 1);
	assert_int_equal(portier_snapshot_stamp(&s, 42, NULL), 0);
	assert_string_equal(s.host, "lab-h7");
	assert_int_equal(s.time, 42);
	assert_int_equal(strlen(s.key), 32);
	assert_int_equal(strspn(s.key, "0123456789abcdef"), 32);
	assert_non_null(s.machine_id);
	memcpy(key, s.key, sizeof key);
	assert_int_equal(portier_snapshot_stamp(&s, 43, NULL), 0);
	assert_string_not_equal(key, s.key);
	unsetenv("PORTIER_HOST_ID");
	portier_free(s.host);
	portier_free(s.machine_id);
}

static void count_log(void *ctx, const char *msg)
{
	assert_null(strstr(msg, "Sekr1t"));
	++*(int *)ctx;
}

/* No server: a socket directory with nobody in it. */
static void test_open_unreachable(void **state)
{
	char conninfo[256];
	int logged = 0;
	const struct portier_store_opts o = {
		.flags = PORTIER_STORE_CREATE,
		.attempts = 3,
		.delay_ms = 1,
		.log = count_log,
		.log_ctx = &logged,
	};
	struct portier_store *st = (void *)1;
	struct portier_err err = {0};

	(void)state;
	snprintf(conninfo, sizeof conninfo, "host=%s dbname=x password=Sekr1t",
		 base);
	assert_int_equal(portier_store_open_opts(conninfo, &o, &st, &err),
			 PORTIER_STORE_EDOWN);
	assert_null(st);
	assert_int_equal(logged, 2); /* before the second and the third */
	assert_non_null(strstr(err.msg, "after 3 attempts"));
	assert_non_null(strstr(err.msg, "password=***"));
	assert_null(strstr(err.msg, "Sekr1t"));
	/* a string libpq cannot parse: refused at once, not retried */
	logged = 0;
	assert_int_equal(portier_store_open_opts("host=x password='Sekr1t", &o,
						 &st, &err),
			 PORTIER_EIO);
	assert_int_equal(logged, 0);
	assert_non_null(strstr(err.msg, "not a valid connection string"));
	assert_null(strstr(err.msg, "Sekr1t"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_remote),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_sql_text),
		cmocka_unit_test(test_sql_watch_scan),
		cmocka_unit_test(test_spool_format),
		cmocka_unit_test(test_spool_version1),
		cmocka_unit_test(test_spool_dir),
		cmocka_unit_test(test_same_host),
		cmocka_unit_test(test_stamp),
		cmocka_unit_test(test_open_unreachable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
