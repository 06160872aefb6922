/*
 * scanfile.c - reading scan results back: nmap's XML (-oX, which portier
 * writes too) and portier's JSON Lines (-oJ), into hosts and ports that
 * `portier diff` compares the way ndiff does.
 */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xml_lib.h"
#include "portier/file.h"
#include "store/store_int.h"

/* Scan files are read whole; nmap's XML of a large scan is a few MB. */
#define SCAN_FILE_MAX (256u << 20)

void portier_scan_file_free(struct portier_scan_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		portier_free(f->hosts[i].id);
		portier_free(f->hosts[i].name);
		portier_free(f->hosts[i].extraports);
		portier_free(f->hosts[i].ports);
	}
	portier_free(f->hosts);
	portier_free(f);
}

struct builder {
	struct portier_scan_file *f;
	size_t cap;
};

static struct portier_scan_host *host_add(struct builder *b)
{
	struct portier_scan_host *h;

	if (portier_grow(&b->f->hosts, &b->cap, b->f->n + 1,
			 sizeof *b->f->hosts, 16))
		return NULL;
	h = &b->f->hosts[b->f->n++];
	memset(h, 0, sizeof *h);
	return h;
}

static struct portier_scan_port *port_add(struct portier_scan_host *h,
					  size_t *cap)
{
	struct portier_scan_port *p;

	if (portier_grow(&h->ports, cap, h->n_ports + 1, sizeof *h->ports, 16))
		return NULL;
	p = &h->ports[h->n_ports++];
	memset(p, 0, sizeof *p);
	return p;
}

static int port_cmp(const void *pa, const void *pb)
{
	const struct portier_scan_port *a = pa, *b = pb;

	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return (a->proto > b->proto) - (a->proto < b->proto);
}

static int host_cmp(const void *pa, const void *pb)
{
	const struct portier_scan_host *a = pa, *b = pb;

	return strcmp(a->id, b->id);
}

void store_scan_file_sort(struct portier_scan_file *f)
{
	/* qsort wants an array, even of nothing */
	for (size_t i = 0; i < f->n; i++)
		if (f->hosts[i].n_ports)
			qsort(f->hosts[i].ports, f->hosts[i].n_ports,
			      sizeof *f->hosts[i].ports, port_cmp);
	if (f->n)
		qsort(f->hosts, f->n, sizeof *f->hosts, host_cmp);
}

/* ---- nmap XML ------------------------------------------------------------ */

static const char *xattr(xmlNode *n, const char *name, char *buf, size_t len)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);

	if (!v) {
		buf[0] = '\0';
		return NULL;
	}
	portier_strlcpy(buf, (const char *)v, len);
	xmlFree(v);
	return buf;
}

static bool is(xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	       !strcmp((const char *)n->name, name);
}

/*
 * An address's sort key as ndiff orders them: IPv4 before IPv6 before MAC,
 * each by its bytes; written as text so that ids compare with strcmp.
 */
static void addr_key(const char *type, const char *addr, char *key, size_t len)
{
	struct portier_addr a;
	char hex[40];

	if (strcmp(type, "mac") && !portier_addr_parse(addr, &a)) {
		size_t n = a.family == 4 ? 4 : 16;

		for (size_t i = 0; i < n; i++)
			snprintf(hex + 2 * i, 3, "%02x", a.b[i]);
		snprintf(key, len, "%c%s", a.family == 4 ? '0' : '1', hex);
		return;
	}
	snprintf(key, len, "2%s", addr);
}

static int xml_service(xmlNode *port, struct portier_scan_port *p)
{
	char name[32], product[48], version[40]; /* fit p->service whole */

	for (xmlNode *c = port->children; c; c = c->next) {
		if (!is(c, "service"))
			continue;
		xattr(c, "name", name, sizeof name);
		xattr(c, "product", product, sizeof product);
		xattr(c, "version", version, sizeof version);
		snprintf(p->service, sizeof p->service, "%s%s%s%s%s", name,
			 *product ? " " : "", product, *version ? " " : "",
			 version);
	}
	return 0;
}

static int xml_ports(xmlNode *ports, struct portier_scan_host *h,
		     struct portier_err *err, const char *name)
{
	char buf[64], extra[256] = "";
	size_t cap = 0, elen = 0;

