/*
 * ports.c - port specs in nmap's syntax ("22,80,1000-2000", "-", "T:445,U:137")
 * and the "top N" port lists.
 *
 * A spec is read into one 65,536-bit set per protocol and then written out
 * as ascending arrays, so duplicates and overlaps collapse for free and the
 * scan's index space is simply host * n_ports + port_index.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portier/net.h"

struct portset {
	uint8_t bits[8192];
};

static void set_range(struct portset *s, unsigned lo, unsigned hi)
{
	unsigned p;

	for (p = lo; p <= hi; p++)
		s->bits[p >> 3] = (uint8_t)(s->bits[p >> 3] | (1u << (p & 7)));
}

static int to_array(const struct portset *s, uint16_t **out, size_t *n)
{
	size_t count = 0, i = 0;
	unsigned p;

	for (p = 1; p < 65536; p++)
		count += (s->bits[p >> 3] >> (p & 7)) & 1u;
	*out = NULL;
	*n = count;
	if (!count)
		return 0;
	if (!(*out = portier_malloc(count * sizeof(**out))))
		return PORTIER_ENOMEM;
	for (p = 1; p < 65536; p++)
		if ((s->bits[p >> 3] >> (p & 7)) & 1u)
			(*out)[i++] = (uint16_t)p;
	return 0;
}

void portier_ports_release(struct portier_ports *p)
{
	portier_free(p->tcp);
	portier_free(p->udp);
	memset(p, 0, sizeof(*p));
}

static int bad_port(struct portier_err *err, const char *token,
		    const char *spec, const char *why)
{
	portier_err_set(err, PORTIER_EINVAL, "bad port '%s' in '%s'%s%s", token,
			spec, why ? ": " : "", why ? why : "");
	portier_err_hint(err, "ports are 1-65535: 22,80,1000-2000, - for all, "
			      "-1024, 60000-, T:445,U:137");
	return PORTIER_EINVAL;
}

/* One comma-separated token without its protocol prefix. */
static int parse_token(char *tok, const char *spec, struct portset *s,
		       struct portier_err *err)
{
	unsigned long lo = 1, hi = 65535;
	char *dash = strchr(tok, '-');

	if (dash) {
		*dash = '\0';
		if (*tok && portier_parse_ulong(tok, 0, 65535, &lo) < 0)
			return bad_port(err, tok, spec,
					isdigit((unsigned char)*tok)
						? "above 65535"
						: "not a number");
		if (dash[1] && portier_parse_ulong(dash + 1, 0, 65535, &hi) < 0)
			return bad_port(err, dash + 1, spec,
					isdigit((unsigned char)dash[1])
						? "above 65535"
						: "not a number");
		if (lo == 0)
			return bad_port(err, "0", spec,
					"port 0 cannot be scanned");
		if (lo > hi) {
			*dash = '-';
			return bad_port(err, tok, spec,
					"the range starts above its end");
		}
	} else {
		if (portier_parse_ulong(tok, 0, 65535, &lo) < 0)
			return bad_port(err, tok, spec,
					isdigit((unsigned char)*tok)
						? "above 65535"
						: "not a port number");
		if (lo == 0)
			return bad_port(err, tok, spec,
					"port 0 cannot be scanned");
		hi = lo;
	}
	set_range(s, (unsigned)lo, (unsigned)hi);
	return 0;
}

int portier_ports_parse(const char *spec, struct portier_ports *out,
			struct portier_err *err)
{
	return portier_ports_parse_for(spec, PORTIER_PROTO_TCP, out, err);
}

int portier_ports_parse_for(const char *spec, unsigned plain,
			    struct portier_ports *out, struct portier_err *err)
{
	struct portset *tcp = NULL, *udp = NULL, *both = NULL;
	char *copy = NULL, *tok, *save = NULL;
	struct portset *cur;
	int rc = PORTIER_ENOMEM;

	memset(out, 0, sizeof(*out));
	if (!*spec)
		return bad_port(err, "", spec, "empty");
	tcp = portier_calloc(1, sizeof(*tcp));
	udp = portier_calloc(1, sizeof(*udp));
	both = portier_calloc(1, sizeof(*both));
	copy = portier_strdup(spec);
	if (!tcp || !udp || !both || !copy)
		goto done;
	cur = both;
	rc = 0;
	for (tok = strtok_r(copy, ",", &save); tok && rc == 0;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (strlen(tok) >= 2 && tok[1] == ':') {
			switch (toupper((unsigned char)tok[0])) {
			case 'T':
				cur = tcp;
				break;
			case 'U':
				cur = udp;
				break;
			default:
				rc = bad_port(
					err, tok, spec,
					"unknown protocol prefix (T: or U:)");
				continue;
			}
			tok += 2;
			if (!*tok)
				continue;
		}
		rc = parse_token(tok, spec, cur, err);
	}
	for (size_t i = 0; rc == 0 && i < sizeof(both->bits); i++) {
		if (plain & PORTIER_PROTO_TCP)
			tcp->bits[i] |= both->bits[i];
		if (plain & PORTIER_PROTO_UDP)
			udp->bits[i] |= both->bits[i];
	}
	if (rc == 0 && (rc = to_array(tcp, &out->tcp, &out->n_tcp)) == 0)
		rc = to_array(udp, &out->udp, &out->n_udp);
	if (rc == 0 && out->n_tcp + out->n_udp == 0)
		rc = bad_port(err, spec, spec, "no ports");
	if (rc < 0)
		portier_ports_release(out);
done:
	portier_free(tcp);
	portier_free(udp);
	portier_free(both);
	portier_free(copy);
	return rc;
}

/*
 * portier's own ordering of TCP ports most often found open, used when
 * nmap-services is not installed.  Chosen by hand from what the knowledge
 * base marks as common: web and remote access first, then mail, file
 * sharing, databases, management and the Windows RPC range.
 */
