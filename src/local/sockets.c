/*
 * sockets.c - portier_local_collect: ask the kernel for the sockets of one
 * or more network namespaces, then (optionally) find their owners.
 *
 * For each namespace a NETLINK_SOCK_DIAG socket is opened inside it (the
 * socket keeps answering for that namespace afterwards); then one dump per
 * (protocol, family) is sent, with the caller's state mask as the kernel's
 * filter, and the reply is parsed chunk by chunk by sockdiag_parse.  Only
 * for a protocol whose sock_diag handler the kernel lacks (raw_diag is
 * often not built) are /proc/net/{tcp,udp,raw}{,6} read instead.
 */
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "local/local_int.h"

/* The kernel fills at most ~32 KiB per dump chunk; leave room. */
#define RECV_BUF 65536

static int dump(struct mnl_socket *nl, const uint8_t *req, size_t reqlen,
		uint8_t proto, struct local_socks *out, uint32_t *buf,
		struct portier_err *err)
{
	if (mnl_socket_sendto(nl, req, reqlen) < 0)
		return portier_err_set(err, PORTIER_EIO,
				       "cannot send sock_diag request: %s",
				       strerror(errno));
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, RECV_BUF);
		int rc;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return portier_err_set(
				err, PORTIER_EIO,
				"cannot read sock_diag reply: %s",
				strerror(errno));
		rc = sockdiag_parse((const uint8_t *)buf, (size_t)n, proto, out,
				    err);
		if (rc != 0)
			return rc < 0 ? rc : 0;
	}
}

/*
 * Open <root>/net/NAME as namespace nsfd (-1: our own) shows it: *fd is
 * the descriptor, or -1 when it cannot be opened (no fallback then).
 * Returns 0, or PORTIER_EIO when the thread could not get back to its own
 * namespace.
 */
static int open_procnet(const char *root, const char *name, int nsfd, int *fd,
			struct portier_err *err)
{
	char path[512];
	int self = -1;

	*fd = -1;
	snprintf(path, sizeof(path), "%s/net/%s", root ? root : "/proc", name);
	if (nsfd >= 0) {
		/* a /proc/net file shows the namespace of whoever opens it */
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0 || local_setns(nsfd, CLONE_NEWNET) < 0) {
			if (self >= 0)
				close(self);
			return 0;
		}
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd >= 0 && local_netns_return(self, err) < 0) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
		return PORTIER_EIO;
	}
	return 0;
}

/*
 * Drop the sockets from first on that the kernel would have filtered out
 * for q: another state, or (have_ports) neither port in the range.
 */
static void keep_matching(const struct portier_local_query *q, uint32_t states,
			  size_t first, struct local_socks *out)
{
	size_t i, kept;

	for (i = kept = first; i < out->n; i++) {
		const struct portier_sock *s = &out->v[i];

		if (s->state >= PORTIER_SS_MAX ||
		    !(states & PORTIER_STATE_BIT(s->state)))
			continue;
		if (q->have_ports &&
		    !(s->lport >= q->port_lo && s->lport <= q->port_hi) &&
		    !(s->rport >= q->port_lo && s->rport <= q->port_hi))
			continue;
		out->v[kept++] = out->v[i];
	}
	out->n = kept;
}

/*
 * The answer to a one-socket request (sockdiag_build_inet_exact): a single
 * message and no NLMSG_DONE, or an error; ENOENT means no such socket.
 * The kernel does not apply the state filter to it, so it is done here.
 */
static int lookup_one(const struct portier_local_query *q,
		      struct mnl_socket *nl, const uint8_t *req, size_t reqlen,
		      uint8_t proto, uint32_t states, struct local_socks *out,
		      uint32_t *buf, struct portier_err *err)
{
	size_t first = out->n;
	ssize_t n;
	int rc;

	if (!reqlen)
		return portier_err_set(err, PORTIER_EINVAL,
				       "not a TCP or UDP tuple of one address "
				       "family");
	if (mnl_socket_sendto(nl, req, reqlen) < 0)
		return portier_err_set(err, PORTIER_EIO,
				       "cannot send sock_diag request: %s",
				       strerror(errno));
	do
		n = mnl_socket_recvfrom(nl, buf, RECV_BUF);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return portier_err_set(err, PORTIER_EIO,
				       "cannot read sock_diag reply: %s",
				       strerror(errno));
	rc = sockdiag_parse((const uint8_t *)buf, (size_t)n, proto, out, err);
	if (rc == PORTIER_ENOENT) {
		portier_err_clear(err);
		rc = 0;
	}
	if (rc < 0)
		return rc;
	keep_matching(q, states, first, out);
	return 0;
}

