/*
 * audit.c - the frame of `portier audit`: run the rules over a snapshot,
 * gather their findings, merge duplicates and order them.
 *
 * A rule (rules.c) reports one socket at a time; the same problem usually
 * shows on several sockets (0.0.0.0:23 and [::]:23, or every listener of a
 * process whose binary is gone), so a finding is keyed by (rule, protocol,
 * port, process) and further sockets only extend its "where" list.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit_int.h"

static const char *const rule_names[PORTIER_AUDIT_N_RULES] = {
	"trojan-port",	 "trojan-remote", "windows-sharing", "legacy-service",
	"local-only",	 "risky-port",	  "exe-deleted",     "exe-location",
	"name-mismatch", "close-wait",	  "no-owner",	     "unknown-port",
};

const char *portier_audit_rule_name(enum portier_audit_rule r)
{
	return (unsigned)r < PORTIER_AUDIT_N_RULES ? rule_names[r] : "?";
}

const char *portier_audit_severity_name(enum portier_risk r)
{
	return r == PORTIER_RISK_NONE ? "info" : portier_risk_name(r);
}

int portier_audit_severity_parse(const char *s, enum portier_risk *r)
{
	if (strcasecmp(s, "info") == 0) {
		*r = PORTIER_RISK_NONE;
		return 0;
	}
	if (strcasecmp(s, "high") == 0)
		*r = PORTIER_RISK_HIGH;
	else if (strcasecmp(s, "medium") == 0)
		*r = PORTIER_RISK_MEDIUM;
	else if (strcasecmp(s, "low") == 0)
		*r = PORTIER_RISK_LOW;
	else
		return PORTIER_EINVAL;
	return 0;
}

void audit_where(const struct portier_sock *s, char *buf, size_t len)
{
	char a[64];

	portier_sock_addr(s, false, a, sizeof(a));
	snprintf(buf, len, s->family == AF_INET6 ? "%s [%s]:%u" : "%s %s:%u",
		 portier_local_proto_name(s->proto), a, s->lport);
}

struct portier_finding *audit_add(struct audit_ctx *c, uint8_t rule,
				  uint8_t sev, const struct portier_sock *s,
				  uint16_t port, long proc)
{
	struct portier_finding *f;
	uint8_t proto = s && port ? s->proto : 0;
	char w[96] = "";
	size_t i;

	if (s) {
		if (rule == PORTIER_AUDIT_TROJAN_REMOTE) {
			char a[64];

			portier_sock_addr(s, true, a, sizeof(a));
			snprintf(w, sizeof(w),
				 s->family == AF_INET6 ? "%s -> [%s]:%u"
						       : "%s -> %s:%u",
				 portier_local_proto_name(s->proto), a,
				 s->rport);
		} else {
			audit_where(s, w, sizeof(w));
		}
	}
	for (i = 0; i < c->n; i++) {
		f = &c->v[i];
		if (f->rule == rule && f->proto == proto && f->port == port &&
		    f->proc == proc) {
			size_t used = strlen(f->where);

			f->count++;
			if (sev > f->severity)
				f->severity = sev;
			if (*w && !strstr(f->where, w) &&
			    used + strlen(w) + 3 < sizeof(f->where))
				snprintf(f->where + used,
					 sizeof(f->where) - used, ", %s", w);
			return NULL; /* already described */
		}
	}
	if (portier_grow(&c->v, &c->cap, c->n + 1, sizeof(*c->v), 32) < 0) {
		c->nomem = true;
		return NULL;
	}
	f = &c->v[c->n++];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	f->severity = sev;
	f->proto = proto;
	f->port = port;
	f->proc = proc;
	f->count = 1;
	f->sock = s ? (uint32_t)(s - c->l->socks) : UINT32_MAX;
	portier_strlcpy(f->where, w, sizeof(f->where));
	return f;
}

static bool utf8_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

int audit_utf8_len(const char *s, size_t max)
{
	size_t len = strnlen(s, max + 1), n, k;

	if (max > INT_MAX)
		max = INT_MAX;
	if (len <= max)
		return (int)len;
	/* s[max] would be the first byte left out: back up off a
	 * continuation byte (a sequence has at most 3 of them) */
	for (n = max, k = 0; n > 0 && k < 3 && utf8_cont((unsigned char)s[n]);
	     n--, k++)
		;
	return utf8_cont((unsigned char)s[n]) ? (int)max : (int)n;
}

void audit_utf8_trim(char *s)
{
	size_t len = strlen(s), i, k, need;
	unsigned char c;

	/* the last byte that is not a continuation byte */
	for (i = len, k = 0; i > 0 && k < 4; k++) {
		i--;
		if (!utf8_cont((unsigned char)s[i]))
			break;
	}
	if (i >= len)
		return;
	c = (unsigned char)s[i];
	need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	if (need > len - i)
		s[i] = '\0'; /* a lead byte without all its continuations */
}

static int by_severity(const void *a, const void *b)
{
	const struct portier_finding *x = a, *y = b;

	if (x->severity != y->severity)
		return (int)y->severity - (int)x->severity;
	if (x->rule != y->rule)
		return (int)x->rule - (int)y->rule;
	if (x->port != y->port)
		return (int)x->port - (int)y->port;
	return (int)x->proto - (int)y->proto;
}

int portier_audit_run(const struct portier_local *l,
		      const struct portier_kb *kb,
		      const struct portier_audit_opts *o,
		      struct portier_finding **out, size_t *n,
		      struct portier_err *err)
{
	struct portier_audit_opts def = {0};
	struct audit_ctx c = {.l = l, .kb = kb, .o = o ? o : &def};
	size_t i;

	*out = NULL;
	*n = 0;
	portier_local_listen_ports(l, PORTIER_LOCAL_TCP, &c.listen_tcp);
	portier_local_listen_ports(l, PORTIER_LOCAL_UDP, &c.listen_udp);
	for (i = 0; i < l->n_socks && !c.nomem; i++)
		audit_socket(&c, &l->socks[i]);
	if (!c.nomem)
		audit_close_wait(&c);
	if (c.nomem) {
		portier_free(c.v);
		return portier_err_set(err, PORTIER_ENOMEM,
				       "out of memory judging %zu sockets",
				       l->n_socks);
	}
	for (i = 0; i < c.n; i++) {
		audit_utf8_trim(c.v[i].where);
		audit_utf8_trim(c.v[i].reason);
		audit_utf8_trim(c.v[i].advice);
	}
	if (c.n)
		qsort(c.v, c.n, sizeof(*c.v), by_severity);
	*out = c.v;
	*n = c.n;
	return 0;
}
