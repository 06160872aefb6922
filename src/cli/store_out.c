/*
 * store_out.c - the store's database for the commands, and its events
 * printed (store_out.h).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/local_out.h"
#include "cli/store_out.h"
#include "portier/audit.h"

/* The PostgreSQL store's retries, as notes on stderr. */
static void log_note(void *ctx, const char *msg)
{
	cli_notice(ctx, "%s", msg);
}

int store_out_open_err(struct cli *cli, const char *name, bool create,
		       struct portier_store **st, struct portier_err *err)
{
	const struct portier_store_opts o = {
		.flags = create ? PORTIER_STORE_CREATE : 0,
		.log = log_note,
		.log_ctx = cli,
	};

	return portier_store_open_opts(name, &o, st, err);
}

int store_out_open(struct cli *cli, const char *path, bool create,
		   struct portier_store **st)
{
	struct portier_err err = {0};
	char *def = NULL;
	int rc;

	*st = NULL;
	if (!path && !(path = def = portier_store_default_path(&err)))
		return cli_report(cli, &err);
	rc = store_out_open_err(cli, path, create, st, &err);
	portier_free(def);
	return rc ? cli_report(cli, &err) : 0; /* a refused file: exit 3 */
}

void store_out_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
	    !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", (long long)t);
}

/* x's address and port as local_out_endpoint writes a socket's. */
static void endpoint(const struct portier_listener *x, char *buf, size_t len)
{
	struct portier_sock s = {
		.family = x->family == 6 ? AF_INET6 : AF_INET,
		.proto = x->proto,
		.lport = x->port,
	};

	memcpy(s.laddr, x->addr, 16);
	local_out_endpoint(&s, false, buf, len);
}

void store_out_key(const struct portier_listener *x, char *buf, size_t len)
{
	char ep[80], ns[PORTIER_TEXT_MAX(64)];

	endpoint(x, ep, sizeof ep);
	portier_text_clean(ns, sizeof ns, x->netns, PORTIER_TEXT_TERM);
	snprintf(buf, len, "%s %s%s%s", portier_local_proto_name(x->proto), ep,
		 *ns ? " netns " : "", ns);
}

static void hex8(const struct portier_listener *x, char *buf)
{
	if (!x->have_sha) {
		strcpy(buf, "?");
		return;
	}
	for (int i = 0; i < 6; i++)
		snprintf(buf + 2 * i, 3, "%02x", x->sha256[i]);
}

/* " (verifies)" when x's executable matches its package's md5sum. */
static const char *verdict(const struct portier_listener *x)
{
	switch (x->pkg_verified) {
	case PORTIER_PKG_VERIFIES:
		return " (verifies)";
	case PORTIER_PKG_DIFFERS:
		return " (DOES NOT VERIFY)";
	default:
		return " (not verified)";
	}
}

static void owner(const struct portier_listener *x, char *buf, size_t len)
{
	char exe[PORTIER_TEXT_MAX(256)], pkg[PORTIER_TEXT_MAX(128)];

	portier_text_clean(exe, sizeof exe,
			   x->exe    ? x->exe
			   : x->comm ? x->comm
				     : "?",
			   PORTIER_TEXT_TERM);
	portier_text_clean(pkg, sizeof pkg, x->package ? x->package : "",
			   PORTIER_TEXT_TERM);
	if (x->pid) {
		/* a display line: a very long path is cut, and that is all */
		if (snprintf(buf, len, "%s (pid %d%s%s%s%s%s)", exe, x->pid,
			     x->exe_deleted ? ", deleted" : "",
			     x->package && !x->package[0] ? ", no package" : "",
			     x->package && x->package[0] ? ", package " : "",
			     x->package && x->package[0] ? pkg : "",
			     x->package && x->package[0] ? verdict(x) : "") >=
		    (int)len)
			buf[len - 1] = '\0';
	} else
		snprintf(buf, len, "no visible owner");
}

