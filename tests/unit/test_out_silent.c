/*
 * test_out_silent.c - ports that never answered are bits, not host records
 * (src/out/silent.c): a host whose every port was silent has no record but
 * is still written by every sink as nmap -Pn writes it, a host that answered
 * somewhere gets its silent ports merged into its list in port order, and
 * the bits survive a checkpoint's save and load.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "portier/out.h"

static const uint16_t tcp[] = {22, 80};
static const uint16_t udp[] = {53};

struct fixture {
	struct portier_targets *t;
	char dir[64];
	char xml[128], gnmap[128];
	char *table;
	size_t table_len;
	FILE *text;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct portier_err err = {0};

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/portier-test-silent.XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->xml, sizeof(fx->xml), "%s/r.xml", fx->dir);
	snprintf(fx->gnmap, sizeof(fx->gnmap), "%s/r.gnmap", fx->dir);
	assert_int_equal(portier_targets_new(&fx->t, NULL), 0);
	assert_int_equal(portier_targets_add(fx->t, "10.0.0.0/30", false, &err),
			 0);
	assert_int_equal(portier_targets_add(fx->t, "fd70::1", false, &err), 0);
	assert_int_equal(portier_targets_finish(fx->t, &err), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	remove(fx->xml);
	remove(fx->gnmap);
	rmdir(fx->dir);
	portier_targets_free(fx->t);
	free(fx->table);
	free(fx);
	return 0;
}

/* Sinks: the table (in memory), XML and grepable when files is set; the
 * ports scanned are tcp[] and udp[], or 1-40/tcp with many set. */
static struct portier_out *open_many(struct fixture *fx, bool files, bool many)
{
	static uint16_t range[40];
	struct portier_out_options opt;
	struct portier_out *o = NULL;
	struct portier_err err = {0};

	memset(&opt, 0, sizeof(opt));
	if (files) {
		fx->text = open_memstream(&fx->table, &fx->table_len);
		assert_non_null(fx->text);
		opt.text = fx->text;
		opt.xml_path = fx->xml;
		opt.grep_path = fx->gnmap;
	}
	opt.keep_hosts = true;
	opt.targets = fx->t;
	opt.method = PORTIER_SCAN_SYN;
	opt.ports = tcp;
	opt.n_ports = 2;
	opt.udp_ports = udp;
	opt.n_udp_ports = 1;
	if (many) {
		for (uint16_t i = 0; i < 40; i++)
			range[i] = (uint16_t)(i + 1);
		opt.ports = range;
		opt.n_ports = 40;
		opt.n_udp_ports = 0;
	}
	assert_int_equal(portier_out_open(&o, &opt, &err), 0);
	return o;
}

static struct portier_out *open_out(struct fixture *fx, bool files)
{
	return open_many(fx, files, false);
}

static void put(struct portier_out *o, const char *addr, uint16_t port,
		bool is_udp, enum portier_port_state st,
		enum portier_reason why)
{
	struct portier_scan_result r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(portier_addr_parse(addr, &r.addr), 0);
	r.port = port;
	r.proto = is_udp ? PORTIER_PROTO_UDP : PORTIER_PROTO_TCP;
	r.state = (uint8_t)st;
	r.reason = (uint8_t)why;
	r.tries = 1;
	assert_int_equal(portier_out_result(o, &r), 0);
}

/*
 * 10.0.0.0: every port silent (no record); 10.0.0.1: 80 silent before 22
 * and 53 answer; 10.0.0.2: nothing yet; 10.0.0.3: 22 refused by an ICMP
 * error (a record), 80 silent; fd70::1: 22 silent, the rest not yet done.
 */
static void feed(struct portier_out *o)
{
	const enum portier_port_state F = PORTIER_PORT_FILTERED,
				      OF = PORTIER_PORT_OPEN_FILTERED;
	const enum portier_reason NR = PORTIER_REASON_NO_RESPONSE;

	put(o, "10.0.0.0", 80, false, F, NR);
	put(o, "10.0.0.1", 80, false, F, NR);
	put(o, "fd70::1", 22, false, F, NR);
	put(o, "10.0.0.0", 53, true, OF, NR);
	put(o, "10.0.0.1", 22, false, PORTIER_PORT_OPEN,
	    PORTIER_REASON_SYN_ACK);
	put(o, "10.0.0.3", 80, false, F, NR);
	put(o, "10.0.0.0", 22, false, F, NR);
	put(o, "10.0.0.3", 22, false, F, PORTIER_REASON_ADMIN_PROHIBITED);
	put(o, "10.0.0.1", 53, true, PORTIER_PORT_OPEN,
	    PORTIER_REASON_UDP_RESPONSE);
}

