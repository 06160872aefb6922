/*
 * cmd_smb.c - `portier smb`: which SMB dialects a server accepts on 445 or
 * 139, whether it insists on signing, and what it says about itself.
 *
 * The probe module does the work (a race of 445 against 139, then one
 * connection per dialect); this file prints an nmap-like block per host or
 * a JSON object, and judges: SMB1 accepted is a high-severity finding (the
 * protocol of EternalBlue/WannaCry), signing not required a medium one
 * (relay attacks), each with the knowledge base's advice for the port.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "portier/probe.h"

#define SMB_MAX_TARGETS 4096

struct smb_run {
	struct cli *cli;
	struct portier_smb_opts opt;
	bool json;
	const char *raw_dir;
	const struct portier_kb_entry *kb445, *kb139;
	unsigned hosts_up, hosts_down, findings;
	int printed;
};

struct finding {
	const char *severity, *id, *text, *advice;
};

static void guid_str(const uint8_t g[16], char *buf, size_t cap)
{
	/* MS-DTYP 2.3.4: Data1-3 little-endian, Data4 as bytes */
	snprintf(buf, cap,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9],
		 g[10], g[11], g[12], g[13], g[14], g[15]);
}

static void time_str(uint64_t ft, char *buf, size_t cap)
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

static size_t judge(const struct smb_run *run, const struct portier_smb_host *h,
		    struct finding out[2])
{
	const struct portier_kb_entry *e = h->via_nbss ? run->kb139
						       : run->kb445;
	const char *adv = e ? e->advice_windows : "";
	size_t n = 0;

	if (h->smb1)
		out[n++] = (struct finding){
			"high", "smb1-accepted",
			"SMB1 (NT LM 0.12) is accepted: the protocol that "
			"EternalBlue (MS17-010), WannaCry and NotPetya used",
			"disable SMB1: on Windows "
			"`Set-SmbServerConfiguration -EnableSMB1Protocol "
			"$false`; in Samba `server min protocol = SMB2_10`"};
	if (h->highest && !h->signing_required)
		out[n++] = (struct finding){
			"medium", "signing-not-required",
			"message signing is not required: a man in the middle "
			"can relay or alter SMB sessions (NTLM relay)",
			*adv ? "require signing: on Windows "
			       "`Set-SmbServerConfiguration "
			       "-RequireSecuritySignature $true`; in Samba "
			       "`server signing = mandatory`"
			     : "require signing (`server signing = "
			       "mandatory` in Samba)"};
	return n;
}

static void save_raw(const struct smb_run *run, const struct portier_smb_host *h,
		     const char *ip)
{
	size_t i;

	for (i = 0; run->raw_dir && i < h->n_results; i++) {
		const struct portier_smb_dialect_result *r = &h->results[i];
		char path[4096];
		FILE *f;

		if (!r->raw_len)
			continue;
		snprintf(path, sizeof(path), "%s/smb-%s-%s-%04x.bin",
			 run->raw_dir, ip, h->via_nbss ? "139" : "445",
			 r->dialect);
		f = fopen(path, "wb");
		if (!f || fwrite(r->raw, 1, r->raw_len, f) != r->raw_len)
			cli_error(run->cli, "cannot write '%s': %s", path,
				  strerror(errno));
		if (f)
			fclose(f);
	}
}

