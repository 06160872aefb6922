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
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/probe_out.h"

#define SMB_MAX_TARGETS 4096

struct smb_run {
	struct cli *cli;
	struct portier_smb_opts opt;
	bool json;
	const char *raw_dir;
	int raw_fd; /* the --raw-dir directory, -1 without it */
	unsigned hosts_up, hosts_down, findings;
	int printed;
};

static void save_raw(const struct smb_run *run,
		     const struct portier_smb_host *h, const char *ip)
{
	size_t i;

	for (i = 0; i < h->n_results; i++) {
		const struct portier_smb_dialect_result *r = &h->results[i];
		char name[96];

		snprintf(name, sizeof(name), "smb-%s-%s-%04x.bin", ip,
			 h->via_nbss ? "139" : "445", r->dialect);
		probe_out_raw_write(run->cli, run->raw_fd, run->raw_dir, name,
				    r->raw, r->raw_len);
	}
	if (h->ntlm_raw_len) {
		char name[96];

		snprintf(name, sizeof(name), "smb-%s-%s-ntlm.bin", ip,
			 h->via_nbss ? "139" : "445");
		probe_out_raw_write(run->cli, run->raw_fd, run->raw_dir, name,
				    h->ntlm_raw, h->ntlm_raw_len);
	}
}

static void report(void *ctx, void *result, int rc,
		   const struct portier_err *err)
{
	struct smb_run *run = ctx;
	struct portier_smb_host *h = result;
	struct portier_probe_finding f[PORTIER_SMB_MAX_FINDINGS];
	char ip[INET6_ADDRSTRLEN];

	portier_addr_str(&h->addr, ip, sizeof(ip));
	if (!run->json && run->printed++)
		putchar('\n');
	if (rc < 0) {
		run->hosts_down++;
		if (run->json)
			(void)cli_json_line(stdout, probe_out_smb_json(h, err));
		else
			printf("%s\n", err->msg);
		fflush(stdout);
		return;
	}
	if (h->highest)
		run->hosts_up++;
	else
		run->hosts_down++;
	save_raw(run, h, ip);
	run->findings += (unsigned)portier_smb_judge(h, f);
	if (run->json)
		(void)cli_json_line(stdout, probe_out_smb_json(h, NULL));
	else
		probe_out_smb_text(stdout, run->cli, h);
	fflush(stdout);
}

static int probe(void *ctx, const struct portier_addr *a, void *result,
		 struct portier_err *err)
{
	const struct smb_run *run = ctx;

	return portier_probe_smb_host(a, &run->opt, result, err);
}

static void release(void *result)
{
	portier_smb_host_free(result);
}

static const struct probe_pool_ops smb_pool_ops = {
	.result_size = sizeof(struct portier_smb_host),
	.probe = probe,
	.report = report,
	.release = release,
};

