/*
 * xml.c - nmap-compatible XML (-oX), written with libxml2's xmlwriter.
 *
 * The document follows nmap.dtd element by element (nmaprun, scaninfo,
 * verbose, debugging, host*, runstats), so `xmllint --dtdvalid nmap.dtd`
 * accepts it and tools that read nmap's XML (ndiff, importers) read ours.
 * The header is flushed at the start; the hosts, each with its ports merged,
 * and runstats are written by out_xml_finish, which the command also calls
 * after SIGINT, so an interrupted scan still leaves a well-formed file.
 * Port states above PORTIER_OUT_LIST_MAX per host go into <extraports>, as
 * nmap does.  Hosts carry status "up"/"user-set": portier does no host
 * discovery (nmap -Pn semantics).  In a SYN scan, IPv4 hosts on a local
 * link get their MAC address from the neighbour table, as nmap reports it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "out/out_int.h"

#define W(call)                             \
	do {                                \
		if ((call) < 0)             \
			return PORTIER_EIO; \
	} while (0)

static const xmlChar *X(const char *s)
{
	return (const xmlChar *)s;
}

static int attr(xmlTextWriterPtr w, const char *name, const char *value)
{
	return xmlTextWriterWriteAttribute(w, X(name), X(value));
}

static int attr_u(xmlTextWriterPtr w, const char *name, unsigned long long v)
{
	return xmlTextWriterWriteFormatAttribute(w, X(name), "%llu", v);
}

static void timestr(time_t t, char *buf, size_t len)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%a %b %e %H:%M:%S %Y", &tm);
}

static int xml_header(struct portier_out *o, xmlTextWriterPtr w,
		      const char *ts);

int out_xml_open(struct portier_out *o, struct portier_err *err)
{
	xmlTextWriterPtr w;
	xmlOutputBufferPtr buf;
	FILE *f;
	char ts[64];
	int rc = portier_xml_load(err);

	if (rc < 0)
		return rc;
	o->xml_path = portier_strdup(o->opt.xml_path);
	if (!o->xml_path)
		return PORTIER_ENOMEM;
	/* our own fopen: a failure is reported to the user, not by libxml2 */
	f = strcmp(o->opt.xml_path, "-") == 0 ? stdout
					      : fopen(o->opt.xml_path, "w");
	if (!f)
		return portier_err_set(err, PORTIER_EIO,
				       "cannot write XML output '%s': %s",
				       o->opt.xml_path, strerror(errno));
	buf = xmlOutputBufferCreateFile(f, NULL);
	w = buf ? xmlNewTextWriter(buf) : NULL;
	if (!w) {
		if (buf)
			xmlOutputBufferClose(buf);
		if (f != stdout)
			fclose(f);
		return PORTIER_ENOMEM;
	}
	o->xml = w;
	o->xml_file = f;
	timestr(o->start, ts, sizeof(ts));
	return xml_header(o, w, ts);
}

/* One <scaninfo> per protocol scanned, as nmap writes for -sSU. */
static int scaninfo(xmlTextWriterPtr w, const char *type, const char *proto,
		    const uint16_t *ports, size_t n)
{
	/* "65535," per port at worst: the list is never cut short */
	size_t len = n * 6 + 1;
	char *services = portier_malloc(len);
	int rc = 0;

	if (!services)
		return PORTIER_ENOMEM;
	portier_out_port_ranges(ports, n, services, len);
	if (xmlTextWriterStartElement(w, X("scaninfo")) < 0 ||
	    attr(w, "type", type) < 0 || attr(w, "protocol", proto) < 0 ||
	    attr_u(w, "numservices", n) < 0 ||
	    attr(w, "services", services) < 0 ||
	    xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterWriteString(w, X("\n")) < 0)
		rc = PORTIER_EIO;
	portier_free(services);
	return rc;
}

