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

/* One view of a namespace: its sockets (no owners), sorted by cmp. */
struct view {
	struct portier_sock *v;
	size_t n, cap;
};

static void view_free(struct view *w)
{
	portier_free(w->v);
	memset(w, 0, sizeof(*w));
}

static bool has(const struct view *w, const struct portier_sock *s)
{
	return w->n && bsearch(s, w->v, w->n, sizeof(*s), cmp) != NULL;
}

/* Does one view hold a listener the other lacks? */
static bool differ(const struct view *a, const struct view *b)
{
	size_t i;

	if (a->n != b->n)
		return true;
	for (i = 0; i < a->n; i++)
		if (cmp(&a->v[i], &b->v[i]) != 0)
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

/* Append what one local query of ns finds to w. */
static int view_add(struct inspect_ctx *c, const struct nsv *ns, bool text,
		    unsigned protos, uint32_t states, uint16_t port,
		    struct view *w, struct portier_err *err)
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
	struct portier_local *l = NULL;
	int rc = portier_local_collect(&q, &l, err);

	if (rc == 0 && l->n_socks) {
		if (portier_grow(&w->v, &w->cap, w->n + l->n_socks,
				 sizeof(*w->v), 16) < 0) {
			rc = portier_err_set(err, PORTIER_ENOMEM,
					     "out of memory");
			c->err = PORTIER_ENOMEM;
		} else {
			memcpy(w->v + w->n, l->socks,
			       l->n_socks * sizeof(*w->v));
			w->n += l->n_socks;
		}
	}
	portier_local_free(l);
	return rc;
}

/*
 * One view of ns: its protos (PORTIER_LOCAL_*) in states, on port alone
 * unless it is 0, into *w (sorted).  A text view reads whole files: ask
 * only for what is needed.
 *
 * A TCP socket in state CLOSE (bound, never listening) is in none of the
 * tables either view reads, so listening TCP is asked for as LISTEN alone:
 * asked so, the kernel skips its table of connections, which every
 * namespace shares (walking 50,000 connections costs tens of milliseconds
 * per namespace and address family, for each view).
 */
static int read_view(struct inspect_ctx *c, const struct nsv *ns, bool text,
		     unsigned protos, uint32_t states, uint16_t port,
		     struct view *w, struct portier_err *err)
{
	uint32_t tcp = states & ~PORTIER_STATE_BIT(PORTIER_SS_CLOSE);
	int rc;

