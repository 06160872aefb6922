/*
 * probe_out_smb.c - the views of what `portier smb --shares` learns before
 * any password: the names and clock of the NTLM challenge.  Every name
 * came from the network and is cleaned here (portier_text_clean) before it
 * reaches a terminal; the JSON encoder cleans its own (cli_json_string).
 */
#include <stdio.h>
#include <string.h>

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

static void login_state(const struct portier_smb_login *l, char *buf,
			size_t cap);

/* A login attempt in words: "accepted as a guest (IS_GUEST)". */
static void login_words(const struct portier_smb_login *l, char *buf,
			size_t cap)
{
	char ipc[96] = "";
	size_t n;

	if (l->ipc_tried && l->ipc_io == 0)
		snprintf(ipc, sizeof(ipc), "; IPC$ %s (status 0x%08x)",
			 l->ipc_status ? "refused" : "connected",
			 l->ipc_status);
	login_state(l, buf, cap);
	n = strlen(buf);
	if (n < cap)
		snprintf(buf + n, cap - n, "%s", ipc);
}

static void login_state(const struct portier_smb_login *l, char *buf,
			size_t cap)
{
	if (l->status < 0 || (l->ipc_tried && l->ipc_io < 0))
		snprintf(buf, cap, "failed: %s", l->why);
	else if (l->nt_status != 0)
		snprintf(buf, cap, "refused (status 0x%08x%s)", l->nt_status,
			 l->nt_status == 0xc000006du   ? ", logon failure"
			 : l->nt_status == 0xc0000022u ? ", access denied"
						       : "");
	else if (l->session_flags & PORTIER_SMB2_SESSION_IS_NULL)
		snprintf(buf, cap, "accepted as a null session (IS_NULL)");
	else if (l->session_flags & PORTIER_SMB2_SESSION_IS_GUEST)
		snprintf(buf, cap, "accepted as guest (IS_GUEST)");
	else if (!l->user[0])
		snprintf(buf, cap,
			 "accepted (no session flag set, as Samba answers "
			 "an anonymous logon)");
	else
		snprintf(buf, cap,
			 "accepted as a user (no guest or null flag)");
}

/* "null", "guest", "user" or "refused" for JSON; NULL when not answered. */
static const char *login_key(const struct portier_smb_login *l)
{
	if (l->status < 0)
		return NULL;
	if (l->nt_status != 0)
		return "refused";
	if (l->session_flags & PORTIER_SMB2_SESSION_IS_NULL)
		return "null";
	if (l->session_flags & PORTIER_SMB2_SESSION_IS_GUEST)
		return "guest";
	return l->user[0] ? "user" : "null";
}

static json_t *login_json(const struct portier_smb_login *l)
{
	char st[16];
	json_t *o;

	if (!l->tried)
		return json_null();
	if (l->status < 0)
		return json_pack("{s:s?, s:o}", "user", l->user, "error",
				 cli_json_string(l->why));
	snprintf(st, sizeof(st), "0x%08x", l->nt_status);
	o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:b}", "user", l->user,
		      "status", st, "result", login_key(l), "usable",
		      portier_smb_login_usable(l), "is_guest",
		      (l->session_flags & PORTIER_SMB2_SESSION_IS_GUEST) != 0,
		      "is_null",
		      (l->session_flags & PORTIER_SMB2_SESSION_IS_NULL) != 0);
	if (o && l->ipc_tried) {
		snprintf(st, sizeof(st), "0x%08x", l->ipc_status);
		json_object_set_new(
			o, "ipc",
			l->ipc_io < 0
				? json_pack("{s:o}", "error",
					    cli_json_string(l->why))
				: json_pack("{s:b, s:s, s:I}", "connected",
					    l->ipc_status == 0, "status", st,
					    "maximal_access",
					    (json_int_t)l->ipc_access));
	}
	return o;
}

/* What a session may do on a share, in one word. */
static const char *access_word(const struct portier_share_access *a)
{
	if (!a->tried)
		return "-";
	if (a->io < 0)
		return "error";
	if (portier_share_writable(a))
		return "read+write";
	if (portier_share_readable(a))
		return "read";
	if (portier_share_reachable(a))
		return "connect";
	return "denied";
}

