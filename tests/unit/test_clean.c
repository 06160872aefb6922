/*
 * test_clean.c - the clean module without touching the system: the line
 * helpers of the plan, the manifest's encode and decode (a round trip and
 * what decode refuses), and plans drawn from hand-made inspect reports
 * over a planted tree in a temporary directory (nothing is acted on).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "portier/addr.h"
#include "portier/clean.h"
#include "portier/digest.h"
#include "portier/inspect.h"
#include "portier/local.h"

#define SHA_A "49cacb9f89fbfa1ec61bdc3690612ff0150c9a44e4084003f5f1f3be406400ce"

/* ---- lines ---------------------------------------------------------------- */

static void test_only_lines(void **state)
{
	static const char crontab[] = "# m h dom mon dow user command\n"
				      "\n"
				      "*/10 * * * * root /tmp/.x/sk\n"
				      "   # a comment\n";
	static const char shared[] = "SHELL=/bin/sh\n"
				     "*/10 * * * * root /tmp/.x/sk\n";
	uint32_t three = 3, two = 2;

	(void)state;
	assert_true(
		portier_clean_only_lines(crontab, strlen(crontab), &three, 1));
	assert_false(
		portier_clean_only_lines(crontab, strlen(crontab), &two, 1));
	assert_false(portier_clean_only_lines(shared, strlen(shared), &two, 1));
	/* a last line without its newline counts too */
	assert_false(portier_clean_only_lines("a\nb", 3, &(uint32_t){1}, 1));
	assert_true(portier_clean_only_lines("a\nb", 3, (uint32_t[]){1, 2}, 2));
	assert_true(portier_clean_only_lines("", 0, NULL, 0));
}

static void test_drop_lines(void **state)
{
	static const char text[] = "one\ntwo\r\nthree\nfour";
	char *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(portier_clean_drop_lines(text, strlen(text),
						  (uint32_t[]){2, 4}, 2, &out,
						  &len),
			 0);
	assert_int_equal(len, strlen("one\nthree\n"));
	assert_memory_equal(out, "one\nthree\n", len);
	portier_free(out);
	/* NUL bytes and lines not listed stay as they were */
	assert_int_equal(portier_clean_drop_lines("a\0b\nc\n", 6,
						  (uint32_t[]){2}, 1, &out,
						  &len),
			 0);
	assert_int_equal(len, 4);
	assert_memory_equal(out, "a\0b\n", 4);
	portier_free(out);
	/* a line number past the end takes nothing */
	assert_int_equal(portier_clean_drop_lines("x\n", 2, (uint32_t[]){9}, 1,
						  &out, &len),
			 0);
	assert_int_equal(len, 2);
	portier_free(out);
}

/* ---- the manifest ---------------------------------------------------------- */

static struct portier_clean_step *add(struct portier_clean_plan *p,
				      enum portier_clean_kind kind)
{
	struct portier_clean_step *s;

	p->steps = portier_realloc(p->steps, (p->n_steps + 1) * sizeof(*s));
	assert_non_null(p->steps);
	s = &p->steps[p->n_steps++];
	memset(s, 0, sizeof(*s));
	s->kind = (uint8_t)kind;
	return s;
}

static char *sdup(const char *s)
{
	char *d = portier_strdup(s);

	assert_non_null(d);
	return d;
}

/* A plan with a step of every kind, in memory the library frees. */
static struct portier_clean_plan *sample(void)
{
	struct portier_clean_plan *p = portier_calloc(1, sizeof(*p));
	struct portier_clean_step *s;