static int xml_header(struct portier_out *o, xmlTextWriterPtr w, const char *ts)
{
	W(xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL));
	W(xmlTextWriterWriteDTD(w, X("nmaprun"), NULL, NULL, NULL));
	W(xmlTextWriterWriteString(w, X("\n")));
	/* the command line stays out of the comment: "--" is illegal there */
	W(xmlTextWriterWriteFormatComment(w, " portier %s scan initiated %s ",
					  PORTIER_VERSION, ts));
	W(xmlTextWriterWriteString(w, X("\n")));
	W(xmlTextWriterStartElement(w, X("nmaprun")));
	W(attr(w, "scanner", "nmap"));
	W(attr(w, "args", o->opt.args ? o->opt.args : "portier scan"));
	W(attr_u(w, "start", (unsigned long long)o->start));
	W(attr(w, "startstr", ts));
	W(xmlTextWriterWriteFormatAttribute(w, X("version"), "portier-%s",
					    PORTIER_VERSION));
	W(attr(w, "xmloutputversion", "1.05"));
	W(xmlTextWriterWriteString(w, X("\n")));
	if (o->opt.n_ports || !o->opt.n_udp_ports)
		W(scaninfo(w, out_method_name(o->opt.method), "tcp",
			   o->opt.ports, o->opt.n_ports));
	if (o->opt.n_udp_ports)
		W(scaninfo(w, "udp", "udp", o->opt.udp_ports,
			   o->opt.n_udp_ports));
	W(xmlTextWriterStartElement(w, X("verbose")));
	W(attr(w, "level", "0"));
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterWriteString(w, X("\n")));
	W(xmlTextWriterStartElement(w, X("debugging")));
	W(attr(w, "level", "0"));
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterWriteString(w, X("\n")));
	W(xmlTextWriterFlush(w));
	return 0;
}

/*
 * The neighbour table (<proc_root>/net/arp: "IP type flags MAC mask dev"):
 * complete entries (flag 0x2) of hosts on a local link.  Read once at the
 * end; a routed target has none, as in nmap's output.
 */
struct arp_entry {
	uint8_t ip[4];
	char mac[18];
};

static size_t read_arp(const struct portier_out *o, struct arp_entry **out)
{
	char path[4096], line[256];
	struct arp_entry *v = NULL;
	size_t n = 0, cap = 0;
	FILE *f;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/net/arp",
		 o->opt.proc_root ? o->opt.proc_root : "/proc");
	if (!(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char ip[64], mac[32];
		unsigned type, flags;
		struct portier_addr a;
		size_t i;

		if (sscanf(line, "%63s %x %x %31s", ip, &type, &flags, mac) !=
			    4 ||
		    !(flags & 0x2) || strlen(mac) != 17 ||
		    portier_addr_parse(ip, &a) < 0 || a.family != 4)
			continue;
		if (n == cap) {
			struct arp_entry *nv;

			cap = cap ? cap * 2 : 16;
			if (!(nv = portier_realloc(v, cap * sizeof(*nv))))
				break;
			v = nv;
		}
		memcpy(v[n].ip, a.b, 4);
		for (i = 0; i < 17; i++)
			v[n].mac[i] = (char)toupper((unsigned char)mac[i]);
		v[n].mac[17] = '\0';
		n++;
	}
	fclose(f);
	*out = v;
	return n;
}

static const char *mac_of(const struct arp_entry *arp, size_t n,
			  const struct portier_addr *a)
{
	size_t i;

	if (a->family != 4)
		return NULL;
	for (i = 0; i < n; i++)
		if (memcmp(arp[i].ip, a->b, 4) == 0)
			return arp[i].mac;
	return NULL;
}

static int write_extraports(struct portier_out *o, const struct out_host *h)
{
	xmlTextWriterPtr w = o->xml;
	unsigned s;

	for (s = 1; s < PORTIER_PORT_STATES; s++) {
		uint8_t why[PORTIER_REASON_COUNT];
		uint32_t cnt[PORTIER_REASON_COUNT];
		size_t k, n = out_hidden_reasons(o, h, s, why, cnt);

		if (!n)
			continue;
		W(xmlTextWriterStartElement(w, X("extraports")));
		W(attr(w, "state",
		       portier_port_state_name((enum portier_port_state)s)));
		W(attr_u(w, "count", h->counts[s]));
		for (k = 0; k < n; k++) {
			W(xmlTextWriterStartElement(w, X("extrareasons")));
			W(attr(w, "reason",
			       portier_reason_name(
				       (enum portier_reason)why[k])));
			W(attr_u(w, "count", cnt[k]));
			W(attr(w, "proto", out_reason_proto(o, s, why[k])));
			W(xmlTextWriterEndElement(w));
		}
		W(xmlTextWriterEndElement(w));
		W(xmlTextWriterWriteString(w, X("\n")));
	}
	return 0;
}

/* A script's structured output: the flat list of out.h as nested <table>
 * and <elem> elements.  A depth deeper than one below its table is taken
 * as one below it, so the document stays well formed whatever the list. */
static int write_elems(xmlTextWriterPtr w, const struct portier_out_script *sc)
{
	unsigned open = 0; /* tables open */
	size_t i;

	for (i = 0; i < sc->n_elems; i++) {
		const struct portier_out_elem *e = &sc->elems[i];

		for (; open > e->depth; open--)
			W(xmlTextWriterEndElement(w));
		W(xmlTextWriterStartElement(w, X(e->value ? "elem" : "table")));
		if (e->key)
			W(attr(w, "key", e->key));
		if (e->value) {
			W(xmlTextWriterWriteString(w, X(e->value)));
			W(xmlTextWriterEndElement(w));
		} else {
			open++;
		}
	}
	for (; open; open--)
		W(xmlTextWriterEndElement(w));
	return 0;
}

