/*
 * test_fw_session.c - the firewall session without a kernel: apply and
 * undo bookkeeping in a temporary state directory on a fake back-end, the
 * trust placed in that directory and in the undo points root runs from it,
 * and the check that every rule in portier's chain is one portier writes
 * (on listings taken from nft 1.0.6).
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

#include "fsync_spy.h"
#include "fw_test_util.h"

/* ---- apply and undo on a fake back-end --------------------------------------------- */

/*
 * The fake kernel holds portier's table as text: running a script keeps
 * what follows "delete table inet portier\n" (every script portier runs has
 * that shape); a script containing "FAIL" is refused.
 */
struct fake {
	char *table;
	int runs;
};

static struct fake fake_kernel;

static int fake_open(void **ctx, struct portier_err *err)
{
	(void)err;
	*ctx = &fake_kernel;
	return 0;
}

static void fake_close(void *ctx)
{
	(void)ctx;
}

static int fake_run(void *ctx, const char *script, bool check_only,
		    struct portier_err *err)
{
	struct fake *k = ctx;
	const char *body = strstr(script, "delete table inet portier\n");

	if (strstr(script, "FAIL") || !body)
		return portier_err_set(err, PORTIER_EIO, "refused");
	if (check_only)
		return 0;
	k->runs++;
	free(k->table);
	k->table = strdup(body + strlen("delete table inet portier\n"));
	return 0;
}

static int fake_list(void *ctx, enum portier_fw_listing how, char **out,
		     struct portier_err *err)
{
	struct fake *k = ctx;

	(void)err;
	if (how == PORTIER_FW_LIST_JSON)
		*out = portier_strdup("");
	else
		*out = portier_strdup(k->table ? k->table : "");
	return *out ? 0 : PORTIER_ENOMEM;
}

static const struct portier_fw_backend fake_backend = {
	.name = "fake",
	.open = fake_open,
	.close = fake_close,
	.run = fake_run,
	.list = fake_list,
};

/* what the fake kernel lists after script_a or script_b */
#define TABLE_A "table inet portier { comment \"A\" }\n"
#define TABLE_B "table inet portier { comment \"B\" }\n"
static const char *const script_a =
	"table inet portier\ndelete table inet portier\n" TABLE_A;
static const char *const script_b =
	"table inet portier\ndelete table inet portier\n" TABLE_B;

static void test_apply_undo(void **state)
{
	char dir[] = "/tmp/portier-test-fw.XXXXXX", *script, *what;
	struct portier_fw *fw;
	struct portier_err err = {0};
	bool changed;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	fake_kernel.table = NULL;
	assert_int_equal(portier_fw_open(&fw, &fake_backend, dir, NULL), 0);
	assert_int_equal(portier_fw_lock(fw, NULL), 0);
	assert_int_equal(portier_fw_lock(fw, NULL), 0); /* held already */
	assert_int_equal(portier_fw_undo_depth(fw),
			 0); /* the lock is no point */
	assert_int_equal(portier_fw_undo_top(fw), 0);
	assert_int_equal(portier_fw_undo(fw, &err), PORTIER_ENOENT);
	assert_non_null(strstr(err.msg, "nothing to undo"));

	assert_int_equal(
		portier_fw_apply(fw, script_a, "close 1", &changed, NULL), 0);
	assert_true(changed);
	assert_string_equal(fake_kernel.table, TABLE_A);
	/* the same again: applied, but no undo point */
	assert_int_equal(
		portier_fw_apply(fw, script_a, "close 1", &changed, NULL), 0);
	assert_false(changed);
	assert_int_equal(portier_fw_undo_depth(fw), 1);
	assert_int_equal(
		portier_fw_apply(fw, script_b, "close 2", &changed, NULL), 0);
	assert_int_equal(portier_fw_undo_depth(fw), 2);
	assert_int_equal(portier_fw_undo_top(fw), 2); /* undo-2.nft */
	/* a refused script leaves no undo point and the table as it was */
	assert_int_equal(portier_fw_apply(fw, "FAIL", "bad", &changed, &err),
			 PORTIER_EIO);
	assert_int_equal(portier_fw_undo_depth(fw), 2);
	assert_string_equal(fake_kernel.table, TABLE_B);

	assert_int_equal(portier_fw_undo_peek(fw, &script, &what, NULL), 0);
	assert_string_equal(what, "close 2");
	portier_free(script);
	portier_free(what);
	/* a description cannot break out of its comment line */
	assert_int_equal(
		portier_fw_apply(fw, script_a, "x\ntable evil", &changed, NULL),
		0);
	assert_int_equal(portier_fw_undo_peek(fw, &script, &what, NULL), 0);
	assert_string_equal(what, "x table evil");
	assert_null(strstr(script, "\ntable evil"));
	portier_free(script);
	portier_free(what);
	assert_int_equal(portier_fw_undo(fw, NULL), 0);
	assert_string_equal(fake_kernel.table, TABLE_B);
	assert_int_equal(portier_fw_undo_peek(fw, &script, &what, NULL), 0);
	assert_string_equal(what, "close 2");
	assert_non_null(strstr(script, "\n" TABLE_A));
	portier_free(script);
	portier_free(what);
	assert_int_equal(portier_fw_undo(fw, NULL), 0);
	assert_string_equal(fake_kernel.table, TABLE_A);
	assert_int_equal(portier_fw_undo(fw, NULL), 0);
	assert_string_equal(fake_kernel.table, ""); /* no table at first */
	assert_int_equal(portier_fw_undo_depth(fw), 0);
	assert_int_equal(portier_fw_undo_top(fw), 0);

	/* old undo points are pruned */
	for (i = 0; i < PORTIER_FW_UNDO_KEEP + 5; i++)
		assert_int_equal(portier_fw_apply(fw,
						  i % 2 ? script_a : script_b,
						  "flip", &changed, NULL),
				 0);
	assert_int_equal(portier_fw_undo_depth(fw), PORTIER_FW_UNDO_KEEP);
	portier_fw_close(fw);
	free(fake_kernel.table);
	fake_kernel.table = NULL;
	{
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		assert_int_equal(system(cmd), 0);
	}
}

