/*
 * alert.c - an alert as one JSON object (docs/json-guard.md): who scanned,
 * when, which ports, how it was classified, the evidence behind the
 * classification, and what the daemon did about it.  The evidence is
 * there so that a reader can disagree with the verdict: the probe kinds
 * counted, how many probes carried nmap's or masscan's fingerprint, and
 * the touched ports (and which of this host's addresses) with their
 * outcomes.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guard/guard_int.h"
#include "portier/kb.h" /* portier_proto_name */

const char *portier_guard_time_str(uint64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	char day[24];

	if (!gmtime_r(&t, &tm) ||
	    !strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm)) {
		portier_strlcpy(buf, "?", len);
		return buf;
	}
	snprintf(buf, len, "%s.%03uZ", day, (unsigned)(us / 1000 % 1000));
	return buf;
}

static const char *outcome_name(uint8_t o)
{
	return o == PG_SUCCESS	 ? "open"
	       : o == PG_FAILURE ? "failed"
				 : "neutral";
}

/* "tcp", "udp" (kb's one spelling of protocol names), else "other". */
static const char *proto_name(uint8_t ipproto)
{
	enum portier_proto p = portier_proto_of_ip(ipproto);

	return p ? portier_proto_name(p) : "other";
}

static json_t *ports_json(const struct portier_guard_source *s)
{
	json_t *arr = json_array();
	uint8_t i, start = s->n_touch < PORTIER_GUARD_PORTS_KEPT
				   ? 0
				   : s->touch_head;

	for (i = 0; arr && i < s->n_touch; i++) {
		const struct portier_guard_touch *t =
			&s->touch[(start + i) % PORTIER_GUARD_PORTS_KEPT];

		char host[PORTIER_ADDR_STRLEN];

		if (t->host < s->n_hosts)
			portier_addr_str(&s->hosts[t->host], host,
					 sizeof(host));
		else
			portier_strlcpy(host, "other", sizeof(host));
		json_array_append_new(
			arr,
			json_pack("{s:i, s:s, s:s, s:s, s:I}", "port", t->port,
				  "proto", proto_name(t->proto), "host", host,
				  "outcome", outcome_name(t->outcome), "t",
				  (json_int_t)t->t_s));
	}
	return arr;
}

static json_t *kinds_json(const struct portier_guard_source *s)
{
	json_t *o = json_object();
	int k;

	for (k = 0; o && k < PG_KIND_NONE; k++)
		if (s->kinds[k])
			json_object_set_new(o,
					    portier_guard_kind_name(
						    (enum portier_guard_kind)k),
					    json_integer(s->kinds[k]));
	return o;
}

char *portier_guard_alert_json(const struct portier_guard_alert *a,
			       const struct portier_guard_action *x)
{
	const struct portier_guard_source *s = &a->src;
	char addr[PORTIER_ADDR_STRLEN], first[32], last[32], flagged[32];
	json_t *o;

	portier_addr_str(&s->addr, addr, sizeof(addr));
	o = json_pack(
		"{s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i,"
		" s:f, s:i, s:i, s:s, s:o, s:{s:o, s:i, s:i, s:i}, s:I, s:i,"
		" s:I}",
		"type", "scan", "source", addr, "family", s->addr.family,
		"first_seen", portier_guard_time_str(s->first_us, first, 32),
		"last_seen", portier_guard_time_str(s->last_us, last, 32),
		"flagged_at",
		portier_guard_time_str(s->flagged_us, flagged, 32), "scan_type",
		portier_guard_kind_name(a->cls.kind), "tool", a->cls.tool,
		"reason", s->reason == PG_REASON_SLOW ? "slow-window" : "trw",
		"probes", s->probes_at_flag, "failures", s->failures,
		"successes", s->successes, "llr", s->llr, "offense",
		s->offenses, "ban_seconds", a->ban_s, "action", x->action,
		"ports", ports_json(s), "evidence", "kinds", kinds_json(s),
		"nmap_like", s->nmap_like, "masscan_like", s->masscan_like,
		"same_source_port", s->same_sport, "event",
		(json_int_t)a->event, "related", a->related, "detect_ms",
		(json_int_t)((s->flagged_us - s->first_us) / 1000));
	if (!o)
		return NULL;
	{
		json_t *hosts = json_array();
		uint8_t i;

		for (i = 0; hosts && i < s->n_hosts; i++) {
			char h[PORTIER_ADDR_STRLEN];

			json_array_append_new(
				hosts, json_string(portier_addr_str(
					       &s->hosts[i], h, sizeof(h))));
		}
		json_object_set_new(o, "hosts", hosts);
	}
	if (x->allow_why)
		json_object_set_new(o, "allowlisted_as",
				    json_string(x->allow_why));
	if (x->error)
		json_object_set_new(o, "error", json_string(x->error));
	if (x->address)
		json_object_set_new(o, "address", json_string(x->address));
	if (x->block_prefix)
		json_object_set_new(o, "block_prefix",
				    json_integer(x->block_prefix));
	if (x->note)
		json_object_set_new(o, "note", json_string(x->note));
	if (x->block_us)
		json_object_set_new(
			o, "block_latency_us",
			json_integer(
				(json_int_t)(x->block_us > s->flagged_us
						     ? x->block_us -
							       s->flagged_us
						     : 0)));
	if (x->suppressed)
		json_object_set_new(o, "suppressed_before",
				    json_integer(x->suppressed));
	return guard_json_line(o);
}

char *guard_json_line(json_t *o)
{
	char *text, *out;

	if (!o)
		return NULL;
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		return NULL;
	out = portier_strdup(text);
	free(text);
	return out;
}