static void print_text(struct smb_run *run, const struct portier_smb_host *h,
		       const char *ip)
{
	const struct cli *cli = run->cli;
	const struct portier_smb_negotiate *b = best_smb2(h), *s311, *nt1;
	struct finding f[2];
	size_t i, nf = judge(run, h, f);
	char buf[256];

	if (run->printed++)
		putchar('\n');
	printf("%s%s%s\n", cli_color_on(cli, CLI_BOLD), ip, cli_color_off(cli));
	printf("  transport     445/tcp %s, 139/tcp %s; dialects asked on %u",
	       portier_tcp_state_name(h->direct),
	       portier_tcp_state_name(h->nbss), h->port);
	if (h->via_nbss)
		printf(" (NetBIOS session, called name %s)",
		       h->called[0] ? h->called : "-");
	putchar('\n');
	printf("  dialects\n");
	for (i = 0; i < h->n_results; i++) {
		const struct portier_smb_dialect_result *r = &h->results[i];

		printf("    %-11s ", portier_smb_dialect_name(r->dialect));
		if (r->status < 0)
			printf("failed: %s\n", r->why);
		else if (r->neg.accepted)
			printf("%saccepted%s%s\n",
			       cli_color_on(cli, r->dialect == PORTIER_SMB_NT1
							 ? CLI_RED
							 : CLI_GREEN),
			       cli_color_off(cli),
			       r->neg.signing_required   ? ", signing required"
			       : r->neg.signing_enabled ? ", signing enabled"
							: ", signing disabled");
		else if (r->neg.status)
			printf("refused (status 0x%08x)\n", r->neg.status);
		else
			printf("refused (no dialect in common)\n");
	}
	printf("  highest       %s\n",
	       h->highest ? portier_smb_dialect_name(h->highest) : "none");
	if (!h->highest)
		goto findings;
	printf("  signing       %s\n",
	       h->signing_required  ? "enabled and required"
	       : h->signing_enabled ? "enabled but not required"
				    : "disabled");
	nt1 = find_neg(h, PORTIER_SMB_NT1);
	if (b || (nt1 && nt1->have_guid)) {
		guid_str(b ? b->server_guid : nt1->server_guid, buf,
			 sizeof(buf));
		printf("  server guid   %s\n", buf);
	}
	time_str(b ? b->system_time : nt1 ? nt1->system_time : 0, buf,
		 sizeof(buf));
	printf("  system time   %s\n", buf);
	if (b) {
		time_str(b->boot_time, buf, sizeof(buf));
		printf("  boot time     %s\n", buf);
		caps_str(b->capabilities, buf, sizeof(buf));
		printf("  capabilities  %s\n", buf);
	}
	if (nt1 && nt1->smb1_domain[0])
		printf("  smb1 domain   %s\n", nt1->smb1_domain);
	s311 = find_neg(h, PORTIER_SMB_311);
	if (s311) {
		printf("  3.1.1         hash %s, cipher %s",
		       portier_smb_hash_name(s311->preauth_hash),
		       portier_smb_cipher_name(s311->cipher));
		if (s311->have_signing_algo)
			printf(", signing %s",
			       portier_smb_signing_name(s311->signing_algo));
		putchar('\n');
	}
findings:
	for (i = 0; i < nf; i++) {
		bool high = strcmp(f[i].severity, "high") == 0;

		printf("  %sfinding%s       [%s] %s\n",
		       cli_color_on(cli, high ? CLI_RED : CLI_YELLOW),
		       cli_color_off(cli), f[i].severity, f[i].text);
		printf("                fix: %s\n", f[i].advice);
	}
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
		json_object_set_new(o, "cipher",
				    json_string(portier_smb_cipher_name(
					    r->neg.cipher)));
		json_object_set_new(
			o, "signing_algorithm",
			r->neg.have_signing_algo
				? json_string(portier_smb_signing_name(
					  r->neg.signing_algo))
				: json_null());
	}
	return o;
}

