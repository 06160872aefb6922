/*
 * test_inspect.c - the inspect module: the digests against the FIPS 180-4
 * and RFC 1321 vectors, the parsers of attacker-writable lines, and whole
 * inspections of a planted tree: tests/data/inspect/root is copied into a
 * temporary directory (the root PORTIER_ROOT names), a planted binary and a
 * /proc tree of fake processes are created next to it, and file times are
 * set here (git keeps none).
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "inspect/inspect_int.h"

#define BACKDOOR_SHA256 \
	"49cacb9f89fbfa1ec61bdc3690612ff0150c9a44e4084003f5f1f3be406400ce"
#define BTIME 1700000000

static char tmp[256], root[300], proc[300];

static void put(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void putf(const char *fmt, const char *text, ...)
{
	char path[600];
	va_list ap;

	va_start(ap, text);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	put(path, text, strlen(text));
}

static void sh(const char *fmt, ...)
{
	char cmd[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static void set_mtime(const char *rel, time_t t)
{
	char path[600];
	struct timespec ts[2] = {{t, 0}, {t, 0}};

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW), 0);
}

/* A fake process: stat, status, cmdline (NULs as '|'), exe and cwd links. */
static void fake_proc(int pid, int ppid, const char *comm, const char *exe,
		      const char *cmdline, const char *cgroup)
{
	char path[600], text[600];
	size_t i, n = strlen(cmdline);

	sh("mkdir -p %s/%d/fd %s/%d/ns", proc, pid, proc, pid);
	snprintf(text, sizeof(text),
		 "%d (%s) S %d %d %d 0 -1 4194560 0 0 0 0 1 2 0 0 20 0 1 0 "
		 "500 1000 100 18446744073709551615\n",
		 pid, comm, ppid, pid, pid);
	putf("%s/%d/stat", text, proc, pid);
	snprintf(text, sizeof(text), "Name:\t%s\nPPid:\t%d\nUid:\t0\t0\t0\t0\n",
		 comm, ppid);
	putf("%s/%d/status", text, proc, pid);
	snprintf(text, sizeof(text), "%s", cmdline);
	for (i = 0; i < n; i++)
		if (text[i] == '|')
			text[i] = '\0';
	snprintf(path, sizeof(path), "%s/%d/cmdline", proc, pid);
	put(path, text, n + 1);
	putf("%s/%d/cgroup", cgroup, proc, pid);
	if (exe) {
		snprintf(path, sizeof(path), "%s/%d/exe", proc, pid);
		assert_int_equal(symlink(exe, path), 0);
	}
	snprintf(path, sizeof(path), "%s/%d/cwd", proc, pid);
	assert_int_equal(symlink("/tmp/.x", path), 0);
	snprintf(path, sizeof(path), "%s/%d/ns/net", proc, pid);
	assert_int_equal(symlink("net:[4026531999]", path), 0);
}

static const char nul_crontab[] = "# x\0y\n* * * * * root /tmp/.x/sksocks\n";

