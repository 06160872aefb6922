/*
 * test_common.c - the shared file routines of include/portier/file.h in a
 * temporary directory: replacing a file atomically (synced file and
 * directory, nothing left behind on failure, nothing planted followed),
 * reading one back without following links, and the trust check of state
 * directories, with the stricter rules that came from merging the three
 * former copies (fw, guard, scan) pinned one by one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fsync_spy.h"
#include "portier/file.h"

static char base[64];

/* base/name, in one of eight rotating buffers */
static const char *at(const char *name)
{
	static char bufs[8][256];
	static unsigned next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", base, name);
	return b;
}

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "/tmp/portier-test-common.XXXXXX");
	assert_non_null(mkdtemp(base));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void put(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static char *get(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* How many entries of dir start with prefix. */
static unsigned count_prefix(const char *dir, const char *prefix)
{
	struct dirent *de;
	unsigned n = 0;
	DIR *d = opendir(dir);

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

static int write_text(FILE *f, const void *text)
{
	fputs(text, f);
	return 0;
}

static int write_then_fail(FILE *f, const void *text)
{
	fputs(text, f);
	return PORTIER_EPROTO;
}

/* ---- replacing a file ------------------------------------------------------------ */

static void test_replace(void **state)
{
	struct portier_err err = {0};
	unsigned files, dirs;
	struct stat st;
	int dfd;

	(void)state;
	/* new file: content, mode 0600, the file and the directory synced */
	files = fsync_spy_files;
	dirs = fsync_spy_dirs;
	assert_int_equal(
		portier_file_replace(at("state"), write_text, "one\n", &err),
		0);
	assert_string_equal(get(at("state")), "one\n");
	assert_int_equal(stat(at("state"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(fsync_spy_files, files + 1);
	assert_int_equal(fsync_spy_dirs, dirs + 1);
	assert_int_equal(count_prefix(base, "state."), 0);

	/* a writer that fails: the old file stays, no temporary is left */
	assert_int_equal(portier_file_replace(at("state"), write_then_fail,
					      "two\n", &err),
			 PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, at("state")));
	assert_string_equal(get(at("state")), "one\n");
	assert_int_equal(count_prefix(base, "state."), 0);

	/* relative to a directory descriptor; messages name dir/name */
	dfd = open(base, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(portier_file_replace_at(dfd, base, "state", write_text,
						 "three\n", &err),
			 0);
	assert_string_equal(get(at("state")), "three\n");
	assert_int_equal(portier_file_replace_at(dfd, base, "a/b", write_text,
						 "x", &err),
			 PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "a/b"));
	close(dfd);

	/* a missing directory: the error names the path */
	assert_true(portier_file_replace(at("none/state"), write_text, "x",
					 &err) < 0);
	assert_non_null(strstr(err.msg, at("none/state")));
}

/*
 * A symlink at the file itself is replaced, not written through; and a
 * user-named file (scan --resume FILE) may live under a directory others
 * can write to: the state directory check is not applied there.
 */
static void test_replace_no_follow_no_dir_check(void **state)
{
	(void)state;
	put(at("victim"), "precious\n", 0600);
	assert_int_equal(symlink(at("victim"), at("link")), 0);
	assert_int_equal(
		portier_file_replace(at("link"), write_text, "new\n", NULL), 0);
	assert_string_equal(get(at("victim")), "precious\n");
	assert_string_equal(get(at("link")), "new\n");

	assert_int_equal(mkdir(at("open"), 0777), 0);
	assert_int_equal(chmod(at("open"), 0777), 0);
	assert_int_equal(
		portier_file_replace(at("open/ckpt"), write_text, "ok\n", NULL),
		0);
	assert_string_equal(get(at("open/ckpt")), "ok\n");
}

/* ---- reading a file back ----------------------------------------------------------- */

static void test_open_read(void **state)
{
	struct portier_err err = {0};
	FILE *f = NULL;

	(void)state;
	put(at("file"), "text\n", 0600);
	assert_int_equal(portier_file_open_read(AT_FDCWD, NULL, at("file"),
						PORTIER_FILE_OURS, &f, &err),
			 0);
	assert_non_null(f);
	fclose(f);

	/* missing: PORTIER_ENOENT with the name */
	assert_int_equal(
		portier_file_open_read(AT_FDCWD, NULL, at("nope"), 0, &f, &err),
		PORTIER_ENOENT);
	assert_null(f);
	assert_non_null(strstr(err.msg, at("nope")));

	/* a symlink is not followed, even to a good file */
	assert_int_equal(symlink(at("file"), at("link")), 0);
	assert_int_equal(
		portier_file_open_read(AT_FDCWD, NULL, at("link"), 0, &f, &err),
		PORTIER_EPERM);
	assert_non_null(strstr(err.msg, "symbolic link"));

	/* a FIFO is refused at once, without waiting for a writer */
	assert_int_equal(mkfifo(at("fifo"), 0600), 0);
	assert_int_equal(
		portier_file_open_read(AT_FDCWD, NULL, at("fifo"), 0, &f, &err),
		PORTIER_EPERM);
	assert_non_null(strstr(err.msg, "not a regular file"));

	/* others may write to it: fine for a user's file, not for ours */
	assert_int_equal(chmod(at("file"), 0666), 0);
	assert_int_equal(
		portier_file_open_read(AT_FDCWD, NULL, at("file"), 0, &f, &err),
		0);
	fclose(f);
	assert_int_equal(portier_file_open_read(AT_FDCWD, NULL, at("file"),
						PORTIER_FILE_OURS, &f, &err),
			 PORTIER_EPERM);
	assert_non_null(strstr(err.msg, "mode 666"));
	if (geteuid() == 0) {
		assert_int_equal(chmod(at("file"), 0600), 0);
		assert_int_equal(chown(at("file"), 65534, 65534), 0);
		assert_int_equal(
			portier_file_open_read(AT_FDCWD, NULL, at("file"),
					       PORTIER_FILE_OURS, &f, &err),
			PORTIER_EPERM);
		assert_non_null(strstr(err.msg, "owner uid 65534"));
	}
}

static void test_read_whole(void **state)
{
	struct portier_err err = {0};
	char *text, big[10000];
	int dfd;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	put(at("big"), big, 0600);
	dfd = open(base, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(portier_file_read(dfd, base, "big", PORTIER_FILE_OURS,
					   sizeof(big) - 1, &text, &err),
			 0);
	assert_string_equal(text, big);
	portier_free(text);
	/* one byte over the cap */
	assert_int_equal(portier_file_read(dfd, base, "big", 0, sizeof(big) - 2,
					   &text, &err),
			 PORTIER_EINVAL);
	assert_null(text);
	assert_non_null(strstr(err.msg, at("big")));
	/* empty file: an empty string */
	put(at("empty"), "", 0600);
	assert_int_equal(
		portier_file_read(dfd, base, "empty", 0, 10, &text, &err), 0);
	assert_string_equal(text, "");
	portier_free(text);
	/* out of memory is reported, nothing leaks */
	portier_alloc_fail_after(0);
	assert_int_equal(portier_file_read(dfd, base, "big", 0, sizeof(big),
					   &text, &err),
			 PORTIER_ENOMEM);
	portier_alloc_fail_after(-1);
	assert_null(text);
	close(dfd);
}

/* ---- the state directory ----------------------------------------------------------- */

static void test_state_dir_create(void **state)
{
	struct portier_err err = {0};
	struct stat st;
	int fd;

	(void)state;
	/* without create, a missing directory is ENOENT and stays missing */
	assert_int_equal(portier_file_state_dir(at("a/b/fw"), false, &fd, &err),
			 PORTIER_ENOENT);
	assert_int_equal(fd, -1);
	assert_int_equal(stat(at("a"), &st), -1);
	/* created, every new level 0700 (guard made the middle ones 0755) */
	assert_int_equal(portier_file_state_dir(at("a/b/fw"), true, &fd, &err),
			 0);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	close(fd);
	assert_int_equal(stat(at("a/b/fw"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(at("a/b"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(at("a"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	/* again, with a trailing slash and a doubled one: fine */
	assert_int_equal(
		portier_file_state_dir(at("a//b/fw/"), false, NULL, &err), 0);
	/* a relative name is checked from the working directory up */
	assert_int_equal(chdir(base), 0);
	assert_int_equal(portier_file_state_dir("a/b/rel", true, NULL, &err),
			 0);
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(stat(at("a/b/rel"), &st), 0);
	/* cannot be made */
	assert_true(portier_file_state_dir("/proc/portier-no/fw", true, NULL,
					   &err) < 0);
	assert_non_null(strstr(err.msg, "state directory"));
}

static void test_state_dir_itself(void **state)
{
	struct portier_err err = {0};
	int fd;

	(void)state;
	assert_int_equal(mkdir(at("dir"), 0700), 0);
	/* writable by others: refused, named, with the fix */
	assert_int_equal(chmod(at("dir"), 01777), 0);
	assert_int_equal(portier_file_state_dir(at("dir"), true, &fd, &err),
			 PORTIER_EPERM);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(err.msg, "refusing the state directory"));
	assert_non_null(strstr(err.msg, at("dir")));
	assert_non_null(strstr(err.msg, "mode 1777"));
	assert_non_null(strstr(err.hint, "chmod 700"));
	/* by the group only: refused too */
	assert_int_equal(chmod(at("dir"), 0770), 0);
	assert_int_equal(portier_file_state_dir(at("dir"), false, NULL, &err),
			 PORTIER_EPERM);
	assert_int_equal(chmod(at("dir"), 0700), 0);
	/* a symbolic link to a good directory: refused */
	assert_int_equal(symlink(at("dir"), at("link")), 0);
	assert_int_equal(portier_file_state_dir(at("link"), true, NULL, &err),
			 PORTIER_EPERM);
	assert_non_null(strstr(err.msg, "symbolic link"));
	/* a file */
	put(at("file"), "", 0600);
	assert_int_equal(portier_file_state_dir(at("file"), true, NULL, &err),
			 PORTIER_EPERM);
	assert_non_null(strstr(err.msg, "not a directory"));
	/* another user's (checkable as root only) */
	if (geteuid() == 0) {
		assert_int_equal(mkdir(at("theirs"), 0700), 0);
		assert_int_equal(chown(at("theirs"), 65534, 65534), 0);
		assert_int_equal(
			portier_file_state_dir(at("theirs"), true, NULL, &err),
			PORTIER_EPERM);
		assert_non_null(strstr(err.msg, "owned by uid 65534"));
	}
}

static void test_state_dir_above(void **state)
{
	struct portier_err err = {0};

	(void)state;
	/* a parent anyone may write to (not sticky): refused, nothing made */
	assert_int_equal(mkdir(at("open"), 0777), 0);
	assert_int_equal(chmod(at("open"), 0777), 0);
	assert_int_equal(
		portier_file_state_dir(at("open/state"), true, NULL, &err),
		PORTIER_EPERM);
	assert_non_null(strstr(err.msg, "parent"));
	assert_non_null(strstr(err.msg, at("open")));
	assert_int_equal(count_prefix(at("open"), "state"), 0);
	/* every level up, not just the parent (guard checked one level) */
	assert_int_equal(mkdir(at("open/mine"), 0700), 0);
	assert_int_equal(
		portier_file_state_dir(at("open/mine/state"), true, NULL, &err),
		PORTIER_EPERM);
	assert_non_null(strstr(err.msg, at("open")));
	/* sticky, like /tmp: fine */
	assert_int_equal(chmod(at("open"), 01777), 0);
	assert_int_equal(
		portier_file_state_dir(at("open/mine/state"), true, NULL, &err),
		0);
	/* a symlink on the way: followed when it is ours (or root's) */
	assert_int_equal(symlink(at("open/mine"), at("via")), 0);
	assert_int_equal(
		portier_file_state_dir(at("via/state"), false, NULL, &err), 0);
	if (geteuid() == 0) {
		/* ... not when someone else planted it */
		assert_int_equal(lchown(at("via"), 65534, 65534), 0);
		assert_int_equal(portier_file_state_dir(at("via/state"), false,
							NULL, &err),
				 PORTIER_EPERM);
		assert_non_null(strstr(err.msg, "symbolic link owned by uid "
						"65534"));
		/* ... nor under another user's directory */
		assert_int_equal(mkdir(at("theirs"), 0755), 0);
		assert_int_equal(chown(at("theirs"), 65534, 65534), 0);
		assert_int_equal(portier_file_state_dir(at("theirs/state"),
							true, NULL, &err),
				 PORTIER_EPERM);
		assert_non_null(strstr(err.msg, "owner uid 65534"));
	}
}

/* Hash table sizes: powers of two between the bounds. */
static void test_pow2_size(void **state)
{
	(void)state;
	assert_int_equal(portier_pow2_size(0, 64, 1024), 64);
	assert_int_equal(portier_pow2_size(64, 64, 1024), 64);
	assert_int_equal(portier_pow2_size(65, 64, 1024), 128);
	assert_int_equal(portier_pow2_size(1000, 16, 1024), 1024);
	assert_int_equal(portier_pow2_size(5000, 16, 1024), 1024);
	assert_int_equal(portier_pow2_size(1, 1, 8), 1);
	assert_int_equal(portier_pow2_size(3, 1, 8), 4);
	assert_int_equal(portier_pow2_size(5, 0, 8), 8); /* lo 0 starts at 1 */
	assert_int_equal(portier_pow2_size(SIZE_MAX, 1, SIZE_MAX),
			 ((size_t)SIZE_MAX >> 1) + 1); /* no wrap to 0 */
}

/* portier_grow: doubling from first, room for need, failures change nothing */
static void test_grow(void **state)
{
	uint32_t *v = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(portier_grow(&v, &cap, 1, sizeof(*v), 16), 0);
	assert_non_null(v);
	assert_int_equal(cap, 16);
	v[15] = 7;
	assert_int_equal(portier_grow(&v, &cap, 16, sizeof(*v), 16), 0);
	assert_int_equal(cap, 16); /* already room */
	assert_int_equal(portier_grow(&v, &cap, 17, sizeof(*v), 16), 0);
	assert_int_equal(cap, 32);
	assert_int_equal(v[15], 7);
	assert_int_equal(portier_grow(&v, &cap, 100, sizeof(*v), 16), 0);
	assert_int_equal(cap, 128);
	/* a size that would overflow is refused, the array kept */
	assert_int_equal(portier_grow(&v, &cap, SIZE_MAX / 2, sizeof(*v), 16),
			 PORTIER_ENOMEM);
	assert_int_equal(cap, 128);
	/* so is running out of memory */
	portier_alloc_fail_after(0);
	assert_int_equal(portier_grow(&v, &cap, 129, sizeof(*v), 16),
			 PORTIER_ENOMEM);
	portier_alloc_fail_after(-1);
	assert_int_equal(cap, 128);
	assert_int_equal(v[15], 7);
	portier_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pow2_size),
		cmocka_unit_test(test_grow),
		cmocka_unit_test_setup_teardown(test_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_replace_no_follow_no_dir_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_read, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_whole, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_dir_create, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_dir_itself, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_state_dir_above, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