/*
 * For a kernel without the sock_diag handler of a protocol (raw_diag is
 * often not built; udp_diag and tcp_diag are modules that may be absent):
 * the same sockets from /proc/net/{tcp,udp,raw}{,6}, filtered like the
 * kernel would have.
 */
static int procnet_fallback(const struct portier_local_query *q, int nsfd,
			    const char *name, uint8_t family, uint8_t proto,
			    uint32_t states, struct local_socks *out,
			    struct portier_err *err)
{
	char *text = NULL;
	size_t len = 0, cap = 0, first = out->n;
	int fd, rc = open_procnet(q->proc_root, name, nsfd, &fd, err);

	if (rc < 0 || fd < 0)
		return rc;
	for (;;) {
		ssize_t r;

		if (cap - len < 4096) {
			char *t = portier_realloc(text, cap + 65536);

			if (!t) {
				rc = PORTIER_ENOMEM;
				break;
			}
			text = t;
			cap += 65536;
		}
		r = read(fd, text + len, cap - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (rc == 0)
		rc = local_procnet_parse(text, len, family, proto, out);
	portier_free(text);
	keep_matching(q, states, first, out);
	return rc;
}

/* A bound NETLINK_SOCK_DIAG socket of namespace nsfd (-1: ours). */
static int open_diag(int nsfd, struct mnl_socket **out, struct portier_err *err)
{
	struct mnl_socket *nl;
	int self = -1;

	*out = NULL;
	if (nsfd >= 0) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0 || local_setns(nsfd, CLONE_NEWNET) < 0) {
			int e = errno;

			if (self >= 0)
				close(self);
			portier_err_set(err, e == EPERM ? PORTIER_EPERM : -e,
					"cannot enter a network namespace: %s",
					strerror(e));
			if (e == EPERM)
				portier_err_hint(err, "reading other network "
						      "namespaces needs root "
						      "(CAP_SYS_ADMIN)");
			return err ? err->code : -e;
		}
	}
	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (nsfd >= 0 && local_netns_return(self, err) < 0) {
		if (nl)
			mnl_socket_close(nl);
		return PORTIER_EIO;
	}
	if (!nl) {
		return portier_err_set(
			err, PORTIER_EIO,
			"cannot open a NETLINK_SOCK_DIAG socket: "
			"%s",
			strerror(errno));
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int rc = portier_err_set(err, PORTIER_EIO,
					 "cannot bind a netlink socket: %s",
					 strerror(errno));

		mnl_socket_close(nl);
		return rc;
	}
	*out = nl;
	return 0;
}

void local_reader_close(struct local_reader *r)
{
	if (r->nl)
		mnl_socket_close(r->nl);
	portier_free(r->buf);
	r->nl = NULL;
	r->buf = NULL;
}

/*
 * Every dump one namespace needs for q (or the one lookup of exact).  In
 * the caller's own namespace the reader's socket serves, and stays open
 * for the next call; another namespace gets a socket of its own.
 */
static int dump_netns(const struct portier_local_query *q,
		      const struct portier_local_tuple *exact, int nsfd,
		      struct local_reader *r, struct local_socks *out,
		      struct portier_err *err)
{
	static const struct {
		unsigned proto;
		uint8_t ipproto;
		const char *file[2]; /* the /proc/net fallback, v4 and v6 */
	} kinds[] = {{PORTIER_LOCAL_TCP, IPPROTO_TCP, {"tcp", "tcp6"}},
		     {PORTIER_LOCAL_UDP, IPPROTO_UDP, {"udp", "udp6"}},
		     {PORTIER_LOCAL_RAW, IPPROTO_RAW, {"raw", "raw6"}}};
	struct mnl_socket *nl = nsfd < 0 ? r->nl : NULL;
	uint32_t *buf = r->buf;
	uint8_t req[SOCKDIAG_REQ_MAX] __attribute__((aligned(4)));
	unsigned protos =
		q->protos ? q->protos : PORTIER_LOCAL_TCP | PORTIER_LOCAL_UDP;
	unsigned fams =
		q->families ? q->families : PORTIER_LOCAL_V4 | PORTIER_LOCAL_V6;
	uint32_t states = q->states ? q->states : PORTIER_STATES_ALL;
	int rc = 0;
	size_t k, len;
	uint32_t seq = 1;

