/*
 * sockdiag.c - NETLINK_SOCK_DIAG requests and replies as pure functions
 * over byte buffers.
 *
 * The kernel answers a SOCK_DIAG_BY_FAMILY dump with a stream of netlink
 * messages, one per socket (struct inet_diag_msg or struct unix_diag_msg,
 * then attributes), ended by NLMSG_DONE.  Nothing here touches a socket:
 * sockets.c sends what sockdiag_build_* write and feeds each received chunk
 * to sockdiag_parse, so the parser can be tested on captured dumps and
 * fuzzed.  Lengths are checked with libmnl (mnl_cb_run validates message
 * headers, mnl_attr_parse attribute headers) and by hand for the fixed
 * structures, which a short message could otherwise overrun.
 */
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "local/local_int.h"

struct portier_sock *local_socks_push(struct local_socks *s)
{
	if (portier_grow(&s->v, &s->cap, s->n + 1, sizeof(*s->v), 256) < 0)
		return NULL;
	memset(&s->v[s->n], 0, sizeof(s->v[0]));
	s->v[s->n].netns = s->netns;
	return &s->v[s->n++];
}

static struct nlmsghdr *put_header(uint8_t *buf, size_t cap, size_t body,
				   uint32_t seq)
{
	struct nlmsghdr *nlh;

	if (cap < NLMSG_ALIGN(sizeof(struct nlmsghdr)) + NLMSG_ALIGN(body))
		return NULL;
	memset(buf, 0,
	       NLMSG_ALIGN(sizeof(struct nlmsghdr)) + NLMSG_ALIGN(body));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	return nlh;
}

size_t sockdiag_build_inet(uint8_t *buf, size_t cap, uint8_t family,
			   uint8_t ipproto, uint32_t states, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct inet_diag_req_v2 *req;

	nlh = put_header(buf, cap, sizeof(*req), seq);
	if (!nlh)
		return 0;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = ipproto;
	req->idiag_states = states;
	if (ipproto == IPPROTO_RAW) {
		/*
		 * raw_diag reads the pad byte as sdiag_raw_protocol;
		 * IPPROTO_RAW there means "raw sockets of every protocol".
		 */
		((struct inet_diag_req_raw *)req)->sdiag_raw_protocol =
			IPPROTO_RAW;
	}
	return nlh->nlmsg_len;
}

/*
 * The kernel looks one socket up as if a packet of the tuple arrived, but
 * the two protocols read the request's addresses differently: tcp_diag
 * takes idiag_src/sport as the local end (inet_diag_find_one_icsk), while
 * udp_diag takes them as the sender, the remote end ("swapped for
 * historical reasons", udp_dump_one).
 */
size_t sockdiag_build_inet_exact(uint8_t *buf, size_t cap,
				 const struct portier_local_tuple *t,
				 uint32_t seq)
{
	bool udp = t->proto == PORTIER_PROTO_UDP;
	const struct portier_addr *src = udp ? &t->remote : &t->local;
	const struct portier_addr *dst = udp ? &t->local : &t->remote;
	struct nlmsghdr *nlh;
	struct inet_diag_req_v2 *req;
	size_t alen = t->local.family == 4 ? 4 : 16;

	if ((t->local.family != 4 && t->local.family != 6) ||
	    t->remote.family != t->local.family ||
	    (t->proto != PORTIER_PROTO_TCP && !udp))
		return 0;
	nlh = put_header(buf, cap, sizeof(*req), seq);
	if (!nlh)
		return 0;
	nlh->nlmsg_flags = NLM_F_REQUEST; /* one socket, not a dump */
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)portier_addr_af(t->local.family);
	req->sdiag_protocol = udp ? IPPROTO_UDP : IPPROTO_TCP;
	req->idiag_states = PORTIER_STATES_ALL;
	req->id.idiag_sport = htons(udp ? t->rport : t->lport);
	req->id.idiag_dport = htons(udp ? t->lport : t->rport);
	memcpy(req->id.idiag_src, src->b, alen);
	memcpy(req->id.idiag_dst, dst->b, alen);
	req->id.idiag_cookie[0] = req->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	return nlh->nlmsg_len;
}

size_t sockdiag_build_inet_destroy(uint8_t *buf, size_t cap,
				   const struct portier_local_tuple *t,
				   uint32_t seq)
{
	size_t len;

	if (t->proto != PORTIER_PROTO_TCP)
		return 0;
	len = sockdiag_build_inet_exact(buf, cap, t, seq);
	if (len) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(void *)buf;

		nlh->nlmsg_type = SOCK_DESTROY;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	}
	return len;
}

