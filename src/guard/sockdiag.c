/*
 * sockdiag.c - the socket table as guard needs it, from NETLINK_SOCK_DIAG
 * (linux/inet_diag.h): the set of listening TCP ports and bound UDP ports,
 * and "is there a connection with exactly this 4-tuple?".
 *
 * The listener set is one dump per refresh into a sorted array; a port that
 * misses triggers a refresh when the set is older than refresh_ms, so a
 * service started a moment ago is not mistaken for a closed port.  The
 * exact lookup is a single non-dump request; its answer is a connection
 * only if the socket found is not the listener itself (the kernel falls back
 * to the listening socket for an unknown 4-tuple).
 *
 * This is a deliberately small reader of its own: `portier local` reads the
 * whole table with owners, which is more than a per-packet path can afford.
 */
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "portier/guard.h"

#define TCP_LISTEN_STATE 10

struct lport {
	uint8_t proto, family, wild;
	uint16_t port;
	uint8_t addr[16];
};

struct portier_guard_sys {
	int fd;
	uint32_t seq;
	unsigned refresh_ms;
	uint64_t loaded_ms;
	struct lport *v;
	size_t n, cap;
	/* the receive buffer: the object's own, so that two of them (two
	 * threads, two namespaces) never share one */
	_Alignas(struct nlmsghdr) uint8_t buf[32768];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int portier_guard_sys_new(struct portier_guard_sys **out, unsigned refresh_ms,
			  struct portier_err *err)
{
	struct portier_guard_sys *s;

	*out = NULL;
	s = portier_calloc(1, sizeof(*s));
	if (!s)
		return portier_err_set(err, PORTIER_ENOMEM,
				       "out of memory for the socket table");
	s->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		       NETLINK_SOCK_DIAG);
	if (s->fd < 0) {
		int rc = -errno;

		portier_free(s);
		return portier_err_set(err, rc,
				       "cannot open sock_diag netlink "
				       "socket: %s",
				       strerror(-rc));
	}
	s->refresh_ms = refresh_ms;
	*out = s;
	return 0;
}

void portier_guard_sys_free(struct portier_guard_sys *s)
{
	if (!s)
		return;
	close(s->fd);
	portier_free(s->v);
	portier_free(s);
}

static int send_req(struct portier_guard_sys *s, uint8_t family, uint8_t proto,
		    uint32_t states, uint16_t flags,
		    const struct inet_diag_sockid *id)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	req.nlh.nlmsg_seq = ++s->seq;
	req.r.sdiag_family = family;
	req.r.sdiag_protocol = proto;
	req.r.idiag_states = states;
	if (id)
		req.r.id = *id;
	else
		req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] =
			INET_DIAG_NOCOOKIE;
	if (sendto(s->fd, &req, sizeof(req), 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return -errno;
	return 0;
}

static int add_port(struct portier_guard_sys *s, const struct inet_diag_msg *m,
		    uint8_t proto)
{
	struct lport *l;
	static const uint8_t zero[16];

	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		struct lport *nv = portier_realloc(s->v, ncap * sizeof(*nv));

		if (!nv)
			return PORTIER_ENOMEM;
		s->v = nv;
		s->cap = ncap;
	}
	l = &s->v[s->n++];
	memset(l, 0, sizeof(*l));
	l->proto = proto;
	l->family = m->idiag_family == AF_INET ? 4 : 6;
	l->port = ntohs(m->id.idiag_sport);
	memcpy(l->addr, m->id.idiag_src, l->family == 4 ? 4 : 16);
	l->wild = !memcmp(l->addr, zero, 16);
	return 0;
}

/*
 * Read replies to the last request.  With dump, until NLMSG_DONE, calling
 * add_port for each; without, the first reply: 1 if a socket in a state
 * other than LISTEN came back, 0 if none.
 */
