/*
 * test_out.c - the output sinks: XML valid against nmap.dtd (a missing DTD
 * is a failure under CI=true) with states merged per host and "extraports" beyond 25,
 * IPv6 addrtype, JSON Lines one object per non-closed port plus a summary,
 * the grepable lines, the per-host records surviving a save/load round trip,
 * the checkpoint file, and what follow-up probes (scan --probe) use: the
 * host list, extra JSON lines and the per-host text and XML script hooks.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/valid.h>

#include "fsync_spy.h"
#include "portier/out.h"

#define DTD "/usr/share/nmap/nmap.dtd"

/*
 * file must validate against nmap's DTD.  Without the DTD (nmap not
 * installed) the check is left out with a note, except under CI=true, where
 * every test tool is installed and a missing DTD fails instead of letting
 * the XML pass unchecked.
 */
static void assert_valid_xml(const char *file)
{
	const char *ci = getenv("CI");
	xmlDocPtr doc;
	xmlDtdPtr dtd;
	xmlValidCtxtPtr v;

	if (access(DTD, R_OK) != 0) {
		if (ci && strcmp(ci, "true") == 0)
			fail_msg("%s missing: CI=true needs nmap (make deps)",
				 DTD);
		print_message("note: %s missing, %s not validated\n", DTD,
			      file);
		return;
	}
	doc = xmlReadFile(file, NULL, 0);
	dtd = xmlParseDTD(NULL, (const xmlChar *)DTD);
	v = xmlNewValidCtxt();
	assert_non_null(doc);
	assert_non_null(dtd);
	assert_int_equal(xmlValidateDtd(v, doc, dtd), 1);
	xmlFreeValidCtxt(v);
	xmlFreeDtd(dtd);
	xmlFreeDoc(doc);
}

static char dir[64];
static char path_buf[8][256];
static unsigned path_next;

/* dir/name in one of eight rotating buffers (several live at once) */
static const char *path(const char *name)
{
	char *b = path_buf[path_next++ % 8];

	snprintf(b, sizeof(path_buf[0]), "%s/%s", dir, name);
	return b;
}

/* tests/data/out/proc: a neighbour table with 198.19.1.2 complete */
static const char *proc_root(void)
{
	static char buf[4096];
	const char *d = getenv("PORTIER_TESTDATA");

	snprintf(buf, sizeof(buf), "%s/out/proc", d ? d : "tests/data");
	return buf;
}

static char *slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/portier-test-out.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct portier_scan_result res(const char *addr, uint16_t port,
				      enum portier_port_state st,
				      enum portier_reason why)
{
	struct portier_scan_result r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(portier_addr_parse(addr, &r.addr), 0);
	r.port = port;
	r.state = (uint8_t)st;
	r.reason = (uint8_t)why;
	r.tries = 1;
	r.ttl = 64;
	return r;
}

static const uint16_t scanned[] = {22, 80, 445};

/* Host A: 2 open, 30 closed, 1 filtered; host B (IPv6): 3 closed. */
static void feed(struct portier_out *o)
{
	struct portier_scan_result r;
	uint16_t p;

	for (p = 1000; p < 1030; p++) {
		r = res("198.19.1.2", p, PORTIER_PORT_CLOSED,
			PORTIER_REASON_RESET);
		assert_int_equal(portier_out_result(o, &r), 0);
		if (p == 1010) {
			r = res("198.19.1.2", 445, PORTIER_PORT_OPEN,
				PORTIER_REASON_SYN_ACK);
			assert_int_equal(portier_out_result(o, &r), 0);
		}
	}
	r = res("198.19.1.2", 22, PORTIER_PORT_OPEN, PORTIER_REASON_SYN_ACK);
	assert_int_equal(portier_out_result(o, &r), 0);
	r = res("198.19.1.2", 2000, PORTIER_PORT_FILTERED,
		PORTIER_REASON_NO_RESPONSE);
	assert_int_equal(portier_out_result(o, &r), 0);
	for (p = 1; p <= 3; p++) {
		r = res("fd70:7:1::2", p, PORTIER_PORT_CLOSED,
			PORTIER_REASON_RESET);
		assert_int_equal(portier_out_result(o, &r), 0);
	}
}

