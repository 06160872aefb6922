/*
 * cmd_firewall.c - `portier firewall`: close ports, allow only a list,
 * harden the Windows-share ports, show and undo portier's rules.
 *
 * The verbs are a small table of their own (like git's `bundle`): each
 * parses its options and arguments, and the three that change rules share
 * one path - read the policy in the kernel, change it, guard the SSH
 * session, render the whole table, and either print the script (--dry-run)
 * or apply it in one transaction with an undo point saved first.  Bad input
 * is rejected before anything is read or applied.  Printing helpers live
 * in fw_out.c; what looks at this host's sockets (suggest, the listeners
 * behind a closed port) in fw_local.c.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/fw_out.h"
#include "portier/fw.h"
#include "portier/nft.h"
#include "portier/local.h"

enum {
	OPT_DRY_RUN = 1 << 0,
	OPT_PROTO = 1 << 1,
	OPT_FROM = 1 << 2,
	OPT_SSH = 1 << 3,
	OPT_JSON = 1 << 4,
};

struct fw_run {
	struct cli *cli;
	const char *verb;
	bool dry_run;
	unsigned protos; /* 0: tcp and udp */
	const char *from;
	bool ssh_closed_ok;
	bool json;
	char what[256]; /* "close 445 --proto tcp", for the undo point */
};

static int usage_error(const struct cli *cli)
{
	cli_usage_hint(cli);
	return EXIT_USAGE;
}

/*
 * Options of one verb; allowed is the OPT_* mask it takes.  Leaves optind at
 * the first operand.
 */
