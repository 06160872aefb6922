/*
 * snapshot.c - a snapshot of this host's listeners from a socket table:
 * one row per key (proto, address, port, netns) with its first owner, the
 * kb risk of the port and the audit findings about it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portier/file.h"
#include "portier/store.h"

int portier_listener_cmp(const struct portier_listener *a,
			 const struct portier_listener *b)
{
	int c;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	c = strcmp(a->netns ? a->netns : "", b->netns ? b->netns : "");
	if (c)
		return c < 0 ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	c = memcmp(a->addr, b->addr, 16);
	return c < 0 ? -1 : c > 0;
}

static int listener_qcmp(const void *a, const void *b)
{
	return portier_listener_cmp(a, b);
}

static void listener_clear(struct portier_listener *x)
{
	portier_free(x->netns);
	portier_free(x->comm);
	portier_free(x->exe);
	portier_free(x->unit);
	portier_free(x->container);
	portier_free(x->package);
	portier_free(x->rules);
}

void portier_snapshot_free(struct portier_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		listener_clear(&s->l[i]);
	portier_free(s->l);
	portier_free(s->host);
	portier_free(s->machine_id);
	portier_free(s);
}

/* A copy of s, or NULL for NULL; *fail set when memory ran out. */
static char *dup_or_null(const char *s, bool *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = portier_strdup(s);
	if (!d)
		*fail = true;
	return d;
}

static int finding_cmp(const void *pa, const void *pb)
{
	const struct portier_finding *a =
		*(const struct portier_finding *const *)pa;
	const struct portier_finding *b =
		*(const struct portier_finding *const *)pb;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return (a->port > b->port) - (a->port < b->port);
}

/* The audit verdict on x: the highest severity and the rule names of the
 * findings about its port (sorted, binary searched). */
static int judge(struct portier_listener *x,
		 const struct portier_finding *const *fs, size_t n)
{
	size_t lo = 0, hi = n, len = 0;
	char buf[512];

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct portier_finding *f = fs[mid];

		if (f->proto < x->proto ||
		    (f->proto == x->proto && f->port < x->port))
			lo = mid + 1;
		else
			hi = mid;
	}
	buf[0] = '\0';
	for (; lo < n && fs[lo]->proto == x->proto && fs[lo]->port == x->port;
	     lo++) {
		const char *name = portier_audit_rule_name(fs[lo]->rule);

		if (fs[lo]->severity > x->audit)
			x->audit = fs[lo]->severity;
		if (strstr(buf, name))
			continue;
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
					len ? "," : "", name);
		if (len >= sizeof buf)
			len = strlen(buf);
	}
	if (!buf[0])
		return 0;
	x->rules = portier_strdup(buf);
	return x->rules ? 0 : PORTIER_ENOMEM;
}

static int fill(struct portier_listener *x, const struct portier_local *l,
		const struct portier_sock *s, const struct portier_kb *kb)
{
	bool fail = false;

	x->proto = s->proto;
	x->family = s->family == AF_INET6 ? 6 : 4;
	memcpy(x->addr, s->laddr, 16);
	x->port = s->lport;
	x->inode = s->inode;
	x->uid = s->uid;
	x->netns = dup_or_null(s->netns < l->n_netns ? l->netns[s->netns] : "",
			       &fail);
	if (s->owner_count) {
		const struct portier_proc *p =
			portier_local_owner(l, s, 0, NULL);

		x->pid = p->pid;
		x->uid = p->uid;
		x->exe_deleted = p->exe_deleted;
		x->comm = dup_or_null(p->comm, &fail);
		x->exe = dup_or_null(p->exe, &fail);
		x->unit = dup_or_null(p->unit, &fail);
		x->container = dup_or_null(p->container, &fail);
	}
	if (kb &&
	    (s->proto == PORTIER_LOCAL_TCP || s->proto == PORTIER_LOCAL_UDP)) {
		const struct portier_kb_entry *e =
			portier_kb_best(kb, s->lport, s->proto);

		x->kb_risk = e ? e->risk : PORTIER_RISK_NONE;
	}
	return fail ? PORTIER_ENOMEM : 0;
}

int portier_snapshot_from_local(const struct portier_local *l,
				const struct portier_kb *kb,
				const struct portier_finding *f, size_t n_f,
				struct portier_snapshot **out,
				struct portier_err *err)
{
	struct portier_snapshot *s = portier_calloc(1, sizeof *s);
	const struct portier_finding **fs = NULL;
	size_t n_fs = 0;
	int rc = PORTIER_ENOMEM;

	*out = NULL;
	if (!s)
		goto out;
	if (n_f) {
		fs = portier_calloc(n_f, sizeof *fs);
		if (!fs)
			goto out;
		for (size_t i = 0; i < n_f; i++)
			if (f[i].port)
				fs[n_fs++] = &f[i];
		qsort(fs, n_fs, sizeof *fs, finding_cmp);
	}
	s->l = portier_calloc(l->n_socks ? l->n_socks : 1, sizeof *s->l);
	if (!s->l)
		goto out;
	for (size_t i = 0; i < l->n_socks; i++) {
		const struct portier_sock *so = &l->socks[i];

		if (so->proto == PORTIER_LOCAL_UNIX ||
		    !portier_sock_listening(so))
			continue;
		rc = fill(&s->l[s->n], l, so, kb);
		if (!rc)
			rc = judge(&s->l[s->n], fs, n_fs);
		s->n++;
		if (rc)
			goto out;
	}
	qsort(s->l, s->n, sizeof *s->l, listener_qcmp);
	/* One row per key (SO_REUSEPORT groups share one): any of them speaks
	 * for the key. */
	size_t w = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (w && !portier_listener_cmp(&s->l[w - 1], &s->l[i])) {
			listener_clear(&s->l[i]);
			continue;
		}
		s->l[w++] = s->l[i];
	}
	s->n = w;
	rc = 0;
out:
	portier_free(fs);
	if (rc) {
		portier_snapshot_free(s);
		return portier_err_set(err, rc, "out of memory for a snapshot");
	}
	*out = s;
	return 0;
}

/* /etc/machine-id's 32 hex digits, or "" when it cannot be read. */
static char *machine_id(void)
{
	char *text = NULL, *id;
	size_t n;

	if (portier_file_read(AT_FDCWD, NULL, "/etc/machine-id",
			      PORTIER_FILE_TEXT, 4096, &text, NULL))
		return portier_strdup("");
	n = strspn(text, "0123456789abcdef");
	id = portier_strndup(text, n == 32 ? n : 0);
	portier_free(text);
	return id;
}

void portier_store_host_name(char *buf, size_t len)
{
	const char *env = getenv("PORTIER_HOST_ID");

	if (!len)
		return;
	buf[0] = '\0';
	if (env && *env)
		portier_strlcpy(buf, env, len);
	else if (len > 1)
		gethostname(buf, len - 1);
	buf[len - 1] = '\0';
}

int portier_snapshot_stamp(struct portier_snapshot *s, int64_t now,
			   struct portier_err *err)
{
	char host[256] = "";
	uint8_t r[16];

	portier_store_host_name(host, sizeof host);
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		return portier_err_set(
			err, PORTIER_EIO,
			"no random bytes for the snapshot's key");
	for (size_t i = 0; i < sizeof r; i++)
		snprintf(s->key + 2 * i, 3, "%02x", r[i]);
	portier_free(s->host);
	portier_free(s->machine_id);
	s->host = portier_strdup(host);
	s->machine_id = machine_id();
	s->time = now;
	if (!s->host || !s->machine_id)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	return 0;
}
