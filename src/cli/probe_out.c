/*
 * probe_out.c - the CLI's views of probe results: nbtscan's one line per
 * host, nmblookup's table, the nmap-like SMB block, and the JSON objects of
 * docs/json-probe.md.  The judgement itself (roles, leaks, findings) comes
 * from the library (portier_nbstat_summarize, portier_nbstat_describe,
 * portier_smb_judge); this file only lays it out.  It also writes the raw
 * replies of --raw-dir, safely for a command that runs as root, and turns
 * the commands' target arguments into addresses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/probe_out.h"
#include "portier/net.h"

/* ---- targets ------------------------------------------------------------- */

int probe_out_targets(struct cli *cli, char *const *args, size_t n_args,
		      size_t max, struct portier_addr **out, size_t *n_out)
{
	struct portier_targets_options o = {.skip_edges = true};
	struct portier_targets *t = NULL;
	struct portier_err err = {0};
	uint64_t n = 0, i;
	size_t k;
	int rc;

	*out = NULL;
	*n_out = 0;
	rc = portier_targets_new(&t, &o);
	for (k = 0; rc == 0 && k < n_args; k++)
		rc = portier_targets_add(t, args[k], false, &err);
	if (rc == 0)
		rc = portier_targets_finish(t, &err);
	if (rc == 0 && (n = portier_targets_count(t)) > max) {
		portier_targets_free(t);
		cli_error(cli,
			  "the targets hold %s%llu addresses: at most %zu "
			  "at a time",
			  n == UINT64_MAX ? "over " : "", (unsigned long long)n,
			  max);
		cli_hint("give smaller blocks or fewer arguments");
		return EXIT_USAGE;
	}
	if (rc == 0 && !(*out = portier_calloc((size_t)n, sizeof(**out))))
		rc = portier_err_set(&err, PORTIER_ENOMEM, "out of memory");
	for (i = 0; rc == 0 && i < n; i++)
		portier_targets_at(t, i, &(*out)[i]);
	portier_targets_free(t);
	if (rc < 0) {
		portier_free(*out);
		*out = NULL;
		return cli_report(cli, &err);
	}
	*n_out = (size_t)n;
	return EXIT_OK;
}

int probe_out_run(struct cli *cli, char *const *args, size_t n_args, size_t max,
		  const char *raw_dir, int *raw_fd, unsigned parallel,
		  const struct probe_pool_ops *ops, void *ctx, size_t *n_hosts)
{
	struct portier_addr *targets = NULL;
	int rc;

	*n_hosts = 0;
	if (!n_args) {
		cli_error(cli, "no targets given");
		cli_hint("name the servers to ask: 'portier %s 198.19.1.2'",
			 cli->cmd);
		return EXIT_USAGE;
	}
	rc = probe_out_targets(cli, args, n_args, max, &targets, n_hosts);
	if (rc == EXIT_OK && raw_dir)
		rc = probe_out_raw_dir(cli, raw_dir, raw_fd);
	if (rc == EXIT_OK)
		rc = probe_out_pool(cli, targets, *n_hosts, parallel, ops, ctx);
	portier_free(targets);
	if (*raw_fd >= 0)
		close(*raw_fd);
	*raw_fd = -1;
	return rc;
}

/* ---- --raw-dir ------------------------------------------------------------ */

int probe_out_raw_dir(const struct cli *cli, const char *dir, int *fd)
{
	*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd >= 0)
		return EXIT_OK;
	cli_error(cli, "--raw-dir '%s' is not a directory: %s", dir,
		  strerror(errno));
	cli_hint("create it first (mkdir -p '%s')", dir);
	return EXIT_USAGE;
}

void probe_out_raw_write(const struct cli *cli, int dirfd, const char *dir,
			 const char *name, const uint8_t *buf, size_t len)
{
	int rc;

	if (dirfd < 0 || !len)
		return;
	rc = probe_out_raw_save(dirfd, name, buf, len);
	if (rc < 0)
		cli_error(cli, "cannot write '%s/%s': %s", dir, name,
			  rc == -ELOOP ? "it is a symbolic link (not followed)"
			  : rc == -EINVAL ? "it is not a regular file"
					  : strerror(-rc));
}