	for (xmlNode *c = ports->children; c; c = c->next) {
		if (is(c, "extraports")) {
			char state[24], count[16];

			xattr(c, "state", state, sizeof state);
			xattr(c, "count", count, sizeof count);
			elen += (size_t)snprintf(extra + elen,
						 sizeof extra - elen, "%s%s=%s",
						 elen ? ";" : "", state, count);
			if (elen >= sizeof extra)
				elen = strlen(extra);
			continue;
		}
		if (!is(c, "port"))
			continue;
		struct portier_scan_port *p = port_add(h, &cap);
		unsigned long num;
		unsigned proto;

		if (!p)
			return PORTIER_ENOMEM;
		if (!xattr(c, "portid", buf, sizeof buf) ||
		    portier_parse_ulong(buf, 0, 65535, &num))
			return portier_err_set(err, PORTIER_EINVAL,
					       "%s: a port without a valid "
					       "portid ('%s')",
					       name, buf);
		p->port = (uint16_t)num;
		if (!xattr(c, "protocol", buf, sizeof buf) ||
		    portier_proto_parse(buf, &proto))
			return portier_err_set(err, PORTIER_EINVAL,
					       "%s: port %lu: unknown protocol "
					       "'%s'",
					       name, num, buf);
		p->proto = (uint8_t)proto;
		for (xmlNode *s = c->children; s; s = s->next)
			if (is(s, "state"))
				xattr(s, "state", p->state, sizeof p->state);
		xml_service(c, p);
	}
	h->extraports = portier_strdup(extra);
	return h->extraports ? 0 : PORTIER_ENOMEM;
}

static int xml_host(struct builder *b, xmlNode *n, const char *name,
		    struct portier_err *err)
{
	struct portier_scan_host *h = host_add(b);
	char best[80] = "", addr_shown[64] = "", hostname[256] = "";
	char id[400], shown[400];
	int rc;

	if (!h)
		return PORTIER_ENOMEM;
	for (xmlNode *c = n->children; c; c = c->next) {
		char type[16], addr[64], key[80];

		if (is(c, "status"))
			xattr(c, "state", h->state, sizeof h->state);
		if (is(c, "address")) {
			xattr(c, "addrtype", type, sizeof type);
			xattr(c, "addr", addr, sizeof addr);
			addr_key(type, addr, key, sizeof key);
			if (!*best || strcmp(key, best) < 0) {
				portier_strlcpy(best, key, sizeof best);
				portier_strlcpy(addr_shown, addr,
						sizeof addr_shown);
			}
		}
		if (is(c, "hostnames"))
			for (xmlNode *hn = c->children; hn; hn = hn->next) {
				char nm[256];

				if (!is(hn, "hostname") ||
				    !xattr(hn, "name", nm, sizeof nm))
					continue;
				if (!*hostname || strcmp(nm, hostname) < 0)
					portier_strlcpy(hostname, nm,
							sizeof hostname);
			}
		if (is(c, "ports") && (rc = xml_ports(c, h, err, name)))
			return rc;
	}
	snprintf(id, sizeof id, "%s %s", best, hostname);
	if (*hostname && *addr_shown)
		snprintf(shown, sizeof shown, "%s (%s)", hostname, addr_shown);
	else
		snprintf(shown, sizeof shown, "%s",
			 *hostname ? hostname : addr_shown);
	h->id = portier_strdup(id);
	h->name = portier_strdup(shown);
	return h->id && h->name ? 0 : PORTIER_ENOMEM;
}

static int parse_xml(struct builder *b, const char *text, size_t len,
		     const char *name, struct portier_err *err)
{
	xmlDoc *doc;
	xmlNode *root;
	int rc = 0;

	if (len > INT32_MAX)
		return portier_err_set(err, PORTIER_EINVAL, "%s: too large",
				       name);
	if ((rc = portier_xml_load(err)) < 0)
		return rc;
	/* No network, no entity expansion, no DTD loading. */
	doc = xmlReadMemory(text, (int)len, name, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR |
				    XML_PARSE_NOWARNING);
	if (!doc)
		return portier_err_set(err, PORTIER_EINVAL,
				       "%s: not well-formed XML", name);
	root = xmlDocGetRootElement(doc);
	if (!root || !is(root, "nmaprun")) {
		xmlFreeDoc(doc);
		return portier_err_set(
			err, PORTIER_EINVAL,
			"%s: not an nmap XML file (no <nmaprun>)", name);
	}
	for (xmlNode *c = root->children; c && !rc; c = c->next)
		if (is(c, "host"))
			rc = xml_host(b, c, name, err);
	xmlFreeDoc(doc);
	if (rc == PORTIER_ENOMEM)
		portier_err_set(err, rc, "out of memory");
	return rc;
}

/* ---- portier JSON Lines -------------------------------------------------- */

/* One port line, collected first: lines come in the scan's random order. */
struct json_rec {
	char id[300], name[320]; /* a key and a 253-byte name fit */
	struct portier_scan_port port;
};

struct json_recs {
	struct json_rec *r;
	size_t n, cap;
};

