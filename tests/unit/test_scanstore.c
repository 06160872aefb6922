/*
 * test_scanstore.c - scans in the store: a scan file saved and loaded
 * back compares equal to itself, and the changes between two scans of one
 * host are the events NEW, GONE and SERVICE_CHANGED (a port open on both
 * sides whose service, product or version changed).  A scan whose rows
 * the database returns in another order (PostgreSQL sorts text by its
 * collation) loads sorted as a scan file is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "portier/store.h"

static const char xml_a[] =
	"<?xml version=\"1.0\"?><nmaprun scanner=\"nmap\">"
	"<host><status state=\"up\"/>"
	"<address addr=\"198.19.1.2\" addrtype=\"ipv4\"/>"
	"<ports><extraports state=\"closed\" count=\"996\"/>"
	"<port protocol=\"tcp\" portid=\"22\"><state state=\"open\"/>"
	"<service name=\"ssh\" product=\"OpenSSH\" version=\"9.2p1\"/></port>"
	"<port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/>"
	"<service name=\"http\" product=\"Apache httpd\" version=\"2.4.57\"/>"
	"</port>"
	"<port protocol=\"tcp\" portid=\"443\"><state state=\"open\"/>"
	"<service name=\"https\"/></port>"
	"<port protocol=\"tcp\" portid=\"25\"><state state=\"filtered\"/>"
	"</port>"
	"</ports></host></nmaprun>";

/* 80 another server, 443 gone, 8080 new, 25 filtered -> closed (a
 * change, but none of the three events) */
static const char xml_b[] =
	"<?xml version=\"1.0\"?><nmaprun scanner=\"nmap\">"
	"<host><status state=\"up\"/>"
	"<address addr=\"198.19.1.2\" addrtype=\"ipv4\"/>"
	"<ports><extraports state=\"filtered\" count=\"996\"/>"
	"<port protocol=\"tcp\" portid=\"22\"><state state=\"open\"/>"
	"<service name=\"ssh\" product=\"OpenSSH\" version=\"9.2p1\"/></port>"
	"<port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/>"
	"<service name=\"http\" product=\"nginx\" version=\"1.22.1\"/>"
	"</port>"
	"<port protocol=\"tcp\" portid=\"8080\"><state state=\"open\"/>"
	"<service name=\"http-proxy\"/></port>"
	"<port protocol=\"tcp\" portid=\"25\"><state state=\"closed\"/>"
	"</port>"
	"</ports></host></nmaprun>";

static struct portier_scan_file *parse(const char *text)
{
	struct portier_scan_file *f = NULL;
	struct portier_err err = {0};

	assert_int_equal(
		portier_scan_file_parse(text, strlen(text), "t.xml", &f, &err),
		0);
	return f;
}

static void test_roundtrip(void **state)
{
	char dir[] = "/tmp/portier-test-scanstore.XXXXXX", db[64], cmd[80];
	struct portier_scan_file *a = parse(xml_a), *b = parse(xml_b), *la, *lb;
	struct portier_scan_change *ch;
	struct portier_scan_file *a_none;
	struct portier_scan_info *info;
	struct portier_store *st;
	struct portier_err err = {0};
	int64_t ia, ib;
	size_t n;
	char kinds[128] = "";

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof db, "%s/p.db", dir);
	assert_int_equal(
		portier_store_open(db, PORTIER_STORE_CREATE, &st, &err), 0);
	assert_int_equal(
		portier_store_scan_save(st, a, 100, "a.xml", &ia, &err), 0);
	assert_int_equal(
		portier_store_scan_save(st, b, 200, "b.xml", &ib, &err), 0);
	assert_int_equal(portier_store_scan_list(st, &info, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(info[1].id, ib);
	assert_int_equal(info[1].time, 200);
	assert_int_equal(info[1].hosts, 1);
	assert_string_equal(info[0].source, "a.xml");
	portier_free(info);
	assert_int_equal(portier_store_scan_load(st, ia, &la, &err), 0);
	assert_int_equal(portier_store_scan_load(st, ib, &lb, &err), 0);
	assert_int_equal(portier_store_scan_load(st, 99, &a_none, &err),
			 PORTIER_ENOENT);
	assert_null(a_none);
	/* what went in comes out: no change against the file itself */
	assert_int_equal(portier_scan_file_diff(a, la, &ch, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_string_equal(la->hosts[0].extraports, "closed=996");
	assert_int_equal(la->hosts[0].n_ports, 4);
	/* the stored scans give the same changes as the files */
	assert_int_equal(portier_scan_file_diff(la, lb, &ch, &n, &err), 0);
	for (size_t i = 0; i < n; i++) {
		int k = portier_scan_change_kind(&ch[i]);
		size_t len = strlen(kinds);

		snprintf(
			kinds + len, sizeof kinds - len, "%s%s", len ? "," : "",
			k < 0 ? "-"
			      : portier_event_name((enum portier_event_kind)k));
	}
	/* host (extra ports), 25 filtered->closed, 80, 443, 8080 */
	assert_string_equal(kinds, "-,-,SERVICE_CHANGED,GONE,NEW");
	portier_free(ch);
	portier_scan_file_free(la);
	portier_scan_file_free(lb);
	portier_scan_file_free(a);
	portier_scan_file_free(b);
	portier_store_close(st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_load_order(void **state)
{
	char dir[] = "/tmp/portier-test-scanstore.XXXXXX", db[64], cmd[80];
	struct portier_scan_file *f;
	struct portier_store *st;
	struct portier_err err = {0};
	sqlite3 *raw;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof db, "%s/p.db", dir);
	assert_int_equal(
		portier_store_open(db, PORTIER_STORE_CREATE, &st, &err), 0);
	portier_store_close(st);
	/* rows written in an order no scan file has, as a database with
	 * another collation might return them; a port of no host */
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(
			raw,
			"INSERT INTO scan VALUES(1, 5, 'x');"
			"INSERT INTO scan_host VALUES(1, 'b', 'b', 'up', ''),"
			" (1, 'a', 'a', 'up', ''), (1, 'C', 'C', 'up', '');"
			"INSERT INTO scan_port VALUES(1, 'b', 443, 6, 'open', ''),"
			" (1, 'b', 22, 6, 'open', ''), (1, 'b', 22, 17, 'open',"
			" ''), (1, 'a', 80, 6, 'closed', 's'),"
			" (1, 'zz', 1, 6, 'open', '')",
			NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(portier_store_open(db, 0, &st, &err), 0);
	assert_int_equal(portier_store_scan_load(st, 1, &f, &err), 0);
	assert_int_equal(f->n, 3);
	assert_string_equal(f->hosts[0].id, "C");
	assert_string_equal(f->hosts[1].id, "a");
	assert_string_equal(f->hosts[2].id, "b");
	assert_int_equal(f->hosts[0].n_ports, 0);
	assert_int_equal(f->hosts[1].n_ports, 1);
	assert_string_equal(f->hosts[1].ports[0].service, "s");
	assert_int_equal(f->hosts[2].n_ports, 3);
	assert_int_equal(f->hosts[2].ports[0].port, 22);
	assert_int_equal(f->hosts[2].ports[0].proto, 6);
	assert_int_equal(f->hosts[2].ports[1].proto, 17);
	assert_int_equal(f->hosts[2].ports[2].port, 443);
	portier_scan_file_free(f);
	portier_store_close(st);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_load_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