/* The commands run as root and the directory may be writable by others: a
 * planted symlink must not make us truncate the file it points at (hence
 * openat on the directory with O_NOFOLLOW), and a planted FIFO must not
 * hang us (O_NONBLOCK; then only a regular file is written). */
int probe_out_raw_save(int dirfd, const char *name, const uint8_t *buf,
		       size_t len)
{
	struct stat st;
	size_t done = 0;
	int fd, rc = 0;

	fd = openat(dirfd, name,
		    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC |
			    O_NONBLOCK,
		    0644);
	if (fd < 0) /* ENXIO: a FIFO with no reader (or a device) */
		return errno == ENXIO ? -EINVAL : -errno;
	if (fstat(fd, &st) < 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode))
		rc = -EINVAL;
	while (rc == 0 && done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = n < 0 ? -errno : -EIO;
		else
			done += (size_t)n;
	}
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* ---- nbstat ------------------------------------------------------------ */

static void mac_str(const uint8_t mac[6], char *buf, size_t cap)
{
	snprintf(buf, cap, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

/* "file server, master browser" */
const char *probe_out_nbstat_advice(const struct portier_kb_entry *kb137,
				    const struct portier_nbstat_summary *s)
{
	/* Samba sends a zero MAC, Windows a real one */
	if (!kb137)
		return "block 137/udp at the edge; disable NetBIOS over TCP/IP "
		       "(Windows) or stop nmbd (Samba)";
	return s->mac_zero ? kb137->advice_linux : kb137->advice_windows;
}

const char *probe_out_nbstat_status(int status)
{
	switch (status) {
	case 0:
		return "ok";
	case PORTIER_EPROTO:
		return "malformed";
	case -ETIMEDOUT:
		return "timeout";
	case -ECONNREFUSED:
		return "refused";
	default:
		return "error";
	}
}

json_t *probe_out_nbstat_json(const struct portier_nbstat_result *r,
			      const struct portier_kb_entry *kb137)
{
	struct portier_nbstat_summary s;
	char ip[INET6_ADDRSTRLEN], mac[32], leak[512];
	json_t *o, *names, *roles;
	unsigned bit;
	uint16_t i;

	portier_addr_str(&r->addr, ip, sizeof(ip));
	o = json_pack("{s:s, s:s, s:i}", "host", ip, "status",
		      probe_out_nbstat_status(r->status), "queries",
		      r->queries);
	if (!o)
		return NULL;
	if (r->status != 0) {
		json_object_set_new(o, "error", json_string(r->err.msg));
		return o;
	}
	portier_nbstat_summarize(&r->reply, &s);
	json_object_set_new(o, "rtt_ms", json_real(r->rtt_us / 1000.0));
	json_object_set_new(o, "computer",
			    s.computer[0] ? json_string(s.computer)
					  : json_null());
	json_object_set_new(o, "workgroup",
			    s.workgroup[0] ? json_string(s.workgroup)
					   : json_null());
	json_object_set_new(o, "user",
			    s.user[0] ? json_string(s.user) : json_null());
	roles = json_array();
	for (bit = 1; bit <= PORTIER_NB_ROLE_IIS; bit <<= 1)
		if (s.roles & bit)
			json_array_append_new(
				roles, json_string(portier_nb_role_key(bit)));
	json_object_set_new(o, "roles", roles);
	mac_str(r->reply.mac, mac, sizeof(mac));
	json_object_set_new(o, "mac",
			    r->reply.have_mac ? json_string(mac) : json_null());
	names = json_array();
	for (i = 0; i < r->reply.n_names; i++) {
		const struct portier_nb_name *n = &r->reply.names[i];
		char suffix[4];

		snprintf(suffix, sizeof(suffix), "%02X", n->suffix);
		json_array_append_new(
			names,
			json_pack("{s:s, s:s, s:b, s:s, s:b, s:b, s:b, s:b, "
				  "s:i, s:s}",
				  "name", n->name, "suffix", suffix, "group",
				  (n->flags & PORTIER_NB_FLAG_GROUP) != 0,
				  "node_type", portier_nb_node_type(n->flags),
				  "active",
				  (n->flags & PORTIER_NB_FLAG_ACT) != 0,
				  "conflict",
				  (n->flags & PORTIER_NB_FLAG_CNF) != 0,
				  "permanent",
				  (n->flags & PORTIER_NB_FLAG_PRM) != 0,
				  "deregistering",
				  (n->flags & PORTIER_NB_FLAG_DRG) != 0,
				  "flags", n->flags, "meaning",
				  portier_nb_name_meaning(n)));
	}
	json_object_set_new(o, "names", names);
	portier_nbstat_describe(&r->reply, &s, leak, sizeof(leak));
	json_object_set_new(o, "leak", json_string(leak));
	json_object_set_new(o, "advice",
			    json_string(probe_out_nbstat_advice(kb137, &s)));
	return o;
}

void probe_out_nbstat_table(FILE *f, const struct portier_nbstat_result *r)
{
	char ip[INET6_ADDRSTRLEN], mac[32];
	uint16_t i;

	portier_addr_str(&r->addr, ip, sizeof(ip));
	fprintf(f, "Looking up status of %s\n", ip);
	for (i = 0; i < r->reply.n_names; i++) {
		const struct portier_nb_name *n = &r->reply.names[i];

		fprintf(f, "\t%-15s <%02x> - %-7s %s%s%s%s%s  %s\n", n->name,
			n->suffix,
			(n->flags & PORTIER_NB_FLAG_GROUP) ? "<GROUP>" : "",
			portier_nb_node_type(n->flags),
			(n->flags & PORTIER_NB_FLAG_ACT) ? " <ACTIVE>" : "",
			(n->flags & PORTIER_NB_FLAG_CNF) ? " <CONFLICT>" : "",
			(n->flags & PORTIER_NB_FLAG_PRM) ? " <PERMANENT>" : "",
			(n->flags & PORTIER_NB_FLAG_DRG) ? " <DEREGISTERING>"
							 : "",
			portier_nb_name_meaning(n));
	}
	mac_str(r->reply.mac, mac, sizeof(mac));
	for (i = 0; mac[i]; i++)
		if (mac[i] == ':')
			mac[i] = '-';
	fprintf(f, "\n\tMAC Address = %s\n",
		r->reply.have_mac ? mac : "(not sent)");
}

void probe_out_nbstat_header(FILE *f)
{
	fprintf(f, "%-16s %-15s  %-8s  %-15s  %s\n", "IP address",
		"NetBIOS Name", "Server", "User", "MAC address");
}

void probe_out_nbstat_line(FILE *f, const struct portier_nbstat_result *r)
{
	struct portier_nbstat_summary s;
	char ip[INET6_ADDRSTRLEN], mac[32];

	portier_addr_str(&r->addr, ip, sizeof(ip));
	portier_nbstat_summarize(&r->reply, &s);
	mac_str(r->reply.mac, mac, sizeof(mac));
	fprintf(f, "%-16s %-15s  %-8s  %-15s  %s\n", ip,
		s.computer[0] ? s.computer : "<unknown>",
		(s.roles & PORTIER_NB_ROLE_FILE_SERVER) ? "<server>" : "",
		s.user[0] ? s.user : "<unknown>",
		r->reply.have_mac ? mac : "-");
}

void probe_out_nbstat_leak(FILE *f, const struct cli *cli,
			   const struct portier_nbstat_result *r,
			   const struct portier_kb_entry *kb137)
{
	struct portier_nbstat_summary s;
	char leak[512];

	portier_nbstat_summarize(&r->reply, &s);
	portier_nbstat_describe(&r->reply, &s, leak, sizeof(leak));
	fprintf(f, "  %sleak:%s %s; %s\n", cli_color_on(cli, CLI_YELLOW),
		cli_color_off(cli), leak, probe_out_nbstat_advice(kb137, &s));
}

/* ---- findings ------------------------------------------------------------ */

void probe_out_findings_text(FILE *out, const struct cli *cli,
			     const struct portier_probe_finding *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		bool high = f[i].risk == PORTIER_RISK_HIGH;

		fprintf(out, "  %sfinding%s       [%s] %s\n",
			cli_color_on(cli, high ? CLI_RED : CLI_YELLOW),
			cli_color_off(cli), portier_risk_name(f[i].risk),
			f[i].text);
		fprintf(out, "                fix: %s\n", f[i].advice);
	}
}

json_t *probe_out_findings_json(const struct portier_probe_finding *f, size_t n)
{
	json_t *fa = json_array();
	size_t i;

	for (i = 0; fa && i < n; i++)
		json_array_append_new(
			fa,
			json_pack("{s:s, s:s, s:s, s:s}", "severity",
				  portier_risk_name(f[i].risk), "id", f[i].id,
				  "text", f[i].text, "advice", f[i].advice));
	return fa;
}

/* ---- smb ----------------------------------------------------------------- */

void probe_out_filetime(uint64_t ft, char *buf, size_t cap)
{
	time_t t = (time_t)portier_filetime_to_unix(ft);
	struct tm tm;

	if (!ft || !gmtime_r(&t, &tm)) {
		snprintf(buf, cap, "not given");
		return;
	}
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void caps_str(uint32_t caps, char *buf, size_t cap)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{PORTIER_SMB2_CAP_DFS, "dfs"},
		{PORTIER_SMB2_CAP_LEASING, "leasing"},
		{PORTIER_SMB2_CAP_LARGE_MTU, "large-mtu"},
		{PORTIER_SMB2_CAP_MULTI_CHANNEL, "multichannel"},
		{PORTIER_SMB2_CAP_PERSISTENT_HANDLES, "persistent-handles"},
		{PORTIER_SMB2_CAP_DIRECTORY_LEASING, "directory-leasing"},
		{PORTIER_SMB2_CAP_ENCRYPTION, "encryption"},
	};
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(caps & names[i].bit) || used >= cap)
			continue;
		used += (size_t)snprintf(buf + used, cap - used, "%s%s",
					 used ? ", " : "", names[i].name);
	}
	if (!used)
		snprintf(buf, cap, "none");
}