static int setup(void **state)
{
	const char *data = getenv("PORTIER_TESTDATA");
	char exe[600];
	time_t t = time(NULL) - 3 * 86400;

	(void)state;
	assert_non_null(data);
	snprintf(tmp, sizeof(tmp), "/tmp/portier-inspect-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	snprintf(root, sizeof(root), "%s/root", tmp);
	snprintf(proc, sizeof(proc), "%s/proc", tmp);
	sh("cp -a %s/inspect/root %s && mkdir -p %s %s/etc/cron.d", data, root,
	   proc, root);
	/* the planted binary, its companions, and files far from its time */
	snprintf(exe, sizeof(exe), "%s/tmp/.x/sksocks", root);
	put(exe, "planted backdoor\n", 17);
	assert_int_equal(chmod(exe, 04755), 0);
	set_mtime("tmp/.x/sksocks", t);
	set_mtime("tmp/.x/sk.conf", t + 60);
	set_mtime("dev/shm/.sk.pid", t - 120);
	set_mtime("tmp/.x/readme.txt", t + 30);
	/* a FIFO where a crontab should be: noted, never waited on */
	sh("mkfifo %s/etc/cron.d/fifo", root);
	/* a NUL byte must not hide the line after it */
	{
		char nul[600];

		snprintf(nul, sizeof(nul), "%s/etc/cron.d/nul", root);
		put(nul, nul_crontab, sizeof(nul_crontab) - 1);
	}
	putf("%s/stat", "cpu 1 2 3\nbtime 1700000000\n", proc);
	fake_proc(1, 0, "systemd", NULL, "/sbin/init", "0::/init.scope\n");
	fake_proc(4200, 1, "bash", NULL, "bash", "0::/user.slice\n");
	fake_proc(4242, 4200, "sksocks", exe, "/tmp/.x/sksocks|-p|45576",
		  "0::/system.slice/sk-update.service\n");
	snprintf(exe, sizeof(exe), "%s/usr/bin/goodd", root);
	fake_proc(4343, 1, "goodd", exe, "/usr/bin/goodd",
		  "0::/system.slice/goodd.service\n");
	snprintf(exe, sizeof(exe), "%s/usr/bin/badd", root);
	fake_proc(4444, 1, "badd", exe, "/usr/bin/badd", "0::/\n");
	/* a process whose parent exited between two reads (4599 is gone) */
	fake_proc(4545, 4599, "orphan", exe, "/usr/bin/badd", "0::/\n");
	/* "0::" inside an earlier line is not the unified hierarchy's line */
	fake_proc(4646, 1, "cgd", exe, "/usr/bin/badd",
		  "1:name=systemd:/odd0::/x.service\n"
		  "0::/system.slice/cg.service\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sh("rm -rf %s", tmp);
	return 0;
}

static struct portier_inspect *run_pid(int pid)
{
	struct portier_inspect_query q = {
		.pid = pid, .root = root, .proc_root = proc, .no_hidden = true};
	struct portier_inspect *r = NULL;
	struct portier_err err = {0};

	assert_int_equal(portier_inspect_run(&q, &r, &err), 0);
	assert_non_null(r);
	return r;
}

/* ---- digests ------------------------------------------------------------ */

static void digest_of(const char *text, char sha[65], char md5[33])
{
	char path[600];
	int fd;
	uint64_t size = 0;

	snprintf(path, sizeof(path), "%s/digest", tmp);
	put(path, text, strlen(text));
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(portier_digests_fd(fd, 0, sha, md5, &size), 0);
	assert_int_equal(size, strlen(text));
	close(fd);
}

static void test_digests(void **state)
{
	char sha[65], md5[33];

	(void)state;
	/* FIPS 180-4 examples (NIST CSRC), RFC 1321 appendix A.5 */
	digest_of("abc", sha, md5);
	assert_string_equal(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177"
				 "a9cb410ff61f20015ad");
	assert_string_equal(md5, "900150983cd24fb0d6963f7d28e17f72");
	digest_of("", sha, md5);
	assert_string_equal(sha, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b9"
				 "34ca495991b7852b855");
	assert_string_equal(md5, "d41d8cd98f00b204e9800998ecf8427e");
	digest_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  sha, md5);
	assert_string_equal(sha, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2"
				 "167f6ecedd419db06c1");
}

/* ---- parsers ------------------------------------------------------------- */

static void test_cron(void **state)
{
	struct inspect_cron c;
	const char *l;

	(void)state;
	l = "*/5 * * * * root /tmp/x -d";
	assert_int_equal(inspect_cron_parse(l, strlen(l), true, &c), 1);
	assert_int_equal(c.user_len, 4);
	assert_memory_equal(c.cmd, "/tmp/x -d", 9);
	assert_int_equal(c.cmd_len, 9);
	l = "@reboot\t/tmp/x";
	assert_int_equal(inspect_cron_parse(l, strlen(l), false, &c), 1);
	assert_int_equal(c.sched_len, 7);
	assert_memory_equal(c.cmd, "/tmp/x", 6);
	l = "  # 1 2 3 4 5 /tmp/x";
	assert_int_equal(inspect_cron_parse(l, strlen(l), false, &c), 0);
	l = "PATH=/tmp/x:/bin";
	assert_int_equal(inspect_cron_parse(l, strlen(l), false, &c), 0);
	l = "";
	assert_int_equal(inspect_cron_parse(l, 0, false, &c), 0);
	l = "1 2 3";
	assert_int_equal(inspect_cron_parse(l, strlen(l), false, &c), -1);
	l = "1 2 3 4 5 root";
	assert_int_equal(inspect_cron_parse(l, strlen(l), true, &c), -1);
	l = "1 2 3 4 mon|x cmd";
	assert_int_equal(inspect_cron_parse(l, strlen(l), false, &c), -1);
	l = "0 0 * * sun /x\r";
	assert_int_equal(inspect_cron_parse(l, strlen(l), false, &c), 1);
	assert_int_equal(c.cmd_len, 2);
}

static void test_unit(void **state)
{
	struct inspect_unit_kv kv;
	const char *l;

	(void)state;
	l = " ExecStart = /tmp/x --d ";
	assert_int_equal(inspect_unit_parse(l, strlen(l), &kv), 1);
	assert_int_equal(kv.key_len, 9);
	assert_memory_equal(kv.key, "ExecStart", 9);
	assert_int_equal(kv.val_len, 10);
	assert_memory_equal(kv.val, "/tmp/x --d", 10);
	l = "[Timer]";
	assert_int_equal(inspect_unit_parse(l, strlen(l), &kv), 2);
	assert_int_equal(kv.key_len, 5);
	l = "; ExecStart=/tmp/x";
	assert_int_equal(inspect_unit_parse(l, strlen(l), &kv), 0);
	l = "[]";
	assert_int_equal(inspect_unit_parse(l, strlen(l), &kv), -1);
	l = "=x";
	assert_int_equal(inspect_unit_parse(l, strlen(l), &kv), -1);
	l = "no equals sign";
	assert_int_equal(inspect_unit_parse(l, strlen(l), &kv), -1);
}

static void test_ssh(void **state)
{
	const char *l, *v;
	size_t vl;

	(void)state;
	l = "no-pty,command=\"/tmp/x \\\"a\\\"\",from=\"h\" ssh-ed25519 AAA c";
	assert_true(inspect_ssh_command(l, strlen(l), &v, &vl));
	assert_int_equal(vl, 12);
	assert_memory_equal(v, "/tmp/x \\\"a\\\"", 12);
	l = "from=\"a,command=\\\"x\\\"\" ssh-rsa AAA command=\"/tmp/x\"";
	assert_false(inspect_ssh_command(l, strlen(l), &v, &vl));
	l = "ssh-ed25519 AAA command=\"/tmp/x\"";
	assert_false(inspect_ssh_command(l, strlen(l), &v, &vl));
	l = "command=\"/tmp/x";
	assert_false(inspect_ssh_command(l, strlen(l), &v, &vl));
}

static void test_match(void **state)
{
	struct inspect_needles n = {.path = "/tmp/.x/sk",
				    .name = "sk",
				    .sha256 = "ab12",
				    .dir = "/tmp/.x/"};

	(void)state;
#define M(s) inspect_match(s, strlen(s), &n)
	assert_int_equal(M("ExecStart=/tmp/.x/sk -d"), PORTIER_MATCH_PATH);
	assert_int_equal(M("\"/tmp/.x/sk\""), PORTIER_MATCH_PATH);
	assert_int_equal(M("/tmp/.x/sk"), PORTIER_MATCH_PATH);
	/* a longer name, a deeper path: another file */
	assert_int_equal(M("/tmp/.x/sk2"), PORTIER_MATCH_DIR);
	assert_int_equal(M("/opt/tmp/.x/skx"), PORTIER_MATCH_DIR);
	assert_int_equal(M("copy-AB12.bin"), PORTIER_MATCH_HASH);
	assert_int_equal(M("Exec=sk --gui"), PORTIER_MATCH_NAME);
	assert_int_equal(M("/usr/bin/sk"), PORTIER_MATCH_NAME);
	assert_int_equal(M("skip"), -1);
	assert_int_equal(M("desk"), -1);
	assert_int_equal(M(""), -1);
#undef M
}

/* ---- whole inspections of the planted tree ------------------------------- */

static const struct portier_inspect_hit *hit(const struct portier_inspect *r,
					     const char *file, uint32_t line)
{
	size_t i;

	for (i = 0; i < r->n_hits; i++)
		if (strcmp(r->hits[i].file, file) == 0 &&
		    r->hits[i].line == line)
			return &r->hits[i];
	return NULL;
}

static void hit_is(const struct portier_inspect *r, const char *file,
		   uint32_t line, unsigned place, unsigned match)
{
	const struct portier_inspect_hit *h = hit(r, file, line);

	if (!h)
		fail_msg("no persistence hit %s:%u", file, line);
	if (h->place != place || h->match != match)
		fail_msg("%s:%u is %s/%s", file, line,
			 portier_inspect_place_name(h->place),
			 portier_inspect_match_name(h->match));
	assert_int_equal(h->place, place);
	assert_int_equal(h->match, match);
}

static bool has_finding(const struct portier_inspect *r, const char *rule)
{
	size_t i;

	for (i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].rule, rule) == 0)
			return true;
	return false;
}