void store_out_event_text(const struct cli *cli, const struct portier_event *e,
			  const char *prefix, FILE *f)
{
	const struct portier_listener *x = e->b ? e->b : e->a;
	char key[256], ep[80], oa[1100], ob[1100], ha[16], hb[16];
	enum portier_risk r = e->severity;

	store_out_key(e->a ? e->a : e->b, key, sizeof key);
	fprintf(f, "%s%s%-15s%s %s", prefix,
		cli_color_on(cli, cli_risk_color(r)),
		portier_event_name(e->kind), cli_color_off(cli), key);
	owner(x, ob, sizeof ob);
	switch (e->kind) {
	case PORTIER_EV_REBOUND:
		endpoint(e->b, ep, sizeof ep);
		fprintf(f, " -> %s  %s", ep, ob);
		break;
	case PORTIER_EV_OWNER_CHANGED:
		owner(e->a, oa, sizeof oa);
		fprintf(f, "  %s -> %s", oa, ob);
		break;
	case PORTIER_EV_BINARY_MODIFIED:
		hex8(e->a, ha);
		hex8(e->b, hb);
		fprintf(f, "  %s sha256 %s.. -> %s..", ob, ha, hb);
		break;
	default:
		fprintf(f, "  %s", ob);
	}
	fprintf(f, "  risk %s", portier_audit_severity_name(r));
	if (x->rules)
		fprintf(f, " (%s)", x->rules);
	fputc('\n', f);
}

static json_t *listener_json(const struct portier_listener *x)
{
	char addr[PORTIER_ADDR_STRLEN], sha[65] = "";
	struct portier_addr a = {.family = x->family};
	json_t *verified =
		x->pkg_verified == PORTIER_PKG_UNKNOWN
			? json_null()
			: json_boolean(x->pkg_verified == PORTIER_PKG_VERIFIES);

	memcpy(a.b, x->addr, 16);
	portier_addr_str(&a, addr, sizeof addr);
	for (int i = 0; x->have_sha && i < 32; i++)
		snprintf(sha + 2 * i, 3, "%02x", x->sha256[i]);

	return json_pack("{s:s, s:s, s:i, s:o, s:i, s:i, s:o, s:o, s:b, s:o,"
			 " s:o, s:o, s:o, s:o, s:s, s:s, s:o}",
			 "proto", portier_local_proto_name(x->proto), "addr",
			 addr, "port", x->port, "netns",
			 cli_json_string(x->netns), "pid", x->pid, "uid",
			 (int)x->uid, "comm", cli_json_string(x->comm), "exe",
			 cli_json_string(x->exe), "exe_deleted", x->exe_deleted,
			 "sha256", x->have_sha ? json_string(sha) : json_null(),
			 "unit", cli_json_string(x->unit), "container",
			 cli_json_string(x->container), "package",
			 cli_json_string(x->package), "package_verified",
			 verified, "kb_risk", portier_risk_name(x->kb_risk),
			 "audit", portier_audit_severity_name(x->audit),
			 "rules", cli_json_string(x->rules));
}

json_t *store_out_event_obj(const struct portier_event *e)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:o}", "type", "event", "event",
			 portier_event_name(e->kind), "severity",
			 portier_audit_severity_name(e->severity), "before",
			 e->a ? listener_json(e->a) : json_null(), "after",
			 e->b ? listener_json(e->b) : json_null());
}

int store_out_event_json(const struct portier_event *e, int64_t from,
			 int64_t to, int64_t time, FILE *f)
{
	json_t *o = store_out_event_obj(e);

	if (o && from)
		json_object_set_new(o, "from", json_integer(from));
	if (o && to)
		json_object_set_new(o, "to", json_integer(to));
	if (o && time) {
		char t[32];

		store_out_time(time, t, sizeof t);
		json_object_set_new(o, "time", json_string(t));
	}
	return cli_json_line(f, o);
}

void store_out_ephemeral(const struct cli *cli, uint16_t *lo, uint16_t *hi)
{
	*lo = *hi = 0;
	portier_ephemeral_range(cli->proc_root, lo, hi, NULL);
}

int store_out_collect(struct cli *cli, struct portier_local_query *q,
		      struct portier_snapshot **snap)
{
	struct portier_err err = {0};
	struct portier_local *l = NULL;
	struct portier_finding *f = NULL;
	struct portier_audit_opts ao = {.privileged = geteuid() == 0};
	struct portier_kb *kb = cli_kb(cli);
	size_t n = 0;
	int rc;

