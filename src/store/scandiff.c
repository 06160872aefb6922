/*
 * scandiff.c - two scans compared the way nmap's ndiff does (ndiff.py,
 * HostDiff and PortDiff): hosts matched by id, ports by number and
 * protocol; a port differs in state or service; a port absent from one
 * side is "unknown" there and counts only when the other side lists it in
 * a state that is not one of that host's extra-ports states.
 */
#include <string.h>

#include "portier/store.h"

struct changes {
	struct portier_scan_change *c;
	size_t n, cap;
};

/* Is state one of h's extra-ports states ("unknown" always is)? */
static bool extra(const struct portier_scan_host *h,
		  const struct portier_scan_port *p)
{
	size_t n;
	const char *e;

	if (!p)
		return true;
	n = strlen(p->state);
	if (!h || !h->extraports || !n)
		return false;
	for (e = h->extraports; (e = strstr(e, p->state)); e += n)
		if ((e == h->extraports || e[-1] == ';') && e[n] == '=')
			return true;
	return false;
}

static int add(struct changes *ch, const struct portier_scan_host *ha,
	       const struct portier_scan_host *hb,
	       const struct portier_scan_port *a,
	       const struct portier_scan_port *b)
{
	if (portier_grow(&ch->c, &ch->cap, ch->n + 1, sizeof *ch->c, 16))
		return PORTIER_ENOMEM;
	ch->c[ch->n++] = (struct portier_scan_change){
		.ha = ha,
		.hb = hb,
		.a = a,
		.b = b,
		.show_a = a && !extra(ha, a),
		.show_b = b && !extra(hb, b),
	};
	return 0;
}

static bool port_differs(const struct portier_scan_port *a,
			 const struct portier_scan_port *b)
{
	const char *sa = a ? a->state : "", *sb = b ? b->state : "";
	const char *va = a ? a->service : "", *vb = b ? b->service : "";

	return strcmp(sa, sb) || strcmp(va, vb);
}

static int port_cmp(const struct portier_scan_port *a,
		    const struct portier_scan_port *b)
{
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return (a->proto > b->proto) - (a->proto < b->proto);
}

static int host_diff(struct changes *ch, const struct portier_scan_host *ha,
		     const struct portier_scan_host *hb)
{
	size_t na = ha ? ha->n_ports : 0, nb = hb ? hb->n_ports : 0;
	size_t i = 0, k = 0;
	int rc = 0;

	/* Host-level changes: state, extra ports (a host in one scan only
	 * changes state from "unknown"). */
	if (strcmp(ha ? ha->state : "", hb ? hb->state : "") ||
	    strcmp(ha ? ha->extraports : "", hb ? hb->extraports : ""))
		rc = add(ch, ha, hb, NULL, NULL);
	while (!rc && (i < na || k < nb)) {
		const struct portier_scan_port *a =
			i < na ? &ha->ports[i] : NULL;
		const struct portier_scan_port *b =
			k < nb ? &hb->ports[k] : NULL;
		int c = !a ? 1 : !b ? -1 : port_cmp(a, b);

		if (c < 0)
			b = NULL, i++;
		else if (c > 0)
			a = NULL, k++;
		else
			i++, k++;
		if (extra(ha, a) && extra(hb, b))
			continue;
		if (port_differs(a, b))
			rc = add(ch, ha, hb, a, b);
	}
	return rc;
}

int portier_scan_file_diff(const struct portier_scan_file *a,
			   const struct portier_scan_file *b,
			   struct portier_scan_change **out, size_t *n,
			   struct portier_err *err)
{
	struct changes ch = {0};
	size_t i = 0, k = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	while (!rc && (i < a->n || k < b->n)) {
		const struct portier_scan_host *ha =
			i < a->n ? &a->hosts[i] : NULL;
		const struct portier_scan_host *hb =
			k < b->n ? &b->hosts[k] : NULL;
		int c = !ha ? 1 : !hb ? -1 : strcmp(ha->id, hb->id);

		if (c < 0)
			hb = NULL, i++;
		else if (c > 0)
			ha = NULL, k++;
		else
			i++, k++;
		rc = host_diff(&ch, ha, hb);
	}
	if (rc) {
		portier_free(ch.c);
		return portier_err_set(err, rc, "out of memory");
	}
	*out = ch.c;
	*n = ch.n;
	return 0;
}

static bool is_open(const struct portier_scan_port *p)
{
	return p && !strcmp(p->state, "open");
}

int portier_scan_change_kind(const struct portier_scan_change *c)
{
	bool oa = is_open(c->a), ob = is_open(c->b);

	if (!c->a && !c->b)
		return -1; /* a host's state or extra ports */
	if (ob && !oa)
		return PORTIER_EV_NEW;
	if (oa && !ob)
		return PORTIER_EV_GONE;
	if (oa && ob && strcmp(c->a->service, c->b->service))
		return PORTIER_EV_SERVICE_CHANGED;
	return -1;
}