static bool has_companion(const struct portier_inspect *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->n_companions; i++)
		if (strcmp(r->companions[i].path, path) == 0)
			return true;
	return false;
}

static void test_planted(void **state)
{
	struct portier_inspect *r = run_pid(4242);
	const struct portier_inspect_proc *p = portier_inspect_proc_of(r, 4242);
	const struct portier_inspect_exe *e;
	long hz = sysconf(_SC_CLK_TCK);
	size_t i;

	(void)state;
	assert_non_null(p);
	e = &p->exe;
	/* the process and its parents */
	assert_true(p->owner);
	assert_int_equal(p->ppid, 4200);
	assert_string_equal(p->comm, "sksocks");
	assert_string_equal(p->cmdline, "/tmp/.x/sksocks -p 45576");
	assert_string_equal(p->cwd, "/tmp/.x");
	assert_string_equal(p->user, "root");
	assert_string_equal(p->unit, "sk-update.service");
	assert_int_equal(p->netns, 4026531999u);
	assert_int_equal(p->start, BTIME + 500 / hz);
	assert_non_null(portier_inspect_proc_of(r, 4200));
	assert_non_null(portier_inspect_proc_of(r, 1));
	assert_false(portier_inspect_proc_of(r, 1)->owner);
	/* the executable */
	assert_true(e->opened);
	assert_string_equal(e->sha256, BACKDOOR_SHA256);
	assert_int_equal(e->size, 17);
	assert_int_equal(e->mode & 07777, 04755);
	assert_false(e->deleted);
	assert_string_equal(e->package, "");
	assert_true(has_finding(r, "not-packaged"));
	assert_true(has_finding(r, "exe-location"));
	assert_true(has_finding(r, "setuid"));
	assert_true(has_finding(r, "persistence"));
	assert_true(has_finding(r, "companions"));
	/* every planted entry, and no comment */
	hit_is(r, "/etc/crontab", 6, PORTIER_PLACE_CRON, PORTIER_MATCH_PATH);
	assert_null(hit(r, "/etc/crontab", 2));
	hit_is(r, "/etc/cron.d/nul", 2, PORTIER_PLACE_CRON, PORTIER_MATCH_PATH);
	hit_is(r, "/var/spool/cron/crontabs/alice", 1, PORTIER_PLACE_CRON,
	       PORTIER_MATCH_PATH);
	hit_is(r, "/etc/systemd/system/sk-update.service", 6,
	       PORTIER_PLACE_SYSTEMD, PORTIER_MATCH_PATH);
	hit_is(r, "/etc/systemd/system/getty@.service.d/override.conf", 2,
	       PORTIER_PLACE_SYSTEMD, PORTIER_MATCH_PATH);
	hit_is(r, "/etc/systemd/system/sk-update.timer", 0, PORTIER_PLACE_TIMER,
	       PORTIER_MATCH_UNIT);
	hit_is(r,
	       "/etc/systemd/system/multi-user.target.wants/sk-update.service",
	       0, PORTIER_PLACE_SYSTEMD, PORTIER_MATCH_UNIT);
	hit_is(r, "/etc/ld.so.preload", 1, PORTIER_PLACE_PRELOAD,
	       PORTIER_MATCH_DIR);
	hit_is(r, "/etc/xdg/autostart/sk.desktop", 4, PORTIER_PLACE_XDG,
	       PORTIER_MATCH_PATH);
	hit_is(r, "/home/alice/.config/autostart/notes.desktop", 4,
	       PORTIER_PLACE_XDG, PORTIER_MATCH_NAME);
	hit_is(r, "/root/.ssh/authorized_keys", 2, PORTIER_PLACE_SSH,
	       PORTIER_MATCH_PATH);
	assert_null(hit(r, "/root/.ssh/authorized_keys", 1));
	assert_null(hit(r, "/root/.bashrc", 2));
	hit_is(r, "/etc/rc.local", 2, PORTIER_PLACE_RC, PORTIER_MATCH_PATH);
	hit_is(r, "/etc/udev/rules.d/99-sk.rules", 1, PORTIER_PLACE_UDEV,
	       PORTIER_MATCH_PATH);
	hit_is(r, "/etc/sudoers.d/sk", 1, PORTIER_PLACE_SUDOERS,
	       PORTIER_MATCH_PATH);
	hit_is(r, "/etc/pam.d/sshd", 2, PORTIER_PLACE_PAM, PORTIER_MATCH_PATH);
	assert_null(hit(r, "/etc/pam.d/sshd", 1));
	hit_is(r, "/etc/apt/apt.conf.d/99update", 1, PORTIER_PLACE_APT,
	       PORTIER_MATCH_PATH);
	hit_is(r, "/var/spool/cron/atjobs/a0000101b2c3d4", 4, PORTIER_PLACE_AT,
	       PORTIER_MATCH_PATH);
	/* a compiled generator: its bytes, NULs read as spaces */
	hit_is(r, "/etc/systemd/system-generators/sk-gen", 1,
	       PORTIER_PLACE_GENERATOR, PORTIER_MATCH_PATH);
	for (i = 0; i < r->n_hits; i++)
		assert_null(strstr(r->hits[i].file, "goodd"));
	/* companions: near in time; the package file that verifies is not */
	assert_true(has_companion(r, "/tmp/.x/sk.conf"));
	assert_true(has_companion(r, "/dev/shm/.sk.pid"));
	assert_false(has_companion(r, "/tmp/.x/readme.txt"));
	assert_false(has_companion(r, "/tmp/.x/sksocks"));
	/* the FIFO was noted, not read */
	for (i = 0; i < r->n_notes; i++)
		if (strstr(r->notes[i], "cron.d/fifo"))
			break;
	assert_true(i < r->n_notes);
	portier_inspect_free(r);
}