	assert_non_null(p);
	strcpy(p->id, "20261204T132240Z-45576");
	strcpy(p->created, "2026-12-04T13:22:40Z");
	p->root = sdup("/tmp/root");
	p->port = 45576;
	p->reboot = true;
	s = add(p, PORTIER_CLEAN_STOP);
	s->state = PORTIER_CLEAN_DONE;
	s->pid = 4242;
	s->start = 1700000123;
	strcpy(s->comm, "sksocks");
	s = add(p, PORTIER_CLEAN_SAVE);
	s->state = PORTIER_CLEAN_DONE;
	s->pid = 4242;
	s->start = 1700000123;
	strcpy(s->comm, "sksocks");
	s->path = sdup("/tmp/.x/sksocks");
	s->qname = sdup("f001");
	strcpy(s->file.sha256, SHA_A);
	s->file.size = 12345;
	s->file.mode = 04755;
	s->file.uid = 1000;
	s->file.gid = 100;
	s->file.atime_ns = 1700000000123456789LL;
	s->file.mtime_ns = -5; /* before 1970 is a time too */
	s = add(p, PORTIER_CLEAN_KILL);
	s->unit = sdup("dbus-helper.service");
	s->pid = 4242;
	strcpy(s->comm, "sksocks");
	s = add(p, PORTIER_CLEAN_MOVE);
	s->state = PORTIER_CLEAN_STARTED;
	s->path = sdup("/etc/systemd/system/x.wants/dbus-helper.service");
	s->qname = sdup("f004");
	s->file.link = true;
	s->file.target = sdup("/etc/systemd/system/dbus-helper.service");
	s->unit = sdup("dbus-helper.service");
	s->why = sdup("a persistence link \"quoted\"");
	s = add(p, PORTIER_CLEAN_REWRITE);
	s->path = sdup("/etc/crontab");
	s->qname = sdup("f005");
	strcpy(s->file.sha256, SHA_A);
	strcpy(s->new_sha256, SHA_A);
	s->lines = portier_calloc(2, sizeof(*s->lines));
	s->lines[0] = 4;
	s->lines[1] = 7;
	s->n_lines = 2;
	s->file.mode = 0644;
	s = add(p, PORTIER_CLEAN_MASK);
	s->path = sdup("/etc/systemd/system/dbus-helper.service");
	s->file.link = true;
	s->file.target = sdup("/dev/null");
	s->unit = sdup("dbus-helper.service");
	s = add(p, PORTIER_CLEAN_REMOVE);
	s->state = PORTIER_CLEAN_UNDONE;
	s->path = sdup("/tmp/.x/sksocks");
	s->qname = sdup("f001");
	strcpy(s->file.sha256, SHA_A);
	s = add(p, PORTIER_CLEAN_BLOCK);
	s->port = 45576;
	s->proto = PORTIER_PROTO_UDP;
	s->fw_point = 17;
	p->kept = portier_calloc(1, sizeof(*p->kept));
	p->kept[0].path = sdup("pid 1 (init)");
	p->kept[0].why = sdup("in the parent chain: left running");
	p->n_kept = 1;
	return p;
}

static void test_manifest_round_trip(void **state)
{
	struct portier_clean_plan *p = sample(), *q = NULL;
	struct portier_err err = {0};
	char *a = NULL, *b = NULL;
	size_t i;

	(void)state;
	assert_int_equal(portier_clean_manifest_encode(p, &a, &err), 0);
	assert_int_equal(portier_clean_manifest_decode(a, strlen(a), &q, &err),
			 0);
	assert_string_equal(q->id, p->id);
	assert_string_equal(q->root, "/tmp/root");
	assert_int_equal(q->port, 45576);
	assert_true(q->reboot);
	assert_false(q->undone);
	assert_int_equal(q->n_steps, p->n_steps);
	for (i = 0; i < p->n_steps; i++) {
		assert_int_equal(q->steps[i].kind, p->steps[i].kind);
		assert_int_equal(q->steps[i].state, p->steps[i].state);
	}
	assert_int_equal(q->steps[1].file.mode, 04755);
	assert_int_equal(q->steps[1].file.atime_ns, 1700000000123456789LL);
	assert_int_equal(q->steps[1].file.mtime_ns, -5);
	assert_int_equal(q->steps[1].pid, 4242);
	assert_string_equal(q->steps[2].unit, "dbus-helper.service");
	assert_string_equal(q->steps[1].comm, "sksocks");
	assert_true(q->steps[3].file.link);
	assert_string_equal(q->steps[3].file.target,
			    "/etc/systemd/system/dbus-helper.service");
	assert_string_equal(q->steps[3].why, "a persistence link \"quoted\"");
	assert_int_equal(q->steps[4].n_lines, 2);
	assert_int_equal(q->steps[4].lines[1], 7);
	assert_null(q->steps[5].qname);
	assert_int_equal(q->steps[7].proto, PORTIER_PROTO_UDP);
	assert_int_equal(q->steps[7].fw_point, 17);
	assert_string_equal(q->kept[0].why,
			    "in the parent chain: left running");
	/* encode(decode(x)) == x */
	assert_int_equal(portier_clean_manifest_encode(q, &b, &err), 0);
	assert_string_equal(a, b);
	portier_free(a);
	portier_free(b);
	portier_clean_plan_free(p);
	portier_clean_plan_free(q);
}