static int json_port(struct json_recs *recs, json_t *o, const char *name,
		     size_t line, struct portier_err *err)
{
	const char *addr = NULL, *proto = NULL, *state = NULL;
	const char *hostname, *service;
	json_t *jhost = NULL, *jservice = NULL;
	json_int_t port = -1;
	struct json_rec *r;
	char key[80];
	unsigned pr;

	/* hostname and service may be null or missing */
	if (json_unpack(o, "{s:s, s?o, s:I, s:s, s:s, s?o}", "addr", &addr,
			"hostname", &jhost, "port", &port, "proto", &proto,
			"state", &state, "service", &jservice) ||
	    port < 0 || port > 65535 || portier_proto_parse(proto, &pr))
		return portier_err_set(err, PORTIER_EINVAL,
				       "%s:%zu: a port line without a valid "
				       "addr, port, proto and state",
				       name, line);
	hostname = json_string_value(jhost);
	service = json_string_value(jservice);
	if (portier_grow(&recs->r, &recs->cap, recs->n + 1, sizeof *recs->r,
			 64))
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	r = &recs->r[recs->n++];
	memset(r, 0, sizeof *r);
	addr_key("ip", addr, key, sizeof key);
	snprintf(r->id, sizeof r->id, "%s %s", key, hostname ? hostname : "");
	if (hostname)
		snprintf(r->name, sizeof r->name, "%s (%s)", hostname, addr);
	else
		snprintf(r->name, sizeof r->name, "%s", addr);
	r->port.port = (uint16_t)port;
	r->port.proto = (uint8_t)pr;
	portier_strlcpy(r->port.state, state, sizeof r->port.state);
	portier_strlcpy(r->port.service, service ? service : "",
			sizeof r->port.service);
	return 0;
}

static int rec_cmp(const void *pa, const void *pb)
{
	const struct json_rec *a = pa, *b = pb;
	int c = strcmp(a->id, b->id);

	return c ? c : port_cmp(&a->port, &b->port);
}

/* Hosts from the collected lines (a host is up: it answered). */
static int json_hosts(struct builder *b, struct json_recs *recs)
{
	if (recs->n)
		qsort(recs->r, recs->n, sizeof *recs->r, rec_cmp);
	for (size_t i = 0; i < recs->n;) {
		struct portier_scan_host *h = host_add(b);
		size_t cap = 0;

		if (!h)
			return PORTIER_ENOMEM;
		portier_strlcpy(h->state, "up", sizeof h->state);
		h->id = portier_strdup(recs->r[i].id);
		h->name = portier_strdup(recs->r[i].name);
		h->extraports = portier_strdup("");
		if (!h->id || !h->name || !h->extraports)
			return PORTIER_ENOMEM;
		size_t k = i;
		for (; k < recs->n && !strcmp(recs->r[k].id, h->id); k++) {
			struct portier_scan_port *p = port_add(h, &cap);

			if (!p)
				return PORTIER_ENOMEM;
			*p = recs->r[k].port;
		}
		i = k;
	}
	return 0;
}

static int parse_jsonl(struct builder *b, const char *text, size_t len,
		       const char *name, struct portier_err *err)
{
	struct json_recs recs = {0};
	const char *p = text, *end = text + len;
	size_t line = 0;
	int rc = 0;

	while (!rc && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		json_error_t je;
		json_t *o;
		const char *type;

		line++;
		if (n == 0 || (n == 1 && *p == '\r')) {
			p += n + 1;
			continue;
		}
		o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
		p += n + 1;
		if (!o || !json_is_object(o)) {
			rc = portier_err_set(err, PORTIER_EINVAL,
					     "%s:%zu: not a JSON object%s%s",
					     name, line, o ? "" : ": ",
					     o ? "" : je.text);
			json_decref(o);
			break;
		}
		type = json_string_value(json_object_get(o, "type"));
		if (type && !strcmp(type, "port"))
			rc = json_port(&recs, o, name, line, err);
		json_decref(o);
	}
	if (!rc && json_hosts(b, &recs))
		rc = portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	portier_free(recs.r);
	return rc;
}

int portier_scan_file_parse(const char *text, size_t len, const char *name,
			    struct portier_scan_file **out,
			    struct portier_err *err)
{
	struct builder b = {0};
	size_t i = 0;
	int rc;

	*out = NULL;
	if (!(b.f = portier_calloc(1, sizeof *b.f)))
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	while (i < len && strchr(" \t\r\n", text[i]))
		i++;
	if (i < len && text[i] == '<')
		rc = parse_xml(&b, text, len, name, err);
	else if (i < len && text[i] == '{')
		rc = parse_jsonl(&b, text, len, name, err);
	else
		rc = portier_err_set(err, PORTIER_EINVAL,
				     "%s: neither nmap XML (-oX) nor portier "
				     "JSON Lines (-oJ)",
				     name);
	if (rc) {
		portier_scan_file_free(b.f);
		return rc;
	}
	store_scan_file_sort(b.f);
	*out = b.f;
	return 0;
}

int portier_scan_file_read(const char *path, struct portier_scan_file **out,
			   struct portier_err *err)
{
	char *text;
	int rc;

	*out = NULL;
	rc = portier_file_read(AT_FDCWD, NULL, path, 0, SCAN_FILE_MAX, &text,
			       err);
	if (rc)
		return rc;
	rc = portier_scan_file_parse(text, strlen(text), path, out, err);
	portier_free(text);
	return rc;
}