static void test_packaged(void **state)
{
	struct portier_inspect *r = run_pid(4343);
	const struct portier_inspect_proc *p = portier_inspect_proc_of(r, 4343);

	(void)state;
	/* dpkg lists /bin/goodd: the merged-/usr twin of /usr/bin/goodd */
	assert_string_equal(p->exe.package, "goodpkg");
	assert_int_equal(p->exe.verified, 1);
	assert_false(has_finding(r, "not-packaged"));
	assert_false(has_finding(r, "package-modified"));
	assert_false(has_finding(r, "persistence"));
	/* its own unit is listed, as a record, not a finding */
	assert_non_null(hit(r, "/etc/systemd/system/goodd.service", 4));
	portier_inspect_free(r);

	r = run_pid(4444);
	p = portier_inspect_proc_of(r, 4444);
	assert_string_equal(p->exe.package, "badpkg:amd64");
	assert_int_equal(p->exe.verified, 0);
	assert_true(has_finding(r, "package-modified"));
	portier_inspect_free(r);
}

/* A FIFO planted where dpkg has a file with a sum, next to the binary and
 * near its time: kept as a companion, never opened so as to block (the
 * alarm ends a run that would wait for a writer). */
static void test_companion_fifo(void **state)
{
	struct portier_inspect *r;
	time_t t = time(NULL) - 3 * 86400;

	(void)state;
	sh("mkfifo %s/tmp/.x/sk.fifo && "
	   "echo /tmp/.x/sk.fifo >> %s/var/lib/dpkg/info/goodpkg.list && "
	   "echo '15c1ea71b660cc236b3e924a11ebce36  tmp/.x/sk.fifo' >> "
	   "%s/var/lib/dpkg/info/goodpkg.md5sums",
	   root, root, root);
	set_mtime("tmp/.x/sksocks", t);
	set_mtime("tmp/.x/sk.fifo", t + 10);
	alarm(20);
	r = run_pid(4242);
	alarm(0);
	assert_true(has_companion(r, "/tmp/.x/sk.fifo"));
	portier_inspect_free(r);
	sh("rm %s/tmp/.x/sk.fifo", root);
}