/* Follow-up probe results as nmap's host scripts (nmap.dtd: hostscript is
 * one of the elements a host may hold after its addresses). */
static int write_hostscript(struct portier_out *o, const struct out_host *h)
{
	struct portier_out_script sc[PORTIER_OUT_MAX_SCRIPTS] = {0};
	xmlTextWriterPtr w = o->xml;
	size_t i, n;

	if (!o->opt.host_scripts)
		return 0;
	n = o->opt.host_scripts(o->opt.host_ctx, &h->addr, sc,
				PORTIER_OUT_MAX_SCRIPTS);
	if (!n)
		return 0;
	W(xmlTextWriterStartElement(w, X("hostscript")));
	for (i = 0; i < n && i < PORTIER_OUT_MAX_SCRIPTS; i++) {
		W(xmlTextWriterStartElement(w, X("script")));
		W(attr(w, "id", sc[i].id));
		W(attr(w, "output", sc[i].output));
		W(write_elems(w, &sc[i]));
		W(xmlTextWriterEndElement(w));
	}
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterWriteString(w, X("\n")));
	return 0;
}

/* <script id="..." output="..."/>, as a port's scripts are (nmap.dtd) */
static int write_script(xmlTextWriterPtr w, const char *id, const char *output)
{
	W(xmlTextWriterStartElement(w, X("script")));
	W(attr(w, "id", id));
	W(attr(w, "output", output));
	W(xmlTextWriterEndElement(w));
	return 0;
}

/* What service detection found on a port (nmap.dtd: <service> with
 * method "probed" and its confidence, then a <script> per finding). */
static int write_detected(struct portier_out *o, const struct portier_svc *s)
{
	xmlTextWriterPtr w = o->xml;
	size_t i;

	W(xmlTextWriterStartElement(w, X("service")));
	W(attr(w, "name", s->name));
	if (s->product[0])
		W(attr(w, "product", s->product));
	if (s->version[0])
		W(attr(w, "version", s->version));
	if (s->extrainfo[0])
		W(attr(w, "extrainfo", s->extrainfo));
	if (s->ostype[0])
		W(attr(w, "ostype", s->ostype));
	if (s->tunnel_ssl)
		W(attr(w, "tunnel", "ssl"));
	W(attr(w, "method", "probed"));
	W(attr_u(w, "conf", s->conf));
	W(xmlTextWriterEndElement(w));
	for (i = 0; i < s->n_findings; i++) {
		const struct portier_svc_finding *x = &s->findings[i];
		char *out = NULL;
		int rc;

		if (asprintf(&out, "%s (%s): %s\nwhy: %s\nfix: %s", x->f.id,
			     portier_risk_name(x->f.risk), x->detail, x->f.text,
			     x->f.advice) < 0)
			return PORTIER_ENOMEM;
		rc = write_script(w, x->f.id, out);
		free(out);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int write_host(struct portier_out *o, struct out_view *v,
		      const char *mac)
{
	xmlTextWriterPtr w = o->xml;
	const struct out_host *h = &v->h;
	const char *name = out_host_name(o, &h->addr);
	const struct out_port *op;
	char a[64];

	portier_addr_str(&h->addr, a, sizeof(a));
	W(xmlTextWriterStartElement(w, X("host")));
	W(attr_u(w, "starttime", (unsigned long long)h->first));
	W(attr_u(w, "endtime", (unsigned long long)h->last));
	W(xmlTextWriterStartElement(w, X("status")));
	W(attr(w, "state", "up"));
	W(attr(w, "reason", "user-set"));
	W(attr(w, "reason_ttl", "0"));
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterWriteString(w, X("\n")));
	W(xmlTextWriterStartElement(w, X("address")));
	W(attr(w, "addr", a));
	W(attr(w, "addrtype", h->addr.family == 4 ? "ipv4" : "ipv6"));
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterWriteString(w, X("\n")));
	if (mac) {
		W(xmlTextWriterStartElement(w, X("address")));
		W(attr(w, "addr", mac));
		W(attr(w, "addrtype", "mac"));
		W(xmlTextWriterEndElement(w));
		W(xmlTextWriterWriteString(w, X("\n")));
	}
	W(xmlTextWriterStartElement(w, X("hostnames")));
	if (name) {
		W(xmlTextWriterStartElement(w, X("hostname")));
		W(attr(w, "name", name));
		W(attr(w, "type", "user"));
		W(xmlTextWriterEndElement(w));
	}
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterWriteString(w, X("\n")));
	W(xmlTextWriterStartElement(w, X("ports")));
	W(write_extraports(o, h));
	while ((op = out_view_port(o, v))) {
		const char *svc = out_nmap_service(o, op->port, op->udp);
		const struct portier_svc *det = NULL;
		const char *banner = NULL;

		det = out_port_service(o, &h->addr, op, &banner);
		W(xmlTextWriterStartElement(w, X("port")));
		W(attr(w, "protocol", op->udp ? "udp" : "tcp"));
		W(attr_u(w, "portid", op->port));
		W(xmlTextWriterStartElement(w, X("state")));
		W(attr(w, "state",
		       portier_port_state_name(
			       (enum portier_port_state)op->state)));
		W(attr(w, "reason",
		       portier_reason_name((enum portier_reason)op->reason)));
		W(attr_u(w, "reason_ttl", op->ttl));
		W(xmlTextWriterEndElement(w));
		if (det && det->probed) {
			W(write_detected(o, det));
		} else if (svc) {
			W(xmlTextWriterStartElement(w, X("service")));
			W(attr(w, "name", svc));
			W(attr(w, "method", "table"));
			W(attr(w, "conf", "3"));
			W(xmlTextWriterEndElement(w));
		}
		if (det && !det->probed && banner && banner[0])
			W(write_script(w, "banner", banner));
		W(xmlTextWriterEndElement(w));
		W(xmlTextWriterWriteString(w, X("\n")));
	}
	W(xmlTextWriterEndElement(w)); /* ports */
	W(write_hostscript(o, h));
	W(xmlTextWriterEndElement(w)); /* host */
	W(xmlTextWriterWriteString(w, X("\n")));
	return 0;
}

