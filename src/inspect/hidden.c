/*
 * hidden.c - listeners one view of the kernel shows and another hides, in
 * every network namespace.  ss reads sockets through sock_diag, netstat and
 * most rootkit checks through /proc/net/{tcp,udp}{,6}; a rootkit that
 * filters one of them leaves a difference.  Per namespace both views are
 * read twice and only a difference seen both times counts (sockets come
 * and go between reads).  The text view of a namespace is the /proc/PID/net
 * of a process living in it (the caller's own: <proc>/net), else the one
 * seen after entering it.
 *
 * A bind test then asks the kernel a third way: a socket bound to the
 * address without listen(2) and closed at once (it never takes a
 * connection from a real listener), inside the namespace in question (a
 * forked child that enters it), twice.  The inspected port is bind-tested
 * too (TCP and UDP, IPv4 and IPv6, wildcard address): taken while neither
 * view shows any socket on it is a listener hidden from both.  The result
 * is a confidence, never a verdict.
 */
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "inspect/inspect_int.h"
#include "portier/local.h"

#define NS_MAX	   256			  /* namespaces checked */
#define PROBES_MAX (INSPECT_HITS_MAX + 8) /* bind tests per namespace */

/* Order of sockets by what identifies a listener in both views. */
static int cmp(const void *pa, const void *pb)
{
	const struct portier_sock *a = pa, *b = pb;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->lport != b->lport)
		return a->lport < b->lport ? -1 : 1;
	if (a->inode != b->inode)
		return a->inode < b->inode ? -1 : 1;
	return memcmp(a->laddr, b->laddr, 16);
}

/* l's sockets are sorted by cmp (no owners were asked for). */
static bool has(const struct portier_local *l, const struct portier_sock *s)
{
	return l->n_socks &&
	       bsearch(s, l->socks, l->n_socks, sizeof(*s), cmp) != NULL;
}

/* Does one view hold a listener the other lacks? */
static bool differ(const struct portier_local *a, const struct portier_local *b)
{
	size_t i;

	if (a->n_socks != b->n_socks)
		return true;
	for (i = 0; i < a->n_socks; i++)
		if (cmp(&a->socks[i], &b->socks[i]) != 0)
			return true;
	return false;
}

/* One namespace to check: how each view reaches it. */
struct nsv {
	uint64_t ino;
	char label[80];
	char path[300];	     /* opens it ("" for the caller's own) */
	char text_root[320]; /* the proc root whose net/ shows it */
	bool own, enter;     /* enter: the text view needs setns */
};

/* One bind test. */
struct probe {
	uint8_t proto, family; /* PORTIER_LOCAL_TCP/UDP, AF_INET(6) */
	uint8_t addr[16];
	uint16_t port;
};

#define BOTH (PORTIER_LOCAL_TCP | PORTIER_LOCAL_UDP)

/* One view of ns: its protos (PORTIER_LOCAL_*) in states, on port alone
 * unless it is 0.  A text view reads whole files: ask only for what is
 * needed. */
static int read_view(struct inspect_ctx *c, const struct nsv *ns, bool text,
		     unsigned protos, uint32_t states, uint16_t port,
		     struct portier_local **out, struct portier_err *err)
{
	struct portier_local_query q = {
		.protos = protos,
		.states = states,
		.proc_root = text ? ns->text_root : c->q->proc_root,
		.netns = ns->own || (text && !ns->enter) ? NULL : ns->path,
		.procnet = text,
		.have_ports = port != 0,
		.port_lo = port,
		.port_hi = port,
	};
	int rc = portier_local_collect(&q, out, err);

	if (rc == 0 && (*out)->n_socks)
		qsort((*out)->socks, (*out)->n_socks, sizeof(*(*out)->socks),
		      cmp);
	return rc;
}

/* Is the address and port of p taken?  1 yes, 0 no, -1 unknown.  The
 * socket is bound, never listens, and is closed at once. */