static void test_bad_input(void **state)
{
	struct portier_inspect_query q = {.root = root, .proc_root = proc};
	struct portier_inspect *r = NULL;
	struct portier_err err = {0};
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	int fd;

	(void)state;
	q.pid = 9999; /* no such process in the tree */
	assert_int_equal(portier_inspect_run(&q, &r, &err), PORTIER_ENOENT);
	assert_null(r);
	assert_string_equal(err.msg, "no process with pid 9999");
	/* a parent that vanished mid-way: a note, the rest reported */
	r = run_pid(4545);
	assert_non_null(portier_inspect_proc_of(r, 4545));
	assert_null(portier_inspect_proc_of(r, 4599));
	{
		size_t i;

		for (i = 0; i < r->n_notes; i++)
			if (strcmp(r->notes[i], "pid 4599 vanished while it "
						"was inspected") == 0)
				break;
		assert_true(i < r->n_notes);
	}
	portier_inspect_free(r);
	r = NULL;
	q.pid = 0;
	assert_int_equal(portier_inspect_run(&q, &r, &err), PORTIER_EINVAL);
	/* a port nobody listens on: one the kernel just gave back */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	close(fd);
	q.port = ntohs(a.sin_port);
	assert_int_equal(portier_inspect_run(&q, &r, &err), PORTIER_ENOENT);
	assert_non_null(strstr(err.msg, "nothing listens on port"));
	q.root = "/nonexistent-root";
	assert_int_equal(portier_inspect_run(&q, &r, &err), PORTIER_EINVAL);
}