/* The reply of the highest accepted SMB2+ dialect (NULL if none). */
static const struct portier_smb_negotiate *
best_smb2(const struct portier_smb_host *h)
{
	const struct portier_smb_negotiate *best = NULL;
	size_t i;

	for (i = 0; i < h->n_results; i++) {
		const struct portier_smb_dialect_result *r = &h->results[i];

		if (r->status == 0 && r->neg.accepted && !r->neg.smb1)
			best = &r->neg;
	}
	return best;
}

static const struct portier_smb_negotiate *
find_neg(const struct portier_smb_host *h, uint16_t d)
{
	size_t i;

	for (i = 0; i < h->n_results; i++)
		if (h->results[i].dialect == d && h->results[i].status == 0 &&
		    h->results[i].neg.accepted)
			return &h->results[i].neg;
	return NULL;
}

void probe_out_smb_text(FILE *out, const struct cli *cli,
			const struct portier_smb_host *h)
{
	const struct portier_smb_negotiate *b = best_smb2(h), *s311, *nt1;
	struct portier_probe_finding f[PORTIER_SMB_MAX_FINDINGS];
	size_t i, nf = portier_smb_judge(h, f);
	char buf[256], ip[INET6_ADDRSTRLEN];

	portier_addr_str(&h->addr, ip, sizeof(ip));
	fprintf(out, "%s%s%s\n", cli_color_on(cli, CLI_BOLD), ip,
		cli_color_off(cli));
	fprintf(out,
		"  transport     445/tcp %s, 139/tcp %s; dialects asked on %u",
		portier_tcp_state_name(h->direct),
		portier_tcp_state_name(h->nbss), h->port);
	if (h->via_nbss)
		fprintf(out, " (NetBIOS session, called name %s)",
			h->called[0] ? h->called : "-");
	if (h->nbss_refusal >= 0)
		fprintf(out, "; the name '%s' was refused: %s", h->refused,
			portier_nbss_error_name((uint8_t)h->nbss_refusal));
	fputc('\n', out);
	fprintf(out, "  dialects\n");
	for (i = 0; i < h->n_results; i++) {
		const struct portier_smb_dialect_result *r = &h->results[i];

		fprintf(out, "    %-11s ",
			portier_smb_dialect_name(r->dialect));
		if (r->status < 0)
			fprintf(out, "failed: %s\n", r->why);
		else if (r->neg.accepted)
			fprintf(out, "%saccepted%s%s\n",
				cli_color_on(cli, r->dialect == PORTIER_SMB_NT1
							  ? CLI_RED
							  : CLI_GREEN),
				cli_color_off(cli),
				r->neg.signing_required ? ", signing required"
				: r->neg.signing_enabled
					? ", signing enabled"
					: ", signing disabled");
		else if (r->neg.status)
			fprintf(out, "refused (status 0x%08x)\n",
				r->neg.status);
		else if (r->neg.dialect && r->neg.dialect != r->dialect &&
			 r->neg.dialect != PORTIER_SMB_NT1)
			fprintf(out, "refused (the server answered with %s)\n",
				portier_smb_dialect_name(r->neg.dialect));
		else
			fprintf(out, "refused (no dialect in common)\n");
	}
	fprintf(out, "  highest       %s\n",
		h->highest ? portier_smb_dialect_name(h->highest) : "none");
	if (!h->highest)
		goto findings;
	fprintf(out, "  signing       %s\n",
		h->signing_required  ? "enabled and required"
		: h->signing_enabled ? "enabled but not required"
				     : "disabled");
	nt1 = find_neg(h, PORTIER_SMB_NT1);
	if (b || (nt1 && nt1->have_guid)) {
		portier_guid_str(b ? b->server_guid : nt1->server_guid, buf,
				 sizeof(buf));
		fprintf(out, "  server guid   %s\n", buf);
	}
	probe_out_filetime(b	 ? b->system_time
			   : nt1 ? nt1->system_time
				 : 0,
			   buf, sizeof(buf));
	fprintf(out, "  system time   %s\n", buf);
	if (b) {
		probe_out_filetime(b->boot_time, buf, sizeof(buf));
		fprintf(out, "  boot time     %s\n", buf);
		caps_str(b->capabilities, buf, sizeof(buf));
		fprintf(out, "  capabilities  %s\n", buf);
	}
	if (nt1 && nt1->smb1_domain[0])
		fprintf(out, "  smb1 domain   %s\n", nt1->smb1_domain);
	s311 = find_neg(h, PORTIER_SMB_311);
	if (s311) {
		fprintf(out, "  3.1.1         hash %s, cipher %s",
			portier_smb_hash_name(s311->preauth_hash),
			portier_smb_cipher_name(s311->cipher));
		if (s311->have_signing_algo)
			fprintf(out, ", signing %s",
				portier_smb_signing_name(s311->signing_algo));
		fputc('\n', out);
	}
	if (h->ntlm_tried)
		probe_out_ntlm_text(out, cli, h);
findings:
	probe_out_findings_text(out, cli, f, nf);
}