/*
 * The kernel's filter language (struct inet_diag_bc_op, run by
 * inet_diag_bc_run): each op is a test that jumps `yes` or `no` bytes on;
 * landing exactly on the end accepts the socket, jumping past it rejects.
 * The kernel's audit follows the `yes` jumps as the program's backbone, so
 * every op is reached that way and `no` jumps only skip forward along it.
 * A port comparison takes two ops: the test, then one whose `no` holds
 * the port.  The program: (sport in lo..hi) or (dport in lo..hi).
 */
size_t sockdiag_build_inet_ports(uint8_t *buf, size_t cap, uint8_t family,
				 uint8_t ipproto, uint32_t states, uint32_t seq,
				 uint16_t lo, uint16_t hi)
{
	const struct inet_diag_bc_op prog[] = {
		/* @0  */ {INET_DIAG_BC_S_GE, 8, 20}, {0, 0, lo},
		/* @8  */ {INET_DIAG_BC_S_LE, 8, 12}, {0, 0, hi},
		/* @16 */ {INET_DIAG_BC_JMP, 4, 20}, /* to the end: accept */
		/* @20 */ {INET_DIAG_BC_D_GE, 8, 20}, {0, 0, lo},
		/* @28 */ {INET_DIAG_BC_D_LE, 8, 12}, {0, 0, hi},
		/* @36: the end */
	};
	size_t len =
		sockdiag_build_inet(buf, cap, family, ipproto, states, seq);
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

	if (!len || cap < len + sizeof(struct nlattr) + sizeof(prog))
		return 0;
	mnl_attr_put(nlh, INET_DIAG_REQ_BYTECODE, sizeof(prog), prog);
	return nlh->nlmsg_len;
}

size_t sockdiag_build_unix(uint8_t *buf, size_t cap, uint32_t states,
			   uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct unix_diag_req *req;

	nlh = put_header(buf, cap, sizeof(*req), seq);
	if (!nlh)
		return 0;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = AF_UNIX;
	req->udiag_states = states;
	req->udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN |
			  UDIAG_SHOW_UID;
	return nlh->nlmsg_len;
}

struct parse_ctx {
	struct local_socks *out;
	uint8_t proto;
	int fail; /* a negative PORTIER_E* once something went wrong */
	struct portier_sock *cur;
};

