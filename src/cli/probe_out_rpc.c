/*
 * probe_out_rpc.c - how the CLI shows what the RPC endpoint mapper listed:
 * the JSON object of `portier rpc --json` and its text block (a summary
 * line, then each interface with its bindings, as rpcdump groups them),
 * shared by `portier rpc` and `portier scan --probe rpc`.
 */
#include <stdio.h>
#include <string.h>

#include "cli/probe_out.h"

static const char *host_status(const struct portier_rpc_host *h, int rc)
{
	if (rc == 0)
		return h->status == 0 ? "ok" : "partial";
	if (h->tcp == PORTIER_TCP_CLOSED)
		return "closed";
	if (h->tcp == PORTIER_TCP_FILTERED)
		return "filtered";
	return "error";
}

/* Is entry i the first of its interface (UUID and version)? */
static bool first_of_iface(const struct portier_rpc_host *h, size_t i)
{
	size_t k;

	for (k = 0; k < i; k++)
		if (memcmp(&h->entries[k].iface, &h->entries[i].iface,
			   sizeof(h->entries[i].iface)) == 0)
			return false;
	return true;
}

static size_t n_ifaces(const struct portier_rpc_host *h)
{
	size_t i, n = 0;

	for (i = 0; i < h->n_entries; i++)
		n += first_of_iface(h, i);
	return n;
}

static json_t *entry_json(const struct portier_epm_entry *e)
{
	const struct portier_rpc_iface_info *info =
		portier_rpc_iface_find(e->iface.uuid);
	char uuid[40], obj[40], ver[16];

	portier_guid_str(e->iface.uuid, uuid, sizeof(uuid));
	portier_guid_str(e->object, obj, sizeof(obj));
	snprintf(ver, sizeof(ver), "%u.%u", e->iface.major, e->iface.minor);
	return json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s, s:s, s:s, s:i, "
			 "s:s, s:s}",
			 "uuid", uuid, "version", ver, "name",
			 info ? info->name : NULL, "exposes",
			 info ? info->exposes : NULL, "binding", e->binding,
			 "protseq", e->protseq, "endpoint", e->endpoint,
			 "address", e->host, "port", e->port, "annotation",
			 e->annotation, "object", obj);
}

json_t *probe_out_rpc_json(const struct portier_rpc_host *h, int rc,
			   const struct portier_err *err)
{
	struct portier_probe_finding f[PORTIER_RPC_MAX_FINDINGS];
	char ip[PORTIER_ADDR_STRLEN];
	json_t *o, *arr;
	size_t i, nf;

	portier_addr_str(&h->addr, ip, sizeof(ip));
	o = json_pack("{s:s, s:i, s:s, s:s}", "host", ip, "port", h->port,
		      "status", host_status(h, rc), "tcp",
		      portier_tcp_state_name(h->tcp));
	if (!o)
		return NULL;
	if (rc < 0) {
		json_object_set_new(o, "error", json_string(err->msg));
		return o;
	}
	json_object_set_new(o, "error",
			    h->status ? json_string(h->why) : json_null());
	json_object_set_new(o, "end",
			    h->end ? json_string(h->end) : json_null());
	json_object_set_new(o, "pages", json_integer(h->pages));
	json_object_set_new(o, "interfaces",
			    json_integer((json_int_t)n_ifaces(h)));
	arr = json_array();
	for (i = 0; i < h->n_entries; i++)
		json_array_append_new(arr, entry_json(&h->entries[i]));
	json_object_set_new(o, "entries", arr);
	nf = portier_rpc_judge(h, f);
	json_object_set_new(o, "findings", probe_out_findings_json(f, nf));
	return o;
}

void probe_out_rpc_text(FILE *f, const struct cli *cli,
			const struct portier_rpc_host *h)
{
	struct portier_probe_finding fs[PORTIER_RPC_MAX_FINDINGS];
	char ip[PORTIER_ADDR_STRLEN];
	size_t i, k, nf = portier_rpc_judge(h, fs);

	portier_addr_str(&h->addr, ip, sizeof(ip));
	fprintf(f, "%s%s%s  %u/tcp  %zu endpoint%s, %zu interface%s",
		cli_color_on(cli, CLI_BOLD), ip, cli_color_off(cli), h->port,
		h->n_entries, h->n_entries == 1 ? "" : "s", n_ifaces(h),
		n_ifaces(h) == 1 ? "" : "s");
	if (h->status == 0)
		fprintf(f, " (list ended: %s, %u page%s)\n", h->end, h->pages,
			h->pages == 1 ? "" : "s");
	else
		fprintf(f, " (list cut short: %s)\n", h->why);
	for (i = 0; i < h->n_entries; i++) {
		const struct portier_epm_entry *e = &h->entries[i];
		const struct portier_rpc_iface_info *info;
		char uuid[40];

		if (!first_of_iface(h, i))
			continue;
		info = portier_rpc_iface_find(e->iface.uuid);
		portier_guid_str(e->iface.uuid, uuid, sizeof(uuid));
		fprintf(f, "  %s v%u.%u  %s", uuid, e->iface.major,
			e->iface.minor, info ? info->name : "(unknown)");
		if (e->annotation[0])
			fprintf(f, "  \"%s\"", e->annotation);
		fputc('\n', f);
		if (info)
			fprintf(f, "      exposes: %s\n", info->exposes);
		for (k = i; k < h->n_entries; k++)
			if (memcmp(&h->entries[k].iface, &e->iface,
				   sizeof(e->iface)) == 0)
				fprintf(f, "      %s\n",
					h->entries[k].binding[0]
						? h->entries[k].binding
						: "(no binding)");
	}
	probe_out_findings_text(f, cli, fs, nf);
}