	*snap = NULL;
	if (!kb)
		return EXIT_USAGE;
	q->protos = PORTIER_LOCAL_TCP | PORTIER_LOCAL_UDP | PORTIER_LOCAL_RAW;
	q->states = PORTIER_STATES_LISTENING;
	q->processes = true;
	q->proc_root = cli->proc_root;
	store_out_ephemeral(cli, &ao.eph_lo, &ao.eph_hi);
	if (portier_local_collect(q, &l, &err) < 0)
		return cli_report(cli, &err);
	rc = portier_audit_run(l, kb, &ao, &f, &n, &err);
	if (!rc)
		rc = portier_snapshot_from_local(l, kb, f, n, snap, &err);
	portier_free(f);
	portier_local_free(l);
	return rc ? cli_report(cli, &err) : 0;
}

const char *store_out_dpkg_dir(void)
{
	const char *d = getenv("PORTIER_DPKG_ADMINDIR");

	return d && *d ? d : "/var/lib/dpkg";
}

json_t *store_out_scan_port_json(const struct portier_scan_port *p)
{
	if (!p)
		return json_null();
	return json_pack("{s:s, s:o}", "state", p->state, "service",
			 cli_json_string(p->service));
}

int store_out_scan_events(const struct cli *cli,
			  const struct portier_scan_change *c, size_t n,
			  bool json, FILE *f)
{
	for (size_t i = 0; i < n; i++) {
		const struct portier_scan_host *h = c[i].ha ? c[i].ha : c[i].hb;
		const struct portier_scan_port *p = c[i].b ? c[i].b : c[i].a;
		int kind = portier_scan_change_kind(&c[i]);
		const char *name =
			kind < 0 ? "CHANGED"
				 : portier_event_name(
					   (enum portier_event_kind)kind);
		char host[PORTIER_TEXT_MAX(400)], sa[PORTIER_TEXT_MAX(128)],
			sb[PORTIER_TEXT_MAX(128)];

		if (json) {
			json_t *o = json_pack(
				"{s:s, s:o, s:o, s:o, s:o}", "type",
				"scan-event", "event",
				kind < 0 ? json_null() : json_string(name),
				"host", cli_json_string(h->name), "a",
				store_out_scan_port_json(c[i].a), "b",
				store_out_scan_port_json(c[i].b));

			if (o && p) {
				json_object_set_new(o, "port",
						    json_integer(p->port));
				json_object_set_new(
					o, "proto",
					json_string(
						portier_proto_name(p->proto)));
			}
			if (cli_json_line(f, o) < 0) {
				cli_error(cli, "out of memory writing JSON");
				return EXIT_RUNTIME;
			}
			continue;
		}
		portier_text_clean(host, sizeof host, h->name,
				   PORTIER_TEXT_TERM);
		if (!p) {
			fprintf(f, "%-15s %s: host %s -> %s\n", name, host,
				c[i].ha && *c[i].ha->state ? c[i].ha->state
							   : "unknown",
				c[i].hb && *c[i].hb->state ? c[i].hb->state
							   : "unknown");
			continue;
		}
		portier_text_clean(sa, sizeof sa, c[i].a ? c[i].a->service : "",
				   PORTIER_TEXT_TERM);
		portier_text_clean(sb, sizeof sb, c[i].b ? c[i].b->service : "",
				   PORTIER_TEXT_TERM);
		fprintf(f, "%-15s %s %u/%s: %s '%s' -> %s '%s'\n", name, host,
			p->port, portier_proto_name(p->proto),
			c[i].a ? c[i].a->state : "unknown", sa,
			c[i].b ? c[i].b->state : "unknown", sb);
	}
	return 0;
}

int store_out_import(struct cli *cli, struct portier_store *st,
		     const char *path, const char *source, int64_t *id,
		     size_t *hosts)
{
	struct portier_err err = {0};
	struct portier_scan_file *f = NULL;
	int rc;

	if (portier_scan_file_read(path, &f, &err)) {
		cli_report(cli, &err);
		return EXIT_USAGE;
	}
	rc = portier_store_scan_save(st, f, (int64_t)time(NULL), source, id,
				     &err);
	*hosts = f->n;
	portier_scan_file_free(f);
	return rc ? cli_report(cli, &err) : 0;
}