/* Replace the first "from" in the sample's manifest by "to" and decode. */
static int decode_edited(const char *from, const char *to, char *msg,
			 size_t cap)
{
	struct portier_clean_plan *p = sample(), *q = NULL;
	struct portier_err err = {0};
	char *a = NULL, *at, *edited;
	int rc;

	assert_int_equal(portier_clean_manifest_encode(p, &a, &err), 0);
	at = strstr(a, from);
	assert_non_null(at);
	edited = malloc(strlen(a) + strlen(to) + 1);
	assert_non_null(edited);
	sprintf(edited, "%.*s%s%s", (int)(at - a), a, to, at + strlen(from));
	rc = portier_clean_manifest_decode(edited, strlen(edited), &q, &err);
	snprintf(msg, cap, "%s", err.msg);
	if (rc == 0)
		portier_clean_plan_free(q);
	free(edited);
	portier_free(a);
	portier_clean_plan_free(p);
	return rc;
}

static void test_manifest_refused(void **state)
{
	static const struct {
		const char *from, *to, *msg;
	} cases[] = {
		{"\"f001\"", "\"../../etc/shadow\"", "copy name"},
		{"\"f004\"", "\"a/b\"", "copy name"},
		{"\"f005\"", "\".hidden\"", "copy name"},
		{"\"/etc/crontab\"", "\"etc/crontab\"", "not absolute"},
		{"\"/etc/crontab\"", "\"/etc/../../x\"", "not absolute"},
		{"\"kind\": \"kill\"", "\"kind\": \"format\"", "unknown kind"},
		{"\"state\": \"done\"", "\"state\": \"maybe\"",
		 "unknown state"},
		{"\"mode\": 2541", "\"mode\": 4096", "'mode' is out of range"},
		{"\"mode\": 2541", "\"mode\": \"755\"", "'mode' is missing"},
		{SHA_A, "49CACB", "SHA-256"},
		{"\"portier_clean\": 1", "\"portier_clean\": 2",
		 "out of range"},
		{"\"proto\": \"udp\"", "\"proto\": \"sctp\"", "tcp or udp"},
		{"\"port\": 45576,\n \"pid\"",
		 "\"port\": 45576, \"port\": 1,\n \"pid\"", "not JSON"},
		{"\"unit\": \"dbus-helper.service\"", "\"unit\": \"../x\"",
		 "not a unit name"},
		{"\"lines\": [", "\"lines\": [0, ", "line numbers"},
		{"\"fw_point\": 17", "\"fw_point\": -1", "out of range"},
		{"\"path\": \"/etc/crontab\"", "\"path_hex\": \"2f00\"",
		 "not hex"},
		{"\"path\": \"/etc/crontab\"",
		 "\"path\": \"/etc/crontab\", \"path_hex\": \"2f\"", "its hex"},
		{"\"id\": \"20261204T132240Z-45576\"", "\"id\": \"../fw\"",
		 "not a plain name"},
	};
	char msg[PORTIER_ERR_MSG_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = decode_edited(cases[i].from, cases[i].to, msg,
				       sizeof(msg));

		if (rc != PORTIER_EPROTO || !strstr(msg, cases[i].msg))
			fail_msg("case %zu (%s -> %s): rc %d, '%s'", i,
				 cases[i].from, cases[i].to, rc, msg);
	}
}

