/*
 * policy.c - what portier's table should contain, and the verbs that change
 * it: close (from anywhere or from one source prefix), open, allow-only,
 * harden, the connections allow-only keeps, and the SSH-session guard.
 *
 * A policy is a value: the verbs add ports to it, take them out or replace
 * its allow list, and the renderer turns it into a table.  Because each command first reads
 * the policy back from the kernel, `close 445` followed by `close 139`
 * leaves both closed, and running the same command twice changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw/fw_int.h"
#include "portier/addr.h"

/*
 * The seeds' list: the ports an old "block Windows sharing" IPsec filter
 * drops.  135 is the RPC endpoint mapper (MS-RPCE 2.1.1.1), 137-139 are
 * NetBIOS name, datagram and session services (RFC 1001/1002), 445 is SMB
 * directly over TCP (MS-SMB2 2.1), 593 RPC over HTTP, 1025 the first port of
 * old Windows' dynamic RPC range, 3389 RDP, and 2745, 3127, 6129 the
 * backdoors of Bagle, MyDoom and the DameWare agent hole of 2003.
 */
static const struct portier_fw_port harden_list[] = {
	{135, PORTIER_FW_TCP},	{137, PORTIER_FW_TCP},	{139, PORTIER_FW_TCP},
	{445, PORTIER_FW_TCP},	{593, PORTIER_FW_TCP},	{1025, PORTIER_FW_TCP},
	{2745, PORTIER_FW_TCP}, {3127, PORTIER_FW_TCP}, {6129, PORTIER_FW_TCP},
	{3389, PORTIER_FW_TCP}, {135, PORTIER_FW_UDP},	{137, PORTIER_FW_UDP},
	{138, PORTIER_FW_UDP},	{445, PORTIER_FW_UDP},
};

size_t portier_fw_harden_ports(const struct portier_fw_port **out)
{
	*out = harden_list;
	return sizeof(harden_list) / sizeof(harden_list[0]);
}

static void source_free(struct portier_fw_source *s)
{
	int p;

	for (p = 0; p < PORTIER_FW_NPROTO; p++)
		portier_fw_portset_free(&s->ports[p]);
}

void portier_fw_policy_free(struct portier_fw_policy *p)
{
	size_t i;
	int q;

	for (q = 0; q < PORTIER_FW_NPROTO; q++) {
		portier_fw_portset_free(&p->allow[q]);
		portier_fw_portset_free(&p->close[q]);
	}
	for (i = 0; i < p->n_from; i++)
		source_free(&p->from[i]);
	portier_free(p->from);
	portier_free(p->keep);
	memset(p, 0, sizeof(*p));
}

bool portier_fw_policy_empty(const struct portier_fw_policy *p)
{
	size_t i;
	int q;

	if (p->allow_only)
		return false;
	for (q = 0; q < PORTIER_FW_NPROTO; q++)
		if (p->close[q].n)
			return false;
	for (i = 0; i < p->n_from; i++)
		for (q = 0; q < PORTIER_FW_NPROTO; q++)
			if (p->from[i].ports[q].n)
				return false;
	return true;
}

bool portier_fw_policy_equal(const struct portier_fw_policy *a,
			     const struct portier_fw_policy *b)
{
	size_t i;
	int q;

	if (a->allow_only != b->allow_only || a->n_from != b->n_from ||
	    a->n_keep != b->n_keep ||
	    (a->n_keep &&
	     memcmp(a->keep, b->keep, a->n_keep * sizeof(a->keep[0])) != 0))
		return false;
	for (q = 0; q < PORTIER_FW_NPROTO; q++)
		if (!portier_fw_portset_equal(&a->allow[q], &b->allow[q]) ||
		    !portier_fw_portset_equal(&a->close[q], &b->close[q]))
			return false;
	for (i = 0; i < a->n_from; i++) {
		if (strcmp(a->from[i].text, b->from[i].text) != 0)
			return false;
		for (q = 0; q < PORTIER_FW_NPROTO; q++)
			if (!portier_fw_portset_equal(&a->from[i].ports[q],
						      &b->from[i].ports[q]))
				return false;
	}
	return true;
}