static const uint16_t own_top[] = {
	80,   443,   22,    21,	   23,	  25,	 3389, 445,  139,   135,
	53,   110,   143,   8080,  8443,  3306,	 5432, 1433, 1521,  5900,
	993,  995,   587,   465,   111,	  2049,	 389,  636,  88,    464,
	8000, 8008,  8081,  8888,  9000,  9090,	 5000, 5001, 3000,  1723,
	1720, 5060,  5061,  554,   179,	  161,	 162,  514,  515,   631,
	548,  427,   873,   119,   113,	  79,	 7,    9,    13,    37,
	6379, 11211, 27017, 9200,  5984,  2375,	 2376, 6443, 10250, 5985,
	5986, 49152, 49153, 49154, 49155, 49156, 1025, 1026, 1027,  1028,
	2000, 2001,  6000,  6001,  10000, 32768, 1900, 5357, 5353,  990,
	989,  2121,  8009,  7001,  9100,  1080,	 3128, 8118, 1194,  500,
};

struct svc {
	uint16_t port;
	double freq;
};

static int svc_cmp(const void *x, const void *y)
{
	const struct svc *a = x, *b = y;

	if (a->freq != b->freq)
		return a->freq > b->freq ? -1 : 1;
	return (int)a->port - (int)b->port;
}

/* Read "name port/PROTO freq" lines; returns how many PROTO entries. */
static size_t read_services(FILE *f, struct svc *v, const char *proto)
{
	char line[512];
	size_t n = 0;

	while (fgets(line, sizeof(line), f)) {
		char name[128], pp[32];
		unsigned port;
		double freq;

		if (line[0] == '#' ||
		    sscanf(line, "%127s %31s %lf", name, pp, &freq) != 3)
			continue;
		if (sscanf(pp, "%u/", &port) != 1 || !strstr(pp, proto) ||
		    port == 0 || port > 65535)
			continue;
		v[n].port = (uint16_t)port;
		v[n].freq = freq;
		if (n < 65535)
			n++;
	}
	return n;
}

/*
 * portier's own UDP list for when nmap-services is missing: the services
 * of data/udp-payloads and the UDP ports the knowledge base marks as
 * common on networks (Windows networking, management, VPN, discovery).
 */
static const uint16_t own_top_udp[] = {
	53,   137,  161,   123,	 138,  67,   68,   69,	  500,	 514,
	520,  1900, 5353,  1434, 623,  111,  2049, 4500,  1194,	 5060,
	3702, 5683, 11211, 162,	 445,  135,  631,  1701,  1812,	 1813,
	177,  427,  3478,  5355, 7,    9,    13,   17,	  19,	 37,
	88,   464,  389,   636,	 1645, 1646, 1718, 1719,  2000,	 3283,
	4045, 5000, 5004,  5005, 5632, 6481, 9200, 10000, 17185, 20031,
};

static int top(unsigned n, const char *services_path, bool udp,
	       struct portier_ports *out, const char **source,
	       struct portier_err *err)
{
	const uint16_t *own = udp ? own_top_udp : own_top;
	size_t n_own = udp ? sizeof(own_top_udp) / sizeof(own_top_udp[0])
			   : sizeof(own_top) / sizeof(own_top[0]);
	struct portset *s;
	struct svc *v = NULL;
	size_t nv = 0, i, taken = 0;
	FILE *f = services_path ? fopen(services_path, "r") : NULL;
	unsigned p;
	int rc;

	if (!udp)
		memset(out, 0, sizeof(*out));
	if (n == 0 || n > 65535) {
		if (f)
			fclose(f);
		portier_err_set(err, PORTIER_EINVAL,
				"bad --top-ports count '%u'", n);
		portier_err_hint(err, "give 1 to 65535, e.g. --top-ports 1000");
		return PORTIER_EINVAL;
	}
	s = portier_calloc(1, sizeof(*s));
	if (f)
		v = portier_calloc(65536, sizeof(*v));
	if (!s || (f && !v)) {
		if (f)
			fclose(f);
		portier_free(s);
		portier_free(v);
		return PORTIER_ENOMEM;
	}
	if (f) {
		nv = read_services(f, v, udp ? "/udp" : "/tcp");
		fclose(f);
		qsort(v, nv, sizeof(*v), svc_cmp);
	}
	*source = nv ? "nmap-services" : "portier";
	for (i = 0; i < nv && taken < n; i++) {
		if (s->bits[v[i].port >> 3] & (1u << (v[i].port & 7)))
			continue;
		set_range(s, v[i].port, v[i].port);
		taken++;
	}
	for (i = 0; !nv && i < n_own && taken < n; i++) {
		if (s->bits[own[i] >> 3] & (1u << (own[i] & 7)))
			continue;
		set_range(s, own[i], own[i]);
		taken++;
	}
	for (p = 1; p < 65536 && taken < n; p++) {
		if (s->bits[p >> 3] & (1u << (p & 7)))
			continue;
		set_range(s, p, p);
		taken++;
	}
	if (udp) {
		portier_free(out->udp);
		rc = to_array(s, &out->udp, &out->n_udp);
	} else {
		rc = to_array(s, &out->tcp, &out->n_tcp);
	}
	portier_free(s);
	portier_free(v);
	return rc;
}

int portier_ports_top(unsigned n, const char *services_path,
		      struct portier_ports *out, const char **source,
		      struct portier_err *err)
{
	return top(n, services_path, false, out, source, err);
}

int portier_ports_top_udp(unsigned n, const char *services_path,
			  struct portier_ports *out, const char **source,
			  struct portier_err *err)
{
	return top(n, services_path, true, out, source, err);
}
