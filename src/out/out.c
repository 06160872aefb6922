/*
 * out.c - the result-event stream: every port result goes to the JSON sink at
 * once and into the per-host records (agg.c; a silent result only sets a
 * bit, silent.c) that the table, XML and grepable sinks write at the end.
 * This file opens and closes the sinks and holds the small lookups they
 * share (service name, risk, port ranges).
 */
#include <stdlib.h>
#include <string.h>

#include "out/out_int.h"

int portier_out_open(struct portier_out **out,
		     const struct portier_out_options *opt,
		     struct portier_err *err)
{
	struct portier_out *o = portier_calloc(1, sizeof(*o));
	int rc;

	*out = NULL;
	if (!o)
		return PORTIER_ENOMEM;
	o->opt = *opt;
	o->start = opt->start ? opt->start : time(NULL);
	o->keep =
		opt->keep_hosts || opt->text || opt->xml_path || opt->grep_path;
	if (o->keep && (rc = out_silent_open(o)) < 0)
		goto fail;
	if ((opt->xml_path || opt->grep_path) && opt->services_path &&
	    (rc = out_services_load(o, opt->services_path)) < 0)
		goto fail;
	if (opt->json_path) {
		o->json_stdout = strcmp(opt->json_path, "-") == 0;
		o->json = o->json_stdout ? stdout : fopen(opt->json_path, "w");
		if (!o->json) {
			rc = portier_err_set(
				err, PORTIER_EIO,
				"cannot write JSON output '%s': %s",
				opt->json_path, strerror(errno));
			goto fail;
		}
	}
	if (opt->grep_path) {
		o->grep_stdout = strcmp(opt->grep_path, "-") == 0;
		o->grep = o->grep_stdout ? stdout : fopen(opt->grep_path, "w");
		if (!o->grep) {
			rc = portier_err_set(
				err, PORTIER_EIO,
				"cannot write grepable output '%s': %s",
				opt->grep_path, strerror(errno));
			goto fail;
		}
		if ((rc = out_grep_open(o)) < 0)
			goto fail;
	}
	if (opt->xml_path && (rc = out_xml_open(o, err)) < 0)
		goto fail;
	*out = o;
	return 0;
fail:
	portier_out_free(o);
	return rc;
}

int portier_out_result(struct portier_out *o,
		       const struct portier_scan_result *r)
{
	struct out_host *h;
	int rc;

	if (o->json && (!o->opt.open_only || r->state == PORTIER_PORT_OPEN) &&
	    (r->state != PORTIER_PORT_CLOSED || o->opt.json_closed) &&
	    (rc = out_json_result(o, r)) < 0)
		return rc;
	if (!o->keep || out_silent_add(o, r))
		return 0; /* silent results are bits, not records */
	if (!(h = out_host_get(o, &r->addr)))
		return PORTIER_ENOMEM;
	return out_host_add(o, h, r);
}

int portier_out_finish(struct portier_out *o,
		       const struct portier_scan_stats *st,
		       struct portier_err *err)
{
	int rc = 0;

	if (out_sort_ports(o) < 0)
		return portier_err_set(err, PORTIER_ENOMEM,
				       "out of memory sorting the results");
	if (o->opt.text && out_text_finish(o, st) < 0)
		rc = portier_err_set(err, PORTIER_EIO,
				     "cannot write the table");
	if (o->json && out_json_finish(o, st) < 0)
		rc = portier_err_set(err, PORTIER_EIO,
				     "cannot write JSON output '%s'",
				     o->opt.json_path);
	if (o->xml && out_xml_finish(o, st) < 0)
		rc = portier_err_set(err, PORTIER_EIO,
				     "cannot write XML output '%s'",
				     o->opt.xml_path);
	if (o->grep && out_grep_finish(o, st) < 0)
		rc = portier_err_set(err, PORTIER_EIO,
				     "cannot write grepable output '%s'",
				     o->opt.grep_path);
	return rc;
}

void portier_out_free(struct portier_out *o)
{
	if (!o)
		return;
	if (o->json && !o->json_stdout)
		fclose(o->json);
	if (o->grep && !o->grep_stdout)
		fclose(o->grep);
	if (o->xml)
		xmlFreeTextWriter(o->xml);
	if (o->xml_file && o->xml_file != stdout)
		fclose(o->xml_file);
	portier_free(o->xml_path);
	out_chunks_free(&o->hosts);
	out_chunks_free(&o->ports);
	out_chunks_free(&o->reasons);
	portier_free(o->index);
	out_silent_free(o);
	portier_free(o->svc[0].port);
	portier_free(o->svc[0].name);
	portier_free(o->svc[1].port);
	portier_free(o->svc[1].name);
	portier_free(o->svc_pool);
	portier_free(o);
}

const char *out_service(const struct portier_out *o, uint16_t port, bool udp)
{
	const char *name =
		o->opt.kb ? portier_kb_service_name(o->opt.kb, port,
						    udp ? PORTIER_PROTO_UDP
							: PORTIER_PROTO_TCP)
			  : NULL;

	return name && *name ? name : "unknown";
}