/* A listener the fixture's /proc/net/tcp does not show (a rootkit's
 * filter): found through sock_diag, twice, and confirmed by bind. */
static void test_hidden(void **state)
{
	struct portier_inspect_query q = {.root = root, .proc_root = proc};
	struct portier_inspect *r = NULL;
	struct portier_err err = {0};
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	size_t i;
	int fd;

	(void)state;
	sh("mkdir -p %s/net && printf '  sl  local_address rem_address   st "
	   "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\\n' "
	   "| tee %s/net/tcp %s/net/tcp6 %s/net/udp %s/net/udp6 >/dev/null",
	   proc, proc, proc, proc, proc);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	q.port = ntohs(a.sin_port);
	assert_int_equal(portier_inspect_run(&q, &r, &err), 0);
	assert_true(r->hidden_checked);
	assert_int_equal(r->n_socks, 1);
	assert_int_equal(r->socks[0].pid, 0); /* no owner in the fake tree */
	assert_true(has_finding(r, "no-owner"));
	for (i = 0; i < r->n_hidden; i++)
		if (r->hidden[i].port == q.port)
			break;
	assert_true(i < r->n_hidden);
	assert_true(r->hidden[i].in_diag);
	assert_false(r->hidden[i].in_procnet);
	assert_true(r->hidden[i].bind_busy);
	assert_int_equal(r->hidden[i].confidence, PORTIER_RISK_HIGH);
	assert_true(has_finding(r, "hidden-listener"));
	portier_inspect_free(r);
	close(fd);

	/* UDP too: a bound socket the fixture hides, taken by bind */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_port = 0;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	al = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	q.port = ntohs(a.sin_port);
	q.protos = PORTIER_PROTO_UDP;
	assert_int_equal(portier_inspect_run(&q, &r, &err), 0);
	for (i = 0; i < r->n_hidden; i++)
		if (r->hidden[i].port == q.port &&
		    r->hidden[i].proto == PORTIER_PROTO_UDP)
			break;
	assert_true(i < r->n_hidden);
	assert_true(r->hidden[i].in_diag);
	assert_true(r->hidden[i].bind_busy);
	assert_int_equal(r->hidden[i].confidence, PORTIER_RISK_HIGH);
	portier_inspect_free(r);
	close(fd);

	/* taken but in neither view (bound, never listening): reported
	 * instead of "nothing listens" */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = 0;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	al = sizeof(a);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	q.port = ntohs(a.sin_port);
	q.protos = PORTIER_PROTO_TCP;
	assert_int_equal(portier_inspect_run(&q, &r, &err), 0);
	assert_int_equal(r->n_socks, 0);
	for (i = 0; i < r->n_hidden; i++)
		if (r->hidden[i].port == q.port &&
		    r->hidden[i].family == AF_INET)
			break;
	assert_true(i < r->n_hidden);
	assert_false(r->hidden[i].in_diag);
	assert_false(r->hidden[i].in_procnet);
	assert_true(r->hidden[i].bind_busy);
	assert_int_equal(r->hidden[i].confidence, PORTIER_RISK_MEDIUM);
	assert_true(has_finding(r, "hidden-listener"));
	portier_inspect_free(r);
	close(fd);
	sh("rm -rf %s/net", proc);
}