int portier_fw_source_parse(const char *s, struct portier_fw_source *src,
			    struct portier_err *err)
{
	int rc;

	memset(src, 0, sizeof(*src));
	/* 10.1.2.3/8 means 10.0.0.0/8, as in nft */
	rc = portier_prefix_parse(s, PORTIER_PREFIX_CLEAR_HOST_BITS, &src->net,
				  err);
	if (rc < 0)
		return rc;
	portier_prefix_str(&src->net, src->text, sizeof(src->text));
	return 0;
}

static int add_spec(struct portier_fw_portset *dst,
		    const struct portier_fw_spec *spec, struct portier_err *err)
{
	int q, rc;

	for (q = 0; q < PORTIER_FW_NPROTO; q++) {
		rc = portier_fw_portset_merge(&dst[q], &spec->ports[q]);
		if (rc < 0)
			return portier_err_set(err, rc, "out of memory");
	}
	return 0;
}

static int cmp_source(const void *a, const void *b)
{
	return strcmp(((const struct portier_fw_source *)a)->text,
		      ((const struct portier_fw_source *)b)->text);
}

int portier_fw_policy_close(struct portier_fw_policy *p,
			    const struct portier_fw_spec *spec,
			    const struct portier_fw_source *from,
			    struct portier_err *err)
{
	struct portier_fw_source *arr, *s;
	size_t i;

	if (!from)
		return add_spec(p->close, spec, err);
	for (i = 0; i < p->n_from; i++)
		if (strcmp(p->from[i].text, from->text) == 0)
			return add_spec(p->from[i].ports, spec, err);
	arr = portier_realloc(p->from, (p->n_from + 1) * sizeof(*arr));
	if (!arr)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	p->from = arr;
	s = &arr[p->n_from++];
	memcpy(s, from, sizeof(*s));
	memset(s->ports, 0, sizeof(s->ports));
	if (add_spec(s->ports, spec, err) < 0)
		return PORTIER_ENOMEM;
	qsort(p->from, p->n_from, sizeof(*p->from), cmp_source);
	return 0;
}

int portier_fw_policy_allow_only(struct portier_fw_policy *p,
				 const struct portier_fw_spec *spec,
				 struct portier_err *err)
{
	int q;

	for (q = 0; q < PORTIER_FW_NPROTO; q++)
		portier_fw_portset_free(&p->allow[q]);
	p->allow_only = true;
	return add_spec(p->allow, spec, err);
}

static int remove_spec(struct portier_fw_portset *dst,
		       const struct portier_fw_spec *spec,
		       struct portier_err *err)
{
	size_t i;
	int q, rc;

	for (q = 0; q < PORTIER_FW_NPROTO; q++) {
		for (i = 0; i < spec->ports[q].n; i++) {
			rc = portier_fw_portset_remove(&dst[q],
						       spec->ports[q].r[i].lo,
						       spec->ports[q].r[i].hi);
			if (rc < 0)
				return portier_err_set(err, rc,
						       "out of memory");
		}
	}
	return 0;
}

int portier_fw_policy_open(struct portier_fw_policy *p,
			   const struct portier_fw_spec *spec,
			   struct portier_err *err)
{
	size_t i, out = 0;
	int rc;

	rc = remove_spec(p->close, spec, err);
	for (i = 0; rc == 0 && i < p->n_from; i++)
		rc = remove_spec(p->from[i].ports, spec, err);
	if (rc < 0)
		return rc;
	/* sources left without ports go */
	for (i = 0; i < p->n_from; i++) {
		if (!p->from[i].ports[PORTIER_FW_TCP].n &&
		    !p->from[i].ports[PORTIER_FW_UDP].n)
			source_free(&p->from[i]);
		else
			p->from[out++] = p->from[i];
	}
	p->n_from = out;
	if (p->allow_only)
		return add_spec(p->allow, spec, err);
	return 0;
}