	if (q->procnet && !exact) {
		/* the text view alone: what netstat and rootkit checks read */
		for (k = 0; rc == 0 && k < sizeof(kinds) / sizeof(kinds[0]);
		     k++) {
			int f;

			for (f = 0; rc == 0 && f < 2; f++)
				if ((protos & kinds[k].proto) &&
				    (fams &
				     (f ? PORTIER_LOCAL_V6 : PORTIER_LOCAL_V4)))
					rc = procnet_fallback(
						q, nsfd, kinds[k].file[f],
						f ? AF_INET6 : AF_INET,
						(uint8_t)kinds[k].proto, states,
						out, err);
		}
		return rc;
	}
	if (!nl) {
		rc = open_diag(nsfd, &nl, err);
		if (rc < 0)
			return rc;
		if (nsfd < 0)
			r->nl = nl;
	}
	if (exact) {
		len = sockdiag_build_inet_exact(req, sizeof(req), exact, seq++);
		rc = lookup_one(q, nl, req, len,
				exact->proto == PORTIER_PROTO_UDP
					? PORTIER_LOCAL_UDP
					: PORTIER_LOCAL_TCP,
				states, out, buf, err);
		goto out;
	}
	for (k = 0; rc == 0 && k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		uint32_t want = states;
		int f;

		/*
		 * A TCP socket in CLOSE is in none of the tables tcp_diag (or
		 * /proc/net/tcp) walks: it is unbound, or bound without
		 * listening (the kernel's separate bound-inactive state).  Yet
		 * the CLOSE bit makes the kernel walk every established
		 * socket, which a listeners-only query (LISTEN|CLOSE, for UDP
		 * and raw's sake) then throws away: ask TCP without it.
		 */
		if (kinds[k].proto == PORTIER_LOCAL_TCP)
			want &= ~PORTIER_STATE_BIT(PORTIER_SS_CLOSE);
		if (!(protos & kinds[k].proto) || !want)
			continue;
		for (f = 0; rc == 0 && f < 2; f++) {
			if (!(fams & (f ? PORTIER_LOCAL_V6 : PORTIER_LOCAL_V4)))
				continue;
			if (q->have_ports)
				len = sockdiag_build_inet_ports(
					req, sizeof(req),
					f ? AF_INET6 : AF_INET,
					kinds[k].ipproto, want, seq++,
					q->port_lo, q->port_hi);
			else
				len = sockdiag_build_inet(
					req, sizeof(req),
					f ? AF_INET6 : AF_INET,
					kinds[k].ipproto, want, seq++);
			rc = dump(nl, req, len, (uint8_t)kinds[k].proto, out,
				  buf, err);
			/* no sock_diag handler for it in this kernel */
			if (rc == PORTIER_ENOENT) {
				portier_err_clear(err);
				rc = procnet_fallback(q, nsfd, kinds[k].file[f],
						      f ? AF_INET6 : AF_INET,
						      (uint8_t)kinds[k].proto,
						      states, out, err);
			}
		}
	}
	if (rc == 0 && (protos & PORTIER_LOCAL_UNIX) && !q->have_ports) {
		len = sockdiag_build_unix(req, sizeof(req), states, seq++);
		rc = dump(nl, req, len, PORTIER_LOCAL_UNIX, out, buf, err);
	}
out:
	if (nl != r->nl) {
		mnl_socket_close(nl);
	} else if (rc < 0) {
		/* a reply may be left half read: the next call starts afresh */
		mnl_socket_close(nl);
		r->nl = NULL;
	}
	return rc;
}