int out_xml_finish(struct portier_out *o, const struct portier_scan_stats *st)
{
	xmlTextWriterPtr w = o->xml;
	size_t up = 0, n_arp;
	struct out_view v;
	const struct out_host *h;
	struct arp_entry *arp;
	time_t now;
	char ts[64], summary[256];
	int rc = 0;

	if (out_view_start(o, &v) < 0)
		return PORTIER_ENOMEM;
	/* like nmap: the SYN scan works at the link layer and reports the
	 * neighbour's MAC; the connect scan does not */
	n_arp = o->opt.method == PORTIER_SCAN_SYN ? read_arp(o, &arp) : 0;
	if (!n_arp)
		arp = NULL;
	while (rc == 0 && (h = out_view_next(o, &v))) {
		up++;
		rc = write_host(o, &v, mac_of(arp, n_arp, &h->addr));
	}
	portier_free(arp);
	out_view_end(&v);
	if (rc < 0)
		return rc;
	now = time(NULL);
	timestr(now, ts, sizeof(ts));
	snprintf(
		summary, sizeof(summary),
		"portier done at %s; %zu IP address%s (%zu host%s up) scanned in "
		"%.2f seconds%s",
		ts, v.seen, v.seen == 1 ? "" : "es", up, up == 1 ? "" : "s",
		(double)st->elapsed_ns / 1e9,
		st->interrupted ? "; interrupted" : "");
	W(xmlTextWriterStartElement(w, X("runstats")));
	W(xmlTextWriterStartElement(w, X("finished")));
	W(attr_u(w, "time", (unsigned long long)now));
	W(attr(w, "timestr", ts));
	W(attr(w, "summary", summary));
	W(xmlTextWriterWriteFormatAttribute(w, X("elapsed"), "%.2f",
					    (double)st->elapsed_ns / 1e9));
	W(attr(w, "exit", st->interrupted ? "error" : "success"));
	if (st->interrupted)
		W(attr(w, "errormsg", "interrupted"));
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterStartElement(w, X("hosts")));
	W(attr_u(w, "up", up));
	W(attr_u(w, "down", 0));
	W(attr_u(w, "total", up));
	W(xmlTextWriterEndElement(w));
	W(xmlTextWriterEndElement(w)); /* runstats */
	W(xmlTextWriterEndElement(w)); /* nmaprun */
	W(xmlTextWriterWriteString(w, X("\n")));
	W(xmlTextWriterEndDocument(w));
	W(xmlTextWriterFlush(w));
	xmlFreeTextWriter(w); /* the output buffer does not close the FILE */
	o->xml = NULL;
	if (o->xml_file != stdout && fclose(o->xml_file) != 0) {
		o->xml_file = NULL;
		return PORTIER_EIO;
	}
	o->xml_file = NULL;
	return 0;
}
