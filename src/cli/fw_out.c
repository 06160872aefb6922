/*
 * fw_out.c - the words `portier firewall` prints: portier's table described
 * as the policy it enforces (never as nft syntax, which --dry-run shows),
 * and for each port of the harden list why it should be closed, taken from
 * the knowledge base so the reason is the same one `portier info` gives.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/fw_out.h"

/* How a description is laid out: the label column, the counters if known. */
struct fw_view {
	int width;
	const struct portier_fw_counters *counts;
};

static void row(const struct fw_view *v, const char *label, const char *text)
{
	printf("  %-*s %s\n", v->width, label, text);
}

static void ports_row(const struct fw_view *v, const char *label,
		      const struct portier_fw_portset *s)
{
	char *text;

	if (!s->n)
		return;
	text = portier_fw_portset_format(s, ", ");
	row(v, label, text ? text : "(out of memory)");
	portier_free(text);
}

/* " (12 packets dropped)" after a row, when counters are known */
static void ports_row_n(const struct fw_view *v, const char *label,
			const struct portier_fw_portset *s, uint64_t dropped)
{
	char *text, line[64];

	if (!s->n)
		return;
	text = portier_fw_portset_format(s, ", ");
	if (!v->counts) {
		ports_row(v, label, s);
		portier_free(text);
		return;
	}
	snprintf(line, sizeof(line), "%llu packet%s dropped",
		 (unsigned long long)dropped, dropped == 1 ? "" : "s");
	printf("  %-*s %s (%s)\n", v->width, label,
	       text ? text : "(out of memory)", line);
	portier_free(text);
}

/* Describe p (with drop counters c, may be NULL); returns the label width. */
static int describe(const struct portier_fw_policy *p,
		    const struct portier_fw_counters *c)
{
	struct fw_view view = {.width = 24, .counts = c}, *v = &view;
	char label[96];
	size_t i;
	int q;

	for (i = 0; i < p->n_from; i++) {
		int w = (int)strlen(p->from[i].text) + 16;

		if (w > v->width)
			v->width = w;
	}
	if (p->allow_only)
		row(v, "inbound", "dropped, except what is allowed below");
	else
		row(v, "inbound", "accepted, except what is closed below");
	for (q = 0; q < PORTIER_FW_NPROTO; q++) {
		snprintf(label, sizeof(label), "closed %s",
			 portier_fw_proto_name(q));
		ports_row_n(v, label, &p->close[q], c ? c->close[q] : 0);
	}
	for (i = 0; i < p->n_from; i++) {
		for (q = 0; q < PORTIER_FW_NPROTO; q++) {
			snprintf(label, sizeof(label), "closed %s from %s",
				 portier_fw_proto_name(q), p->from[i].text);
			ports_row(v, label, &p->from[i].ports[q]);
		}
	}
	if (p->allow_only) {
		for (q = 0; q < PORTIER_FW_NPROTO; q++) {
			snprintf(label, sizeof(label), "allowed %s",
				 portier_fw_proto_name(q));
			ports_row(v, label, &p->allow[q]);
		}
		row(v, "always allowed",
		    "loopback, established connections, the ICMP the network "
		    "needs, DHCP replies");
		if (c) {
			char text[96];

			snprintf(text, sizeof(text),
				 "%llu packets not on the list, %llu invalid",
				 (unsigned long long)c->not_allowed,
				 (unsigned long long)c->invalid);
			row(v, "dropped", text);
		}
		if (p->n_keep) {
			char text[96];

			snprintf(text, sizeof(text),
				 "%zu TCP connection%s made before allow-only",
				 p->n_keep, p->n_keep == 1 ? "" : "s");
			row(v, "also allowed", text);
		}
	} else {
		row(v, "never dropped",
		    "loopback, replies to this host's own connections");
	}
	return v->width;
}

void fw_out_applied(struct cli *cli, const struct portier_fw_policy *p,
		    bool changed)
{
	(void)cli;
	if (!changed) {
		printf("already in place: nothing changed\n");
		return;
	}
	if (portier_fw_policy_empty(p)) {
		printf("applied: table inet " PORTIER_FW_TABLE
		       " removed, portier filters nothing\n");
	} else {
		printf("applied to table inet " PORTIER_FW_TABLE ":\n");
		(void)describe(p, NULL);
	}
	printf("undo with: portier firewall undo\n");
}