static int bind_busy(const struct probe *p)
{
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} a;
	socklen_t len;
	int fd, rc, one = 1;

	memset(&a, 0, sizeof(a));
	if (p->family == AF_INET) {
		a.v4.sin_family = AF_INET;
		a.v4.sin_port = htons(p->port);
		memcpy(&a.v4.sin_addr, p->addr, 4);
		len = sizeof(a.v4);
	} else {
		a.v6.sin6_family = AF_INET6;
		a.v6.sin6_port = htons(p->port);
		memcpy(&a.v6.sin6_addr, p->addr, 16);
		len = sizeof(a.v6);
	}
	fd = socket(p->family,
		    (p->proto == PORTIER_LOCAL_TCP ? SOCK_STREAM : SOCK_DGRAM) |
			    SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -1;
	/* [::] alone: an IPv4 socket on the port is the IPv4 probe's */
	if (p->family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) {
		close(fd);
		return -1;
	}
	rc = bind(fd, (const struct sockaddr *)&a, len);
	rc = rc == 0 ? 0 : errno == EADDRINUSE ? 1 : -1;
	close(fd);
	return rc;
}

/*
 * Bind-test p[0..n) inside the namespace nsfd opens (-1: ours) in a forked
 * child, so this process never changes namespace; twice (20 ms apart) when
 * twice is set.  res[i]: 1 taken (each time), 0 free, -1 unknown or mixed.
 */
static void bind_tests(int nsfd, const struct probe *p, size_t n, int8_t *res,
		       bool twice)
{
	int fds[2];
	pid_t pid;
	size_t i;

	memset(res, -1, n);
	if (!n || pipe2(fds, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		int8_t *out = res; /* the child's own copy */
		struct timespec gap = {0, 20 * 1000 * 1000};

		close(fds[0]);
		if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) == 0) {
			for (i = 0; i < n; i++)
				out[i] = (int8_t)bind_busy(&p[i]);
			if (twice)
				nanosleep(&gap, NULL);
			for (i = 0; twice && i < n; i++)
				if (out[i] == 1 && bind_busy(&p[i]) != 1)
					out[i] = -1;
		}
		for (i = 0; i < n;) {
			ssize_t k = write(fds[1], out + i, n - i);

			if (k <= 0)
				_exit(1);
			i += (size_t)k;
		}
		_exit(0);
	}
	close(fds[1]);
	if (pid > 0) {
		size_t got = 0;

		while (got < n) {
			ssize_t k = read(fds[0], res + got, n - got);

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			got += (size_t)k;
		}
		if (got < n)
			memset(res, -1, n);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	close(fds[0]);
}

static void add(struct inspect_ctx *c, const struct nsv *ns,
		const struct portier_sock *s, const struct probe *p,
		bool in_diag, bool in_procnet, int busy)
{
	struct portier_inspect *r = c->r;
	struct portier_inspect_hidden *h;

	if (inspect_room(c, &r->hidden, &c->cap_hidden, r->n_hidden,
			 sizeof(*r->hidden), INSPECT_HITS_MAX, &c->hidden_full,
			 "hidden listeners") < 0)
		return;
	h = &r->hidden[r->n_hidden++];
	memset(h, 0, sizeof(*h));
	h->proto = p->proto == PORTIER_LOCAL_TCP ? PORTIER_PROTO_TCP
						 : PORTIER_PROTO_UDP;
	h->family = p->family;
	memcpy(h->laddr, p->addr, 16);
	h->port = p->port;
	h->inode = s ? s->inode : 0;
	h->in_diag = in_diag;
	h->in_procnet = in_procnet;
	h->bind_busy = busy == 1;
	h->netns = ns->ino;
	portier_strlcpy(h->netns_label, ns->label, sizeof(h->netns_label));
	if (!in_diag && !in_procnet) /* taken, and no view says by what */
		h->confidence = PORTIER_RISK_MEDIUM;
	else
		h->confidence = busy == 1   ? PORTIER_RISK_HIGH
				: busy == 0 ? PORTIER_RISK_LOW
					    : PORTIER_RISK_MEDIUM;
}

static void probe_of(const struct portier_sock *s, struct probe *p)
{
	p->proto = s->proto;
	p->family = s->family;
	memcpy(p->addr, s->laddr, 16);
	p->port = s->lport;
}

/* Any socket of proto on port in a or b (the port's every state)? */
static bool port_explained(const struct portier_local *a,
			   const struct portier_local *b, uint8_t proto)
{
	size_t i;

	for (i = 0; i < a->n_socks; i++)
		if (a->socks[i].proto == proto)
			return true;
	for (i = 0; i < b->n_socks; i++)
		if (b->socks[i].proto == proto)
			return true;
	return false;
}

