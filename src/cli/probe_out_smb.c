/*
 * probe_out_smb.c - the views of what `portier smb --shares` learns before
 * any password: the names and clock of the NTLM challenge.  Every name
 * came from the network and is cleaned here (portier_text_clean) before it
 * reaches a terminal; the JSON encoder cleans its own (cli_json_string).
 */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/probe_out.h"

/* The NTLM names in the order they are printed, with their JSON keys. */
static const struct {
	const char *label, *key;
	size_t off;
} ntlm_names[] = {
	{"netbios computer", "netbios_computer",
	 offsetof(struct portier_ntlm_info, nb_computer)},
	{"netbios domain", "netbios_domain",
	 offsetof(struct portier_ntlm_info, nb_domain)},
	{"dns computer", "dns_computer",
	 offsetof(struct portier_ntlm_info, dns_computer)},
	{"dns domain", "dns_domain",
	 offsetof(struct portier_ntlm_info, dns_domain)},
	{"forest", "dns_tree", offsetof(struct portier_ntlm_info, dns_tree)},
	{"target name", "target", offsetof(struct portier_ntlm_info, target)},
};

static const char *ntlm_name(const struct portier_ntlm_info *n, size_t i)
{
	return (const char *)n + ntlm_names[i].off;
}

void probe_out_ntlm_text(FILE *out, const struct cli *cli,
			 const struct portier_smb_host *h)
{
	const struct portier_ntlm_info *n = &h->ntlm;
	char buf[PORTIER_TEXT_MAX(PORTIER_NTLM_NAME_MAX)];
	size_t i;

	(void)cli;
	if (h->ntlm_status < 0) {
		portier_text_clean(buf, sizeof(buf), h->ntlm_why,
				   PORTIER_TEXT_TERM);
		fprintf(out, "  ntlm          %s\n", buf);
		return;
	}
	fprintf(out, "  before any password, the NTLM challenge says:\n");
	for (i = 0; i < sizeof(ntlm_names) / sizeof(ntlm_names[0]); i++) {
		if (!ntlm_name(n, i)[0])
			continue;
		portier_text_clean(buf, sizeof(buf), ntlm_name(n, i),
				   PORTIER_TEXT_TERM);
		fprintf(out, "    %-17s %s\n", ntlm_names[i].label, buf);
	}
	if (n->timestamp) {
		probe_out_filetime(n->timestamp, buf, sizeof(buf));
		fprintf(out, "    %-17s %s\n", "server time", buf);
	}
	if (n->have_version)
		fprintf(out, "    %-17s %u.%u build %u (NTLM revision %u)\n",
			"os version", n->os_major, n->os_minor, n->os_build,
			n->ntlm_revision);
}

json_t *probe_out_ntlm_json(const struct portier_smb_host *h)
{
	const struct portier_ntlm_info *n = &h->ntlm;
	json_t *o = json_object();
	char buf[64];
	size_t i;

	if (!o)
		return NULL;
	if (h->ntlm_status < 0) {
		json_object_set_new(o, "error", cli_json_string(h->ntlm_why));
		return o;
	}
	for (i = 0; i < sizeof(ntlm_names) / sizeof(ntlm_names[0]); i++)
		json_object_set_new(o, ntlm_names[i].key,
				    ntlm_name(n, i)[0]
					    ? cli_json_string(ntlm_name(n, i))
					    : json_null());
	probe_out_filetime(n->timestamp, buf, sizeof(buf));
	json_object_set_new(o, "timestamp",
			    n->timestamp ? json_string(buf) : json_null());
	if (n->have_version) {
		snprintf(buf, sizeof(buf), "%u.%u.%u", n->os_major, n->os_minor,
			 n->os_build);
		json_object_set_new(o, "os_version", json_string(buf));
		json_object_set_new(o, "ntlm_revision",
				    json_integer(n->ntlm_revision));
	} else {
		json_object_set_new(o, "os_version", json_null());
	}
	return o;
}