static void print_json(struct smb_run *run, const struct portier_smb_host *h,
		       const char *ip, const struct portier_err *err)
{
	const struct portier_smb_negotiate *b = best_smb2(h), *nt1;
	json_t *o, *arr, *acc, *fa;
	struct finding f[2];
	size_t i, nf;
	char buf[64], *text;

	o = json_pack("{s:s, s:{s:s, s:s}}", "host", ip, "transport", "445",
		      portier_tcp_state_name(h->direct), "139",
		      portier_tcp_state_name(h->nbss));
	if (!o)
		return;
	if (err) {
		json_object_set_new(o, "error", json_string(err->msg));
		goto print;
	}
	json_object_set_new(json_object_get(o, "transport"), "used",
			    json_integer(h->port));
	json_object_set_new(json_object_get(o, "transport"), "netbios_session",
			    json_boolean(h->via_nbss));
	if (h->via_nbss)
		json_object_set_new(json_object_get(o, "transport"), "called",
				    json_string(h->called));
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
	json_object_set_new(o, "highest",
			    h->highest ? json_string(portier_smb_dialect_name(
						 h->highest))
				       : json_null());
	json_object_set_new(o, "smb1", json_boolean(h->smb1));
	json_object_set_new(o, "signing",
			    json_pack("{s:b, s:b}", "enabled",
				      h->signing_enabled, "required",
				      h->signing_required));
	nt1 = find_neg(h, PORTIER_SMB_NT1);
	if (b || (nt1 && nt1->have_guid)) {
		guid_str(b ? b->server_guid : nt1->server_guid, buf,
			 sizeof(buf));
		json_object_set_new(o, "server_guid", json_string(buf));
	}
	if (b || nt1) {
		uint64_t st = b ? b->system_time : nt1->system_time;

		time_str(st, buf, sizeof(buf));
		json_object_set_new(o, "system_time",
				    st ? json_string(buf) : json_null());
	}
	if (b) {
		time_str(b->boot_time, buf, sizeof(buf));
		json_object_set_new(o, "boot_time", b->boot_time
					    ? json_string(buf) : json_null());
		caps_str(b->capabilities, buf, sizeof(buf));
		json_object_set_new(o, "capabilities", json_string(buf));
	}
	nf = judge(run, h, f);
	fa = json_array();
	for (i = 0; i < nf; i++)
		json_array_append_new(fa, json_pack("{s:s, s:s, s:s, s:s}",
						    "severity", f[i].severity,
						    "id", f[i].id, "text",
						    f[i].text, "advice",
						    f[i].advice));
	json_object_set_new(o, "findings", fa);
print:
	text = json_dumps(o, JSON_COMPACT);
	if (text)
		printf("%s\n", text);
	free(text);
	json_decref(o);
}

/* One finished host, waiting to be printed in target order. */
struct smb_slot {
	struct portier_smb_host *h; /* NULL until probed */
	int rc;
	struct portier_err err;
};

struct smb_pool {
	struct smb_run *run;
	const struct portier_probe_addr *targets;
	struct smb_slot *slots;
	size_t n, next_probe, next_print;
	pthread_mutex_t lock;
};

static void report(struct smb_run *run, struct smb_slot *sl)
{
	struct portier_smb_host *h = sl->h;
	struct finding f[2];
	char ip[INET6_ADDRSTRLEN];

	portier_probe_addr_str(&h->addr, ip, sizeof(ip));
	if (sl->rc < 0) {
		run->hosts_down++;
		if (run->json)
			print_json(run, h, ip, &sl->err);
		else
			printf("%s%s\n", run->printed++ ? "\n" : "", sl->err.msg);
		fflush(stdout);
		return;
	}
	if (h->highest)
		run->hosts_up++;
	else
		run->hosts_down++;
	save_raw(run, h, ip);
	run->findings += (unsigned)judge(run, h, f);
	if (run->json)
		print_json(run, h, ip, NULL);
	else
		print_text(run, h, ip);
	fflush(stdout);
}

/* A worker: probe the next target, then print every finished host that
 * is next in target order. */
static void *smb_worker(void *arg)
{
	struct smb_pool *p = arg;

	for (;;) {
		struct portier_smb_host *h = portier_malloc(sizeof(*h));
		struct portier_err err = {0};
		size_t i;
		int rc;

		pthread_mutex_lock(&p->lock);
		i = p->next_probe < p->n ? p->next_probe++ : p->n;
		pthread_mutex_unlock(&p->lock);
		if (i == p->n || !h) {
			portier_free(h);
			if (i < p->n) { /* out of memory: record it, go on */
				pthread_mutex_lock(&p->lock);
				p->next_probe = p->n;
				pthread_mutex_unlock(&p->lock);
			}
			return NULL;
		}
		rc = portier_probe_smb_host(&p->targets[i], &p->run->opt, h,
					    &err);
		pthread_mutex_lock(&p->lock);
		p->slots[i].rc = rc;
		p->slots[i].err = err;
		p->slots[i].h = h;
		while (p->next_print < p->n && p->slots[p->next_print].h) {
			struct smb_slot *sl = &p->slots[p->next_print++];

			report(p->run, sl);
			portier_free(sl->h);
			sl->h = NULL;
		}
		pthread_mutex_unlock(&p->lock);
	}
}