static struct portier_out *open_all(bool with_files)
{
	struct portier_out_options opt;
	struct portier_out *o = NULL;
	struct portier_err err = {0};
	FILE *svc;

	svc = fopen(path("services"), "w");
	assert_non_null(svc);
	fputs("ssh\t22/tcp\t0.18\nmicrosoft-ds\t445/tcp\t0.05\n", svc);
	fclose(svc);
	memset(&opt, 0, sizeof(opt));
	if (with_files) {
		opt.json_path = path("r.jsonl");
		opt.xml_path = path("r.xml");
		opt.grep_path = path("r.gnmap");
	}
	opt.keep_hosts = true;
	opt.args = "portier scan -sS -p 22,80,445 --resume x 198.19.1.2";
	opt.method = PORTIER_SCAN_SYN;
	opt.ports = scanned;
	opt.n_ports = 3;
	opt.services_path = path("services");
	opt.proc_root = proc_root();
	assert_int_equal(portier_out_open(&o, &opt, &err), 0);
	return o;
}

static void test_sinks(void **state)
{
	struct portier_scan_stats st;
	struct portier_out *o = open_all(true);
	struct portier_err err = {0};
	char *xml, *gnmap, *jsonl, *line, *save = NULL;
	size_t hosts, with_open, n_lines = 0;

	(void)state;
	feed(o);
	hosts = portier_out_hosts(o, &with_open);
	assert_int_equal(hosts, 2);
	assert_int_equal(with_open, 1);
	memset(&st, 0, sizeof(st));
	st.total = st.done = 36;
	assert_int_equal(portier_out_finish(o, &st, &err), 0);
	portier_out_free(o);

	xml = slurp(path("r.xml"));
	assert_non_null(
		strstr(xml, "<extraports state=\"closed\" count=\"30\">"));
	assert_non_null(strstr(xml, "reason=\"reset\" count=\"30\""));
	assert_non_null(strstr(xml, "portid=\"22\"><state state=\"open\" "
				    "reason=\"syn-ack\" reason_ttl=\"64\"/>"
				    "<service name=\"ssh\""));
	/* a port nmap-services does not name gets no <service>, like nmap */
	assert_non_null(strstr(xml, "portid=\"2000\"><state state=\"filtered\" "
				    "reason=\"no-response\" reason_ttl=\"64\"/>"
				    "</port>"));
	assert_non_null(strstr(xml, "addr=\"fd70:7:1::2\" addrtype=\"ipv6\""));
	/* the MAC of an IPv4 host on the link, from the neighbour table */
	assert_non_null(strstr(
		xml, "<address addr=\"198.19.1.2\" addrtype=\"ipv4\"/>\n"
		     "<address addr=\"02:9F:3F:3E:5D:29\" addrtype=\"mac\"/>"));
	/* three closed ports are listed one by one */
	assert_non_null(strstr(xml, "portid=\"3\"><state state=\"closed\""));
	assert_non_null(strstr(xml,
			       "type=\"syn\" protocol=\"tcp\" "
			       "numservices=\"3\" services=\"22,80,445\""));
	assert_non_null(
		strstr(xml, "<hosts up=\"2\" down=\"0\" total=\"2\"/>"));
	free(xml);
	assert_valid_xml(path("r.xml"));

	gnmap = slurp(path("r.gnmap"));
	assert_non_null(strstr(
		gnmap, "Host: 198.19.1.2 ()\tPorts: 22/open/tcp//ssh///, "
		       "445/open/tcp//microsoft-ds///, "
		       "2000/filtered/tcp/////\tIgnored State: closed (30)\n"));
	assert_non_null(strstr(
		gnmap, "Host: fd70:7:1::2 ()\tPorts: 1/closed/tcp/////"));
	free(gnmap);

	/* JSON: open and filtered ports (closed ones are counted, not listed) */
	jsonl = slurp(path("r.jsonl"));
	for (line = strtok_r(jsonl, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		json_error_t je;
		json_t *j = json_loads(line, 0, &je);

		assert_non_null(j);
		if (strcmp(json_string_value(json_object_get(j, "type")),
			   "port") == 0) {
			assert_string_equal(
				json_string_value(json_object_get(j, "addr")),
				"198.19.1.2");
			assert_string_not_equal(
				json_string_value(json_object_get(j, "state")),
				"closed");
		} else {
			assert_string_equal(
				json_string_value(json_object_get(j, "type")),
				"summary");
			assert_true(
				json_is_true(json_object_get(j, "complete")));
		}
		json_decref(j);
		n_lines++;
	}
	assert_int_equal(n_lines, 3 + 1);
	free(jsonl);
}

static char *saved(struct portier_out *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_int_equal(portier_out_save(o, f), 0);
	fclose(f);
	return buf;
}

static void test_save_load(void **state)
{
	struct portier_out *a = open_all(false), *b = open_all(false);
	struct portier_err err = {0};
	char *sa, *sb;
	FILE *f;

	(void)state;
	feed(a);
	sa = saved(a);
	/* as in a checkpoint, the records end with an "end" line */
	{
		size_t n = strlen(sa);
		char *se = malloc(n + 5);

		assert_non_null(se);
		memcpy(se, sa, n);
		memcpy(se + n, "end\n", 5);
		f = fmemopen(se, n + 4, "r");
		assert_int_equal(portier_out_load(b, f, &err), 0);
		fclose(f);
		free(se);
	}
	sb = saved(b);
	assert_string_equal(sa, sb);
	free(sb);
	/* damaged input is refused with the line named */
	f = fmemopen((void *)(uintptr_t) "p 198.19.1.2 99999 0 0 0\n", 25, "r");
	assert_int_equal(portier_out_load(b, f, &err), PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "line 1"));
	fclose(f);
	free(sa);
	portier_out_free(a);
	portier_out_free(b);
}

