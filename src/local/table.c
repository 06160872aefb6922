/*
 * table.c - the socket table other modules use: the TCP and UDP sockets of
 * this namespace as validated 4-tuples, read by the one reader of this
 * module (sock_diag with the /proc/net fallback, sockets.c) and, when
 * asked, mapped to their owners by the one <proc>/[pid]/fd pass (procs.c).
 *
 * A table is a snapshot (struct portier_local) seen through tuples: the
 * iterator converts each socket with portier_local_tuple_of and skips what
 * does not validate, so a caller never sees a half-filled address.  The
 * table keeps its netlink socket and receive buffer, so that a caller
 * asking per packet (guard) rereads it without opening a socket each time.
 */
#include <string.h>
#include <sys/socket.h>

#include "local/local_int.h"

struct portier_local_table {
	struct portier_local *l; /* NULL after a failed reread: empty */
	struct local_reader r;	 /* kept for rereads */
};

static bool unspecified(const struct portier_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->b, zero, sizeof(zero)) == 0;
}

int portier_local_tuple_set(struct portier_local_tuple *t, uint8_t proto,
			    uint8_t family, const uint8_t *laddr,
			    uint16_t lport, const uint8_t *raddr,
			    uint16_t rport)
{
	bool lm, rm;

	memset(t, 0, sizeof(*t));
	if ((proto != PORTIER_PROTO_TCP && proto != PORTIER_PROTO_UDP) ||
	    portier_addr_set(&t->local, family, laddr) < 0 ||
	    portier_addr_set(&t->remote, family, raddr) < 0)
		goto bad;
	t->proto = proto;
	t->lport = lport;
	t->rport = rport;
	lm = portier_addr_is_v4mapped(&t->local);
	rm = portier_addr_is_v4mapped(&t->remote);
	if (!lm && !rm)
		return 0;
	/* IPv4 through a dual-stack socket: the other end is mapped too,
	 * or not set yet (a listener, an unconnected UDP socket) */
	if ((!lm && !unspecified(&t->local)) ||
	    (!rm && !unspecified(&t->remote)))
		goto bad;
	portier_addr_unmap(&t->local, &t->local);
	portier_addr_unmap(&t->remote, &t->remote);
	t->local.family = t->remote.family = 4; /* :: becomes 0.0.0.0 */
	return 0;
bad:
	memset(t, 0, sizeof(*t));
	return PORTIER_EINVAL;
}

int portier_local_tuple_of(const struct portier_sock *s,
			   struct portier_local_tuple *t)
{
	uint8_t proto = s->proto == PORTIER_LOCAL_TCP	? PORTIER_PROTO_TCP
			: s->proto == PORTIER_LOCAL_UDP ? PORTIER_PROTO_UDP
							: 0;

	if (s->state == 0 || s->state >= PORTIER_SS_MAX) {
		memset(t, 0, sizeof(*t));
		return PORTIER_EINVAL;
	}
	return portier_local_tuple_set(t, proto,
				       portier_addr_family_of(s->family),
				       s->laddr, s->lport, s->raddr, s->rport);
}

bool portier_local_tuple_equal(const struct portier_local_tuple *a,
			       const struct portier_local_tuple *b)
{
	return a->proto == b->proto && a->lport == b->lport &&
	       a->rport == b->rport &&
	       portier_addr_cmp(&a->local, &b->local) == 0 &&
	       portier_addr_cmp(&a->remote, &b->remote) == 0;
}

int portier_local_table_reread(struct portier_local_table *t,
			       const struct portier_local_table_query *q,
			       struct portier_err *err)
{
	unsigned protos =
		q->protos ? q->protos : PORTIER_PROTO_TCP | PORTIER_PROTO_UDP;
	struct portier_local_query lq = {
		.protos =
			((protos & PORTIER_PROTO_TCP) ? PORTIER_LOCAL_TCP : 0) |
			((protos & PORTIER_PROTO_UDP) ? PORTIER_LOCAL_UDP : 0),
		.states = q->states,
		.processes = q->owners,
		.proc_root = q->proc_root,
	};

	portier_local_free(t->l);
	t->l = NULL;
	if (!lq.protos)
		return portier_err_set(err, PORTIER_EINVAL,
				       "the socket table holds TCP and UDP "
				       "sockets only");
	return local_collect(&lq, q->exact, &t->r, &t->l, err);
}

int portier_local_table_open(const struct portier_local_table_query *q,
			     struct portier_local_table **out,
			     struct portier_err *err)
{
	struct portier_local_table *t = portier_calloc(1, sizeof(*t));
	int rc;

	*out = NULL;
	if (!t)
		return portier_err_set(err, PORTIER_ENOMEM,
				       "out of memory for the socket table");
	rc = portier_local_table_reread(t, q, err);
	if (rc < 0) {
		portier_local_table_close(t);
		return rc;
	}
	*out = t;
	return 0;
}

void portier_local_table_close(struct portier_local_table *t)
{
	if (!t)
		return;
	portier_local_free(t->l);
	local_reader_close(&t->r);
	portier_free(t);
}

bool portier_local_table_each(const struct portier_local_table *t, size_t *pos,
			      struct portier_local_entry *e)
{
	while (t->l && *pos < t->l->n_socks) {
		const struct portier_sock *s = &t->l->socks[(*pos)++];

		if (portier_local_tuple_of(s, &e->tuple) < 0)
			continue;
		e->state = s->state;
		e->inode = s->inode;
		e->owner_count = s->owner_count;
		e->sock = s;
		return true;
	}
	return false;
}

bool portier_local_table_find(const struct portier_local_table *t,
			      const struct portier_local_tuple *k,
			      struct portier_local_entry *e)
{
	struct portier_local_entry x;
	size_t pos = 0;

	while (portier_local_table_each(t, &pos, &x)) {
		if (!portier_local_tuple_equal(&x.tuple, k))
			continue;
		if (e)
			*e = x;
		return true;
	}
	return false;
}

const struct portier_proc *
portier_local_table_owner(const struct portier_local_table *t,
			  const struct portier_local_entry *e, uint32_t i,
			  int *fd)
{
	return portier_local_owner(t->l, e->sock, i, fd);
}
