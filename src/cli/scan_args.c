/*
 * scan_args.c - argv of `portier scan` into struct scan_opts: getopt_long
 * with nmap's two-letter forms (-sS, -sT, -sV, -oJ, -oX, -oG, -oA, -iL, -Pn)
 * turned into long options first, each number checked against its range
 * with an error naming the option, the value and what is accepted.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/scan_args.h"
#include "cli/scan_probe.h"
#include "portier/scan.h"

/* ---- argv ------------------------------------------------------------------- */

enum {
	OPT_TOP = 256,
	OPT_RATE,
	OPT_RETRIES,
	OPT_MAXRTT,
	OPT_MINRTT,
	OPT_INITRTT,
	OPT_PARALLEL,
	OPT_SEED,
	OPT_SHARD,
	OPT_RESUME,
	OPT_JSON,
	OPT_XML,
	OPT_GREP,
	OPT_ALL,
	OPT_INPUT,
	OPT_EXCLUDE,
	OPT_EXCLUDE_FILE,
	OPT_SYN,
	OPT_CONNECT,
	OPT_UDP,
	OPT_SYN_UDP,
	OPT_CONNECT_UDP,
	OPT_UDP_PAYLOADS,
	OPT_UNPRIV,
	OPT_OPEN,
	OPT_NOPING,
	OPT_NOPROGRESS,
	OPT_CLOSED,
	OPT_PROBE,
	OPT_SV,
	OPT_INTENSITY,
	OPT_INTRUSIVE,
	OPT_STORE,
};

static const struct option long_opts[] = {
	{"ports", required_argument, NULL, 'p'},
	{"top-ports", required_argument, NULL, OPT_TOP},
	{"fast", no_argument, NULL, 'F'},
	{"syn", no_argument, NULL, OPT_SYN},
	{"connect", no_argument, NULL, OPT_CONNECT},
	{"udp", no_argument, NULL, OPT_UDP},
	{"syn-udp", no_argument, NULL, OPT_SYN_UDP},
	{"connect-udp", no_argument, NULL, OPT_CONNECT_UDP},
	{"udp-payloads", required_argument, NULL, OPT_UDP_PAYLOADS},
	{"unprivileged", no_argument, NULL, OPT_UNPRIV},
	{"rate", required_argument, NULL, OPT_RATE},
	{"max-retries", required_argument, NULL, OPT_RETRIES},
	{"max-rtt-timeout", required_argument, NULL, OPT_MAXRTT},
	{"min-rtt-timeout", required_argument, NULL, OPT_MINRTT},
	{"initial-rtt-timeout", required_argument, NULL, OPT_INITRTT},
	{"max-parallel", required_argument, NULL, OPT_PARALLEL},
	{"seed", required_argument, NULL, OPT_SEED},
	{"shard", required_argument, NULL, OPT_SHARD},
	{"resume", required_argument, NULL, OPT_RESUME},
	{"json", required_argument, NULL, OPT_JSON},
	{"xml", required_argument, NULL, OPT_XML},
	{"grepable", required_argument, NULL, OPT_GREP},
	{"all-formats", required_argument, NULL, OPT_ALL},
	{"input-file", required_argument, NULL, OPT_INPUT},
	{"exclude", required_argument, NULL, OPT_EXCLUDE},
	{"exclude-file", required_argument, NULL, OPT_EXCLUDE_FILE},
	{"open", no_argument, NULL, OPT_OPEN},
	{"closed", no_argument, NULL, OPT_CLOSED},
	{"probe", required_argument, NULL, OPT_PROBE},
	{"service-probes", no_argument, NULL, OPT_SV},
	{"version-intensity", required_argument, NULL, OPT_INTENSITY},
	{"intrusive", no_argument, NULL, OPT_INTRUSIVE},
	{"store", optional_argument, NULL, OPT_STORE},
	{"no-ping", no_argument, NULL, OPT_NOPING},
	{"no-progress", no_argument, NULL, OPT_NOPROGRESS},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{NULL, 0, NULL, 0},
};

/* nmap's two-letter short options become long ones getopt understands. */
static const char *const nmap_forms[][2] = {
	{"-sS", "--syn"},	   {"-sT", "--connect"},
	{"-sU", "--udp"},	   {"-sSU", "--syn-udp"},
	{"-sUS", "--syn-udp"},	   {"-sTU", "--connect-udp"},
	{"-sUT", "--connect-udp"}, {"-oJ", "--json"},
	{"-oX", "--xml"},	   {"-oG", "--grepable"},
	{"-oA", "--all-formats"},  {"-iL", "--input-file"},
	{"-Pn", "--no-ping"},	   {"-sV", "--service-probes"},
};

static void translate_argv(int argc, char **argv)
{
	int i;
	size_t k;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		for (k = 0; k < sizeof(nmap_forms) / sizeof(nmap_forms[0]); k++)
			if (strcmp(argv[i], nmap_forms[k][0]) == 0)
				argv[i] = (char *)(uintptr_t)nmap_forms[k][1];
	}
}

static int number(struct cli *cli, const char *opt, const char *value,
		  unsigned long lo, unsigned long hi, unsigned *out)
{
	unsigned long v;
	int rc = cli_opt_ulong(cli, opt, value, lo, hi, &v);

	if (rc == 0)
		*out = (unsigned)v;
	return rc;
}

/*
 * The command line for the output headers (XML args=, the grepable first
 * line).  Control characters (C0, DEL, C1, bidirectional) and invalid UTF-8
 * become '?' (PORTIER_TEXT_LINE): a raw newline would forge a grepable line
 * and a control byte makes the XML ill-formed.
 */