static json_t *neg_json(const struct portier_smb_dialect_result *r)
{
	json_t *o = json_pack("{s:s, s:b}", "dialect",
			      portier_smb_dialect_name(r->dialect), "accepted",
			      r->status == 0 && r->neg.accepted);
	char buf[64];

	if (!o)
		return NULL;
	if (r->status < 0) {
		json_object_set_new(o, "error", json_string(r->why));
		return o;
	}
	snprintf(buf, sizeof(buf), "0x%08x", r->neg.status);
	json_object_set_new(o, "status", json_string(buf));
	if (!r->neg.accepted)
		return o;
	json_object_set_new(o, "signing_enabled",
			    json_boolean(r->neg.signing_enabled));
	json_object_set_new(o, "signing_required",
			    json_boolean(r->neg.signing_required));
	json_object_set_new(o, "capabilities",
			    json_integer(r->neg.capabilities));
	if (r->dialect == PORTIER_SMB_311) {
		json_object_set_new(o, "preauth_hash",
				    json_string(portier_smb_hash_name(
					    r->neg.preauth_hash)));
		json_object_set_new(
			o, "cipher",
			json_string(portier_smb_cipher_name(r->neg.cipher)));
		json_object_set_new(
			o, "signing_algorithm",
			r->neg.have_signing_algo
				? json_string(portier_smb_signing_name(
					  r->neg.signing_algo))
				: json_null());
	}
	return o;
}