/* Does the query ask about proto (a PORTIER_LOCAL_* value)? */
static bool wanted(const struct inspect_ctx *c, uint8_t proto)
{
	unsigned want = c->q->protos ? c->q->protos
				     : PORTIER_PROTO_TCP | PORTIER_PROTO_UDP;

	return proto == PORTIER_LOCAL_TCP ? (want & PORTIER_PROTO_TCP) != 0
					  : (want & PORTIER_PROTO_UDP) != 0;
}

/* The inspected port's wildcard probes (IPv4 and IPv6 of each protocol)
 * that no socket in either view explains, in any state. */
static size_t port_probes(struct inspect_ctx *c, const struct nsv *ns,
			  struct probe *p, struct portier_err *err)
{
	static const uint8_t protos[] = {PORTIER_LOCAL_TCP, PORTIER_LOCAL_UDP};
	struct portier_local *d = NULL, *t = NULL, none = {0};
	bool open[2] = {false, false};
	size_t n = 0, i;
	int f;

	if (c->q->pid || !c->q->port ||
	    read_view(c, ns, false, BOTH, PORTIER_STATES_ALL, c->q->port, &d,
		      err) < 0)
		goto out;
	for (i = 0; i < 2; i++)
		open[i] = wanted(c, protos[i]) &&
			  !port_explained(d, &none, protos[i]);
	/* the text view is read only when sock_diag leaves one open */
	if ((open[0] || open[1]) &&
	    read_view(c, ns, true,
		      (open[0] ? PORTIER_LOCAL_TCP : 0) |
			      (open[1] ? PORTIER_LOCAL_UDP : 0),
		      PORTIER_STATES_ALL, c->q->port, &t, err) < 0)
		goto out;
	for (i = 0; i < 2; i++) {
		if (!open[i] || port_explained(t, &none, protos[i]))
			continue;
		for (f = 0; f < 2; f++) {
			memset(&p[n], 0, sizeof(p[n]));
			p[n].proto = protos[i];
			p[n].family = f ? AF_INET6 : AF_INET;
			p[n].port = c->q->port;
			n++;
		}
	}
out:
	portier_local_free(d);
	portier_local_free(t);
	return n;
}

/* Mark in seen (a bit per protocol and port) every port a socket of
 * either view holds, in any state; false when a view cannot be read. */
static bool explain(struct inspect_ctx *c, const struct nsv *ns, uint8_t *seen,
		    struct portier_err *err)
{
	struct portier_local *v[2] = {NULL, NULL};
	size_t i, k;
	bool ok = read_view(c, ns, false, BOTH, PORTIER_STATES_ALL, 0, &v[0],
			    err) == 0 &&
		  read_view(c, ns, true, BOTH, PORTIER_STATES_ALL, 0, &v[1],
			    err) == 0;

	for (k = 0; ok && k < 2; k++)
		for (i = 0; i < v[k]->n_socks; i++) {
			unsigned b = (v[k]->socks[i].proto == PORTIER_LOCAL_UDP
					      ? 65536u
					      : 0u) +
				     v[k]->socks[i].lport;

			seen[b / 8] |= (uint8_t)(1u << (b % 8));
		}
	portier_local_free(v[0]);
	portier_local_free(v[1]);
	return ok;
}

static bool marked(const uint8_t *seen, uint8_t proto, uint16_t port)
{
	unsigned b = (proto == PORTIER_LOCAL_UDP ? 65536u : 0u) + port;

	return (seen[b / 8] >> (b % 8)) & 1;
}

/*
 * --sweep: every port of the protocols asked for that no socket of either
 * view holds is bind-tested in the namespace (IPv4 and IPv6), as
 * unhide-tcp does; a port taken both times and still unexplained when the
 * views are read again is reported as hidden from both.
 */
