/*
 * suggest.c - from `portier audit`'s findings to the ports worth closing.
 *
 * A finding becomes a suggestion when three things hold: it is risky (its
 * severity reaches the threshold), the port is reachable (a listener not
 * bound to loopback - filtering a loopback-only port changes nothing), and
 * the port is unused (no established TCP connection from another host; a
 * port someone is using is a decision for a human, so it is listed with the
 * reason and not suggested).  Findings about outgoing connections or about
 * processes piling up CLOSE-WAIT describe no inbound door and are skipped.
 * Nothing here reads the system: the caller passes the snapshot and the
 * findings, which keeps this a pure function a test can feed.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw/fw_int.h"
#include "portier/addr.h"
#include "portier/audit.h"
#include "portier/local.h"

static bool inbound_rule(unsigned rule)
{
	return rule != PORTIER_AUDIT_TROJAN_REMOTE &&
	       rule != PORTIER_AUDIT_CLOSE_WAIT && rule < PORTIER_AUDIT_N_RULES;
}

static int fw_proto_of(unsigned local_proto)
{
	if (local_proto == PORTIER_LOCAL_TCP)
		return PORTIER_FW_TCP;
	if (local_proto == PORTIER_LOCAL_UDP)
		return PORTIER_FW_UDP;
	return -1;
}

/* Is there a listener on port/proto reachable from other hosts? */
static bool reachable(const struct portier_local *l, uint16_t port,
		      unsigned local_proto)
{
	size_t i;

	for (i = 0; i < l->n_socks; i++) {
		const struct portier_sock *s = &l->socks[i];

		if (s->proto == local_proto && s->lport == port &&
		    portier_sock_listening(s) && !portier_sock_loopback(s))
			return true;
	}
	return false;
}

/* The one loopback rule (addr.h), v4-mapped peers included. */
static bool peer_loopback(const struct portier_sock *s)
{
	struct portier_addr a;

	return portier_addr_set(&a, portier_addr_family_of(s->family),
				s->raddr) == 0 &&
	       portier_addr_is_loopback(&a);
}

static uint32_t connections(const struct portier_local *l, uint16_t port)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < l->n_socks; i++) {
		const struct portier_sock *s = &l->socks[i];

		if (s->proto == PORTIER_LOCAL_TCP && s->lport == port &&
		    s->state == PORTIER_SS_ESTABLISHED && !peer_loopback(s))
			n++;
	}
	return n;
}

static int cmp_sugg(const void *a, const void *b)
{
	const struct portier_fw_suggestion *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return (int)x->proto - (int)y->proto;
}

int portier_fw_suggest(const struct portier_local *l,
		       const struct portier_finding *f, size_t nf,
		       const struct portier_fw_policy *current,
		       uint16_t ssh_port, unsigned min,
		       struct portier_fw_suggestion **out, size_t *n,
		       struct portier_err *err)
{
	struct portier_fw_suggestion *arr;
	size_t i, j, count = 0;

	*out = NULL;
	*n = 0;
	arr = portier_calloc(nf ? nf : 1, sizeof(*arr));
	if (!arr)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	for (i = 0; i < nf; i++) {
		const struct portier_finding *fi = &f[i];
		int proto = fw_proto_of(fi->proto);
		struct portier_fw_suggestion *s = NULL;

		if (!fi->port || proto < 0 || !inbound_rule(fi->rule) ||
		    fi->severity < min || !reachable(l, fi->port, fi->proto))
			continue;
		for (j = 0; j < count; j++)
			if (arr[j].port == fi->port && arr[j].proto == proto)
				s = &arr[j];
		if (s) {
			if (fi->severity > s->severity) {
				s->severity = fi->severity;
				s->finding = fi;
			}
			continue;
		}
		s = &arr[count++];
		s->port = fi->port;
		s->proto = (uint8_t)proto;
		s->severity = fi->severity;
		s->finding = fi;
	}
	for (i = 0; i < count; i++) {
		struct portier_fw_suggestion *s = &arr[i];

		s->in_use = s->proto == PORTIER_FW_TCP ? connections(l, s->port)
						       : 0;
		if (current &&
		    portier_fw_portset_has(&current->close[s->proto], s->port))
			s->why_not = "closed already";
		else if (current && current->allow_only &&
			 !portier_fw_portset_has(&current->allow[s->proto],
						 s->port))
			s->why_not = "dropped by allow-only already";
		else if (s->proto == PORTIER_FW_TCP && s->port == ssh_port &&
			 ssh_port)
			s->why_not = "the port of this SSH session";
		else if (s->in_use)
			s->why_not = "in use by other hosts";
		else
			s->close = true;
	}
	qsort(arr, count, sizeof(*arr), cmp_sugg);
	*out = arr;
	*n = count;
	return 0;
}
