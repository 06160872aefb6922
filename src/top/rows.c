/*
 * rows.c - the rows of `portier top` from a socket snapshot, and what
 * changed between two refreshes.
 *
 * A row's identity is its 4-tuple; sockets sharing one (SO_REUSEPORT
 * listeners, several UDP sockets on a port) are told apart by their rank
 * among those, in inode order.  A socket keeps its identity when its state
 * or owner changes (ESTAB to TIME-WAIT, a restarted server), which the diff
 * reports as CHANGED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "portier/top.h"

/*
 * Text from other users (process, user and unit names) for one terminal
 * cell: the line cleaner masks controls, and bytes past ASCII become '?' as
 * well, so that a column is as wide on screen as in bytes.
 */
static void cell_text(char *dst, size_t cap, const char *src)
{
	char *p;

	portier_text_clean(dst, cap, src ? src : "", PORTIER_TEXT_LINE);
	for (p = dst; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
}

static void endpoint(char *buf, size_t len, const struct portier_addr *a,
		     uint16_t port, bool any)
{
	char s[PORTIER_ADDR_STRLEN];

	if (any) {
		snprintf(buf, len, "*:*");
		return;
	}
	portier_addr_str(a, s, sizeof(s));
	snprintf(buf, len, a->family == 6 ? "[%s]:%u" : "%s:%u", s, port);
}

static bool unset(const struct portier_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->b, zero, sizeof(zero)) == 0;
}

static uint8_t exposure_of(const struct portier_top_row *r)
{
	const struct portier_addr *a =
		r->listening ? &r->tuple.local : &r->tuple.remote;

	if (r->listening && unset(a))
		return PORTIER_TOP_ANY;
	if (portier_addr_is_loopback(a))
		return PORTIER_TOP_LOOPBACK;
	return portier_addr_is_site(a) ? PORTIER_TOP_LAN : PORTIER_TOP_ANY;
}

static void fill_row(struct portier_top_row *r, const struct portier_local *l,
		     const struct portier_sock *s,
		     const struct portier_portmap *listen,
		     const struct portier_kb *kb)
{
	const struct portier_proc *p = NULL;
	const struct portier_kb_entry *e;
	char num[16];

	r->inode = s->inode;
	r->state = s->state;
	r->listening = portier_sock_listening(s);
	r->v6 = s->family == AF_INET6;
	r->outbound = portier_local_outbound(s, listen);
	r->svc_port = r->outbound ? s->rport : s->lport;
	r->uid = s->uid;
	r->exposure = exposure_of(r);
	e = kb ? portier_kb_best(kb, r->svc_port, r->tuple.proto) : NULL;
	r->risk = e ? e->risk : PORTIER_RISK_NONE;
	endpoint(r->local, sizeof(r->local), &r->tuple.local, r->tuple.lport,
		 false);
	endpoint(r->remote, sizeof(r->remote), &r->tuple.remote, r->tuple.rport,
		 r->listening || (!r->tuple.rport && unset(&r->tuple.remote)));
	if (s->owner_count)
		p = portier_local_owner(l, s, 0, NULL);
	if (p) {
		r->pid = p->pid;
		cell_text(r->program, sizeof(r->program), p->comm);
		cell_text(r->user, sizeof(r->user), p->user);
		cell_text(r->unit, sizeof(r->unit), p->unit);
	} else {
		snprintf(num, sizeof(num), "%u", s->uid);
		cell_text(r->user, sizeof(r->user), num);
	}
}

int portier_top_key_cmp(const struct portier_top_row *a,
			const struct portier_top_row *b)
{
	const struct portier_local_tuple *x = &a->tuple, *y = &b->tuple;
	int c;

	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if ((c = portier_addr_cmp(&x->local, &y->local)) != 0)
		return c;
	if (x->lport != y->lport)
		return x->lport < y->lport ? -1 : 1;
	if ((c = portier_addr_cmp(&x->remote, &y->remote)) != 0)
		return c;
	if (x->rport != y->rport)
		return x->rport < y->rport ? -1 : 1;
	if (a->dup != b->dup)
		return a->dup < b->dup ? -1 : 1;
	return 0;
}