static void test_sinks(void **state)
{
	struct fixture *fx = *state;
	struct portier_out *o = open_out(fx, true);
	struct portier_out_host_info *info;
	struct portier_scan_stats st;
	struct portier_err err = {0};
	size_t n, with_open;
	char *x, *y, *g = NULL;
	FILE *f;
	long len;

	feed(o);
	/* records only for the hosts that answered somewhere */
	assert_int_equal(portier_out_host_list(o, &info, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(info[0].open, 2);
	assert_int_equal(info[0].filtered, 1); /* its silent 80/tcp */
	assert_int_equal(info[1].filtered, 2);
	portier_free(info);
	assert_int_equal(portier_out_hosts(o, &with_open), 4);
	assert_int_equal(with_open, 1);
	memset(&st, 0, sizeof(st));
	assert_int_equal(portier_out_finish(o, &st, &err), 0);
	portier_out_free(o);
	fclose(fx->text);

	/* the table: hosts in address order, ports in port order, TCP first */
	x = strstr(fx->table, "portier scan report for 10.0.0.0\n");
	assert_non_null(x);
	assert_non_null(strstr(x, "22/tcp    filtered      "));
	y = strstr(x, "portier scan report for 10.0.0.1\n");
	assert_non_null(y);
	assert_non_null(strstr(x, "53/udp    open|filtered "));
	assert_true(strstr(x, "53/udp    open|filtered ") < y);
	x = strstr(y, "22/tcp    open ");
	assert_non_null(x);
	assert_non_null(strstr(x, "80/tcp    filtered "));
	assert_non_null(strstr(x, "53/udp    open "));
	assert_null(strstr(fx->table, "10.0.0.2"));
	x = strstr(y, "portier scan report for 10.0.0.3\n");
	assert_non_null(x);
	y = strstr(x, "portier scan report for fd70::1\n");
	assert_non_null(y);
	assert_non_null(strstr(y, "22/tcp    filtered "));
	assert_null(strstr(y, "80/tcp"));

	f = fopen(fx->gnmap, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	g = calloc(1, (size_t)len + 1);
	assert_non_null(g);
	assert_int_equal(fread(g, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	assert_non_null(strstr(g, "Host: 10.0.0.0 ()\tPorts: 22/filtered/tcp"
				  "//unknown///, 80/filtered/tcp//unknown///, "
				  "53/open|filtered/udp//unknown///\n"));
	assert_non_null(strstr(
		g, "Host: 10.0.0.1 ()\tPorts: 22/open/tcp//unknown///,"
		   " 80/filtered/tcp//unknown///, 53/open/udp//unknown///\n"));
	assert_non_null(strstr(g,
			       "Host: 10.0.0.3 ()\tPorts: 22/filtered/tcp"
			       "//unknown///, 80/filtered/tcp//unknown///\n"));
	assert_non_null(strstr(g, "Host: fd70::1 ()\tPorts: 22/filtered/tcp"
				  "//unknown///\n"));
	assert_non_null(strstr(g, "4 IP addresses (4 hosts up)"));
	free(g);
}

/* Loading text into o fails on its first line. */
static void refused(struct portier_out *o, const char *text)
{
	struct portier_err err = {0};
	FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");

	assert_non_null(f);
	assert_int_equal(portier_out_load(o, f, &err), PORTIER_EINVAL);
	assert_non_null(strstr(err.msg, "bad result line 1"));
	fclose(f);
}

/* The bits go into the checkpoint and come back as they were. */
static void test_save_load(void **state)
{
	struct fixture *fx = *state;
	struct portier_out *a = open_out(fx, false), *b = open_out(fx, false);
	struct portier_err err = {0};
	char *sa = NULL, *sb = NULL;
	size_t la = 0, lb = 0;
	FILE *f;

	feed(a);
	f = open_memstream(&sa, &la);
	assert_int_equal(portier_out_save(a, f), 0);
	fputs("end\n", f);
	fclose(f);
	assert_non_null(strstr(sa, "\ns 0 "));
	f = fmemopen(sa, la, "r");
	assert_int_equal(portier_out_load(b, f, &err), 0);
	fclose(f);
	f = open_memstream(&sb, &lb);
	assert_int_equal(portier_out_save(b, f), 0);
	fputs("end\n", f);
	fclose(f);
	assert_string_equal(sa, sb);
	free(sb);
	/* a word past the bitmap, or bits past its last host, are refused */
	refused(b, "s 9 1\nend\n");
	refused(b, "s 0 8000\nend\n");
	free(sa);
	portier_out_free(a);
	portier_out_free(b);
}

/*
 * More silent ports than are listed: they are summed up with the host's
 * others ("Not shown", <extraports>), its answered ports still listed.
 */
static void test_summarised(void **state)
{
	struct fixture *fx = *state;
	struct portier_out *o = open_many(fx, true, true);
	struct portier_scan_stats st;
	struct portier_err err = {0};
	char *x;
	uint16_t p;

	for (p = 40; p >= 1; p--)
		put(o, "10.0.0.1", p, false,
		    p <= 30   ? PORTIER_PORT_FILTERED
		    : p == 31 ? PORTIER_PORT_OPEN
			      : PORTIER_PORT_CLOSED,
		    p <= 30   ? PORTIER_REASON_NO_RESPONSE
		    : p == 31 ? PORTIER_REASON_SYN_ACK
			      : PORTIER_REASON_RESET);
	memset(&st, 0, sizeof(st));
	assert_int_equal(portier_out_finish(o, &st, &err), 0);
	portier_out_free(o);
	fclose(fx->text);
	assert_non_null(strstr(fx->table, "Not shown: 30 filtered tcp ports "
					  "(30 no-response)\n"));
	assert_null(strstr(fx->table, "\n1/tcp"));
	x = strstr(fx->table, "31/tcp    open ");
	assert_non_null(x);
	assert_non_null(strstr(x, "40/tcp    closed "));
	{
		FILE *f = fopen(fx->xml, "r");
		char line[512];
		bool extra = false, port1 = false;

		assert_non_null(f);
		while (fgets(line, sizeof(line), f)) {
			extra = extra ||
				strstr(line, "<extraports state=\"filtered\" "
					     "count=\"30\"><extrareasons "
					     "reason=\"no-response\" "
					     "count=\"30\"");
			port1 = port1 || strstr(line, "portid=\"1\"");
		}
		fclose(f);
		assert_true(extra);
		assert_false(port1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sinks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_load, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_summarised, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