static void sweep(struct inspect_ctx *c, const struct nsv *ns, int nsfd)
{
	static const uint8_t protos[] = {PORTIER_LOCAL_TCP, PORTIER_LOCAL_UDP};
	struct portier_err err = {0};
	uint8_t *seen = portier_calloc(2 * 65536 / 8, 1);
	struct probe *p = portier_calloc(4 * 65536, sizeof(*p));
	int8_t *res = portier_malloc(4 * 65536);
	size_t n = 0, i, k;
	uint32_t port;

	if (!seen || !p || !res) {
		c->err = PORTIER_ENOMEM;
		goto out;
	}
	if (!explain(c, ns, seen, &err)) {
		inspect_note(c, "namespace %s: no sweep: %s",
			     ns->label[0] ? ns->label : "(own)", err.msg);
		goto out;
	}
	for (k = 0; k < 2; k++)
		for (port = 1; wanted(c, protos[k]) && port <= 65535; port++) {
			if (marked(seen, protos[k], (uint16_t)port))
				continue;
			for (i = 0; i < 2; i++) {
				p[n].proto = protos[k];
				p[n].family = i ? AF_INET6 : AF_INET;
				p[n++].port = (uint16_t)port;
			}
		}
	/* taken, then still unexplained by the views read afterwards, then
	 * taken again: a socket that came and went between the reads cannot
	 * pass all three */
	bind_tests(nsfd, p, n, res, false);
	memset(seen, 0, 2 * 65536 / 8);
	if (!explain(c, ns, seen, &err))
		goto out;
	for (i = k = 0; i < n; i++)
		if (res[i] == 1 && !marked(seen, p[i].proto, p[i].port))
			p[k++] = p[i];
	bind_tests(nsfd, p, k, res, false);
	for (i = 0; i < k; i++)
		if (res[i] == 1)
			add(c, ns, NULL, &p[i], false, false, 1);
out:
	portier_free(seen);
	portier_free(p);
	portier_free(res);
}

/* Check one namespace: 1, or 0 when it could not be read (noted), or
 * PORTIER_EPERM when entering it needs a privilege (the caller counts). */
static int check_ns(struct inspect_ctx *c, const struct nsv *ns)
{
	struct portier_local *d1 = NULL, *p1 = NULL, *d2 = NULL, *p2 = NULL;
	struct portier_err err = {0};
	struct probe pr[PROBES_MAX];
	const struct portier_sock *src[PROBES_MAX];
	bool diag[PROBES_MAX];
	int8_t res[PROBES_MAX];
	size_t i, n = 0, n_port;
	int nsfd = -1;
	int ok = 0;

	if (read_view(c, ns, false, BOTH, PORTIER_STATES_LISTENING, 0, &d1,
		      &err) < 0 ||
	    read_view(c, ns, true, BOTH, PORTIER_STATES_LISTENING, 0, &p1,
		      &err) < 0) {
		if (err.code == PORTIER_EPERM && !ns->own) {
			ok = PORTIER_EPERM;
			goto out;
		}
		inspect_note(c,
			     "hidden listeners of namespace %s not checked: %s",
			     ns->label[0] ? ns->label : "(own)", err.msg);
		goto out;
	}
	ok = 1;
	if (differ(d1, p1) &&
	    (read_view(c, ns, false, BOTH, PORTIER_STATES_LISTENING, 0, &d2,
		       &err) < 0 ||
	     read_view(c, ns, true, BOTH, PORTIER_STATES_LISTENING, 0, &p2,
		       &err) < 0)) {
		inspect_note(c,
			     "hidden listeners of namespace %s not "
			     "confirmed: %s",
			     ns->label[0] ? ns->label : "(own)", err.msg);
		goto out;
	}
	/* in one view both times, in the other neither time */
	for (i = 0; d2 && i < d1->n_socks && n < PROBES_MAX - 4; i++)
		if (has(d2, &d1->socks[i]) && !has(p1, &d1->socks[i]) &&
		    !has(p2, &d1->socks[i])) {
			src[n] = &d1->socks[i];
			diag[n] = true;
			probe_of(&d1->socks[i], &pr[n++]);
		}
	for (i = 0; p2 && i < p1->n_socks && n < PROBES_MAX - 4; i++)
		if (has(p2, &p1->socks[i]) && !has(d1, &p1->socks[i]) &&
		    !has(d2, &p1->socks[i])) {
			src[n] = &p1->socks[i];
			diag[n] = false;
			probe_of(&p1->socks[i], &pr[n++]);
		}
	if (n >= PROBES_MAX - 4 && !c->hidden_full) {
		inspect_note(c,
			     "namespace %s: more than %d listeners differ; "
			     "the rest are not bind-tested",
			     ns->label[0] ? ns->label : "(own)",
			     PROBES_MAX - 4);
		c->hidden_full = true;
	}
	n_port = n;
	if (!c->q->sweep) /* the sweep tests the inspected port too */
		n += port_probes(c, ns, pr + n, &err);
	if (!n && !c->q->sweep)
		goto out;
	if (!ns->own) {
		nsfd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0) {
			inspect_note(c,
				     "namespace %s: cannot open %s for the "
				     "bind test",
				     ns->label, ns->path);
			goto out;
		}
	}
	/* the differences twice, 20 ms apart; the inspected port once */
	bind_tests(nsfd, pr, n_port, res, true);
	bind_tests(nsfd, pr + n_port, n - n_port, res + n_port, false);
	for (i = 0; i < n_port; i++)
		add(c, ns, src[i], &pr[i], diag[i], !diag[i], res[i]);
	/* the port is taken and no view showed by what: read the views again
	 * and bind again before calling it hidden from both, so that a
	 * socket that came and went between the reads cannot pass */
	if (n > n_port) {
		struct probe again[4], busy[4];
		int8_t res2[4];
		size_t k, j, m = port_probes(c, ns, again, &err), nb = 0;

		for (i = n_port; i < n; i++)
			for (k = 0; res[i] == 1 && k < m; k++)
				if (again[k].proto == pr[i].proto &&
				    again[k].family == pr[i].family)
					busy[nb++] = pr[i];
		bind_tests(nsfd, busy, nb, res2, false);
		for (j = 0; j < nb; j++)
			if (res2[j] == 1)
				add(c, ns, NULL, &busy[j], false, false, 1);
	}
	if (c->q->sweep)
		sweep(c, ns, nsfd);
	if (nsfd >= 0)
		close(nsfd);