static int probe_all(struct smb_run *run, const struct portier_probe_addr *t,
		     size_t n, unsigned parallel)
{
	struct smb_pool p = {.run = run, .targets = t, .n = n};
	pthread_t tid[256];
	unsigned started = 0;
	size_t k;

	p.slots = portier_calloc(n, sizeof(*p.slots));
	if (!p.slots) {
		cli_error(run->cli, "out of memory for %zu targets", n);
		return EXIT_RUNTIME;
	}
	pthread_mutex_init(&p.lock, NULL);
	if (parallel > n)
		parallel = (unsigned)n;
	while (started + 1 < parallel &&
	       pthread_create(&tid[started], NULL, smb_worker, &p) == 0)
		started++;
	smb_worker(&p); /* this thread works too */
	for (k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	pthread_mutex_destroy(&p.lock);
	for (k = 0; k < n; k++) /* finished but stuck behind a failure */
		portier_free(p.slots[k].h);
	portier_free(p.slots);
	if (p.next_print < n) {
		cli_error(run->cli, "out of memory: %zu of %zu hosts not probed",
			  n - p.next_print, n);
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static int cmd_smb(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"timeout", required_argument, NULL, 't'},
		{"only", required_argument, NULL, 'o'},
		{"name", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"raw-dir", required_argument, NULL, 'D'},
		{"parallel", required_argument, NULL, 'P'},
		{NULL, 0, NULL, 0},
	};
	struct smb_run run = {.cli = cli};
	struct portier_err err = {0};
	struct portier_probe_addr *targets = NULL;
	struct portier_kb *kb;
	unsigned long v;
	unsigned parallel = 16;
	struct stat st;
	size_t n;
	int c, rc;

	run.opt.timeout_ms = 3000;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (portier_parse_ulong(optarg, 10, 60000, &v) < 0) {
				cli_error(cli, "bad --timeout '%s'", optarg);
				cli_hint("milliseconds from 10 to 60000");
				return EXIT_USAGE;
			}
			run.opt.timeout_ms = (unsigned)v;
			break;
		case 'o':
			if (strcmp(optarg, "445") == 0) {
				run.opt.only_direct = true;
			} else if (strcmp(optarg, "139") == 0) {
				run.opt.only_nbss = true;
			} else {
				cli_error(cli, "bad --only '%s'", optarg);
				cli_hint("--only 445 (direct SMB) or --only "
					 "139 (NetBIOS session)");
				return EXIT_USAGE;
			}
			break;
		case 'n':
			if (!*optarg || strlen(optarg) > PORTIER_NB_NAME_LEN) {
				cli_error(cli, "bad --name '%s'", optarg);
				cli_hint("a NetBIOS name has 1 to 15 "
					 "characters, e.g. FILESRV or "
					 "*SMBSERVER");
				return EXIT_USAGE;
			}
			run.opt.called = optarg;
			break;
		case 'j':
			run.json = true;
			break;
		case 'D':
			run.raw_dir = optarg;
			break;
		case 'P':
			if (portier_parse_ulong(optarg, 1, 256, &v) < 0) {
				cli_error(cli, "bad --parallel '%s'", optarg);
				cli_hint("how many hosts to probe at once, 1 "
					 "to 256");
				return EXIT_USAGE;
			}
			parallel = (unsigned)v;
			break;
		default:
			cli_hint("see 'portier smb --help'");
			return EXIT_USAGE;
		}
	}
	if (optind == argc) {
		cli_error(cli, "no targets given");
		cli_hint("name the servers to ask: 'portier smb 198.19.1.2'");
		return EXIT_USAGE;
	}
	if (run.raw_dir && (stat(run.raw_dir, &st) < 0 || !S_ISDIR(st.st_mode))) {
		cli_error(cli, "--raw-dir '%s' is not a directory", run.raw_dir);
		cli_hint("create it first (mkdir -p '%s')", run.raw_dir);
		return EXIT_USAGE;
	}
	if (portier_probe_targets_parse(argv + optind, (size_t)(argc - optind),
					SMB_MAX_TARGETS, &targets, &n,
					&err) < 0)
		return cli_report(cli, &err);
	kb = cli_kb(cli);
	run.kb445 = kb ? portier_kb_best(kb, 445, PORTIER_PROTO_TCP) : NULL;
	run.kb139 = kb ? portier_kb_best(kb, 139, PORTIER_PROTO_TCP) : NULL;
	rc = probe_all(&run, targets, n, parallel);
	portier_free(targets);
	if (rc != EXIT_OK)
		return rc;
	if (!run.json)
		fprintf(stderr,
			"portier smb: %zu host%s asked, %u accepted a dialect, "
			"%u did not, %u finding%s\n",
			n, n == 1 ? "" : "s", run.hosts_up, run.hosts_down,
			run.findings, run.findings == 1 ? "" : "s");
	return run.findings ? EXIT_FINDINGS : EXIT_OK;
}