/* The boot time is read whatever the length of /proc/stat's lines before
 * it; the cgroup v2 line is found only at a line's start. */
static void test_proc_lines(void **state)
{
	struct portier_inspect *r;
	const struct portier_inspect_proc *p;
	long hz = sysconf(_SC_CLK_TCK);
	char *stat = malloc(40000);
	size_t i;

	(void)state;
	assert_non_null(stat);
	/* an intr line of 30 KiB, as on a machine with many interrupts */
	strcpy(stat, "cpu 1 2 3\nintr 1");
	for (i = strlen(stat); i < 30000; i += 2)
		memcpy(stat + i, " 0", 3);
	strcat(stat, "\nbtime 1700000000\n");
	putf("%s/stat", stat, proc);
	free(stat);
	r = run_pid(4242);
	p = portier_inspect_proc_of(r, 4242);
	assert_int_equal(p->start, BTIME + 500 / hz);
	portier_inspect_free(r);
	putf("%s/stat", "cpu 1 2 3\nbtime 1700000000\n", proc);

	r = run_pid(4646);
	p = portier_inspect_proc_of(r, 4646);
	assert_non_null(p->cgroup);
	assert_string_equal(p->cgroup, "/system.slice/cg.service");
	assert_string_equal(p->unit, "cg.service");
	portier_inspect_free(r);
}

/* Two owners named on one line: each gets its own entry and finding. */
static void test_two_owners(void **state)
{
	struct portier_inspect_query q = {
		.root = root, .proc_root = proc, .no_hidden = true};
	struct portier_inspect *r = NULL;
	struct portier_err err = {0};
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t al = sizeof(a);
	struct stat st;
	char link[64];
	size_t i, hits = 0, finds = 0;
	int fd;

	(void)state;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
	assert_int_equal(fstat(fd, &st), 0);
	snprintf(link, sizeof(link), "socket:[%llu]",
		 (unsigned long long)st.st_ino);
	sh("ln -s '%s' %s/4242/fd/3 && ln -s '%s' %s/4444/fd/3", link, proc,
	   link, proc);
	putf("%s/etc/cron.d/both",
	     "* * * * * root /tmp/.x/sksocks && /usr/bin/badd\n", root);
	q.port = ntohs(a.sin_port);
	assert_int_equal(portier_inspect_run(&q, &r, &err), 0);
	assert_true(portier_inspect_proc_of(r, 4242)->owner);
	assert_true(portier_inspect_proc_of(r, 4444)->owner);
	for (i = 0; i < r->n_hits; i++)
		if (strcmp(r->hits[i].file, "/etc/cron.d/both") == 0)
			hits++;
	for (i = 0; i < r->n_findings; i++)
		if (strcmp(r->findings[i].rule, "persistence") == 0 &&
		    strncmp(r->findings[i].text, "/etc/cron.d/both:1", 18) == 0)
			finds++;
	assert_int_equal(hits, 2);
	assert_int_equal(finds, 2);
	portier_inspect_free(r);
	close(fd);
	sh("rm %s/4242/fd/3 %s/4444/fd/3 %s/etc/cron.d/both", proc, proc, root);
}