out:
	portier_local_free(d1);
	portier_local_free(p1);
	portier_local_free(d2);
	portier_local_free(p2);
	return ok;
}

void inspect_hidden(struct inspect_ctx *c)
{
	const char *proc = c->q->proc_root ? c->q->proc_root : "/proc";
	struct portier_netns *list = NULL;
	struct portier_err err = {0};
	struct nsv *v = NULL;
	size_t n = 0, i, checked = 0, denied = 0;
	int fd = openat(c->procfd, "net/tcp", O_RDONLY | O_CLOEXEC);

	/* without the text view every listener would look hidden */
	if (fd < 0) {
		inspect_note(c, "hidden listeners not checked: no net/tcp "
				"under the proc root");
		return;
	}
	close(fd);
	if (portier_netns_list(c->q->proc_root, &list, &n, &err) < 0) {
		inspect_note(c,
			     "only this network namespace checked for "
			     "hidden listeners: %s",
			     err.msg);
		n = 0;
	}
	if (n > NS_MAX) {
		inspect_note(c,
			     "%zu network namespaces: the first %d checked "
			     "for hidden listeners",
			     n, NS_MAX);
		n = NS_MAX;
	}
	v = portier_calloc(n ? n : 1, sizeof(*v));
	if (!v) {
		c->err = PORTIER_ENOMEM;
		portier_free(list);
		return;
	}
	for (i = 0; i < n; i++) {
		v[i].ino = list[i].inode;
		portier_strlcpy(v[i].label, list[i].label, sizeof(v[i].label));
		portier_strlcpy(v[i].path, list[i].path, sizeof(v[i].path));
		v[i].own = i == 0; /* the caller's own comes first */
		/* another namespace's text view: /proc/PID/net of a process
		 * in it, else <proc>/net seen from inside */
		v[i].enter = !v[i].own && !list[i].pid;
		if (v[i].own || v[i].enter)
			portier_strlcpy(v[i].text_root, proc,
					sizeof(v[i].text_root));
		else
			snprintf(v[i].text_root, sizeof(v[i].text_root),
				 "%s/%d", proc, list[i].pid);
	}
	if (!n) { /* the caller's own alone */
		v[0].own = true;
		portier_strlcpy(v[0].text_root, proc, sizeof(v[0].text_root));
		n = 1;
	}
	for (i = 0; i < n; i++) {
		int rc = check_ns(c, &v[i]);

		checked += rc == 1;
		denied += rc == PORTIER_EPERM;
	}
	if (denied)
		inspect_note(c,
			     "%zu other network namespaces not checked for "
			     "hidden listeners: entering them needs root",
			     denied);
	c->r->hidden_checked = checked > 0;
	c->r->hidden_netns = checked;
	portier_free(v);
	portier_free(list);
}