static void test_state_dir_unwritable(void **state)
{
	struct portier_fw *fw;
	struct portier_err err = {0};
	bool changed;
	int runs = fake_kernel.runs;

	(void)state;
	assert_int_equal(portier_fw_open(&fw, &fake_backend,
					 "/proc/portier-no/fw", NULL),
			 0);
	assert_true(portier_fw_lock(fw, &err) < 0);
	assert_non_null(strstr(err.msg, "state directory"));
	assert_true(portier_fw_apply(fw, script_a, "x", &changed, &err) < 0);
	assert_non_null(strstr(err.msg, "state directory"));
	assert_int_equal(fake_kernel.runs, runs);
	assert_null(fake_kernel.table); /* nothing applied */
	portier_fw_close(fw);
}

/* rm -rf dir */
static void remove_tree(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Write text to dir/name with mode. */
static void put_file(const char *dir, const char *name, const char *text,
		     mode_t mode)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/*
 * Root runs what is in the state directory: one someone else could write
 * to, a symlink, a planted undo point or a stale temporary symlink must not
 * be trusted.
 */
static void test_state_dir_trust(void **state)
{
	char dir[] = "/tmp/portier-test-fwtrust.XXXXXX", sub[4200], link[4200];
	char victim[4200], *script = NULL, *what = NULL, *text;
	struct portier_fw *fw;
	struct portier_err err = {0};
	bool changed;
	int runs;

	(void)state;
	assert_non_null(mkdtemp(dir));
	free(fake_kernel.table);
	fake_kernel.table = NULL;

	/* a world-writable directory (another user made /tmp/x first) */
	snprintf(sub, sizeof(sub), "%s/shared", dir);
	assert_int_equal(mkdir(sub, 0777), 0);
	assert_int_equal(chmod(sub, 01777), 0);
	assert_int_equal(portier_fw_open(&fw, &fake_backend, sub, NULL), 0);
	assert_int_equal(portier_fw_lock(fw, &err), PORTIER_EPERM);
	assert_non_null(strstr(err.msg, "refusing the state directory"));
	assert_non_null(strstr(err.msg, sub));
	assert_non_null(strstr(err.hint, "chmod 700"));
	assert_true(portier_fw_apply(fw, script_a, "x", &changed, &err) < 0);
	assert_int_equal(portier_fw_undo(fw, &err), PORTIER_EPERM);
	portier_fw_close(fw);

	/* owned by another user */
	if (geteuid() == 0) {
		assert_int_equal(chmod(sub, 0700), 0);
		assert_int_equal(chown(sub, 65534, 65534), 0);
		assert_int_equal(portier_fw_open(&fw, &fake_backend, sub, NULL),
				 0);
		assert_int_equal(portier_fw_lock(fw, &err), PORTIER_EPERM);
		assert_non_null(strstr(err.msg, "owned by uid 65534"));
		portier_fw_close(fw);
	}

	/* a symlink to a directory */
	snprintf(link, sizeof(link), "%s/link", dir);
	snprintf(sub, sizeof(sub), "%s/real", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(symlink(sub, link), 0);
	assert_int_equal(portier_fw_open(&fw, &fake_backend, link, NULL), 0);
	assert_int_equal(portier_fw_lock(fw, &err), PORTIER_EPERM);
	assert_non_null(strstr(err.msg, "symbolic link"));
	portier_fw_close(fw);

	/* a stale temporary file that is a symlink is replaced, not followed */
	snprintf(victim, sizeof(victim), "%s/victim", dir);
	put_file(dir, "victim", "precious\n", 0600);
	snprintf(link, sizeof(link), "%s/undo-1.nft.tmp", sub);
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(portier_fw_open(&fw, &fake_backend, sub, NULL), 0);
	assert_int_equal(portier_fw_lock(fw, NULL), 0);
	assert_int_equal(
		portier_fw_apply(fw, script_a, "close 1", &changed, &err), 0);
	text = slurp(victim);
	assert_string_equal(text, "precious\n");
	free(text);
	assert_int_equal(portier_fw_undo_depth(fw), 1);

	/* a planted undo point that flushes everything is refused */
	runs = fake_kernel.runs;
	put_file(sub, "undo-999999999.nft",
		 "table inet portier\ndelete table inet portier\n"
		 "flush ruleset\n",
		 0600);
	assert_int_equal(portier_fw_undo_peek(fw, &script, &what, &err),
			 PORTIER_EPROTO);
	assert_null(script);
	assert_non_null(strstr(err.msg, "flush ruleset"));
	assert_non_null(strstr(err.msg, "undo-999999999.nft"));
	assert_int_equal(portier_fw_undo(fw, &err), PORTIER_EPROTO);
	assert_int_equal(fake_kernel.runs, runs);
	/* ... and so is one naming another table, even after a ';' */
	put_file(sub, "undo-999999999.nft",
		 "table inet portier\ndelete table inet portier\n"
		 "table inet portier { comment \"}\" }; delete table ip nat\n",
		 0600);
	assert_int_equal(portier_fw_undo(fw, &err), PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, "delete table ip nat"));
	put_file(sub, "undo-999999999.nft",
		 "table inet portier\ndelete table inet portier\n"
		 "table ip filter {\n}\n",
		 0600);
	assert_int_equal(portier_fw_undo(fw, &err), PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, "table ip filter"));
	/* a good script that others could have written is refused too */
	put_file(sub, "undo-999999999.nft",
		 "table inet portier\ndelete table inet portier\n", 0666);
	assert_int_equal(portier_fw_undo(fw, &err), PORTIER_EPERM);
	assert_non_null(strstr(err.msg, "mode 666"));
	assert_int_equal(fake_kernel.runs, runs);
	/* a well-formed one of ours, with comments and strings, runs */
	put_file(sub, "undo-999999999.nft",
		 "# portier firewall undo point { not a block\n"
		 "table inet portier # trailing comment\n"
		 "delete table inet portier\n"
		 "table inet portier {\n\tcomment \"a; b { c\"\n"
		 "\tset close_tcp {\n\t\ttype inet_service\n\t}\n}\n",
		 0600);
	assert_int_equal(portier_fw_undo(fw, &err), 0);
	assert_int_equal(fake_kernel.runs, runs + 1);
	assert_int_equal(portier_fw_undo_depth(fw), 1);
	portier_fw_close(fw);
	free(fake_kernel.table);
	fake_kernel.table = NULL;
	remove_tree(dir);
}