static int unix_attr(const struct nlattr *a, void *data)
{
	struct parse_ctx *c = data;
	struct portier_sock *s = c->cur;
	uint16_t len = mnl_attr_get_payload_len(a);
	const uint8_t *p = mnl_attr_get_payload(a);

	switch (mnl_attr_get_type(a)) {
	case UNIX_DIAG_NAME: {
		char *path;

		if (len == 0)
			break;
		path = local_arena_strndup(c->out->arena, (const char *)p, len);
		if (!path) {
			c->fail = PORTIER_ENOMEM;
			return MNL_CB_ERROR;
		}
		if (path[0] == '\0') /* abstract namespace */
			path[0] = '@';
		/* a name may hold NULs; show it up to the first one */
		s->path = path;
		break;
	}
	case UNIX_DIAG_RQLEN: {
		struct unix_diag_rqlen q;

		if (len < sizeof(q))
			break;
		memcpy(&q, p, sizeof(q));
		s->rqueue = q.udiag_rqueue;
		s->wqueue = q.udiag_wqueue;
		break;
	}
	case UNIX_DIAG_UID:
		if (len >= sizeof(uint32_t))
			memcpy(&s->uid, p, sizeof(uint32_t));
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int parse_unix(const struct nlmsghdr *nlh, struct parse_ctx *c)
{
	struct unix_diag_msg m;
	struct portier_sock *s;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(m))
		return -1;
	memcpy(&m, mnl_nlmsg_get_payload(nlh), sizeof(m));
	s = local_socks_push(c->out);
	if (!s) {
		c->fail = PORTIER_ENOMEM;
		return MNL_CB_ERROR;
	}
	s->proto = PORTIER_LOCAL_UNIX;
	s->family = AF_UNIX;
	s->type = m.udiag_type;
	s->state = m.udiag_state;
	s->inode = m.udiag_ino;
	c->cur = s;
	if (mnl_attr_parse(nlh, sizeof(m), unix_attr, c) < 0) {
		if (c->fail)
			return MNL_CB_ERROR;
		/* a malformed attribute: keep the socket, drop the rest */
	}
	return MNL_CB_OK;
}

static int parse_inet(const struct nlmsghdr *nlh, struct parse_ctx *c)
{
	struct inet_diag_msg m;
	struct portier_sock *s;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(m))
		return -1;
	memcpy(&m, mnl_nlmsg_get_payload(nlh), sizeof(m));
	if (m.idiag_family != AF_INET && m.idiag_family != AF_INET6)
		return -1;
	s = local_socks_push(c->out);
	if (!s) {
		c->fail = PORTIER_ENOMEM;
		return MNL_CB_ERROR;
	}
	s->proto = c->proto;
	s->family = m.idiag_family;
	s->state = m.idiag_state;
	s->lport = ntohs(m.id.idiag_sport);
	s->rport = ntohs(m.id.idiag_dport);
	memcpy(s->laddr, m.id.idiag_src, m.idiag_family == AF_INET ? 4 : 16);
	memcpy(s->raddr, m.id.idiag_dst, m.idiag_family == AF_INET ? 4 : 16);
	s->rqueue = m.idiag_rqueue;
	s->wqueue = m.idiag_wqueue;
	s->uid = m.idiag_uid;
	s->inode = m.idiag_inode;
	return MNL_CB_OK;
}

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct parse_ctx *c = data;
	uint8_t family;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return MNL_CB_OK; /* not ours: skip */
	if (mnl_nlmsg_get_payload_len(nlh) < 1) {
		c->fail = PORTIER_EPROTO;
		return MNL_CB_ERROR;
	}
	family = *(const uint8_t *)mnl_nlmsg_get_payload(nlh);
	if ((family == AF_UNIX ? parse_unix(nlh, c) : parse_inet(nlh, c)) !=
	    MNL_CB_OK) {
		if (!c->fail)
			c->fail = PORTIER_EPROTO;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/*
 * NLMSG_DONE may carry an error code in its payload: the kernel answers a
 * dump for a protocol it has no sock_diag handler for (raw_diag not built)
 * with DONE and -ENOENT, which libmnl's default handler would ignore.
 */
static int on_done(const struct nlmsghdr *nlh, void *data)
{
	struct parse_ctx *c = data;
	int32_t code;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(code)) {
		memcpy(&code, mnl_nlmsg_get_payload(nlh), sizeof(code));
		if (code < 0 && code > -4096) {
			c->fail = code;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

/* An error (or, with 0, an acknowledgement) instead of a dump. */
static int on_error(const struct nlmsghdr *nlh, void *data)
{
	struct parse_ctx *c = data;
	struct nlmsgerr e;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(e)) {
		c->fail = PORTIER_EPROTO;
		return MNL_CB_ERROR;
	}
	memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
	if (e.error == 0)
		return MNL_CB_STOP;
	c->fail = e.error < 0 && e.error > -4096 ? e.error : PORTIER_EPROTO;
	return MNL_CB_ERROR;
}

int sockdiag_parse(const uint8_t *buf, size_t len, uint8_t proto,
		   struct local_socks *out, struct portier_err *err)
{
	struct parse_ctx c = {.out = out, .proto = proto};
	mnl_cb_t ctl[NLMSG_DONE + 1] = {NULL};
	size_t off;
	int rc;

	/*
	 * Check every message length before libmnl sees the chunk: it stops
	 * quietly at a truncated message, casts nlmsg_len to int (a length
	 * above INT_MAX would pass its check and walk off the buffer), and
	 * parses attributes up to the aligned end of the last message.
	 */
	for (off = 0; len - off >= sizeof(struct nlmsghdr);) {
		uint32_t ml;

		memcpy(&ml, buf + off, sizeof(ml));
		/* libmnl reads attributes up to the aligned end: the kernel
		 * pads every message, so anything else is malformed */
		if (ml < sizeof(struct nlmsghdr) || ml > len - off ||
		    NLMSG_ALIGN(ml) > len - off)
			break;
		off += NLMSG_ALIGN(ml);
	}
	if (off != len)
		return portier_err_set(err, PORTIER_EPROTO,
				       "truncated or malformed netlink message "
				       "at byte %zu of a %zu-byte sock_diag "
				       "reply",
				       off, len);
	ctl[NLMSG_DONE] = on_done;
	ctl[NLMSG_ERROR] = on_error;
	errno = 0;
	rc = mnl_cb_run2(buf, len, 0, 0, on_msg, &c, ctl,
			 sizeof(ctl) / sizeof(ctl[0]));
	if (rc == MNL_CB_STOP)
		return 1;
	if (rc > 0)
		return 0;
	if (c.fail == PORTIER_ENOMEM)
		return portier_err_set(err, PORTIER_ENOMEM,
				       "out of memory reading sockets");
	if (c.fail && c.fail != PORTIER_EPROTO)
		return portier_err_set(err, c.fail,
				       "the kernel refused the sock_diag dump: "
				       "%s",
				       strerror(-c.fail));
	if (c.fail)
		return portier_err_set(err, c.fail,
				       "malformed sock_diag message (%zu bytes "
				       "in the chunk)",
				       len);
	return portier_err_set(err, PORTIER_EPROTO,
			       "malformed netlink message in a sock_diag "
			       "reply (%zu bytes)",
			       len);
}