/* A file name that is not UTF-8 still has its place in the manifest. */
static void test_manifest_bytes(void **state)
{
	struct portier_clean_plan *p = sample(), *q = NULL;
	struct portier_err err = {0};
	char *a = NULL;

	(void)state;
	portier_free(p->steps[1].path);
	p->steps[1].path = sdup("/tmp/.x/\xff\xfe\x01name");
	assert_int_equal(portier_clean_manifest_encode(p, &a, &err), 0);
	assert_non_null(strstr(a, "\"path_hex\": \"2f746d702f2e782fff"));
	assert_int_equal(portier_clean_manifest_decode(a, strlen(a), &q, &err),
			 0);
	assert_string_equal(q->steps[1].path, "/tmp/.x/\xff\xfe\x01name");
	portier_free(a);
	portier_clean_plan_free(p);
	portier_clean_plan_free(q);
}

static void test_manifest_garbage(void **state)
{
	struct portier_clean_plan *q = NULL;
	struct portier_err err = {0};

	(void)state;
	assert_int_equal(portier_clean_manifest_decode("", 0, &q, &err),
			 PORTIER_EPROTO);
	assert_int_equal(portier_clean_manifest_decode("[]", 2, &q, &err),
			 PORTIER_EPROTO);
	assert_int_equal(
		portier_clean_manifest_decode("{\"a\":1}", 7, &q, &err),
		PORTIER_EPROTO);
	assert_null(q);
}

/* ---- plans over a planted tree ---------------------------------------------- */

static char tmp[256];

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int setup_tree(void **state)
{
	static const char *const dirs[] = {"tmp",
					   "tmp/.x",
					   "etc",
					   "etc/xdg",
					   "etc/xdg/autostart",
					   "etc/systemd",
					   "etc/systemd/system"};
	char path[512];
	size_t i;

	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/portier-test-clean.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmp, dirs[i]);
		if (mkdir(path, 0755) < 0)
			return -1;
	}
	return 0;
}

static int teardown_tree(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

struct fake {
	struct portier_inspect r;
	struct portier_inspect_proc procs[2];
	struct portier_inspect_sock sock;
	struct portier_inspect_hit hits[4];
	struct portier_inspect_companion comp;
};

static void fake_report(struct fake *f, const char *exe_sha)
{
	static char exe[600], comp[] = "/tmp/.x/sk.conf";
	static char unit[] = "/etc/systemd/system/dbus-helper.service",
		    cron[] = "/etc/crontab",
		    xdg[] = "/etc/xdg/autostart/h.desktop", text[] = "x",
		    svc[] = "dbus-helper.service";

	memset(f, 0, sizeof(*f));
	snprintf(exe, sizeof(exe), "%s/tmp/.x/sksocks", tmp);
	f->procs[0].pid = 999999;
	f->procs[0].owner = true;
	strcpy(f->procs[0].comm, "sksocks");
	f->procs[0].exe.path = exe;
	f->procs[0].unit = svc;
	f->procs[0].exe.opened = true;
	strcpy(f->procs[0].exe.sha256, exe_sha);
	f->procs[1].pid = 1;
	strcpy(f->procs[1].comm, "init");
	f->r.procs = f->procs;
	f->r.n_procs = 2;
	f->sock.proto = PORTIER_PROTO_TCP;
	f->sock.state = PORTIER_SS_LISTEN;
	f->sock.lport = 45576;
	f->sock.pid = 999999;
	f->r.socks = &f->sock;
	f->r.n_socks = 1;
	f->hits[0] = (struct portier_inspect_hit){
		PORTIER_PLACE_SYSTEMD, PORTIER_MATCH_PATH, 5, unit, text};
	f->hits[1] = (struct portier_inspect_hit){
		PORTIER_PLACE_CRON, PORTIER_MATCH_PATH, 2, cron, text};
	f->hits[2] = (struct portier_inspect_hit){
		PORTIER_PLACE_XDG, PORTIER_MATCH_PATH, 4, xdg, text};
	f->r.hits = f->hits;
	f->r.n_hits = 3;
	f->comp.path = comp;
	f->r.companions = &f->comp;
	f->r.n_companions = 1;
}

static const char *kinds(const struct portier_clean_plan *p, char *buf,
			 size_t cap)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < p->n_steps && o < cap; i++)
		o += (size_t)snprintf(
			buf + o, cap - o, "%s%s", i ? " " : "",
			portier_clean_kind_name(p->steps[i].kind));
	return buf;
}