json_t *probe_out_smb_json(const struct portier_smb_host *h,
			   const struct portier_err *err)
{
	const struct portier_smb_negotiate *b = best_smb2(h), *nt1;
	struct portier_probe_finding f[PORTIER_SMB_MAX_FINDINGS];
	json_t *o, *arr, *acc;
	size_t i, nf;
	char buf[64], ip[INET6_ADDRSTRLEN];

	portier_addr_str(&h->addr, ip, sizeof(ip));
	o = json_pack("{s:s, s:{s:s, s:s}}", "host", ip, "transport", "445",
		      portier_tcp_state_name(h->direct), "139",
		      portier_tcp_state_name(h->nbss));
	if (!o)
		return NULL;
	if (err) {
		json_object_set_new(o, "error", json_string(err->msg));
		return o;
	}
	json_object_set_new(json_object_get(o, "transport"), "used",
			    json_integer(h->port));
	json_object_set_new(json_object_get(o, "transport"), "netbios_session",
			    json_boolean(h->via_nbss));
	if (h->via_nbss)
		json_object_set_new(json_object_get(o, "transport"), "called",
				    json_string(h->called));
	if (h->nbss_refusal >= 0)
		json_object_set_new(
			json_object_get(o, "transport"), "refused",
			json_pack("{s:s, s:s}", "name", h->refused, "reason",
				  portier_nbss_error_name(
					  (uint8_t)h->nbss_refusal)));
	arr = json_array();
	acc = json_array();
	for (i = 0; i < h->n_results; i++) {
		json_array_append_new(arr, neg_json(&h->results[i]));
		if (h->results[i].status == 0 && h->results[i].neg.accepted)
			json_array_append_new(
				acc, json_string(portier_smb_dialect_name(
					     h->results[i].dialect)));
	}
	json_object_set_new(o, "dialects", arr);
	json_object_set_new(o, "accepted", acc);
	json_object_set_new(
		o, "highest",
		h->highest ? json_string(portier_smb_dialect_name(h->highest))
			   : json_null());
	json_object_set_new(o, "smb1", json_boolean(h->smb1));
	json_object_set_new(o, "signing",
			    json_pack("{s:b, s:b}", "enabled",
				      h->signing_enabled, "required",
				      h->signing_required));
	nt1 = find_neg(h, PORTIER_SMB_NT1);
	if (b || (nt1 && nt1->have_guid)) {
		portier_guid_str(b ? b->server_guid : nt1->server_guid, buf,
				 sizeof(buf));
		json_object_set_new(o, "server_guid", json_string(buf));
	}
	if (b || nt1) {
		uint64_t st = b ? b->system_time : nt1->system_time;

		probe_out_filetime(st, buf, sizeof(buf));
		json_object_set_new(o, "system_time",
				    st ? json_string(buf) : json_null());
	}
	if (b) {
		probe_out_filetime(b->boot_time, buf, sizeof(buf));
		json_object_set_new(o, "boot_time",
				    b->boot_time ? json_string(buf)
						 : json_null());
		caps_str(b->capabilities, buf, sizeof(buf));
		json_object_set_new(o, "capabilities", json_string(buf));
	}
	if (h->ntlm_tried) {
		json_object_set_new(o, "ntlm", probe_out_ntlm_json(h));
		json_object_set_new(o, "sessions", probe_out_sessions_json(h));
		json_object_set_new(o, "shares", probe_out_shares_json(h));
	}
	nf = portier_smb_judge(h, f);
	json_object_set_new(o, "findings", probe_out_findings_json(f, nf));
	return o;
}