int portier_fw_policy_harden(struct portier_fw_policy *p,
			     struct portier_err *err)
{
	size_t i;

	for (i = 0; i < sizeof(harden_list) / sizeof(harden_list[0]); i++) {
		const struct portier_fw_port *h = &harden_list[i];
		int rc = portier_fw_portset_add(&p->close[h->proto], h->port,
						h->port);
		if (rc < 0)
			return portier_err_set(err, rc, "out of memory");
	}
	return 0;
}

/* Does prefix src hold the address of c? */
static bool source_holds(const struct portier_fw_source *src,
			 const struct portier_fw_conn *c)
{
	return portier_prefix_contains(&src->net, &c->peer);
}

int portier_fw_guard_ssh(struct portier_fw_policy *p,
			 const struct portier_fw_conn *sess,
			 struct portier_err *err)
{
	const char *what = NULL;
	size_t i;
	int rc;

	if (portier_fw_portset_has(&p->close[PORTIER_FW_TCP], sess->lport))
		what = "";
	for (i = 0; !what && i < p->n_from; i++)
		if (source_holds(&p->from[i], sess) &&
		    portier_fw_portset_has(&p->from[i].ports[PORTIER_FW_TCP],
					   sess->lport))
			what = p->from[i].text;
	if (what) {
		portier_err_set(err, PORTIER_EINVAL,
				"closing tcp/%u%s%s would cut the SSH session "
				"this command runs in",
				sess->lport, *what ? " from " : "", what);
		portier_err_hint(err,
				 "leave %u out of the list, or add "
				 "--i-know-ssh-is-closed if another way "
				 "in remains",
				 sess->lport);
		return PORTIER_EINVAL;
	}
	if (!p->allow_only ||
	    portier_fw_portset_has(&p->allow[PORTIER_FW_TCP], sess->lport))
		return 0;
	rc = portier_fw_portset_add(&p->allow[PORTIER_FW_TCP], sess->lport,
				    sess->lport);
	if (rc < 0)
		return portier_err_set(err, rc, "out of memory");
	return 1;
}

static int cmp_conn(const void *a, const void *b)
{
	const struct portier_fw_conn *x = a, *y = b;
	int c;

	c = portier_addr_cmp(&x->peer, &y->peer);
	if (c)
		return c;
	if (x->rport != y->rport)
		return x->rport < y->rport ? -1 : 1;
	return x->lport < y->lport ? -1 : x->lport > y->lport;
}

void fw_conns_sort(struct portier_fw_conn *c, size_t *n)
{
	size_t i, out = 0;

	if (*n < 2)
		return;
	qsort(c, *n, sizeof(*c), cmp_conn);
	for (i = 0; i < *n; i++)
		if (out == 0 || cmp_conn(&c[out - 1], &c[i]) != 0)
			c[out++] = c[i];
	*n = out;
}

int portier_fw_policy_keep(struct portier_fw_policy *p,
			   const struct portier_fw_conn *conns, size_t n,
			   struct portier_err *err)
{
	size_t i;

	portier_free(p->keep);
	p->keep = NULL;
	p->n_keep = 0;
	if (!p->allow_only || !n)
		return 0;
	p->keep = portier_calloc(n, sizeof(*p->keep));
	if (!p->keep)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		const struct portier_fw_conn *c = &conns[i];
		struct portier_fw_conn *k;

		if (portier_fw_portset_has(&p->allow[PORTIER_FW_TCP],
					   c->lport) ||
		    portier_fw_portset_has(&p->close[PORTIER_FW_TCP], c->lport))
			continue;
		k = &p->keep[p->n_keep++];
		memset(k, 0, sizeof(*k)); /* padding too: keep is memcmp'd */
		k->peer = c->peer;
		k->rport = c->rport;
		k->lport = c->lport;
	}
	fw_conns_sort(p->keep, &p->n_keep);
	return 0;
}
