/*
 * test_store_verify.c - each listener's executable checked against the
 * md5sum its Debian package recorded: a fixture dpkg database (a .list
 * and a .md5sums) and fixture executables behind a fake /proc, one that
 * matches and one that does not; the verdict saved and loaded, the MD5
 * kept in the hash cache (an older row without one hashed again), the
 * migration from schema 5 keeping its data, and the severity of a NEW
 * listener whose binary does not verify.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "portier/digest.h"
#include "store/store_int.h"
#include "store_test_util.h"

static char base[64], dbpath[128];

static int setup(void **state)
{
	(void)state;
	store_test_mkdir(base, sizeof base, "verify");
	snprintf(dbpath, sizeof dbpath, "%s/p.db", base);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return store_test_rmdir(base);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* A listener on port of pid running exe. */
static void listener(struct portier_listener *x, uint16_t port, int pid,
		     const char *exe)
{
	*x = (struct portier_listener){.proto = PORTIER_LOCAL_TCP,
				       .family = 4,
				       .port = port,
				       .pid = pid};
	x->netns = portier_strdup("");
	x->exe = portier_strdup(exe);
	assert_non_null(x->netns);
	assert_non_null(x->exe);
}

/* Executable name under base/bin, run by pid (a fake /proc link). */
static void fixture_exe(const char *name, int pid, const char *text, char *path,
			size_t len)
{
	char p[256], link[256];

	snprintf(path, len, "%s/bin/%s", base, name);
	put(path, text);
	snprintf(p, sizeof p, "%s/proc/%d", base, pid);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(link, sizeof link, "%s/exe", p);
	assert_int_equal(symlink(path, link), 0);
}

/* good and bad are packaged by fixpkg, whose md5sums hold good's true
 * sum and a wrong one for bad; nosum's package records none; loose has
 * no package. */
static struct portier_snapshot *fixture(char *admin, size_t len)
{
	struct portier_snapshot *s = portier_calloc(1, sizeof *s);
	char good[200], bad[200], nosum[200], loose[200], p[256], t[2048];

	assert_non_null(s);
	snprintf(p, sizeof p, "%s/bin", base);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/proc", base);
	assert_int_equal(mkdir(p, 0700), 0);
	fixture_exe("good", 101, "#!/bin/sh\necho good\n", good, sizeof good);
	fixture_exe("bad", 102, "#!/bin/sh\necho tampered\n", bad, sizeof bad);
	fixture_exe("nosum", 103, "#!/bin/sh\necho nosum\n", nosum,
		    sizeof nosum);
	fixture_exe("loose", 104, "#!/bin/sh\necho loose\n", loose,
		    sizeof loose);

	snprintf(admin, len, "%s/dpkg", base);
	assert_int_equal(mkdir(admin, 0700), 0);
	snprintf(p, sizeof p, "%s/info", admin);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/info/fixpkg:amd64.list", admin);
	snprintf(t, sizeof t, "/.\n%s\n%s\n", good, bad);
	put(p, t);
	snprintf(p, sizeof p, "%s/info/fixpkg:amd64.md5sums", admin);
	{
		char sum[33];
		int fd = open(good, O_RDONLY);

		assert_true(fd >= 0);
		assert_int_equal(portier_digests_fd(fd, 0, NULL, sum, NULL), 0);
		close(fd);
		/* the file writes paths without their leading '/' */
		snprintf(t, sizeof t,
			 "%s  %s\n0123456789abcdef0123456789abcdef  %s\n", sum,
			 good + 1, bad + 1);
	}
	put(p, t);
	snprintf(p, sizeof p, "%s/info/nosumpkg.list", admin);
	snprintf(t, sizeof t, "%s\n", nosum);
	put(p, t);

	s->host = portier_strdup("lab");
	s->l = portier_calloc(5, sizeof *s->l);
	assert_non_null(s->l);
	listener(&s->l[0], 80, 101, good);
	listener(&s->l[1], 81, 102, bad);
	listener(&s->l[2], 82, 103, nosum);
	listener(&s->l[3], 83, 104, loose);
	listener(&s->l[4], 84, 999, good); /* no such process: no hash */
	s->n = 5;
	return s;
}

static void verdicts_are(const struct portier_snapshot *s)
{
	assert_string_equal(s->l[0].package, "fixpkg");
	assert_int_equal(s->l[0].pkg_verified, PORTIER_PKG_VERIFIES);
	assert_string_equal(s->l[1].package, "fixpkg");
	assert_int_equal(s->l[1].pkg_verified, PORTIER_PKG_DIFFERS);
	assert_string_equal(s->l[2].package, "nosumpkg");
	assert_int_equal(s->l[2].pkg_verified, PORTIER_PKG_UNKNOWN);
	assert_string_equal(s->l[3].package, "");
	assert_int_equal(s->l[3].pkg_verified, PORTIER_PKG_UNKNOWN);
	assert_string_equal(s->l[4].package, "fixpkg");
	assert_int_equal(s->l[4].pkg_verified, PORTIER_PKG_UNKNOWN);
}

/* Drop what hashing and the package lookup filled in. */
static void forget(struct portier_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		portier_free(s->l[i].package);
		s->l[i].package = NULL;
		s->l[i].have_md5 = false;
		s->l[i].pkg_verified = PORTIER_PKG_UNKNOWN;
	}
}