void portier_local_free(struct portier_local *l)
{
	size_t i;

	if (!l)
		return;
	portier_free(l->socks);
	portier_free(l->owners);
	portier_free(l->procs);
	for (i = 0; i < l->n_netns; i++)
		portier_free(l->netns[i]);
	portier_free(l->netns);
	local_arena_free(l->priv);
	portier_free(l);
}

static int add_label(struct portier_local *l, const char *label,
		     struct portier_err *err)
{
	char **v;

	if (l->n_netns >= PORTIER_LOCAL_NETNS_MAX)
		return portier_err_set(err, PORTIER_EIO,
				       "more than %zu network namespaces: "
				       "one snapshot holds no more",
				       PORTIER_LOCAL_NETNS_MAX);
	v = portier_realloc(l->netns, (l->n_netns + 1) * sizeof(*v));
	if (!v)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	l->netns = v;
	v[l->n_netns] = portier_strdup(label);
	if (!v[l->n_netns])
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	l->n_netns++;
	return 0;
}

static int collect_all_netns(const struct portier_local_query *q,
			     struct portier_local *l, struct local_socks *socks,
			     struct local_reader *r, struct portier_err *err)
{
	struct portier_netns *ns = NULL;
	size_t n = 0, i;
	int rc = portier_netns_list(q->proc_root, &ns, &n, err);

	for (i = 0; rc == 0 && i < n; i++) {
		int fd = -1;

		if (i > 0) {
			fd = open(ns[i].path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue; /* its last process just exited */
		}
		rc = add_label(l, ns[i].label, err);
		if (rc == 0) {
			socks->netns = (uint16_t)(l->n_netns - 1);
			rc = dump_netns(q, NULL, fd, r, socks, err);
		}
		if (fd >= 0)
			close(fd);
	}
	portier_free(ns);
	if (rc == PORTIER_ENOMEM && err && !err->msg[0])
		portier_err_set(err, rc, "out of memory");
	return rc;
}

static int collect_one_netns(const struct portier_local_query *q,
			     const struct portier_local_tuple *exact,
			     struct portier_local *l, struct local_socks *socks,
			     struct local_reader *r, struct portier_err *err)
{
	int fd = -1, rc, restore, oe;

	if (q->netns) {
		/* enter and leave once to get a clear error for a bad name */
		rc = portier_netns_enter(q->netns, &restore, err);
		if (rc < 0)
			return rc;
		fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		oe = errno;
		rc = portier_netns_leave(restore, err);
		if (rc < 0) {
			if (fd >= 0)
				close(fd);
			return rc;
		}
		if (fd < 0)
			return portier_err_set(err, -oe,
					       "cannot open namespace '%s'",
					       q->netns);
	}
	rc = add_label(l, q->netns ? q->netns : "", err);
	if (rc == 0)
		rc = dump_netns(q, exact, fd, r, socks, err);
	if (fd >= 0)
		close(fd);
	return rc;
}

int portier_local_collect(const struct portier_local_query *q,
			  struct portier_local **out, struct portier_err *err)
{
	return local_collect(q, NULL, NULL, out, err);
}

int local_collect(const struct portier_local_query *q,
		  const struct portier_local_tuple *exact,
		  struct local_reader *r, struct portier_local **out,
		  struct portier_err *err)
{
	struct portier_local *l = portier_calloc(1, sizeof(*l));
	struct local_socks socks = {0};
	struct local_reader own = {0};
	int rc;

	*out = NULL;
	if (!r)
		r = &own; /* closed again below */
	if (!r->buf)
		r->buf = portier_malloc(RECV_BUF);
	if (l)
		l->priv = socks.arena = local_arena_new();
	if (!l || !r->buf || !socks.arena) {
		local_reader_close(&own);
		portier_local_free(l);
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	}
	if (q->all_netns && !exact)
		rc = collect_all_netns(q, l, &socks, r, err);
	else
		rc = collect_one_netns(q, exact, l, &socks, r, err);
	local_reader_close(&own);
	l->socks = socks.v;
	l->n_socks = socks.n;
	if (rc == 0 && q->processes)
		rc = local_procs_scan(l, q->proc_root ? q->proc_root : "/proc",
				      socks.arena, err);
	if (rc < 0) {
		portier_local_free(l);
		return rc;
	}
	*out = l;
	return 0;
}