void fw_out_status(struct cli *cli, const struct portier_fw_policy *p,
		   const struct portier_fw_counters *c, size_t undo_depth)
{
	int width = 24;

	(void)cli;
	if (portier_fw_policy_empty(p)) {
		printf("portier filters nothing: there is no table inet " PORTIER_FW_TABLE
		       "\n");
	} else {
		printf("table inet " PORTIER_FW_TABLE ":\n");
		width = describe(p, c);
		if (c && c->from)
			printf("  %-*s %llu packets\n", width,
			       "dropped per source",
			       (unsigned long long)c->from);
	}
	if (undo_depth)
		printf("  %-*s %zu (portier firewall undo)\n", width,
		       "undo points", undo_depth);
}

/* No notes of portier's own: say at least what IANA assigned. */
static bool iana_text(uint16_t port, unsigned proto, char *buf, size_t len)
{
	const struct portier_iana_entry *e = portier_iana_find(port, proto);

	if (!e)
		return false;
	snprintf(buf, len,
		 "IANA assigns it to %s (%s); portier has no notes of its "
		 "own, the port is closed because the seeds' list closes it",
		 e->name, *e->description ? e->description : "no description");
	return true;
}

int fw_out_harden(struct cli *cli, FILE *f)
{
	const struct portier_fw_port *list;
	struct portier_kb *kb = cli_kb(cli);
	size_t n, i;

	if (!kb)
		return -1;
	n = portier_fw_harden_ports(&list);
	fprintf(f,
		"closing the Windows-share ports, inbound, IPv4 and IPv6:\n");
	for (i = 0; i < n; i++) {
		unsigned proto = 1u << list[i].proto; /* enum portier_proto */
		const struct portier_kb_entry *e =
			portier_kb_best(kb, list[i].port, proto);
		const char *name =
			portier_kb_service_name(kb, list[i].port, proto);
		const char *why = "portier has no notes on this port";
		char port[16], iana[200];

		if (e && *e->danger) {
			why = e->danger;
		} else if (e && *e->summary) {
			why = e->summary;
		} else if (iana_text(list[i].port, proto, iana, sizeof(iana))) {
			why = iana;
		}
		snprintf(port, sizeof(port), "%u/%s", list[i].port,
			 portier_fw_proto_name(list[i].proto));
		fprintf(f, "  %-9s %-14s ", port, name ? name : "-");
		if (f == stdout && cli->stdout_tty)
			cli_print_wrapped(f, why, 27, cli_term_width());
		else
			fprintf(f, "%s\n", why);
	}
	return 0;
}

/* ---- status --json (docs/json-firewall.md) ------------------------------------ */

static json_t *ranges_json(const struct portier_fw_portset *s)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr && i < s->n; i++)
		json_array_append_new(
			arr, json_pack("[i, i]", s->r[i].lo, s->r[i].hi));
	return arr;
}

static json_t *per_proto(const struct portier_fw_portset *s)
{
	return json_pack("{s:o, s:o}", "tcp", ranges_json(&s[PORTIER_FW_TCP]),
			 "udp", ranges_json(&s[PORTIER_FW_UDP]));
}

void fw_out_status_json(const struct portier_fw_policy *p,
			const struct portier_fw_counters *c, size_t undo_depth)
{
	json_t *from = json_array(), *o;
	size_t i;

	for (i = 0; from && i < p->n_from; i++)
		json_array_append_new(
			from,
			json_pack(
				"{s:s, s:o, s:o}", "source", p->from[i].text,
				"tcp",
				ranges_json(&p->from[i].ports[PORTIER_FW_TCP]),
				"udp",
				ranges_json(
					&p->from[i].ports[PORTIER_FW_UDP])));
	o = json_pack("{s:s, s:b, s:s, s:o, s:o, s:o, s:I, s:{s:I, s:I, s:I, "
		      "s:I, s:I}, s:I}",
		      "table", "inet " PORTIER_FW_TABLE, "present",
		      !portier_fw_policy_empty(p), "mode",
		      p->allow_only ? "allow-only" : "close", "closed",
		      per_proto(p->close), "closed_from", from, "allowed",
		      p->allow_only ? per_proto(p->allow) : json_null(),
		      "kept_connections", (json_int_t)p->n_keep, "dropped",
		      "closed_tcp", (json_int_t)c->close[PORTIER_FW_TCP],
		      "closed_udp", (json_int_t)c->close[PORTIER_FW_UDP],
		      "closed_from", (json_int_t)c->from, "not_allowed",
		      (json_int_t)c->not_allowed, "invalid",
		      (json_int_t)c->invalid, "undo_points",
		      (json_int_t)undo_depth);
	(void)cli_json_line(stdout, o);
}