static void test_plan(void **state)
{
	struct portier_clean_query q = {.root = tmp, .port = 45576};
	struct portier_clean_plan *p = NULL;
	struct portier_err err = {0};
	struct fake f;
	char buf[512], sha[65];

	(void)state;
	put("tmp/.x/sksocks", "backdoor");
	put("tmp/.x/sk.conf", "listen 45576\n");
	put("etc/systemd/system/dbus-helper.service",
	    "[Service]\nExecStart=/tmp/.x/sksocks\n");
	put("etc/crontab", "SHELL=/bin/sh\n* * * * * root /tmp/.x/sksocks\n");
	put("etc/xdg/autostart/h.desktop", "[Desktop Entry]\nExec=x\n");
	assert_int_equal(portier_sha256_hex("backdoor", 8, sha), 0);
	fake_report(&f, sha);
	assert_int_equal(portier_clean_plan(&q, &f.r, &p, &err), 0);
	assert_string_equal(kinds(p, buf, sizeof(buf)),
			    "stop save save kill move mask rewrite move remove "
			    "remove block");
	assert_int_equal(p->steps[0].pid, 999999);
	assert_string_equal(p->steps[1].path, "/tmp/.x/sksocks");
	assert_string_equal(p->steps[1].file.sha256, sha);
	assert_string_equal(p->steps[4].unit, "dbus-helper.service");
	/* its service is stopped with the kill (Restart= would start it) */
	assert_string_equal(p->steps[3].unit, "dbus-helper.service");
	assert_null(p->steps[0].unit);
	assert_string_equal(p->steps[5].path,
			    "/etc/systemd/system/dbus-helper.service");
	assert_int_equal(p->steps[6].n_lines, 1);
	assert_int_equal(p->steps[6].lines[0], 2);
	/* remove takes its bytes back from the save step's copy */
	assert_string_equal(p->steps[8].qname, p->steps[1].qname);
	assert_int_equal(p->steps[10].port, 45576);
	assert_false(p->reboot);
	assert_int_equal(p->n_kept, 1); /* pid 1, the parent */
	portier_clean_plan_free(p);

	/* the crontab holds only the entry: moved whole */
	put("etc/crontab", "# jobs\n* * * * * root /tmp/.x/sksocks\n");
	assert_int_equal(portier_clean_plan(&q, &f.r, &p, &err), 0);
	assert_string_equal(p->steps[6].path, "/etc/crontab");
	assert_int_equal(p->steps[6].kind, PORTIER_CLEAN_MOVE);
	portier_clean_plan_free(p);

	/* the binary on disk is not the one that runs: copied through the
	 * process, the file left in place */
	put("tmp/.x/sksocks", "replaced");
	assert_int_equal(portier_clean_plan(&q, &f.r, &p, &err), 0);
	assert_string_equal(kinds(p, buf, sizeof(buf)),
			    "stop save save kill move mask move move remove "
			    "block");
	portier_clean_plan_free(p);
}

static void test_plan_packaged(void **state)
{
	struct portier_clean_query q = {.root = tmp, .port = 22};
	struct portier_clean_plan *p = NULL;
	struct portier_err err = {0};
	struct fake f;

	(void)state;
	fake_report(&f, SHA_A);
	strcpy(f.procs[0].exe.package, "openssh-server");
	f.procs[0].exe.verified = 1;
	assert_int_equal(portier_clean_plan(&q, &f.r, &p, &err), 0);
	assert_int_equal(p->n_steps, 0);
	assert_int_equal(p->n_kept, 1);
	assert_non_null(strstr(p->kept[0].why, "openssh-server and verified"));
	portier_clean_plan_free(p);

	/* a packaged binary that no longer verifies is cleaned */
	f.procs[0].exe.verified = 0;
	assert_int_equal(portier_clean_plan(&q, &f.r, &p, &err), 0);
	assert_int_equal(p->steps[0].kind, PORTIER_CLEAN_STOP);
	portier_clean_plan_free(p);
}