const struct cli_command cli_cmd_smb = {
	.name = "smb",
	.run = cmd_smb,
	.rank = 60,
	.summary = "SMB dialects (SMB1?), signing, 445 vs 139 of a server",
	.help =
	"usage: portier smb [--json] [--timeout MS] [--only 445|139]\n"
	"                   [--name NAME] [--parallel N] [--raw-dir DIR]\n"
	"                   TARGET...\n"
	"\n"
	"Ask SMB servers what they accept.  Like a Windows client, portier\n"
	"connects to 445 and 139 at once and keeps 445 if it answers; on 139\n"
	"it first opens a NetBIOS session, calling the server by the name its\n"
	"node status (137/udp) gives, else *SMBSERVER.  Then it offers each\n"
	"dialect on its own connection: SMB1 'NT LM 0.12', and SMB 2.0.2,\n"
	"2.1, 3.0, 3.0.2 and 3.1.1, and reports the accepted set, the highest\n"
	"dialect, whether signing is enabled or required, the server GUID,\n"
	"its clock and boot time when given, its capabilities, and the hash,\n"
	"cipher and signing algorithm it picks for 3.1.1.\n"
	"\n"
	"Findings: SMB1 accepted is high severity (EternalBlue, WannaCry);\n"
	"signing not required is medium (NTLM relay).\n"
	"\n"
	"A TARGET is an address (198.19.1.2, fd70:7:1::2), a block\n"
	"(198.19.1.0/28) or a range (198.19.1.10-20); at most 4096.  Hosts\n"
	"are probed --parallel at a time and reported in target order.\n"
	"\n"
	"options:\n"
	"  --timeout MS    per connect and per reply (default 3000)\n"
	"  --only 445      direct SMB only; --only 139: NetBIOS session only\n"
	"  --name NAME     the NetBIOS name to call on 139 (default: learned\n"
	"                  from 137/udp, else *SMBSERVER)\n"
	"  --parallel N    probe N hosts at once (default 16, 1-256)\n"
	"  --json          JSON Lines, one object per host (docs/json-probe.md)\n"
	"  --raw-dir DIR   save each negotiate reply as\n"
	"                  DIR/smb-IP-PORT-DIALECT.bin\n"
	"\n"
	"exit status: 0 no finding, 1 findings (SMB1 or signing not\n"
	"required), 2 bad usage, 3 runtime failure.\n"
	"\n"
	"examples:\n"
	"  portier smb 198.19.1.2\n"
	"  portier smb --only 139 --name LABSRV 198.19.1.2\n"
	"  portier smb --json 198.19.1.2 fd70:7:1::2\n",
};