/*
 * A -p- scan of firewalled hosts: 65,535 filtered results each for four
 * hosts, and a fifth host with every port open, all in a scrambled order.
 * Counts, summaries and the port order of the open host must come out right
 * (filtered ports beyond PORTIER_OUT_LIST_MAX are summarised like closed
 * ones; open ports are kept and sorted once at the end).
 */
static void test_full_range(void **state)
{
	static const char *const fw[] = {"198.19.1.2", "198.19.1.3",
					 "198.19.1.4", "fd70:7:1::5"};
	struct portier_out *o = open_all(true);
	struct portier_scan_stats st;
	struct portier_out_host_info *list = NULL;
	struct portier_err err = {0};
	struct portier_scan_result r;
	struct portier_addr oa;
	size_t n = 0, k, lines;
	uint32_t i;
	char *xml, *cur, *sa, *line, *save = NULL;
	unsigned last, port, ext;

	(void)state;
	for (i = 0; i < 65535; i++) {
		/* 7919 is prime to 65535: a bijection of 0..65534 */
		uint16_t p = (uint16_t)((i * 7919u) % 65535u + 1);

		for (k = 0; k < 4; k++) {
			r = res(fw[k], p, PORTIER_PORT_FILTERED,
				PORTIER_REASON_NO_RESPONSE);
			assert_int_equal(portier_out_result(o, &r), 0);
		}
		r = res("198.19.1.9", p, PORTIER_PORT_OPEN,
			PORTIER_REASON_SYN_ACK);
		assert_int_equal(portier_out_result(o, &r), 0);
	}
	assert_int_equal(portier_out_host_list(o, &list, &n), 0);
	assert_int_equal(n, 5);
	for (k = 0; k < n; k++) {
		char a[64];

		portier_addr_str(&list[k].addr, a, sizeof(a));
		if (strcmp(a, "198.19.1.9") == 0) {
			assert_int_equal(list[k].open, 65535);
			assert_int_equal(list[k].filtered, 0);
		} else {
			assert_int_equal(list[k].open, 0);
			assert_int_equal(list[k].filtered, 65535);
		}
	}
	portier_free(list);
	assert_int_equal(portier_addr_parse("198.19.1.9", &oa), 0);
	assert_true(portier_out_port_open(o, &oa, 1));
	assert_true(portier_out_port_open(o, &oa, 65535));
	assert_int_equal(portier_addr_parse("198.19.1.2", &oa), 0);
	assert_false(portier_out_port_open(o, &oa, 80));

	/* the checkpoint text: filtered hosts summarised, open ports in order */
	sa = saved(o);
	lines = 0;
	last = 0;
	ext = 0;
	for (line = strtok_r(sa, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "p 198.19.1.9 ", 13) == 0) {
			assert_int_equal(sscanf(line + 13, "%u", &port), 1);
			assert_true(port > last);
			last = port;
			lines++;
		} else if (strncmp(line, "p ", 2) == 0) {
			ext++; /* at most the first few filtered of each host */
		}
	}
	assert_int_equal(lines, 65535);
	assert_true(ext <= 4 * PORTIER_OUT_LIST_MAX);
	free(sa);

	memset(&st, 0, sizeof(st));
	st.total = st.done = 5u * 65535u;
	assert_int_equal(portier_out_finish(o, &st, &err), 0);
	portier_out_free(o);
	xml = slurp(path("r.xml"));
	for (ext = 0, cur = xml;
	     (cur = strstr(cur,
			   "<extraports state=\"filtered\" count=\"65535\">"));
	     cur++)
		ext++;
	assert_int_equal(ext, 4);
	/* every port of the open host once, ascending */
	cur = strstr(xml, "<address addr=\"198.19.1.9\"");
	assert_non_null(cur);
	for (last = 0, lines = 0; *cur; cur++) {
		/* a plain walk: strstr in a loop is quadratic under ASan */
		if (*cur != 'p' || strncmp(cur, "portid=\"", 8) != 0)
			continue;
		port = (unsigned)strtoul(cur + 8, NULL, 10);
		if (port <= last)
			break; /* the next host */
		last = port;
		lines++;
	}
	assert_int_equal(lines, 65535);
	free(xml);
}