static int cmd_smb(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"timeout", required_argument, NULL, 't'},
		{"only", required_argument, NULL, 'o'},
		{"name", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"raw-dir", required_argument, NULL, 'D'},
		{"parallel", required_argument, NULL, 'P'},
		{"shares", no_argument, NULL, 's'},
		{NULL, 0, NULL, 0},
	};
	struct smb_run run = {.cli = cli, .raw_fd = -1};
	unsigned long v;
	unsigned parallel = 16;
	size_t n;
	int c, rc;

	run.opt.timeout_ms = 3000;
	while ((c = cli_getopt(cli, argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (portier_parse_ulong(optarg, 10, 60000, &v) < 0)
				return cli_opt_invalid(cli, "--timeout", optarg,
						       "--timeout takes "
						       "milliseconds, from 10 "
						       "to 60000");
			run.opt.timeout_ms = (unsigned)v;
			break;
		case 'o':
			if (strcmp(optarg, "445") == 0) {
				run.opt.only_direct = true;
			} else if (strcmp(optarg, "139") == 0) {
				run.opt.only_nbss = true;
			} else {
				return cli_opt_invalid(
					cli, "--only", optarg,
					"--only 445 (direct SMB) or --only 139 "
					"(NetBIOS session)");
			}
			break;
		case 'n':
			if (!*optarg || strlen(optarg) > PORTIER_NB_NAME_LEN)
				return cli_opt_invalid(
					cli, "--name", optarg,
					"a NetBIOS name has 1 to 15 "
					"characters, e.g. FILESRV or "
					"*SMBSERVER");
			run.opt.called = optarg;
			break;
		case 's':
			run.opt.shares = true;
			break;
		case 'j':
			run.json = true;
			break;
		case 'D':
			run.raw_dir = optarg;
			break;
		case 'P':
			if (portier_parse_ulong(optarg, 1, 256, &v) < 0)
				return cli_opt_invalid(
					cli, "--parallel", optarg,
					"--parallel takes how many hosts to "
					"probe at once, 1 to 256");
			parallel = (unsigned)v;
			break;
		default: /* cli_getopt said why */
			return EXIT_USAGE;
		}
	}
	rc = probe_out_run(cli, argv + optind, (size_t)(argc - optind),
			   SMB_MAX_TARGETS, run.raw_dir, &run.raw_fd, parallel,
			   &smb_pool_ops, &run, &n);
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
	.help = "usage: portier smb [--json] [--shares] [--timeout MS]\n"
		"                   [--only 445|139]\n"
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
		"With --shares portier also asks what the server says before any\n"
		"password: on a new connection with the highest dialect (SMB1 only\n"
		"when the server speaks nothing newer) it starts an NTLM login\n"
		"(SESSION_SETUP with an NTLMSSP NEGOTIATE) and\n"
		"reports the challenge's target information: NetBIOS and DNS\n"
		"computer and domain names, the forest, the server's clock and its\n"
		"OS version when sent.  Then it tries a null session (anonymous)\n"
		"and a random user with a random password (guest), reports the\n"
		"status and session flags (IS_GUEST, IS_NULL), and whether the\n"
		"session reaches IPC$; the first that does lists the shares\n"
		"(NetrShareEnum over the srvsvc pipe, as smbclient -L), and each\n"
		"session tries every disk share: TREE_CONNECT's MaximalAccess and\n"
		"a read-only open of its root decide connect / read / read+write.\n"
		"No file is created, read or written.\n"
		"\n"
		"Findings: SMB1 accepted is high severity (EternalBlue, WannaCry);\n"
		"signing not required is medium (NTLM relay); with --shares, a\n"
		"share readable or writable without a password is high, a hidden\n"
		"$ share reachable, a null session or unknown users mapped to\n"
		"guest (reaching IPC$) medium, the NTLM names low.\n"
		"\n"
		"A TARGET is written as for 'portier scan' (names are not resolved):\n"
		"an address (198.19.1.2, fd70:7:1::2), a block (198.19.1.0/28,\n"
		"fd70:7:1::/120) or a range (198.19.1.10-20); at most 4096.  Hosts\n"
		"are probed --parallel at a time and reported in ascending address\n"
		"order, each once.  Unicast hosts only: a multicast,\n"
		"255.255.255.255, 0.x, :: or fe80:: target is an error; blocks and\n"
		"ranges skip those and the .0 and .255 of every /24.\n"
		"\n"
		"options:\n"
		"  --timeout MS    per connect and per reply (default 3000)\n"
		"  --only 445      direct SMB only; --only 139: NetBIOS session only\n"
		"  --name NAME     the NetBIOS name to call on 139 (default: learned\n"
		"                  from 137/udp, else *SMBSERVER)\n"
		"  --parallel N    probe N hosts at once (default 16, 1-256)\n"
		"  --shares        also report what the server reveals and grants\n"
		"                  before any password (NTLM names, null and guest\n"
		"                  sessions, shares and their access)\n"
		"  --json          JSON Lines, one object per host (docs/json-probe.md)\n"
		"  --raw-dir DIR   save each negotiate reply as\n"
		"                  DIR/smb-IP-PORT-DIALECT.bin (with --shares\n"
		"                  also the challenge as smb-IP-PORT-ntlm.bin);\n"
		"                  an existing\n"
		"                  symlink or non-regular file is not written\n"
		"\n"
		"exit status: 0 no finding, 1 findings (SMB1, signing not\n"
		"required; with --shares an open share, a null or guest session\n"
		"or the NTLM names), 2 bad usage, 3 runtime failure.\n"
		"\n"
		"examples:\n"
		"  portier smb 198.19.1.2\n"
		"  portier smb --only 139 --name LABSRV 198.19.1.2\n"
		"  portier smb --json 198.19.1.2 fd70:7:1::2\n"
		"  portier smb --shares 198.19.1.2\n",
};