static size_t notes_with(const struct portier_inspect *r, const char *s)
{
	size_t i, n = 0;

	for (i = 0; i < r->n_notes; i++)
		if (strstr(r->notes[i], s))
			n++;
	return n;
}

/* A bound reached is noted once: never silently, never once per entry. */
static void test_caps_noted(void **state)
{
	struct portier_inspect_query q = {.root = root, .proc_root = proc};
	struct portier_inspect *r;
	struct portier_err err = {0};
	struct rlimit rl;
	int fds[INSPECT_HITS_MAX + 10];
	size_t i, n = 0;

	(void)state;
	/* persistence: more crontab lines naming it than the bound */
	sh("for i in $(seq 1010); do echo '* * * * * root /tmp/.x/sksocks'; "
	   "done > %s/etc/cron.d/flood",
	   root);
	/* companions: more files changed with it than the bound */
	sh("mkdir %s/tmp/flood && cd %s/tmp/flood && seq %d | xargs touch",
	   root, root, INSPECT_COMP_MAX + 10);
	r = run_pid(4242);
	assert_int_equal(r->n_hits, INSPECT_HITS_MAX);
	assert_int_equal(notes_with(r, "persistence entries: the rest"), 1);
	assert_int_equal(r->n_companions <= INSPECT_COMP_MAX, 1);
	assert_int_equal(notes_with(r, "companion files: the rest"), 1);
	portier_inspect_free(r);
	sh("rm -rf %s/etc/cron.d/flood %s/tmp/flood", root, root);

	/* hidden listeners: more than the bound, none in the fixture */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 4096 && rl.rlim_max >= 4096) {
		rl.rlim_cur = 4096;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	if (rl.rlim_cur < 4096)
		skip();
	sh("mkdir -p %s/net && printf '  sl  local_address\n' | tee "
	   "%s/net/tcp %s/net/tcp6 %s/net/udp %s/net/udp6 >/dev/null",
	   proc, proc, proc, proc, proc);
	for (i = 0; i < INSPECT_HITS_MAX + 10; i++) {
		struct sockaddr_in a = {.sin_family = AF_INET};
		socklen_t al = sizeof(a);

		fds[n] = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(fds[n] >= 0);
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		assert_int_equal(bind(fds[n], (struct sockaddr *)&a, sizeof(a)),
				 0);
		assert_int_equal(listen(fds[n], 1), 0);
		if (!i) {
			assert_int_equal(
				getsockname(fds[n], (struct sockaddr *)&a, &al),
				0);
			q.port = ntohs(a.sin_port);
		}
		n++;
	}
	assert_int_equal(portier_inspect_run(&q, &r, &err), 0);
	assert_int_equal(r->n_hidden, INSPECT_HITS_MAX);
	assert_int_equal(notes_with(r, "the rest are not"), 1);
	portier_inspect_free(r);
	for (i = 0; i < n; i++)
		close(fds[i]);
	sh("rm -rf %s/net", proc);
}

/* Every allocation failing in turn: ENOMEM or a whole report, no leak. */
static void test_alloc_failures(void **state)
{
	struct portier_inspect_query q = {.pid = 4242,
					  .root = root,
					  .proc_root = proc,
					  .no_hidden = true};
	long n;

	(void)state;
	for (n = 0; n < 600; n++) {
		struct portier_inspect *r = NULL;
		struct portier_err err = {0};
		int rc;

		portier_alloc_fail_after(n);
		rc = portier_inspect_run(&q, &r, &err);
		portier_alloc_fail_after(-1);
		if (rc == 0) {
			assert_non_null(r);
			portier_inspect_free(r);
		} else {
			assert_int_equal(rc, PORTIER_ENOMEM);
			assert_null(r);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_cron),
		cmocka_unit_test(test_unit),
		cmocka_unit_test(test_ssh),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_planted),
		cmocka_unit_test(test_packaged),
		cmocka_unit_test(test_companion_fifo),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_hidden),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_proc_lines),
		cmocka_unit_test(test_two_owners),
		cmocka_unit_test(test_caps_noted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
