/*
 * hidden.c - listeners one view of the kernel shows and another hides.
 * ss reads sockets through sock_diag, netstat and most rootkit checks
 * through /proc/net/{tcp,udp}{,6}; a rootkit that filters one of them
 * leaves a difference.  Both views are read twice and only a difference
 * seen both times counts (sockets come and go between reads); a bind test
 * on the exact address then asks the kernel a third way whether the port
 * is taken.  The result is a confidence, never a verdict.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "inspect/inspect_int.h"
#include "portier/local.h"

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

static int read_view(struct inspect_ctx *c, bool procnet,
		     struct portier_local **out, struct portier_err *err)
{
	struct portier_local_query q = {
		.protos = PORTIER_LOCAL_TCP | PORTIER_LOCAL_UDP,
		.states = PORTIER_STATES_LISTENING,
		.proc_root = c->q->proc_root,
		.netns = c->q->netns,
		.procnet = procnet,
	};

	int rc = portier_local_collect(&q, out, err);

	if (rc == 0 && (*out)->n_socks)
		qsort((*out)->socks, (*out)->n_socks, sizeof(*(*out)->socks),
		      cmp);
	return rc;
}

/* Is the socket's exact address and port taken?  1 yes, 0 no, -1 unknown. */
static int bind_busy(const struct portier_sock *s)
{
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} a;
	socklen_t len;
	int fd, rc;

	memset(&a, 0, sizeof(a));
	if (s->family == AF_INET) {
		a.v4.sin_family = AF_INET;
		a.v4.sin_port = htons(s->lport);
		memcpy(&a.v4.sin_addr, s->laddr, 4);
		len = sizeof(a.v4);
	} else {
		a.v6.sin6_family = AF_INET6;
		a.v6.sin6_port = htons(s->lport);
		memcpy(&a.v6.sin6_addr, s->laddr, 16);
		len = sizeof(a.v6);
	}
	fd = socket(s->family,
		    (s->proto == PORTIER_LOCAL_TCP ? SOCK_STREAM : SOCK_DGRAM) |
			    SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -1;
	rc = bind(fd, (const struct sockaddr *)&a, len);
	rc = rc == 0 ? 0 : errno == EADDRINUSE ? 1 : -1;
	close(fd);
	return rc;
}

static void add(struct inspect_ctx *c, const struct portier_sock *s,
		bool in_diag)
{
	struct portier_inspect *r = c->r;
	struct portier_inspect_hidden *h;
	int busy;

	if (r->n_hidden >= INSPECT_HITS_MAX ||
	    portier_grow(&r->hidden, &c->cap_hidden, r->n_hidden + 1,
			 sizeof(*r->hidden), 8) < 0) {
		if (r->n_hidden < INSPECT_HITS_MAX)
			c->err = PORTIER_ENOMEM;
		return;
	}
	h = &r->hidden[r->n_hidden++];
	memset(h, 0, sizeof(*h));
	h->proto = s->proto == PORTIER_LOCAL_TCP ? PORTIER_PROTO_TCP
						 : PORTIER_PROTO_UDP;
	h->family = s->family;
	memcpy(h->laddr, s->laddr, 16);
	h->port = s->lport;
	h->inode = s->inode;
	h->in_diag = in_diag;
	h->in_procnet = !in_diag;
	/* a TCP listener holds its port: bind must fail */
	busy = s->proto == PORTIER_LOCAL_TCP && !c->q->netns ? bind_busy(s)
							     : -1;
	h->bind_busy = busy == 1;
	h->confidence = busy == 1   ? PORTIER_RISK_HIGH
			: busy == 0 ? PORTIER_RISK_LOW
				    : PORTIER_RISK_MEDIUM;
}

void inspect_hidden(struct inspect_ctx *c)
{
	struct portier_local *d1 = NULL, *p1 = NULL, *d2 = NULL, *p2 = NULL;
	struct portier_err err = {0};
	size_t i;
	int fd = openat(c->procfd, "net/tcp", O_RDONLY | O_CLOEXEC);

	/* without the text view every listener would look hidden */
	if (fd < 0) {
		inspect_note(c, "hidden listeners not checked: no net/tcp "
				"under the proc root");
		return;
	}
	close(fd);
	if (read_view(c, false, &d1, &err) < 0 ||
	    read_view(c, true, &p1, &err) < 0) {
		inspect_note(c, "hidden listeners not checked: %s", err.msg);
		goto out;
	}
	c->r->hidden_checked = true;
	/* the views agree (the usual case): nothing to confirm */
	if (!differ(d1, p1))
		goto out;
	if (read_view(c, false, &d2, &err) < 0 ||
	    read_view(c, true, &p2, &err) < 0) {
		inspect_note(c, "hidden listeners not confirmed: %s", err.msg);
		goto out;
	}
	/* in sock_diag both times, in /proc/net neither time */
	for (i = 0; i < d1->n_socks; i++)
		if (has(d2, &d1->socks[i]) && !has(p1, &d1->socks[i]) &&
		    !has(p2, &d1->socks[i]))
			add(c, &d1->socks[i], true);
	for (i = 0; i < p1->n_socks; i++)
		if (has(p2, &p1->socks[i]) && !has(d1, &p1->socks[i]) &&
		    !has(d2, &p1->socks[i]))
			add(c, &p1->socks[i], false);
out:
	portier_local_free(d1);
	portier_local_free(p1);
	portier_local_free(d2);
	portier_local_free(p2);
}