static void test_verify(void **state)
{
	struct portier_snapshot *s, *back;
	struct portier_store *st;
	struct portier_err err = {0};
	char admin[128], proc[128];

	(void)state;
	s = fixture(admin, sizeof admin);
	snprintf(proc, sizeof proc, "%s/proc", base);
	assert_int_equal(
		portier_store_open(dbpath, PORTIER_STORE_CREATE, &st, &err), 0);
	assert_int_equal(portier_store_hash_exes(st, s, proc, &err), 0);
	assert_true(s->l[0].have_md5 && s->l[1].have_md5);
	assert_false(s->l[4].have_md5);
	assert_int_equal(portier_store_packages(s, admin, &err), 0);
	verdicts_are(s);

	/* saved and loaded: NULL for unknown, 0 differs, 1 verifies */
	assert_int_equal(portier_store_save(st, s, &err), 0);
	portier_store_close(st);
	assert_int_equal(
		sql_int(dbpath,
			"SELECT coalesce(pkg_verified, -2) FROM listener"
			" WHERE port = 80"),
		1);
	assert_int_equal(
		sql_int(dbpath,
			"SELECT coalesce(pkg_verified, -2) FROM listener"
			" WHERE port = 81"),
		0);
	assert_int_equal(
		sql_int(dbpath,
			"SELECT coalesce(pkg_verified, -2) FROM listener"
			" WHERE port = 82"),
		-2);
	assert_int_equal(portier_store_open(dbpath, 0, &st, &err), 0);
	assert_int_equal(portier_store_load(st, s->id, &back, &err), 0);
	verdicts_are(back);
	portier_snapshot_free(back);

	/* the cache keeps the MD5: poisoned, it answers (and the good binary
	 * no longer verifies) */
	sql_run(dbpath, "UPDATE exe_hash SET md5 = zeroblob(16)");
	forget(s);
	assert_int_equal(portier_store_hash_exes(st, s, proc, &err), 0);
	assert_int_equal(portier_store_packages(s, admin, &err), 0);
	assert_int_equal(s->l[0].pkg_verified, PORTIER_PKG_DIFFERS);

	/* a row without an MD5 (schema 5's) is hashed again, and replaced */
	sql_run(dbpath, "UPDATE exe_hash SET md5 = NULL");
	forget(s);
	assert_int_equal(portier_store_hash_exes(st, s, proc, &err), 0);
	assert_int_equal(portier_store_packages(s, admin, &err), 0);
	assert_int_equal(s->l[0].pkg_verified, PORTIER_PKG_VERIFIES);
	assert_int_equal(sql_int(dbpath, "SELECT count(*) FROM exe_hash"
					 " WHERE length(md5) = 16"),
			 4);
	portier_store_close(st);
	portier_snapshot_free(s);
}

/* Schema 5 as it shipped (migrations 0..4), with a snapshot and a cached
 * hash: opening migrates to 6 and keeps both. */
static void test_migrate_from_5(void **state)
{
	struct portier_store *st;
	struct portier_snapshot *s;
	struct portier_err err = {0};

	(void)state;
	unlink(dbpath);
	for (int i = 0; i < 5; i++)
		sql_run(dbpath, store_migrations[i]);
	sql_run(dbpath,
		"PRAGMA application_id = 1347375700; PRAGMA user_version = 5;"
		"INSERT INTO snapshot(id, time, host, machine_id, uuid)"
		" VALUES(3, 1700000000, 'old', 'm1', 'k3');"
		"INSERT INTO listener(snapshot, proto, family, addr, port,"
		" netns, pid, exe, package) VALUES(3, 1, 4,"
		" x'7f000001000000000000000000000000', 22, '', 42,"
		" '/usr/sbin/sshd', 'openssh-server');"
		"INSERT INTO exe_hash VALUES(1, 2, 3, 4, zeroblob(32));");
	assert_int_equal(portier_store_open(dbpath, 0, &st, &err), 0);
	assert_int_equal(portier_store_version(st), 6);
	assert_int_equal(portier_store_load(st, 3, &s, &err), 0);
	assert_int_equal(s->n, 1);
	assert_string_equal(s->host, "old");
	assert_string_equal(s->key, "k3");
	assert_int_equal(s->l[0].port, 22);
	assert_string_equal(s->l[0].package, "openssh-server");
	assert_int_equal(s->l[0].pkg_verified, PORTIER_PKG_UNKNOWN);
	portier_snapshot_free(s);
	portier_store_close(st);
	assert_int_equal(sql_int(dbpath, "PRAGMA user_version"), 6);
	assert_int_equal(sql_int(dbpath,
				 "SELECT count(*) FROM exe_hash"
				 " WHERE md5 IS NULL AND length(sha256) = 32"),
			 1);
}

/* A NEW listener whose packaged binary does not verify is high, as one no
 * package ships; one that verifies keeps its port's risk. */
static void test_new_differs_is_high(void **state)
{
	struct portier_snapshot a = {0}, b = {0};
	struct portier_listener l[2];
	struct portier_event *ev;
	struct portier_err err = {0};
	size_t n;

	(void)state;
	listener(&l[0], 80, 10, "/usr/sbin/web");
	listener(&l[1], 81, 11, "/usr/sbin/web2");
	l[0].package = portier_strdup("web");
	l[0].pkg_verified = PORTIER_PKG_DIFFERS;
	l[1].package = portier_strdup("web");
	l[1].pkg_verified = PORTIER_PKG_VERIFIES;
	b.l = l;
	b.n = 2;
	assert_int_equal(portier_store_diff(&a, &b, 0, 0, &ev, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].kind, PORTIER_EV_NEW);
	assert_int_equal(ev[0].severity, PORTIER_RISK_HIGH);
	assert_int_equal(ev[1].severity, PORTIER_RISK_NONE);
	portier_free(ev);
	for (int i = 0; i < 2; i++) {
		portier_free(l[i].netns);
		portier_free(l[i].exe);
		portier_free(l[i].package);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_5, setup,
						teardown),
		cmocka_unit_test(test_new_differs_is_high),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
