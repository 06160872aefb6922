/*
 * test_dpkg.c - the one reader of dpkg's database: the .list and .md5sums
 * parsers, the merged-/usr twins, one pass for many paths (both ways
 * round, multi-arch stems, the first list wins), lists that are links or
 * FIFOs skipped without blocking, and the md5sum check offered to every
 * caller.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "portier/dpkg.h"

static char dir[64];

static void put(const char *name, const char *text)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/info/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* md5("hello\n") */
#define HELLO_MD5 "b1946ac92492d2347c6235b4d2611184"

static int setup(void **state)
{
	char path[300];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/portier-dpkg-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/info", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	put("coreutils.list", "/.\n/bin\n/bin/ls\n/usr/bin/stat\n");
	put("coreutils.md5sums", HELLO_MD5 "  bin/ls\n"
					   "0123456789ABCDEF0123456789abcdef  "
					   "usr/bin/stat\n");
	put("libc6:amd64.list", "/usr/lib/x86_64-linux-gnu/libc.so.6\n"
				"/usr/sbin/ldconfig\n");
	put("libc6:amd64.md5sums", HELLO_MD5 "  sbin/ldconfig\n");
	put("zz-later.list", "/usr/bin/stat\n");
	/* a list that is a link, and one that is a FIFO: skipped, never
	 * followed and never waited on */
	snprintf(path, sizeof(path), "%s/info/evil.list", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	snprintf(path, sizeof(path), "%s/info/fifo.list", dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_text(void **state)
{
	const char *list = "/.\n/usr\n/usr/bin/ls\n/usr/bin/lsblk";
	const char *sums = "0123456789abcdef0123456789ABCDEF  usr/bin/ls\n"
			   "short  usr/bin/x\n";
	char hex[33], buf[64];

	(void)state;
	assert_true(portier_dpkg_list_has(list, strlen(list), "/usr/bin/ls"));
	assert_true(
		portier_dpkg_list_has(list, strlen(list), "/usr/bin/lsblk"));
	assert_false(portier_dpkg_list_has(list, strlen(list), "/usr/bin/l"));
	assert_true(portier_dpkg_md5sums_find(sums, strlen(sums), "/usr/bin/ls",
					      hex));
	assert_string_equal(hex, "0123456789abcdef0123456789abcdef");
	assert_false(portier_dpkg_md5sums_find(sums, strlen(sums), "/usr/bin/x",
					       hex));
	assert_false(portier_dpkg_md5sums_find(sums, strlen(sums), "usr/bin/ls",
					       hex));
	assert_true(portier_dpkg_usr_alias("/bin/sh", buf, sizeof(buf)));
	assert_string_equal(buf, "/usr/bin/sh");
	assert_true(portier_dpkg_usr_alias("/usr/sbin/sshd", buf, sizeof(buf)));
	assert_string_equal(buf, "/sbin/sshd");
	assert_true(
		portier_dpkg_usr_alias("/usr/lib64/ld.so", buf, sizeof(buf)));
	assert_string_equal(buf, "/lib64/ld.so");
	assert_false(
		portier_dpkg_usr_alias("/usr/local/bin/x", buf, sizeof(buf)));
	assert_false(portier_dpkg_usr_alias("/binary", buf, sizeof(buf)));
	assert_false(portier_dpkg_usr_alias("/libexec/x", buf, sizeof(buf)));
}

static void count_skip(void *arg, const char *name)
{
	(void)name;
	(*(int *)arg)++;
}

static void test_owners(void **state)
{
	struct portier_dpkg_owner o[7] = {
		{.path = "/usr/bin/ls"},    /* listed as /bin/ls */
		{.path = "/sbin/ldconfig"}, /* listed as /usr/sbin/ldconfig */
		{.path = "/usr/bin/stat"},  /* in two lists: the first wins */
		{.path = "/usr/bin/ls"},    /* asked twice */
		{.path = "/tmp/.x/sk"},	    /* nobody's */
		{.path = ""},		    /* skipped */
		{.path = NULL},
	};
	struct portier_err err = {0};
	int skipped = 0;

	(void)state;
	assert_int_equal(portier_dpkg_owners(AT_FDCWD, dir, o, 7,
					     PORTIER_DPKG_MD5, count_skip,
					     &skipped, &err),
			 0);
	assert_int_equal(skipped, 2);
	assert_string_equal(o[0].package, "coreutils");
	assert_string_equal(o[0].md5, HELLO_MD5);
	assert_string_equal(o[1].package, "libc6:amd64");
	assert_string_equal(o[1].md5, HELLO_MD5);
	assert_string_equal(o[3].package, "coreutils");
	assert_string_equal(o[3].md5, HELLO_MD5);
	assert_string_equal(o[4].package, "");
	assert_string_equal(o[4].md5, "");
	assert_string_equal(o[5].package, "");
	assert_string_equal(o[6].package, "");
	/* readdir's order decides between two lists naming one path: it is
	 * one of them, with its md5 only when coreutils records one */
	assert_true(strcmp(o[2].package, "coreutils") == 0 ||
		    strcmp(o[2].package, "zz-later") == 0);
	if (strcmp(o[2].package, "coreutils") == 0)
		assert_string_equal(o[2].md5,
				    "0123456789abcdef0123456789abcdef");
	/* without PORTIER_DPKG_MD5 no sums are read */
	assert_int_equal(
		portier_dpkg_owners(AT_FDCWD, dir, o, 1, 0, NULL, NULL, &err),
		0);
	assert_string_equal(o[0].package, "coreutils");
	assert_string_equal(o[0].md5, "");
	/* no database: ENOENT, nothing filled in */
	assert_int_equal(portier_dpkg_owners(AT_FDCWD, "/nonexistent", o, 1,
					     PORTIER_DPKG_MD5, NULL, NULL,
					     &err),
			 PORTIER_ENOENT);
	assert_string_equal(o[0].package, "");
}

static void test_verify(void **state)
{
	struct portier_dpkg_owner o = {.path = "/bin/ls"};
	char path[300];
	int fd;

	(void)state;
	assert_int_equal(portier_dpkg_owners(AT_FDCWD, dir, &o, 1,
					     PORTIER_DPKG_MD5, NULL, NULL,
					     NULL),
			 0);
	snprintf(path, sizeof(path), "%s/hello", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello\n", 6), 6);
	close(fd);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(portier_dpkg_verify_fd(&o, fd, 0), 1);
	close(fd);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	fd = open(path, O_RDONLY);
	assert_int_equal(portier_dpkg_verify_fd(&o, fd, 0), 0);
	close(fd);
	assert_int_equal(portier_dpkg_verify_md5(&o, HELLO_MD5), 1);
	assert_int_equal(
		portier_dpkg_verify_md5(&o, "B1946AC92492D2347C6235B4D2611184"),
		1);
	assert_int_equal(portier_dpkg_verify_md5(&o, "b1946ac9"), -1);
	o.md5[0] = '\0'; /* no sum recorded */
	assert_int_equal(portier_dpkg_verify_md5(&o, HELLO_MD5), -1);
}

/* Many paths in one pass, every allocation failing in turn. */
static void test_alloc_failures(void **state)
{
	struct portier_dpkg_owner o[3] = {
		{.path = "/bin/ls"}, {.path = "/x"}, {.path = "/usr/bin/stat"}};
	long n;

	(void)state;
	for (n = 0; n < 20; n++) {
		struct portier_err err = {0};
		int rc;

		portier_alloc_fail_after(n);
		rc = portier_dpkg_owners(AT_FDCWD, dir, o, 3, PORTIER_DPKG_MD5,
					 NULL, NULL, &err);
		portier_alloc_fail_after(-1);
		assert_true(rc == 0 || rc == PORTIER_ENOMEM);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_owners),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