static json_t *access_json(const struct portier_share_access *a)
{
	if (!a->tried)
		return json_null();
	if (a->io < 0)
		return json_pack("{s:s}", "error",
				 a->io == PORTIER_EINVAL
					 ? "not asked: the name is not ASCII"
					 : "no answer");
	return json_pack("{s:b, s:b, s:b, s:I, s:I, s:I, s:I}", "reachable",
			 portier_share_reachable(a), "readable",
			 portier_share_readable(a), "writable",
			 portier_share_writable(a), "tree_status",
			 (json_int_t)a->tree_status, "maximal_access",
			 (json_int_t)a->tree_access, "open_status",
			 (json_int_t)a->open_status, "directory_access",
			 (json_int_t)a->dir_access);
}

/* The share list, one line per share, names and remarks cleaned. */
static void shares_text(FILE *out, const struct portier_smb_host *h)
{
	char name[PORTIER_TEXT_MAX(PORTIER_SHARE_NAME_MAX)],
		remark[PORTIER_TEXT_MAX(PORTIER_SHARE_NAME_MAX)];
	uint32_t i;

	if (!h->shares_tried) {
		fprintf(out, "  shares        not listed: no session without a "
			     "password reached IPC$\n");
		return;
	}
	if (h->shares_status < 0) {
		portier_text_clean(name, sizeof(name), h->shares_why,
				   PORTIER_TEXT_TERM);
		fprintf(out, "  shares        not listed (%s session): %s\n",
			h->shares_via, name);
		return;
	}
	fprintf(out, "  shares        listed by the %s session: %u",
		h->shares_via, h->shares->n_entries);
	if (h->shares->n < h->shares->n_entries)
		fprintf(out, " (the first %u shown)", h->shares->n);
	fputc('\n', out);
	for (i = 0; i < h->shares->n; i++) {
		const struct portier_smb_share *sh = &h->shares->shares[i];

		portier_text_clean(name, sizeof(name), sh->name,
				   PORTIER_TEXT_TERM);
		portier_text_clean(remark, sizeof(remark), sh->remark,
				   PORTIER_TEXT_TERM);
		fprintf(out, "    %-16s %-8s null %-11s guest %-11s %s\n", name,
			portier_share_type_name(sh->type),
			access_word(&sh->null_access),
			access_word(&sh->guest_access), remark);
	}
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
	if (h->null_login.tried) {
		login_words(&h->null_login, buf, sizeof(buf));
		fprintf(out, "  null session  %s\n", buf);
	}
	if (h->guest_login.tried) {
		login_words(&h->guest_login, buf, sizeof(buf));
		fprintf(out, "  guest         user %s: %s\n",
			h->guest_login.user, buf);
	}
	shares_text(out, h);
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

json_t *probe_out_shares_json(const struct portier_smb_host *h)
{
	json_t *arr;
	uint32_t i;

	if (!h->shares_tried)
		return json_null();
	if (h->shares_status < 0)
		return json_pack("{s:s, s:o}", "via", h->shares_via, "error",
				 cli_json_string(h->shares_why));
	arr = json_array();
	for (i = 0; arr && i < h->shares->n; i++) {
		const struct portier_smb_share *sh = &h->shares->shares[i];
		size_t n = strlen(sh->name);

		json_array_append_new(
			arr,
			json_pack("{s:o, s:s, s:I, s:b, s:o, s:o, s:o}", "name",
				  cli_json_string(sh->name), "type",
				  portier_share_type_name(sh->type),
				  "type_bits", (json_int_t)sh->type, "hidden",
				  n > 0 && sh->name[n - 1] == '$', "remark",
				  cli_json_string(sh->remark), "null",
				  access_json(&sh->null_access), "guest",
				  access_json(&sh->guest_access)));
	}
	return json_pack("{s:s, s:I, s:I, s:o}", "via", h->shares_via,
			 "entries", (json_int_t)h->shares->n_entries, "total",
			 (json_int_t)h->shares->total, "list", arr);
}

json_t *probe_out_sessions_json(const struct portier_smb_host *h)
{
	return json_pack("{s:o, s:o}", "null", login_json(&h->null_login),
			 "guest", login_json(&h->guest_login));
}