/* The children of an owner are stopped and killed with it. */
static void test_plan_tree(void **state)
{
	struct portier_clean_query q = {.root = tmp, .port = 45576};
	struct portier_clean_plan *p = NULL;
	struct portier_err err = {0};
	struct portier_inspect_child *kids = NULL;
	int ready[2], status;
	size_t n = 0, i, waited;
	struct fake f;
	char buf[512], c;
	pid_t a;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	a = fork();
	assert_true(a >= 0);
	if (a == 0) { /* A forks B, both wait to be killed */
		if (fork() == 0) {
			(void)!write(ready[1], "b", 1);
			pause();
			_exit(0);
		}
		pause();
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	for (waited = 0; waited < 200 && n == 0; waited++) {
		portier_free(kids);
		assert_int_equal(
			portier_inspect_descendants(NULL, a, &kids, &n, &err),
			0);
		if (!n)
			usleep(10000);
	}
	assert_int_equal(n, 1);
	assert_int_equal(kids[0].ppid, a);
	fake_report(&f, SHA_A);
	f.procs[0].pid = a;
	f.sock.pid = a;
	strcpy(f.procs[0].comm, kids[0].comm); /* a fork keeps the name */
	f.r.n_hits = 0;
	f.r.n_companions = 0;
	assert_int_equal(portier_clean_plan(&q, &f.r, &p, &err), 0);
	assert_string_equal(kinds(p, buf, sizeof(buf)),
			    "stop stop save kill kill block");
	assert_int_equal(p->steps[0].pid, a);
	assert_int_equal(p->steps[1].pid, kids[0].pid);
	snprintf(buf, sizeof(buf), "a child of pid %d", (int)a);
	assert_string_equal(p->steps[1].why, buf);
	for (i = 0; i < n; i++)
		kill(kids[i].pid, SIGKILL);
	kill(a, SIGKILL);
	waitpid(a, &status, 0);
	portier_free(kids);
	portier_clean_plan_free(p);
	close(ready[0]);
	close(ready[1]);
}

static void test_act_needs_root_or_good_dir(void **state)
{
	struct portier_clean_env env = {.root = tmp};
	struct portier_clean_plan *p = NULL;
	struct portier_err err = {0};
	char path[512];
	int rc;

	(void)state;
	/* an unknown id, and one that would leave the quarantine */
	assert_int_equal(portier_clean_undo(&env, "../x", NULL, &err),
			 geteuid() ? PORTIER_EPERM : PORTIER_EINVAL);
	snprintf(path, sizeof(path), "%s/var", tmp);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/var/lib", tmp);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/var/lib/portier", tmp);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/var/lib/portier/quarantine", tmp);
	mkdir(path, 0700);
	chmod(path, 0777);
	rc = portier_clean_load(&env, "20990101T000000Z-1", &p, &err);
	assert_int_equal(rc, PORTIER_EPERM); /* open to others: refused */
	chmod(path, 0700);
	rc = portier_clean_load(&env, "20990101T000000Z-1", &p, &err);
	assert_int_equal(rc, PORTIER_ENOENT);
	assert_non_null(strstr(err.msg, "no quarantine"));
	assert_null(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_only_lines),
		cmocka_unit_test(test_drop_lines),
		cmocka_unit_test(test_manifest_round_trip),
		cmocka_unit_test(test_manifest_refused),
		cmocka_unit_test(test_manifest_bytes),
		cmocka_unit_test(test_manifest_garbage),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_plan_packaged),
		cmocka_unit_test(test_plan_tree),
		cmocka_unit_test(test_act_needs_root_or_good_dir),
	};

	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