	memset(w, 0, sizeof(*w));
	if ((protos & PORTIER_LOCAL_TCP) && tcp != states &&
	    !(tcp & ~PORTIER_STATE_BIT(PORTIER_SS_LISTEN))) {
		rc = tcp ? view_add(c, ns, text, PORTIER_LOCAL_TCP, tcp, port,
				    w, err)
			 : 0;
		if (rc == 0 && (protos & ~(unsigned)PORTIER_LOCAL_TCP))
			rc = view_add(c, ns, text,
				      protos & ~(unsigned)PORTIER_LOCAL_TCP,
				      states, port, w, err);
	} else {
		rc = view_add(c, ns, text, protos, states, port, w, err);
	}
	if (rc < 0)
		view_free(w);
	else if (w->n)
		qsort(w->v, w->n, sizeof(*w->v), cmp);
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

/* Bind-test p[0..n) in the caller's namespace into out, twice (20 ms
 * apart) when twice is set. */
static void bind_each(const struct probe *p, size_t n, int8_t *out, bool twice)
{
	struct timespec gap = {0, 20 * 1000 * 1000};
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (int8_t)bind_busy(&p[i]);
	if (twice)
		nanosleep(&gap, NULL);
	for (i = 0; twice && i < n; i++)
		if (out[i] == 1 && bind_busy(&p[i]) != 1)
			out[i] = -1;
}

/*
 * Bind-test p[0..n) inside the namespace nsfd opens (-1: ours, tested
 * here) in a forked child, so this process never changes namespace; twice
 * (20 ms apart) when twice is set.  res[i]: 1 taken (each time), 0 free,
 * -1 unknown or mixed.
 */
static void bind_tests(int nsfd, const struct probe *p, size_t n, int8_t *res,
		       bool twice)
{
	int fds[2];
	pid_t pid;
	size_t i;

	memset(res, -1, n);
	if (n && nsfd < 0) {
		bind_each(p, n, res, twice);
		return;
	}
	if (!n || pipe2(fds, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		int8_t *out = res; /* the child's own copy */

		close(fds[0]);
		if (setns(nsfd, CLONE_NEWNET) == 0)
			bind_each(p, n, out, twice);
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

/* Any socket of proto in w (read for the port, in its every state)? */
static bool port_explained(const struct view *w, uint8_t proto)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->v[i].proto == proto)
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

/* The PORTIER_LOCAL_* mask of the protocols open[] marks. */
static unsigned mask_of(const bool open[2])
{
	return (open[0] ? PORTIER_LOCAL_TCP : 0u) |
	       (open[1] ? PORTIER_LOCAL_UDP : 0u);
}

/*
 * The inspected port's wildcard probes (IPv4 and IPv6 of each protocol)
 * that no socket in either view explains, in any state.  With precheck the
 * port is bind-tested first (inside the namespace nsfd opens, -1: ours): a
 * protocol whose port both families find free hides nothing there, and
 * its views are not read (a view of one port still walks every connection
 * of the host).
 */
static size_t port_probes(struct inspect_ctx *c, const struct nsv *ns, int nsfd,
			  bool precheck, struct probe *p,
			  struct portier_err *err)
{
	static const uint8_t protos[] = {PORTIER_LOCAL_TCP, PORTIER_LOCAL_UDP};
	struct view d = {0}, t = {0};
	struct probe all[4];
	int8_t res[4];
	bool open[2] = {false, false};
	size_t n = 0, m = 0, i, k;
	int f;

	if (c->q->pid || !c->q->port)
		return 0;
	for (i = 0; i < 2; i++) {
		open[i] = wanted(c, protos[i]);
		for (f = 0; open[i] && f < 2; f++) {
			memset(&all[m], 0, sizeof(all[m]));
			all[m].proto = protos[i];
			all[m].family = f ? AF_INET6 : AF_INET;
			all[m++].port = c->q->port;
		}
	}
	if (precheck) {
		bind_tests(nsfd, all, m, res, false);
		for (i = 0; i < 2; i++) {
			bool free_all = true;

			for (k = 0; k < m; k++)
				if (all[k].proto == protos[i] && res[k] != 0)
					free_all = false;
			open[i] = open[i] && !free_all;
		}
	}
	/* the inspection has just read the port's listeners in our own
	 * namespace: a protocol they hold is explained without a view */
	for (k = 0; ns->own && !c->q->netns && k < c->r->n_socks; k++)
		for (i = 0; i < 2; i++)
			if (c->r->socks[k].proto ==
			    (protos[i] == PORTIER_LOCAL_TCP
				     ? PORTIER_PROTO_TCP
				     : PORTIER_PROTO_UDP))
				open[i] = false;
	if ((!open[0] && !open[1]) ||
	    read_view(c, ns, false, mask_of(open), PORTIER_STATES_ALL,
		      c->q->port, &d, err) < 0)
		goto out;
	for (i = 0; i < 2; i++)
		open[i] = open[i] && !port_explained(&d, protos[i]);
	/* the text view is read only when sock_diag leaves one open */
	if ((open[0] || open[1]) &&
	    read_view(c, ns, true, mask_of(open), PORTIER_STATES_ALL,
		      c->q->port, &t, err) < 0)
		goto out;
	for (i = 0; i < 2; i++) {
		if (!open[i] || port_explained(&t, protos[i]))
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
	view_free(&d);
	view_free(&t);
	return n;
}

/* Mark in seen (a bit per protocol and port) every port a socket of
 * either view holds, in any state; false when a view cannot be read. */
static bool explain(struct inspect_ctx *c, const struct nsv *ns, uint8_t *seen,
		    struct portier_err *err)
{
	struct view v[2] = {{0}, {0}};
	size_t i, k;
	bool ok = read_view(c, ns, false, BOTH, PORTIER_STATES_ALL, 0, &v[0],
			    err) == 0 &&
		  read_view(c, ns, true, BOTH, PORTIER_STATES_ALL, 0, &v[1],
			    err) == 0;

	for (k = 0; ok && k < 2; k++)
		for (i = 0; i < v[k].n; i++) {
			unsigned b =
				(v[k].v[i].proto == PORTIER_LOCAL_UDP ? 65536u
								      : 0u) +
				v[k].v[i].lport;

			seen[b / 8] |= (uint8_t)(1u << (b % 8));
		}
	view_free(&v[0]);
	view_free(&v[1]);
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
	struct view d1 = {0}, p1 = {0}, d2 = {0}, p2 = {0};
	struct portier_err err = {0};
	struct probe pr[PROBES_MAX];
	const struct portier_sock *src[PROBES_MAX];
	bool diag[PROBES_MAX];
	int8_t res[PROBES_MAX];
	size_t i, n = 0, n_port;
	bool port;
	int nsfd = -1;
	int ok = 0;
	bool again = false;

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
	again = differ(&d1, &p1);
	if (again && (read_view(c, ns, false, BOTH, PORTIER_STATES_LISTENING, 0,
				&d2, &err) < 0 ||
		      read_view(c, ns, true, BOTH, PORTIER_STATES_LISTENING, 0,
				&p2, &err) < 0)) {
		inspect_note(c,
			     "hidden listeners of namespace %s not "
			     "confirmed: %s",
			     ns->label[0] ? ns->label : "(own)", err.msg);
		goto out;
	}
	/* in one view both times, in the other neither time */
	for (i = 0; again && i < d1.n && n < PROBES_MAX - 4; i++)
		if (has(&d2, &d1.v[i]) && !has(&p1, &d1.v[i]) &&
		    !has(&p2, &d1.v[i])) {
			src[n] = &d1.v[i];
			diag[n] = true;
			probe_of(&d1.v[i], &pr[n++]);
		}
	for (i = 0; again && i < p1.n && n < PROBES_MAX - 4; i++)
		if (has(&p2, &p1.v[i]) && !has(&d1, &p1.v[i]) &&
		    !has(&d2, &p1.v[i])) {
			src[n] = &p1.v[i];
			diag[n] = false;
			probe_of(&p1.v[i], &pr[n++]);
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
	/* the sweep tests the inspected port too */
	port = !c->q->sweep && !c->q->pid && c->q->port;
	if (!n && !port && !c->q->sweep)
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
	if (port)
		n += port_probes(c, ns, nsfd, true, pr + n, &err);
	/* the differences twice, 20 ms apart; the inspected port once */
	bind_tests(nsfd, pr, n_port, res, true);
	bind_tests(nsfd, pr + n_port, n - n_port, res + n_port, false);
	for (i = 0; i < n_port; i++)
		add(c, ns, src[i], &pr[i], diag[i], !diag[i], res[i]);
	/* the port is taken and no view showed by what: read the views again
	 * and bind again before calling it hidden from both, so that a
	 * socket that came and went between the reads cannot pass */
	if (n > n_port) {
		struct probe reread[4], busy[4];
		int8_t res2[4];
		size_t k, j, nb = 0,
			     m = port_probes(c, ns, nsfd, false, reread, &err);

		for (i = n_port; i < n; i++)
			for (k = 0; res[i] == 1 && k < m; k++)
				if (reread[k].proto == pr[i].proto &&
				    reread[k].family == pr[i].family)
					busy[nb++] = pr[i];
		bind_tests(nsfd, busy, nb, res2, false);
		for (j = 0; j < nb; j++)
			if (res2[j] == 1)
				add(c, ns, NULL, &busy[j], false, false, 1);
	}
	if (c->q->sweep)
		sweep(c, ns, nsfd);
out:
	if (nsfd >= 0)
		close(nsfd);
	view_free(&d1);
	view_free(&p1);
	view_free(&d2);
	view_free(&p2);
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