static void join_args(int argc, char **argv, char *buf, size_t len)
{
	size_t used;
	int i;

	used = (size_t)snprintf(buf, len, "portier scan");
	for (i = 1; i < argc && used + 1 < len; i++) {
		size_t n;

		buf[used++] = ' ';
		n = portier_text_clean(buf + used, len - used, argv[i],
				       PORTIER_TEXT_LINE);
		if (n >= len - used) { /* cut, never inside a character */
			used += strlen(buf + used);
			break;
		}
		used += n;
	}
	buf[used < len ? used : len - 1] = '\0';
}

int scan_parse_opts(struct cli *cli, int argc, char **argv, struct scan_opts *o)
{
	unsigned long long seed;
	char *end;
	int c, rc;

	memset(o, 0, sizeof(*o));
	join_args(argc, argv, o->args, sizeof(o->args));
	o->method = -1;
	o->max_retries = 2;
	o->intensity = PORTIER_SVC_INTENSITY_DEFAULT;
	o->progress = true;
	translate_argv(argc, argv);
	optind = 1;
	while ((c = cli_getopt(cli, argc, argv, "p:Fnq6v", long_opts, NULL)) !=
	       -1) {
		rc = 0;
		switch (c) {
		case 'p':
			o->ports = optarg;
			break;
		case 'F':
			o->top_ports = 100;
			break;
		case OPT_TOP:
			rc = number(cli, "--top-ports", optarg, 1, 65535,
				    &o->top_ports);
			break;
		case OPT_SYN:
			o->method = PORTIER_SCAN_SYN;
			break;
		case OPT_CONNECT:
			o->method = PORTIER_SCAN_CONNECT;
			break;
		case OPT_UDP:
			o->udp = true;
			break;
		case OPT_SYN_UDP:
			o->udp = true;
			o->method = PORTIER_SCAN_SYN;
			break;
		case OPT_CONNECT_UDP:
			o->udp = true;
			o->method = PORTIER_SCAN_CONNECT;
			break;
		case OPT_UDP_PAYLOADS:
			o->udp_payloads = optarg;
			break;
		case OPT_UNPRIV:
			o->unprivileged = true;
			break;
		case OPT_RATE: {
			unsigned r = 0;

			rc = number(cli, "--rate", optarg, 1, 100000000, &r);
			o->rate = r;
			break;
		}
		case OPT_RETRIES:
			rc = number(cli, "--max-retries", optarg, 0, 50,
				    &o->max_retries);
			break;
		case OPT_MAXRTT:
			rc = number(cli, "--max-rtt-timeout", optarg, 1, 60000,
				    &o->max_rtt);
			break;
		case OPT_MINRTT:
			rc = number(cli, "--min-rtt-timeout", optarg, 1, 60000,
				    &o->min_rtt);
			break;
		case OPT_INITRTT:
			rc = number(cli, "--initial-rtt-timeout", optarg, 1,
				    60000, &o->init_rtt);
			break;
		case OPT_PARALLEL:
			rc = number(cli, "--max-parallel", optarg, 16, 1u << 20,
				    &o->max_parallel);
			break;
		case OPT_SEED:
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno || *end || !*optarg || *optarg == '-')
				return cli_opt_invalid(cli, "--seed", optarg,
						       "--seed takes a number, "
						       "e.g. --seed 42 or "
						       "--seed 0x2a");
			o->seed = seed;
			o->have_seed = true;
			break;
		case OPT_SHARD:
			o->shard = optarg;
			break;
		case OPT_RESUME:
			o->resume = optarg;
			break;
		case OPT_JSON:
			o->json = optarg;
			break;
		case OPT_STORE:
			o->to_store = true;
			o->store = optarg; /* NULL: the default store */
			break;
		case OPT_XML:
			o->xml = optarg;
			break;
		case OPT_GREP:
			o->grep = optarg;
			break;
		case OPT_ALL:
			snprintf(o->all_json, sizeof(o->all_json), "%s.jsonl",
				 optarg);
			snprintf(o->all_xml, sizeof(o->all_xml), "%s.xml",
				 optarg);
			snprintf(o->all_grep, sizeof(o->all_grep), "%s.gnmap",
				 optarg);
			o->json = o->all_json;
			o->xml = o->all_xml;
			o->grep = o->all_grep;
			break;
		case OPT_INPUT: {
			const char **v =
				realloc(o->input_files,
					(o->n_input_files + 1) * sizeof(*v));

			if (!v)
				return EXIT_RUNTIME;
			v[o->n_input_files++] = optarg;
			o->input_files = v;
			break;
		}
		case OPT_EXCLUDE:
			o->exclude = optarg;
			break;
		case OPT_EXCLUDE_FILE:
			o->exclude_file = optarg;
			break;
		case OPT_OPEN:
			o->open_only = true;
			break;
		case OPT_CLOSED:
			o->closed = true;
			break;
		case OPT_PROBE:
			rc = scan_probe_parse(cli, optarg, &o->probes,
					      o->svc_only, &o->n_svc_only);
			break;
		case OPT_INTENSITY:
			rc = number(cli, "--version-intensity", optarg, 0, 9,
				    &o->intensity);
			break;
		case OPT_INTRUSIVE:
			o->intrusive = true;
			break;
		case OPT_SV:
			o->probe_sv = true;
			break;
		case OPT_NOPING:
			break; /* the default: no host discovery */
		case OPT_NOPROGRESS:
			o->progress = false;
			break;
		case 'n':
			o->no_resolve = true;
			break;
		case '6':
			o->want_v6 = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		default: /* cli_getopt said why */
			return EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	return 0;
}
