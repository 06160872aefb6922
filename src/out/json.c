/*
 * json.c - the JSON Lines sink (-oJ): one object per port result, written and
 * flushed the moment the port is decided, so a scan killed with SIGKILL
 * still leaves every result it found; follow-up probes (scan --probe) add
 * their own objects; one "summary" object ends a finished scan.  Field names are documented in docs/json-scan.md and stay stable.
 */
#include <jansson.h>
#include <string.h>

#include "out/out_int.h"

static void iso_time(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int put(struct portier_out *o, json_t *obj)
{
	int rc = 0;

	if (!obj)
		return PORTIER_ENOMEM;
	if (json_dumpf(obj, o->json, JSON_COMPACT) < 0 ||
	    fputc('\n', o->json) == EOF || fflush(o->json) != 0)
		rc = PORTIER_EIO;
	json_decref(obj);
	return rc;
}

int out_json_result(struct portier_out *o, const struct portier_scan_result *r)
{
	char addr[64], when[32];
	const char *name = out_host_name(o, &r->addr);
	enum portier_risk risk;
	bool udp = r->proto == PORTIER_PROTO_UDP;
	const char *risk_s = out_risk(o, r->port, udp, &risk);
	json_t *obj;

	portier_addr_str(&r->addr, addr, sizeof(addr));
	iso_time(when, sizeof(when));
	obj = json_pack(
		"{s:s, s:s, s:s, s:o, s:i, s:s, s:s, s:s, s:s, s:o,"
		" s:i, s:i, s:i, s:s, s:s, s:o}",
		"type", "port", "addr", addr, "family",
		r->addr.family == 4 ? "ipv4" : "ipv6", "hostname",
		name ? json_string(name) : json_null(), "port", r->port,
		"proto", udp ? "udp" : "tcp", "state",
		portier_port_state_name((enum portier_port_state)r->state),
		"reason", portier_reason_name((enum portier_reason)r->reason),
		"service",
		udp && r->parsed && r->service ? r->service
					       : out_service(o, r->port, udp),
		"risk", *risk_s ? json_string(risk_s) : json_null(), "ttl",
		r->ttl, "tries", r->tries, "rtt_us", (json_int_t)r->rtt_us,
		"method",
		out_method_name(udp ? PORTIER_SCAN_UDP : o->opt.method), "time",
		when, "parsed",
		udp && r->state == PORTIER_PORT_OPEN ? json_boolean(r->parsed)
						     : json_null());
	return put(o, obj);
}

int portier_out_json_line(struct portier_out *o, const char *line)
{
	if (!o->json)
		return 0;
	if (fputs(line, o->json) == EOF || fputc('\n', o->json) == EOF ||
	    fflush(o->json) != 0)
		return PORTIER_EIO;
	return 0;
}

int out_json_finish(struct portier_out *o, const struct portier_scan_stats *st)
{
	char when[32];

	iso_time(when, sizeof(when));
	return put(o,
		   json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
			     " s:I, s:I, s:I, s:f, s:f, s:f, s:s, s:I,"
			     " s:I, s:f, s:I}",
			     "type", "summary", "complete", !st->interrupted,
			     "positions", (json_int_t)st->total, "done",
			     (json_int_t)st->done, "open", (json_int_t)st->open,
			     "closed", (json_int_t)st->closed, "filtered",
			     (json_int_t)st->filtered, "sent",
			     (json_int_t)st->sent, "retransmits",
			     (json_int_t)st->retransmits, "replies",
			     (json_int_t)st->replies, "local_errors",
			     (json_int_t)st->local_errors, "slowdowns",
			     (json_int_t)st->slowdowns, "loss", st->loss,
			     "rate_pps", st->avg_rate, "elapsed_s",
			     (double)st->elapsed_ns / 1e9, "time", when,
			     "open_filtered", (json_int_t)st->open_filtered,
			     "icmp_limited_hosts",
			     (json_int_t)st->icmp_limited_hosts, "icmp_wait_s",
			     (double)st->icmp_wait_ns / 1e9, "icmp_contested",
			     (json_int_t)st->icmp_contested));
}