static int parse_opts(struct fw_run *r, int argc, char **argv, unsigned allowed)
{
	static const struct option longopts[] = {
		{"dry-run", no_argument, NULL, 'n'},
		{"proto", required_argument, NULL, 'p'},
		{"from", required_argument, NULL, 'f'},
		{"i-know-ssh-is-closed", no_argument, NULL, 'S'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	static const unsigned bit[] = {['n'] = OPT_DRY_RUN,
				       ['p'] = OPT_PROTO,
				       ['f'] = OPT_FROM,
				       ['S'] = OPT_SSH,
				       ['j'] = OPT_JSON};
	struct portier_err err = {0};
	int c, i, li = -1;
	size_t len;

	/* "-5" is a bad port, not an unknown option */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (argv[i][0] == '-' && argv[i][1] >= '0' &&
		    argv[i][1] <= '9') {
			cli_error(r->cli, "bad port '%s'", argv[i]);
			cli_hint("a port is a number from 0 to 65535");
			return EXIT_USAGE;
		}
	}
	/* the command line as given, for the undo point's description */
	len = 0;
	for (i = 0; i < argc && len < sizeof(r->what) - 1; i++)
		len += (size_t)snprintf(r->what + len, sizeof(r->what) - len,
					"%s%s", i ? " " : "", argv[i]);
	optind = 0; /* glibc: start afresh, argv[0] is the verb */
	while ((c = cli_getopt(r->cli, argc, argv, "", longopts, &li)) != -1) {
		if (c == CLI_OPT_ERROR)
			return EXIT_USAGE;
		if (!(allowed & bit[c])) {
			cli_error(r->cli,
				  "option '--%s' does not apply to '%s'",
				  li >= 0 ? longopts[li].name : "?", r->verb);
			return usage_error(r->cli);
		}
		switch (c) {
		case 'n':
			r->dry_run = true;
			break;
		case 'p':
			if (portier_fw_protos_parse(optarg, &r->protos, &err) <
			    0)
				return cli_report(r->cli, &err);
			break;
		case 'f':
			r->from = optarg;
			break;
		case 'S':
			r->ssh_closed_ok = true;
			break;
		case 'j':
			r->json = true;
			break;
		}
	}
	return EXIT_OK;
}

static int need_operands(struct fw_run *r, int argc, char **argv, int want,
			 const char *what)
{
	if (argc - optind == want)
		return EXIT_OK;
	if (argc - optind < want)
		cli_error(r->cli, "'%s' needs %s", r->verb, what);
	else
		cli_error(r->cli, "'%s' takes %s; '%s' is one too many",
			  r->verb, what, argv[optind + want]);
	return usage_error(r->cli);
}

/* ---- the shared path of the verbs that change rules --------------------- */

struct change {
	struct portier_fw_spec spec;
	struct portier_fw_source src;
	bool have_src;
};

/* Open the nft back-end; NULL with a message printed on failure. */
static struct portier_fw *open_fw(struct fw_run *r, int *rc)
{
	struct portier_err err = {0};
	struct portier_fw *fw;

	if (portier_fw_open(&fw, &portier_fw_nft, getenv("PORTIER_STATE_DIR"),
			    &err) < 0) {
		*rc = cli_report(r->cli, &err);
		return NULL;
	}
	return fw;
}

static int need_admin(struct fw_run *r)
{
	if (portier_nft_have_admin())
		return EXIT_OK;
	cli_error(r->cli, "changing the firewall needs CAP_NET_ADMIN, which "
			  "this process lacks");
	cli_hint("run it as root (sudo portier firewall %s ...), or add "
		 "--dry-run to print the script without applying it",
		 r->verb);
	return EXIT_RUNTIME;
}

/* The SSH session this command runs in; false if none. */
static bool ssh_session(struct fw_run *r, struct portier_fw_conn *sess,
			const char **how)
{
	*how = "$SSH_CONNECTION";
	if (portier_fw_ssh_from_env(getenv("SSH_CONNECTION"), sess) == 0)
		return true;
	*how = "the socket table";
	return portier_fw_ssh_from_proc(r->cli->proc_root, getpid(), sess,
					NULL) == 0;
}

/*
 * No session found: sudo may have reset $SSH_CONNECTION and tmux hides
 * sshd from the parent walk, so refuse to drop a port sshd listens on
 * (unless the policy in place, before, already drops it).
 */
static int guard_sshd(struct fw_run *r, struct portier_fw *fw,
		      const struct portier_fw_policy *p)
{
	struct portier_local_query q = {
		.protos = PORTIER_LOCAL_TCP,
		.states = PORTIER_STATES_LISTENING,
		.processes = true,
		.proc_root = r->cli->proc_root,
	};
	struct portier_err err = {0};
	struct portier_fw_policy before = {0};
	struct portier_local *l = NULL;
	int rc = EXIT_OK;

	if (fw && portier_fw_current(fw, &before, &err) < 0)
		return cli_report(r->cli, &err);
	if (portier_local_collect(&q, &l, &err) < 0) {
		cli_notice(r->cli,
			   "cannot look for an sshd listening on a port "
			   "this change drops: %s",
			   err.msg);
	} else if (portier_fw_guard_sshd(&before, p, l, &err) < 0) {
		rc = cli_report(r->cli, &err);
	}
	portier_local_free(l);
	portier_fw_policy_free(&before);
	return rc;
}

/* Keep the SSH session's port open (allow-only) and never close it. */
static int guard_ssh(struct fw_run *r, struct portier_fw *fw,
		     struct portier_fw_policy *p)
{
	struct portier_err err = {0};
	struct portier_fw_conn sess;
	const char *how;
	int rc;

	if (r->ssh_closed_ok)
		return EXIT_OK;
	if (!ssh_session(r, &sess, &how))
		return guard_sshd(r, fw, p);
	rc = portier_fw_guard_ssh(p, &sess, &err);
	if (rc <
	    0) /* exit 2 for a policy that cuts the session, 3 for ENOMEM */
		return cli_report(r->cli, &err);
	if (rc > 0)
		cli_notice(
			r->cli,
			"keeping tcp/%u open: this command runs in an SSH "
			"session on it (found in %s); --i-know-ssh-is-closed "
			"drops it",
			sess.lport, how);
	return EXIT_OK;
}

/*
 * Allow-only: the TCP connections that exist now pass by their 4-tuple, so
 * that they survive even where conntrack has not seen them being made.
 */
static int keep_connections(struct fw_run *r, struct portier_fw_policy *p)
{
	struct portier_err err = {0};
	struct portier_fw_conn *conns = NULL;
	size_t n = 0;
	int rc = 0;

	if (p->allow_only &&
	    portier_fw_conns_read(r->cli->proc_root, &conns, &n, &err) < 0)
		rc = -1;
	if (rc == 0 && portier_fw_policy_keep(p, conns, n, &err) < 0)
		rc = -1;
	if (rc < 0)
		cli_report(r->cli, &err);
	portier_free(conns);
	return rc;
}

typedef int (*change_fn)(struct portier_fw_policy *p, const struct change *c,
			 struct portier_err *err);

static int do_change(struct fw_run *r, const struct change *c, change_fn fn)
{
	struct portier_err err = {0};
	struct portier_fw_policy policy = {0};
	struct portier_fw *fw = NULL;
	char *old_script = NULL, *script = NULL;
	bool can_read = portier_nft_have_admin(), changed = false;
	int rc = EXIT_OK;

	if (!r->dry_run && (rc = need_admin(r)) != EXIT_OK)
		return rc;
	if (can_read) {
		fw = open_fw(r, &rc);
		if (!fw)
			return rc;
		if ((!r->dry_run && portier_fw_lock(fw, &err) < 0) ||
		    portier_fw_current(fw, &policy, &err) < 0) {
			rc = cli_report(r->cli, &err);
			goto out;
		}
	} else {
		cli_notice(r->cli, "without CAP_NET_ADMIN the rules in place "
				   "cannot be read; the script starts from an "
				   "empty portier table");
	}
	if (portier_fw_render(&policy, &old_script, &err) < 0 ||
	    fn(&policy, c, &err) < 0) {
		rc = cli_report(r->cli, &err);
		goto out;
	}
	rc = guard_ssh(r, fw, &policy);
	if (rc != EXIT_OK)
		goto out;
	if (keep_connections(r, &policy) < 0) {
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (portier_fw_render(&policy, &script, &err) < 0) {
		rc = cli_report(r->cli, &err);
		goto out;
	}
	if (r->dry_run) {
		fputs(script, stdout);
		if (fw && portier_fw_check(fw, script, &err) < 0)
			rc = cli_report(r->cli, &err);
		else if (fw)
			cli_notice(r->cli, "dry run: the kernel accepts this "
					   "script; nothing was applied");
		else
			cli_notice(r->cli, "dry run: nothing was applied");
		goto out;
	}
	if (strcmp(old_script, script) == 0) {
		printf("already in place: nothing to change\n");
		goto out;
	}
	if (portier_fw_apply(fw, script, r->what, &changed, &err) < 0) {
		rc = cli_report(r->cli, &err);
		goto out;
	}
	fw_out_applied(r->cli, &policy, changed);
out:
	portier_free(old_script);
	portier_free(script);
	portier_fw_policy_free(&policy);
	portier_fw_close(fw);
	return rc;
}

/* ---- the verbs ---------------------------------------------------------- */

static int apply_close(struct portier_fw_policy *p, const struct change *c,
		       struct portier_err *err)
{
	return portier_fw_policy_close(p, &c->spec,
				       c->have_src ? &c->src : NULL, err);
}

static int apply_allow_only(struct portier_fw_policy *p, const struct change *c,
			    struct portier_err *err)
{
	return portier_fw_policy_allow_only(p, &c->spec, err);
}

static int apply_harden(struct portier_fw_policy *p, const struct change *c,
			struct portier_err *err)
{
	(void)c;
	return portier_fw_policy_harden(p, err);
}

static int apply_open(struct portier_fw_policy *p, const struct change *c,
		      struct portier_err *err)
{
	return portier_fw_policy_open(p, &c->spec, err);
}

static int apply_reset(struct portier_fw_policy *p, const struct change *c,
		       struct portier_err *err)
{
	(void)c;
	(void)err;
	portier_fw_policy_free(p); /* empty: the table goes */
	return 0;
}

/*
 * The verbs that take one PORTSPEC: the options they allow, then the spec
 * into c->spec.  Returns EXIT_OK or the exit code of what was wrong.
 */
static int parse_spec_verb(struct fw_run *r, int argc, char **argv,
			   unsigned allowed, const char *want, struct change *c)
{
	struct portier_err err = {0};
	int rc = parse_opts(r, argc, argv, allowed);

	if (rc == EXIT_OK)
		rc = need_operands(r, argc, argv, 1, want);
	if (rc != EXIT_OK)
		return rc;
	if (portier_fw_spec_parse(argv[optind], r->protos, &c->spec, &err) < 0)
		return cli_report(r->cli, &err);
	return EXIT_OK;
}

static int verb_close(struct fw_run *r, int argc, char **argv)
{
	struct portier_err err = {0};
	struct change c = {0};
	int rc;

	rc = parse_spec_verb(r, argc, argv,
			     OPT_DRY_RUN | OPT_PROTO | OPT_FROM | OPT_SSH,
			     "one PORTSPEC, e.g. 445 or 135,137-139", &c);
	if (rc != EXIT_OK)
		return rc;
	if (r->from) {
		if (portier_fw_source_parse(r->from, &c.src, &err) < 0) {
			portier_fw_spec_free(&c.spec);
			return cli_report(r->cli, &err);
		}
		c.have_src = true;
	}
	rc = do_change(r, &c, apply_close);
	if (rc == EXIT_OK)
		fw_out_listeners(r->cli, &c.spec, r->dry_run ? stderr : stdout);
	portier_fw_spec_free(&c.spec);
	return rc;
}

/* A verb whose one operand is a PORTSPEC and whose change is fn. */
static int spec_change(struct fw_run *r, int argc, char **argv, unsigned opts,
		       const char *want, change_fn fn)
{
	struct change c = {0};
	int rc = parse_spec_verb(r, argc, argv, opts, want, &c);

	if (rc == EXIT_OK)
		rc = do_change(r, &c, fn);
	portier_fw_spec_free(&c.spec);
	return rc;
}

static int verb_allow_only(struct fw_run *r, int argc, char **argv)
{
	return spec_change(r, argc, argv, OPT_DRY_RUN | OPT_PROTO | OPT_SSH,
			   "one PORTSPEC, e.g. 22,80", apply_allow_only);
}

static int verb_open(struct fw_run *r, int argc, char **argv)
{
	return spec_change(r, argc, argv, OPT_DRY_RUN | OPT_PROTO,
			   "one PORTSPEC, e.g. 139", apply_open);
}

static int verb_harden(struct fw_run *r, int argc, char **argv)
{
	struct change c = {0};
	int rc;

	rc = parse_opts(r, argc, argv, OPT_DRY_RUN | OPT_SSH);
	if (rc == EXIT_OK)
		rc = need_operands(r, argc, argv, 0, "no operands");
	if (rc != EXIT_OK)
		return rc;
	/* the reasons: on stdout, or beside the script on stderr */
	if (fw_out_harden(r->cli, r->dry_run ? stderr : stdout) < 0)
		return EXIT_USAGE;
	return do_change(r, &c, apply_harden);
}

static int verb_reset(struct fw_run *r, int argc, char **argv)
{
	struct change c = {0};
	int rc;

	rc = parse_opts(r, argc, argv, OPT_DRY_RUN);
	if (rc == EXIT_OK)
		rc = need_operands(r, argc, argv, 0, "no operands");
	if (rc != EXIT_OK)
		return rc;
	return do_change(r, &c, apply_reset);
}

static int verb_status(struct fw_run *r, int argc, char **argv)
{
	struct portier_err err = {0};
	struct portier_fw_policy policy = {0};
	struct portier_fw_counters counts;
	struct portier_fw *fw;
	char *listing = NULL;
	int rc;

	rc = parse_opts(r, argc, argv, OPT_DRY_RUN | OPT_JSON);
	if (rc == EXIT_OK)
		rc = need_operands(r, argc, argv, 0, "no operands");
	if (rc != EXIT_OK)
		return rc;
	if (r->json && r->dry_run) {
		cli_error(r->cli, "--json and --dry-run do not go together");
		cli_hint("--dry-run prints the table as an nft script, --json "
			 "describes it");
		return EXIT_USAGE;
	}
	if (!portier_nft_have_admin()) {
		cli_error(r->cli, "reading the firewall needs CAP_NET_ADMIN, "
				  "which this process lacks");
		cli_hint("run it as root: sudo portier firewall status");
		return EXIT_RUNTIME;
	}
	fw = open_fw(r, &rc);
	if (!fw)
		return rc;
	if (r->dry_run) {
		/* the table as an nft script */
		if (portier_fw_listing(fw, &listing, &err) < 0)
			rc = cli_report(r->cli, &err);
		else
			fputs(listing, stdout);
	} else if (portier_fw_current(fw, &policy, &err) < 0 ||
		   portier_fw_counters(fw, &counts, &err) < 0) {
		rc = cli_report(r->cli, &err);
	} else if (r->json) {
		fw_out_status_json(&policy, &counts, portier_fw_undo_depth(fw));
	} else {
		fw_out_status(r->cli, &policy, &counts,
			      portier_fw_undo_depth(fw));
	}
	portier_free(listing);
	portier_fw_policy_free(&policy);
	portier_fw_close(fw);
	return rc;
}

static int verb_undo(struct fw_run *r, int argc, char **argv)
{
	struct portier_err err = {0};
	struct portier_fw *fw;
	char *script = NULL, *what = NULL;
	int rc;

	rc = parse_opts(r, argc, argv, OPT_DRY_RUN);
	if (rc == EXIT_OK)
		rc = need_operands(r, argc, argv, 0, "no operands");
	if (rc != EXIT_OK)
		return rc;
	if (!r->dry_run && (rc = need_admin(r)) != EXIT_OK)
		return rc;
	if (portier_fw_open(&fw, &portier_fw_nft, getenv("PORTIER_STATE_DIR"),
			    &err) < 0)
		return cli_report(r->cli, &err);
	if ((!r->dry_run && portier_fw_lock(fw, &err) < 0) ||
	    portier_fw_undo_peek(fw, &script, &what, &err) < 0) {
		rc = cli_report(r->cli, &err);
	} else if (r->dry_run) {
		fputs(script, stdout);
		cli_notice(r->cli, "dry run: nothing was applied");
	} else if (portier_fw_undo(fw, &err) < 0) {
		rc = cli_report(r->cli, &err);
	} else {
		size_t left = portier_fw_undo_depth(fw);

		printf("undone: %s\n", what ? what : "(unknown change)");
		printf("table inet " PORTIER_FW_TABLE " is back as it was "
		       "before; %zu older undo point%s left\n",
		       left, left == 1 ? "" : "s");
	}
	portier_free(script);
	portier_free(what);
	portier_fw_close(fw);
	return rc;
}

/* "139/tcp,445/tcp,137/udp": a spec that reads back as the same ports. */
static void print_spec(const struct portier_fw_spec *spec)
{
	const char *sep = "";
	size_t i;
	int q;

	for (q = 0; q < PORTIER_FW_NPROTO; q++) {
		for (i = 0; i < spec->ports[q].n; i++) {
			const struct portier_fw_range *g = &spec->ports[q].r[i];

			if (g->lo == g->hi)
				printf("%s%u/%s", sep, g->lo,
				       portier_fw_proto_name(q));
			else
				printf("%s%u-%u/%s", sep, g->lo, g->hi,
				       portier_fw_proto_name(q));
			sep = ",";
		}
	}
}

static int verb_suggest(struct fw_run *r, int argc, char **argv)
{
	struct portier_err err = {0};
	struct portier_fw_policy policy = {0};
	struct portier_fw_spec spec = {0};
	struct portier_fw *fw = NULL;
	char *script = NULL;
	struct portier_fw_conn sess;
	const char *how;
	uint16_t ssh_port = 0;
	int rc;

	rc = parse_opts(r, argc, argv, OPT_DRY_RUN);
	if (rc == EXIT_OK)
		rc = need_operands(r, argc, argv, 0, "no operands");
	if (rc != EXIT_OK)
		return rc;
	if (portier_nft_have_admin()) {
		fw = open_fw(r, &rc);
		if (!fw)
			return rc;
		if (portier_fw_current(fw, &policy, &err) < 0) {
			rc = cli_report(r->cli, &err);
			goto out;
		}
	}
	if (ssh_session(r, &sess, &how))
		ssh_port = sess.lport;
	rc = fw_suggest_collect(r->cli, &policy, ssh_port, &spec,
				r->dry_run ? stderr : stdout);
	if (rc < 0) {
		rc = -rc;
		goto out;
	}
	if (!spec.ports[PORTIER_FW_TCP].n && !spec.ports[PORTIER_FW_UDP].n)
		goto out; /* nothing to suggest: exit 0 */
	rc = EXIT_FINDINGS;
	if (r->dry_run) {
		if (portier_fw_policy_close(&policy, &spec, NULL, &err) < 0 ||
		    portier_fw_render(&policy, &script, &err) < 0) {
			rc = cli_report(r->cli, &err);
			goto out;
		}
		fputs(script, stdout);
		cli_notice(r->cli, "dry run: nothing was applied");
		goto out;
	}
	printf("\nto close them: sudo portier firewall close ");
	print_spec(&spec);
	printf("\nnothing was applied; add --dry-run to see the nft script\n");
out:
	portier_free(script);
	portier_fw_spec_free(&spec);
	portier_fw_policy_free(&policy);
	portier_fw_close(fw);
	return rc;
}

struct fw_verb {
	const char *name;
	int (*run)(struct fw_run *r, int argc, char **argv);
};

static const struct fw_verb verbs[] = {
	{"close", verb_close},	   {"allow-only", verb_allow_only},
	{"open", verb_open},	   {"harden", verb_harden},
	{"suggest", verb_suggest}, {"status", verb_status},
	{"undo", verb_undo},	   {"reset", verb_reset},
};

static int cmd_firewall(struct cli *cli, int argc, char **argv)
{
	static const struct option none[] = {{NULL, 0, NULL, 0}};
	struct fw_run r = {.cli = cli};
	size_t i;

	if (argc < 2) {
		cli_error(cli, "which change? close, open, allow-only, harden, "
			       "suggest, status, undo or reset");
		return usage_error(cli);
	}
	/* the options belong to a verb: none may come before it */
	if (argv[1][0] == '-' && argv[1][1]) {
		optind = 1;
		if (cli_getopt(cli, argc, argv, "+", none, NULL) ==
		    CLI_OPT_ERROR)
			return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(argv[1], verbs[i].name) == 0) {
			r.verb = verbs[i].name;
			return verbs[i].run(&r, argc - 1, argv + 1);
		}
	}
	cli_error(cli, "unknown verb '%s'", argv[1]);
	cli_hint("portier firewall takes close, open, allow-only, harden, "
		 "suggest, status, undo or reset");
	return EXIT_USAGE;
}

const struct cli_command cli_cmd_firewall = {
	.name = "firewall",
	.run = cmd_firewall,
	.rank = 80,
	.summary = "close ports with nftables, in portier's own table",
	.help = "usage: portier firewall close PORTSPEC [--proto tcp|udp] [--from CIDR]\n"
		"       portier firewall open PORTSPEC [--proto tcp|udp]\n"
		"       portier firewall allow-only PORTSPEC [--proto tcp|udp]\n"
		"       portier firewall harden\n"
		"       portier firewall suggest\n"
		"       portier firewall status [--json]\n"
		"       portier firewall undo\n"
		"       portier firewall reset\n"
		"       (every verb takes --dry-run)\n"
		"\n"
		"Turn \"close the ports you do not use\" into nftables rules that are\n"
		"correct and reversible.  All rules live in portier's own table, `table\n"
		"inet portier` (IPv4 and IPv6 alike), which is replaced as a whole in one\n"
		"transaction: all of it or nothing.  No other table is touched.  Each\n"
		"change adds to the rules in place; applying the same change twice does\n"
		"nothing the second time.\n"
		"\n"
		"verbs:\n"
		"  close PORTSPEC     drop inbound traffic to these ports, even on\n"
		"                     connections made before; replies to this host's own\n"
		"                     connections and loopback are never dropped; names\n"
		"                     the process still listening behind each port and\n"
		"                     the command that stops it\n"
		"  open PORTSPEC      the opposite of close: these ports are no longer\n"
		"                     dropped (from anywhere or any source), and in\n"
		"                     allow-only mode they join the allowed ports\n"
		"  allow-only PORTSPEC\n"
		"                     drop all inbound traffic except these ports,\n"
		"                     loopback, established connections, the ICMP the\n"
		"                     network needs (PMTU, neighbour discovery) and DHCP\n"
		"                     replies; replaces an earlier allow-only list\n"
		"  harden             close the Windows-share ports: TCP 135, 137, 139,\n"
		"                     445, 593, 1025, 2745, 3127, 6129, 3389 and UDP 135,\n"
		"                     137, 138, 445, saying for each why\n"
		"  suggest            run the audit (portier audit) and name the risky\n"
		"                     ports that listen for other hosts and that no other\n"
		"                     host is connected to, with the close command for\n"
		"                     them; applies nothing (exit 1 when it names any)\n"
		"  status             portier's rules in plain words\n"
		"  undo               put portier's table back as it was before the last\n"
		"                     change; again to go further back\n"
		"  reset              remove portier's table: portier filters nothing (an\n"
		"                     undo point is saved, so undo brings it back)\n"
		"\n"
		"PORTSPEC: ports and ranges separated by commas, each optionally /tcp or\n"
		"/udp: 445   135,137-139   53/udp,22/tcp.  Without a protocol a port means\n"
		"both tcp and udp (or what --proto says).\n"
		"\n"
		"options:\n"
		"  --dry-run        print the nft script (stdout) and apply nothing; with\n"
		"                   privileges the kernel checks it (like nft -c)\n"
		"  --proto P        tcp, udp or tcp+udp for ports without /PROTO\n"
		"  --from CIDR      close: only for sources in CIDR (10.0.0.0/8, fd00::/8)\n"
		"  --json           status: one JSON object (docs/json-firewall.md)\n"
		"  --i-know-ssh-is-closed\n"
		"                   allow-only normally keeps the port of the SSH session\n"
		"                   it runs in open, and close refuses to close it; with\n"
		"                   no session found (sudo, tmux), changes that drop a\n"
		"                   port sshd listens on are refused; this turns that\n"
		"                   guard off\n"
		"\n"
		"Changing or reading rules needs CAP_NET_ADMIN.  Undo points are saved\n"
		"in /var/lib/portier/fw, or $PORTIER_STATE_DIR: a directory that only\n"
		"you can write to (never one under /tmp), else portier refuses it.\n"
		"\n"
		"examples:\n"
		"  portier firewall harden --dry-run\n"
		"  sudo portier firewall suggest\n"
		"  sudo portier firewall close 445\n"
		"  sudo portier firewall close 3389/tcp --from 0.0.0.0/0\n"
		"  sudo portier firewall allow-only 22,80,443/tcp\n"
		"  sudo portier firewall status\n"
		"  sudo portier firewall undo\n",
};