static int read_replies(struct portier_guard_sys *s, uint8_t proto, bool dump)
{
	uint8_t *buf = s->buf;

	for (;;) {
		ssize_t n = recv(s->fd, buf, sizeof(s->buf), 0);
		struct nlmsghdr *h;
		size_t len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = (size_t)n;
		for (h = (struct nlmsghdr *)(void *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != s->seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (!dump)
					return 0; /* ENOENT: no such socket */
				/* the error code only if it is all there */
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return PORTIER_EPROTO;
				return e->error ? e->error : 0;
			}
			if (h->nlmsg_type == SOCK_DIAG_BY_FAMILY) {
				const struct inet_diag_msg *m = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*m))) {
					if (!dump)
						return 0; /* no socket told */
					continue; /* too short to be one */
				}

				if (!dump)
					return m->idiag_state !=
					       TCP_LISTEN_STATE;
				if (add_port(s, m, proto) < 0)
					return PORTIER_ENOMEM;
			}
		}
	}
}

static int cmp_lport(const void *a, const void *b)
{
	const struct lport *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	return (int)x->port - (int)y->port;
}

static int refresh(struct portier_guard_sys *s)
{
	static const uint8_t fams[] = {AF_INET, AF_INET6};
	size_t i;
	int rc;

	s->n = 0;
	for (i = 0; i < 2; i++) {
		rc = send_req(s, fams[i], IPPROTO_TCP, 1u << TCP_LISTEN_STATE,
			      NLM_F_DUMP, NULL);
		if (rc == 0)
			rc = read_replies(s, IPPROTO_TCP, true);
		if (rc == 0)
			rc = send_req(s, fams[i], IPPROTO_UDP, 0xfff,
				      NLM_F_DUMP, NULL);
		if (rc == 0)
			rc = read_replies(s, IPPROTO_UDP, true);
		if (rc < 0)
			return rc;
	}
	if (s->n) /* qsort of NULL is undefined even for 0 items */
		qsort(s->v, s->n, sizeof(*s->v), cmp_lport);
	s->loaded_ms = now_ms();
	return 0;
}

static bool in_set(const struct portier_guard_sys *s,
		   const struct portier_guard_probe *p)
{
	size_t lo = 0, hi = s->n;
	struct lport key = {.proto = p->proto, .port = p->dport};

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (cmp_lport(&s->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->n && !cmp_lport(&s->v[lo], &key); lo++) {
		const struct lport *l = &s->v[lo];

		/* a v6 wildcard takes IPv4 too unless V6ONLY: assume it does */
		if (l->wild && (l->family == p->family || l->family == 6))
			return true;
		if (l->family == p->family &&
		    !memcmp(l->addr, p->dst, p->family == 4 ? 4 : 16))
			return true;
	}
	return false;
}

static bool sys_listening(void *ctx, const struct portier_guard_probe *p)
{
	struct portier_guard_sys *s = ctx;

	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return false;
	if (s->loaded_ms && in_set(s, p))
		return true;
	if (s->loaded_ms && now_ms() < s->loaded_ms + s->refresh_ms)
		return false;
	if (refresh(s) < 0)
		return true; /* cannot tell: do not count it against anyone */
	return in_set(s, p);
}

static bool sys_connected(void *ctx, const struct portier_guard_probe *p)
{
	struct portier_guard_sys *s = ctx;
	struct inet_diag_sockid id;
	int rc;

	if (p->proto != IPPROTO_TCP)
		return false;
	memset(&id, 0, sizeof(id));
	id.idiag_sport = htons(p->dport); /* the local end */
	id.idiag_dport = htons(p->sport);
	memcpy(id.idiag_src, p->dst, p->family == 4 ? 4 : 16);
	memcpy(id.idiag_dst, p->src, p->family == 4 ? 4 : 16);
	id.idiag_cookie[0] = id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	rc = send_req(s, p->family == 4 ? AF_INET : AF_INET6, IPPROTO_TCP,
		      0xfff, 0, &id);
	if (rc == 0)
		rc = read_replies(s, IPPROTO_TCP, false);
	if (rc < 0)
		return true; /* cannot tell: give the benefit of the doubt */
	return rc == 1;
}

void portier_guard_sys_env(struct portier_guard_sys *s,
			   struct portier_guard_env *env)
{
	env->listening = sys_listening;
	env->connected = sys_connected;
	env->ctx = s;
}