const struct portier_svc *out_port_service(const struct portier_out *o,
					   const struct portier_addr *a,
					   const struct out_port *op,
					   const char **banner)
{
	*banner = NULL;
	if (!o->opt.port_service || op->state != PORTIER_PORT_OPEN)
		return NULL;
	return o->opt.port_service(o->opt.port_ctx, a, op->port, op->udp,
				   banner);
}

void out_version(char *buf, size_t len, const struct portier_svc *s)
{
	buf[0] = '\0';
	if (s && s->probed && s->product[0])
		snprintf(buf, len, "%s%s%s%s%s%s", s->product,
			 s->version[0] ? " " : "", s->version,
			 s->extrainfo[0] ? " (" : "", s->extrainfo,
			 s->extrainfo[0] ? ")" : "");
}

const char *out_nmap_service(const struct portier_out *o, uint16_t port,
			     bool udp)
{
	const uint16_t *v = o->svc[udp].port;
	size_t lo = 0, hi = o->svc[udp].n;

	if (!o->svc_pool)
		return out_service(o, port, udp);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < o->svc[udp].n && v[lo] == port)
		return o->svc_pool + o->svc[udp].name[lo];
	return NULL;
}

/*
 * nmap-services: "name port/proto frequency [# comment]".  The file lists
 * ports in ascending order; keep the first TCP name of each port.  A missing
 * file is not an error (names then come from the knowledge base).
 */
int out_services_load(struct portier_out *o, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	size_t pool_len = 0, pool_cap = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char name[128], proto[8];
		unsigned port;
		size_t nl, k;

		if (line[0] == '#' ||
		    sscanf(line, "%127s %u/%3[a-z]", name, &port, proto) != 3 ||
		    port == 0 || port > 65535)
			continue;
		if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0)
			continue;
		k = proto[0] == 'u';
		if (o->svc[k].n && o->svc[k].port[o->svc[k].n - 1] >= port)
			continue; /* duplicates and disorder: keep the first */
		nl = strlen(name) + 1;
		if (o->svc[k].n == o->svc[k].cap) {
			size_t cap = o->svc[k].cap, need = o->svc[k].n + 1;

			if (portier_grow(&o->svc[k].port, &cap, need,
					 sizeof(uint16_t), 4096) < 0)
				goto nomem;
			cap = o->svc[k].cap;
			if (portier_grow(&o->svc[k].name, &cap, need,
					 sizeof(uint32_t), 4096) < 0)
				goto nomem;
			o->svc[k].cap = cap;
		}
		if (pool_len + nl > pool_cap) {
			char *np;

			pool_cap = pool_cap ? pool_cap * 2 : 65536;
			if (!(np = portier_realloc(o->svc_pool, pool_cap)))
				goto nomem;
			o->svc_pool = np;
		}
		memcpy(o->svc_pool + pool_len, name, nl);
		o->svc[k].port[o->svc[k].n] = (uint16_t)port;
		o->svc[k].name[o->svc[k].n++] = (uint32_t)pool_len;
		pool_len += nl;
	}
	fclose(f);
	return 0;
nomem:
	fclose(f);
	return PORTIER_ENOMEM;
}

const char *out_risk(const struct portier_out *o, uint16_t port, bool udp,
		     enum portier_risk *risk)
{
	const struct portier_kb_entry *e =
		o->opt.kb ? portier_kb_best(o->opt.kb, port,
					    udp ? PORTIER_PROTO_UDP
						: PORTIER_PROTO_TCP)
			  : NULL;

	*risk = e ? (enum portier_risk)e->risk : PORTIER_RISK_NONE;
	return e ? portier_risk_name((enum portier_risk)e->risk) : "";
}

const char *out_method_name(enum portier_scan_method m)
{
	return m == PORTIER_SCAN_SYN   ? "syn"
	       : m == PORTIER_SCAN_UDP ? "udp"
				       : "connect";
}

const char *out_reason_proto(const struct portier_out *o, unsigned state,
			     unsigned reason)
{
	if (!o->opt.n_udp_ports)
		return "tcp";
	if (!o->opt.n_ports || state == PORTIER_PORT_OPEN_FILTERED ||
	    reason == PORTIER_REASON_UDP_RESPONSE ||
	    (state == PORTIER_PORT_CLOSED &&
	     reason == PORTIER_REASON_PORT_UNREACH))
		return "udp";
	return "tcp";
}

const char *out_protos(const struct portier_out *o)
{
	if (!o->opt.n_udp_ports)
		return "tcp";
	return o->opt.n_ports ? "tcp/udp" : "udp";
}

const char *portier_out_port_ranges(const uint16_t *ports, size_t n, char *buf,
				    size_t len)
{
	size_t i = 0, used = 0;

	if (len)
		buf[0] = '\0';
	while (i < n && used + 1 < len) {
		size_t j = i;
		int w;

		while (j + 1 < n && ports[j + 1] == ports[j] + 1)
			j++;
		if (j == i)
			w = snprintf(buf + used, len - used, "%s%u",
				     i ? "," : "", ports[i]);
		else
			w = snprintf(buf + used, len - used, "%s%u-%u",
				     i ? "," : "", ports[i], ports[j]);
		if (w < 0 || (size_t)w >= len - used) {
			buf[used] = '\0';
			break;
		}
		used += (size_t)w;
		i = j + 1;
	}
	return buf;
}