/*
 * The XML header: scaninfo lists every scanned port however long the list
 * (it was cut at 4096 bytes), and the document stays well-formed.
 */
static void test_xml_header(void **state)
{
	static uint16_t odd[32768];
	struct portier_out_options opt;
	struct portier_out *o = NULL;
	struct portier_scan_stats st;
	struct portier_err err = {0};
	xmlDocPtr doc;
	char *xml;
	size_t i;

	(void)state;
	for (i = 0; i < 32768; i++)
		odd[i] = (uint16_t)(2 * i + 1);
	memset(&opt, 0, sizeof(opt));
	opt.xml_path = path("odd.xml");
	opt.method = PORTIER_SCAN_CONNECT;
	opt.ports = odd;
	opt.n_ports = 32768;
	assert_int_equal(portier_out_open(&o, &opt, &err), 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(portier_out_finish(o, &st, &err), 0);
	portier_out_free(o);
	xml = slurp(path("odd.xml"));
	assert_non_null(
		strstr(xml, "numservices=\"32768\" services=\"1,3,5,7,"));
	assert_non_null(strstr(xml, ",65531,65533,65535\""));
	free(xml);
	doc = xmlReadFile(path("odd.xml"), NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	xmlFreeDoc(doc);
}

static void test_checkpoint(void **state)
{
	struct portier_out *a = open_all(false), *b = open_all(false);
	uint64_t pending[] = {7, 9, 123456789012ull};
	struct portier_checkpoint cp = {.fingerprint = 0xfeedface12345678ull,
					.seed = 42,
					.next = 1000,
					.pending = pending,
					.n_pending = 3,
					.sent = 1010,
					.replies = 990};
	struct portier_checkpoint rd;
	struct portier_err err = {0};
	char *sa, *sb;

	(void)state;
	feed(a);
	/*
	 * A symlink planted under the old predictable temporary name must not
	 * be followed: the file it points to stays as it was.
	 */
	{
		FILE *v = fopen(path("victim"), "w");
		char buf[32] = {0};
		DIR *d;
		struct dirent *de;

		assert_non_null(v);
		fputs("precious\n", v);
		fclose(v);
		unlink(path("ckpt.tmp"));
		assert_int_equal(symlink(path("victim"), path("ckpt.tmp")), 0);
		assert_int_equal(
			portier_checkpoint_write(path("ckpt"), &cp, a, &err),
			0);
		v = fopen(path("victim"), "r");
		assert_non_null(v);
		assert_non_null(fgets(buf, sizeof(buf), v));
		fclose(v);
		assert_string_equal(buf, "precious\n");
		unlink(path("ckpt.tmp"));
		/* and no temporary file is left behind */
		assert_non_null(d = opendir(dir));
		while ((de = readdir(d)))
			assert_null(strstr(de->d_name, "ckpt."));
		closedir(d);
	}
	assert_int_equal(portier_checkpoint_read(path("ckpt"), &rd, b, &err),
			 0);
	assert_true(rd.fingerprint == cp.fingerprint);
	assert_int_equal(rd.seed, 42);
	assert_int_equal(rd.next, 1000);
	assert_int_equal(rd.n_pending, 3);
	assert_true(rd.pending[2] == 123456789012ull);
	sa = saved(a);
	sb = saved(b);
	assert_string_equal(sa, sb);
	free(sa);
	free(sb);
	portier_free(rd.pending);
	assert_int_equal(
		portier_checkpoint_read(path("nonexistent"), &rd, NULL, &err),
		PORTIER_ENOENT);
	/*
	 * A checkpoint reached through a symlink is not read (the scanner used
	 * to follow one; guard and the firewall did not): the stricter rule.
	 */
	assert_int_equal(symlink(path("ckpt"), path("ckpt-link")), 0);
	assert_int_equal(
		portier_checkpoint_read(path("ckpt-link"), &rd, NULL, &err),
		PORTIER_EPERM);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_null(rd.pending);
	/*
	 * --resume FILE is the user's choice: a directory others may write to
	 * is no reason to refuse it (only state directories are checked), and
	 * the file and its directory are synced.
	 */
	{
		unsigned files = fsync_spy_files, dirs = fsync_spy_dirs;

		assert_int_equal(mkdir(path("open"), 0777), 0);
		assert_int_equal(chmod(path("open"), 0777), 0);
		assert_int_equal(portier_checkpoint_write(path("open/ckpt"),
							  &cp, NULL, &err),
				 0);
		assert_int_equal(fsync_spy_files, files + 1);
		assert_int_equal(fsync_spy_dirs, dirs + 1);
		assert_int_equal(portier_checkpoint_read(path("open/ckpt"), &rd,
							 NULL, &err),
				 0);
		assert_int_equal(rd.next, 1000);
		portier_free(rd.pending);
		/* a directory that does not exist: still a runtime failure */
		assert_int_equal(portier_checkpoint_write(path("none/ckpt"),
							  &cp, NULL, &err),
				 PORTIER_EIO);
		assert_int_equal(err.code, PORTIER_EIO);
	}
	assert_int_equal(
		portier_checkpoint_read(path("services"), &rd, NULL, &err),
		PORTIER_EINVAL);
	/* a checkpoint cut short (no "end" line) is refused, with and without
	 * sinks to load into */
	{
		char *whole = slurp(path("ckpt")), *cut;
		FILE *t;

		assert_non_null(cut = strstr(whole, "end\n"));
		t = fopen(path("cut"), "w");
		assert_non_null(t);
		fwrite(whole, 1, (size_t)(cut - whole), t);
		fclose(t);
		free(whole);
		assert_int_equal(
			portier_checkpoint_read(path("cut"), &rd, NULL, &err),
			PORTIER_EINVAL);
		assert_non_null(strstr(err.msg, "truncated"));
		assert_null(rd.pending);
		assert_int_equal(
			portier_checkpoint_read(path("cut"), &rd, b, &err),
			PORTIER_EINVAL);
		assert_non_null(strstr(err.msg, "truncated"));
		portier_free(rd.pending);
	}
	portier_out_free(a);
	portier_out_free(b);
}

static void test_interrupted_xml(void **state)
{
	struct portier_out_options opt;
	struct portier_out *o = NULL;
	struct portier_scan_stats st;
	struct portier_err err = {0};
	char *xml;

	(void)state;
	memset(&opt, 0, sizeof(opt));
	opt.xml_path = path("int.xml");
	opt.ports = scanned;
	opt.n_ports = 3;
	assert_int_equal(portier_out_open(&o, &opt, &err), 0);
	memset(&st, 0, sizeof(st));
	st.interrupted = true;
	assert_int_equal(portier_out_finish(o, &st, &err), 0);
	portier_out_free(o);
	xml = slurp(path("int.xml"));
	assert_non_null(strstr(xml, "exit=\"error\" errormsg=\"interrupted\""));
	assert_non_null(strstr(xml, "</nmaprun>"));
	free(xml);
	/* an unwritable path is an error naming it */
	opt.xml_path = "/nonexistent/dir/x.xml";
	assert_true(portier_out_open(&o, &opt, &err) < 0);
	opt.xml_path = NULL;
	opt.json_path = "/nonexistent/dir/x.jsonl";
	assert_true(portier_out_open(&o, &opt, &err) < 0);
	assert_non_null(strstr(err.msg, "/nonexistent/dir/x.jsonl"));
}

static void test_text_table(void **state)
{
	struct portier_out_options opt;
	struct portier_out *o = NULL;
	struct portier_scan_stats st;
	struct portier_err err = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	memset(&opt, 0, sizeof(opt));
	opt.text = f;
	opt.method = PORTIER_SCAN_SYN;
	assert_int_equal(portier_out_open(&o, &opt, &err), 0);
	feed(o);
	memset(&st, 0, sizeof(st));
	assert_int_equal(portier_out_finish(o, &st, &err), 0);
	portier_out_free(o);
	fclose(f);
	assert_non_null(strstr(buf,
			       "portier scan report for 198.19.1.2\n"
			       "Not shown: 30 closed tcp ports (30 reset)\n"
			       "PORT      STATE    SERVICE          RISK\n"
			       "22/tcp    open     unknown          \n"
			       "445/tcp   open     unknown          \n"
			       "2000/tcp  filtered unknown          \n"));
	assert_non_null(strstr(buf, "portier scan report for fd70:7:1::2\n"
				    "PORT      STATE    SERVICE          RISK\n"
				    "1/tcp     closed   unknown"));
	free(buf);

	/* --open: hosts without an open port disappear */
	buf = NULL;
	f = open_memstream(&buf, &len);
	opt.text = f;
	opt.open_only = true;
	assert_int_equal(portier_out_open(&o, &opt, &err), 0);
	feed(o);
	assert_int_equal(portier_out_finish(o, &st, &err), 0);
	portier_out_free(o);
	fclose(f);
	assert_null(strstr(buf, "fd70:7:1::2"));
	assert_null(strstr(buf, "2000/tcp"));
	assert_non_null(strstr(buf, "445/tcp"));
	free(buf);
}

/* ---- follow-up probes: host list, extra JSON, text and XML hooks ---- */

static void extra_text(void *ctx, const struct portier_addr *a, FILE *f)
{
	char buf[64];

	(*(unsigned *)ctx)++;
	fprintf(f, "\nEXTRA for %s\n", portier_addr_str(a, buf, sizeof(buf)));
}

static size_t extra_scripts(void *ctx, const struct portier_addr *a,
			    struct portier_out_script *out, size_t max)
{
	/* a table of a list and a keyed elem; the last entry's depth jumps
	 * back two levels at once */
	static const struct portier_out_elem el[] = {
		{0, "highest", "3.1.1"}, {0, "accepted", NULL},
		{1, NULL, "NT LM 0.12"}, {1, NULL, "3.1.1"},
		{0, "shares", NULL},	 {1, NULL, NULL},
		{2, "name", "a<&>$"},	 {0, "smb1", "true"},
	};

	(void)ctx;
	if (a->family != 4 || max < 2)
		return 0; /* only the IPv4 host has results */
	out[0] = (struct portier_out_script){"nbstat", "Looking up\n\tA <00>",
					     NULL, 0};
	out[1] = (struct portier_out_script){"smb-protocols", "x \"<&> y", el,
					     sizeof(el) / sizeof(el[0])};
	return 2;
}

/* The options the hook tests share: the table into text, a SYN scan of
 * the three scanned ports. */
static void hook_options(struct portier_out_options *opt, FILE *text)
{
	memset(opt, 0, sizeof(*opt));
	opt->text = text;
	opt->method = PORTIER_SCAN_SYN;
	opt->ports = scanned;
	opt->n_ports = 3;
}

static void test_probe_hooks(void **state)
{
	struct portier_out_options opt;
	struct portier_out_host_info *list;
	struct portier_out *o = NULL;
	struct portier_scan_stats st;
	struct portier_err err = {0};
	struct portier_addr a4, a6, none;
	unsigned calls = 0;
	char *buf = NULL, *xml, *jsonl;
	size_t len = 0, n;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	hook_options(&opt, f);
	opt.json_path = path("p.jsonl");
	opt.xml_path = path("p.xml");
	opt.host_text = extra_text;
	opt.host_scripts = extra_scripts;
	opt.host_ctx = &calls;
	assert_int_equal(portier_out_open(&o, &opt, &err), 0);
	feed(o);
	assert_int_equal(portier_addr_parse("198.19.1.2", &a4), 0);
	assert_int_equal(portier_addr_parse("fd70:7:1::2", &a6), 0);
	assert_int_equal(portier_addr_parse("198.19.9.9", &none), 0);

	/* the hosts, sorted, with their counts; which ports are open */
	assert_int_equal(portier_out_host_list(o, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(portier_addr_cmp(&list[0].addr, &a4), 0);
	assert_int_equal(list[0].open, 2);
	assert_int_equal(list[0].closed, 30);
	assert_int_equal(list[0].filtered, 1);
	assert_int_equal(portier_addr_cmp(&list[1].addr, &a6), 0);
	assert_int_equal(list[1].open, 0);
	assert_int_equal(list[1].closed, 3);
	portier_free(list);
	assert_true(portier_out_port_open(o, &a4, 445));
	assert_true(portier_out_port_open(o, &a4, 22));
	assert_false(portier_out_port_open(o, &a4, 2000)); /* filtered */
	assert_false(portier_out_port_open(o, &a4, 1005)); /* closed */
	assert_false(portier_out_port_open(o, &a4, 139));  /* not scanned */
	assert_false(portier_out_port_open(o, &a6, 1));
	assert_false(portier_out_port_open(o, &none, 445)); /* no record */

	/* extra JSON objects go between the port results and the summary */
	assert_int_equal(portier_out_json_line(o, "{\"type\":\"smb\"}"), 0);
	memset(&st, 0, sizeof(st));
	assert_int_equal(portier_out_finish(o, &st, &err), 0);
	portier_out_free(o);
	fclose(f);

	/* the text block comes under each shown host's table */
	assert_int_equal(calls, 2);
	assert_non_null(strstr(buf, "2000/tcp  filtered unknown          \n"
				    "\nEXTRA for 198.19.1.2\n\n"));
	assert_non_null(strstr(buf, "\nEXTRA for fd70:7:1::2\n\n"));
	free(buf);

	jsonl = slurp(path("p.jsonl"));
	assert_non_null(
		strstr(jsonl, "\n{\"type\":\"smb\"}\n{\"type\":\"summary\""));
	free(jsonl);

	/* XML: one <hostscript> after <ports>, attributes escaped, still valid */
	xml = slurp(path("p.xml"));
	assert_non_null(strstr(xml,
			       "</ports><hostscript><script id=\"nbstat\" "
			       "output=\"Looking up&#10;&#9;A &lt;00&gt;\"/>"
			       "<script id=\"smb-protocols\" "
			       "output=\"x &quot;&lt;&amp;&gt; y\">"
			       "<elem key=\"highest\">3.1.1</elem>"
			       "<table key=\"accepted\"><elem>NT LM 0.12</elem>"
			       "<elem>3.1.1</elem></table>"
			       "<table key=\"shares\"><table>"
			       "<elem key=\"name\">a&lt;&amp;&gt;$</elem>"
			       "</table></table>"
			       "<elem key=\"smb1\">true</elem></script>"
			       "</hostscript>\n</host>"));
	assert_non_null(strstr(xml, "</ports></host>")); /* the IPv6 host */
	free(xml);
	assert_valid_xml(path("p.xml"));
}

/* -sV's hook: 22 recognised with a finding, 445 a banner nothing knew */
static const struct portier_svc *svc_of(void *ctx, const struct portier_addr *a,
					uint16_t port, bool udp,
					const char **banner)
{
	static const struct portier_probe_finding f = {
		PORTIER_RISK_HIGH, "ssh-weak", "why <it> matters", "fix & it"};
	static struct portier_svc ssh, unknown;

	(*(unsigned *)ctx)++;
	*banner = "";
	if (a->family != 4 || udp)
		return NULL;
	if (port == 445) {
		memset(&unknown, 0, sizeof(unknown));
		snprintf(unknown.name, sizeof(unknown.name), "microsoft-ds");
		unknown.conf = 3;
		*banner = "\\x00junk";
		return &unknown;
	}
	memset(&ssh, 0, sizeof(ssh));
	snprintf(ssh.name, sizeof(ssh.name), "ssh");
	snprintf(ssh.product, sizeof(ssh.product), "OpenSSH");
	snprintf(ssh.version, sizeof(ssh.version), "9.2p1 Debian 2+deb12u3");
	snprintf(ssh.extrainfo, sizeof(ssh.extrainfo), "protocol 2.0");
	snprintf(ssh.ostype, sizeof(ssh.ostype), "Linux");
	ssh.probed = true;
	ssh.conf = 10;
	portier_svc_add_finding(&ssh, &f, "offers %s", "ssh-rsa/sha1");
	return &ssh;
}

static void test_service_hook(void **state)
{
	struct portier_out_options opt;
	struct portier_out *o = NULL;
	struct portier_scan_stats st;
	struct portier_err err = {0};
	unsigned calls = 0;
	char *buf = NULL, *xml, *gnmap;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	hook_options(&opt, f);
	opt.xml_path = path("v.xml");
	opt.grep_path = path("v.gnmap");
	opt.port_service = svc_of;
	opt.port_ctx = &calls;
	assert_int_equal(portier_out_open(&o, &opt, &err), 0);
	feed(o);
	memset(&st, 0, sizeof(st));
	assert_int_equal(portier_out_finish(o, &st, &err), 0);
	portier_out_free(o);
	fclose(f);
	/* asked for open TCP ports only: 22 and 445, once per sink */
	assert_int_equal(calls, 6);

	/* the table: a VERSION column, the finding and its advice below */
	assert_non_null(strstr(buf, "PORT      STATE    SERVICE          "
				    "RISK   VERSION\n"));
	assert_non_null(strstr(buf, "22/tcp    open     ssh                "
				    "     OpenSSH 9.2p1 Debian 2+deb12u3 "
				    "(protocol 2.0)\n"
				    "| ssh-weak (high): offers ssh-rsa/sha1\n"
				    "|_   fix: fix & it\n"));
	assert_non_null(strstr(buf, "banner \"\\x00junk\"\n"));
	assert_non_null(strstr(buf, "2000/tcp  filtered unknown          \n"));
	free(buf);

	xml = slurp(path("v.xml"));
	assert_non_null(strstr(
		xml,
		"<service name=\"ssh\" product=\"OpenSSH\" "
		"version=\"9.2p1 Debian 2+deb12u3\" "
		"extrainfo=\"protocol 2.0\" ostype=\"Linux\" "
		"method=\"probed\" conf=\"10\"/><script id=\"ssh-weak\" "
		"output=\"ssh-weak (high): offers ssh-rsa/sha1&#10;why: "
		"why &lt;it&gt; matters&#10;fix: fix &amp; it\"/></port>"));
	/* a guess keeps the table's name (no services file, no kb here:
	 * "unknown"); the banner is a script */
	assert_non_null(strstr(xml, "<service name=\"unknown\" "
				    "method=\"table\" conf=\"3\"/>"
				    "<script id=\"banner\" "
				    "output=\"\\x00junk\"/></port>"));
	free(xml);
	assert_valid_xml(path("v.xml"));

	gnmap = slurp(path("v.gnmap"));
	assert_non_null(strstr(gnmap, "22/open/tcp//ssh//OpenSSH 9.2p1 Debian "
				      "2+deb12u3 (protocol 2.0)/"));
	assert_non_null(strstr(gnmap, "445/open/tcp//unknown///"));
	free(gnmap);
}

static void test_port_ranges(void **state)
{
	static const uint16_t p[] = {1, 2, 3, 5, 7, 8, 65535};
	char buf[64];

	(void)state;
	assert_string_equal(portier_out_port_ranges(p, 7, buf, sizeof(buf)),
			    "1-3,5,7-8,65535");
	assert_string_equal(portier_out_port_ranges(p, 0, buf, sizeof(buf)),
			    "");
	/* too small: cut at a whole entry */
	assert_string_equal(portier_out_port_ranges(p, 7, buf, 6), "1-3,5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sinks),
		cmocka_unit_test(test_save_load),
		cmocka_unit_test(test_full_range),
		cmocka_unit_test(test_xml_header),
		cmocka_unit_test(test_checkpoint),
		cmocka_unit_test(test_interrupted_xml),
		cmocka_unit_test(test_text_table),
		cmocka_unit_test(test_port_ranges),
		cmocka_unit_test(test_probe_hooks),
		cmocka_unit_test(test_service_hook),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