/* Key order with inodes as the last word, to number duplicates. */
static int build_cmp(const void *pa, const void *pb)
{
	const struct portier_top_row *a = pa, *b = pb;
	int c = portier_top_key_cmp(a, b);

	if (c)
		return c;
	return a->inode < b->inode ? -1 : a->inode > b->inode;
}

int portier_top_rows(const struct portier_local *l, const struct portier_kb *kb,
		     struct portier_top_row **out, size_t *n,
		     struct portier_err *err)
{
	struct portier_portmap *listen;
	struct portier_top_row *rows = NULL;
	size_t i, k = 0, cap = 0;

	*out = NULL;
	*n = 0;
	listen = portier_calloc(2, sizeof(*listen));
	if (!listen)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	portier_local_listen_ports(l, PORTIER_LOCAL_TCP, &listen[0]);
	portier_local_listen_ports(l, PORTIER_LOCAL_UDP, &listen[1]);
	for (i = 0; i < l->n_socks; i++) {
		const struct portier_sock *s = &l->socks[i];
		struct portier_local_tuple t;

		if (portier_local_tuple_of(s, &t) < 0)
			continue;
		if (portier_grow(&rows, &cap, k + 1, sizeof(*rows), 64) < 0) {
			portier_free(rows);
			portier_free(listen);
			return portier_err_set(err, PORTIER_ENOMEM,
					       "out of memory");
		}
		memset(&rows[k], 0, sizeof(rows[k]));
		rows[k].tuple = t;
		fill_row(&rows[k], l, s,
			 &listen[t.proto == PORTIER_PROTO_TCP ? 0 : 1], kb);
		k++;
	}
	portier_free(listen);
	if (k)
		qsort(rows, k, sizeof(*rows), build_cmp);
	for (i = 1; i < k; i++)
		if (portier_local_tuple_equal(&rows[i].tuple,
					      &rows[i - 1].tuple))
			rows[i].dup = rows[i - 1].dup + 1;
	*out = rows;
	*n = k;
	return 0;
}

size_t portier_top_owners_from(struct portier_top_row *rows, size_t n,
			       const struct portier_top_row *known,
			       size_t nknown)
{
	size_t i, j = 0, miss = 0;

	for (i = 0; i < n; i++) {
		struct portier_top_row *r = &rows[i];

		while (j < nknown && portier_top_key_cmp(&known[j], r) < 0)
			j++;
		if (j < nknown && portier_top_key_cmp(&known[j], r) == 0 &&
		    known[j].inode == r->inode) {
			r->pid = known[j].pid;
			memcpy(r->program, known[j].program,
			       sizeof(r->program));
			memcpy(r->user, known[j].user, sizeof(r->user));
			memcpy(r->unit, known[j].unit, sizeof(r->unit));
		} else if (r->inode) {
			miss++;
		}
	}
	return miss;
}

static bool same_shown(const struct portier_top_row *a,
		       const struct portier_top_row *b)
{
	return a->state == b->state && a->pid == b->pid && a->uid == b->uid &&
	       strcmp(a->program, b->program) == 0 &&
	       strcmp(a->unit, b->unit) == 0;
}

int portier_top_diff(const struct portier_top_row *old, size_t nold,
		     const struct portier_top_row *cur, size_t ncur,
		     struct portier_top_row **out, size_t *n,
		     struct portier_err *err)
{
	struct portier_top_row *v;
	size_t i = 0, j = 0, k = 0;

	*out = NULL;
	*n = 0;
	v = portier_calloc(nold + ncur + 1, sizeof(*v));
	if (!v)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	while (i < nold || j < ncur) {
		int c;

		if (i < nold && old[i].mark == PORTIER_TOP_GONE) {
			i++; /* shown once already */
			continue;
		}
		c = i == nold	? 1
		    : j == ncur ? -1
				: portier_top_key_cmp(&old[i], &cur[j]);
		if (c < 0) {
			v[k] = old[i++];
			v[k++].mark = PORTIER_TOP_GONE;
		} else if (c > 0) {
			v[k] = cur[j++];
			v[k++].mark = PORTIER_TOP_NEW;
		} else {
			v[k] = cur[j];
			v[k++].mark = same_shown(&old[i], &cur[j])
					      ? PORTIER_TOP_SAME
					      : PORTIER_TOP_CHANGED;
			i++;
			j++;
		}
	}
	*out = v;
	*n = k;
	return 0;
}