/*
 * Rules the firewall took from the other copies when the state directory
 * and atomic writes moved to file.h: a directory under a parent another
 * user can change is refused (guard's rule), and an undo point is synced
 * with its directory, so that the rename survives a crash (the scanner's).
 */
static void test_state_dir_parent_and_sync(void **state)
{
	char dir[] = "/tmp/portier-test-fwparent.XXXXXX", sub[4200];
	struct portier_fw *fw;
	struct portier_err err = {0};
	unsigned files, dirs;
	bool changed;

	(void)state;
	assert_non_null(mkdtemp(dir));
	free(fake_kernel.table);
	fake_kernel.table = NULL;
	assert_int_equal(chmod(dir, 0777), 0);
	snprintf(sub, sizeof(sub), "%s/fw", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(portier_fw_open(&fw, &fake_backend, sub, NULL), 0);
	assert_int_equal(portier_fw_lock(fw, &err), PORTIER_EPERM);
	assert_non_null(strstr(err.msg, "refusing the state directory"));
	assert_non_null(strstr(err.msg, "parent"));
	assert_true(portier_fw_apply(fw, script_a, "x", &changed, &err) < 0);
	assert_null(fake_kernel.table); /* nothing applied */
	portier_fw_close(fw);

	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(portier_fw_open(&fw, &fake_backend, sub, NULL), 0);
	assert_int_equal(portier_fw_lock(fw, &err), 0);
	files = fsync_spy_files;
	dirs = fsync_spy_dirs;
	assert_int_equal(
		portier_fw_apply(fw, script_a, "close 1", &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(fsync_spy_files, files + 1);
	assert_int_equal(fsync_spy_dirs, dirs + 1);
	assert_int_equal(portier_fw_undo_depth(fw), 1);
	portier_fw_close(fw);
	free(fake_kernel.table);
	fake_kernel.table = NULL;
	remove_tree(dir);
}

/*
 * A kernel that lists fixed text: the JSON and stateless nft listings of
 * one table, taken from nft 1.0.6 (tests/data/fw/listing-rules.*).
 */
static char *listed_json, *listed_text;

static int fixed_list(void *ctx, enum portier_fw_listing how, char **out,
		      struct portier_err *err)
{
	(void)ctx;
	(void)err;
	*out = portier_strdup(how == PORTIER_FW_LIST_JSON ? listed_json
							  : listed_text);
	return *out ? 0 : PORTIER_ENOMEM;
}

static const struct portier_fw_backend fixed_backend = {
	.name = "fixed",
	.open = fake_open,
	.close = fake_close,
	.run = fake_run,
	.list = fixed_list,
};

/* Replace the first occurrence of from in listed_text by to. */
static void edit_listing(const char *orig, const char *from, const char *to)
{
	const char *at = strstr(orig, from);
	size_t head;

	assert_non_null(at);
	head = (size_t)(at - orig);
	free(listed_text);
	listed_text = malloc(strlen(orig) + strlen(to) + 1);
	assert_non_null(listed_text);
	memcpy(listed_text, orig, head);
	strcpy(listed_text + head, to);
	strcat(listed_text, at + strlen(from));
}

/*
 * A rule added to portier's chain by hand is reported, not silently lost
 * at the next apply; portier's own rules (nft's listing order of an
 * anonymous set included) are not.
 */
static void test_foreign_rule(void **state)
{
	struct portier_fw_policy p = {0};
	struct portier_err err = {0};
	struct portier_fw *fw;
	char *orig;

	(void)state;
	listed_json = slurp(fixture("listing-rules.json"));
	orig = slurp(fixture("listing-rules.nft"));
	assert_non_null(listed_json);
	assert_non_null(orig);
	listed_text = strdup(orig);
	assert_int_equal(
		portier_fw_open(&fw, &fixed_backend, "/nonexistent", NULL), 0);
	assert_int_equal(portier_fw_current(fw, &p, &err), 0);
	assert_true(p.allow_only);
	assert_int_equal(p.n_from, 2);
	portier_fw_policy_free(&p);

	/* one more rule: nft add rule inet portier input tcp dport 8080 accept */
	edit_listing(orig, "\t\tcounter drop\n",
		     "\t\ttcp dport 8080 accept\n\t\tcounter drop\n");
	assert_int_equal(portier_fw_current(fw, &p, &err), PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, "holds a rule portier did not write: "
					"'tcp dport 8080 accept'"));
	assert_non_null(strstr(err.hint, "table of your own"));
	assert_int_equal(p.n_from, 0); /* nothing half-read is left */
	/* a rule of portier's changed by hand */
	edit_listing(orig, "udp dport 68 accept", "udp dport 69 accept");
	assert_int_equal(portier_fw_current(fw, &p, &err), PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, "'udp sport 67 udp dport 69 accept'"));
	/* a rule portier writes, twice: the second is not portier's */
	edit_listing(orig, "\t\tct direction reply accept\n",
		     "\t\tct direction reply accept\n"
		     "\t\tct direction reply accept\n");
	assert_int_equal(portier_fw_current(fw, &p, &err), PORTIER_EPROTO);
	assert_non_null(strstr(err.msg, "'ct direction reply accept'"));
	/* a set listed in another order, other blanks: still portier's */
	edit_listing(orig,
		     "{ destination-unreachable, echo-request, "
		     "time-exceeded, parameter-problem }",
		     "{parameter-problem,time-exceeded,  echo-request, "
		     "destination-unreachable}");
	assert_int_equal(portier_fw_current(fw, &p, &err), 0);
	portier_fw_policy_free(&p);
	/* another nft version's spelling of the same rule */
	edit_listing(orig, "ct state established,related accept",
		     "ct state { established, related } accept");
	assert_int_equal(portier_fw_current(fw, &p, &err), 0);
	portier_fw_policy_free(&p);
	/* a rule deleted by hand is no loss: the next apply writes it again */
	edit_listing(orig, "\t\tudp sport 547 udp dport 546 accept\n", "");
	assert_int_equal(portier_fw_current(fw, &p, &err), 0);
	portier_fw_policy_free(&p);

	portier_fw_close(fw);
	free(listed_json);
	free(listed_text);
	free(orig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_undo),
		cmocka_unit_test(test_state_dir_unwritable),
		cmocka_unit_test(test_state_dir_trust),
		cmocka_unit_test(test_state_dir_parent_and_sync),
		cmocka_unit_test(test_foreign_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
