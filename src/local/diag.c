/*
 * diag.c - what the socket states and counters of this host mean, in plain
 * words (`portier local --summary`, and the CLOSE_WAIT rule of audit).
 *
 * Each rule looks at the snapshot (sockets in every state, with owners) or
 * at the kernel's counters and, when a threshold is crossed, says what is
 * going on and who is responsible:
 *   CLOSE_WAIT piling up on one process: the peer closed, the program never
 *     did; it leaks sockets (RFC 9293 3.3.2: CLOSE-WAIT lasts until the
 *     local user closes).
 *   TIME_WAIT piling up: this host is the side that closes first, and each
 *     such connection holds a local port for 2*MSL (RFC 9293 3.3.2), taken
 *     from the ephemeral range; per destination, the range can run out.
 *   SYN-RECV piling up on a listener: handshakes never completed (SYN flood).
 *   a listener's accept queue full, and the kernel's overflow, SYN cookie,
 *     retransmission and UDP buffer counters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "local/local_int.h"

struct diag_out {
	struct portier_diag *v;
	size_t n, max, total;
};

static struct portier_diag *diag_new(struct diag_out *o, uint8_t kind,
				     uint8_t sev, int pid, uint32_t count)
{
	struct portier_diag *d;

	o->total++;
	if (o->n >= o->max)
		return NULL;
	d = &o->v[o->n++];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->severity = sev;
	d->pid = pid;
	d->count = count;
	return d;
}

static void endpoint(const struct portier_sock *s, bool remote, char *buf,
		     size_t len)
{
	char a[64];

	portier_sock_addr(s, remote, a, sizeof(a));
	snprintf(buf, len, s->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
		 remote ? s->rport : s->lport);
}

static void close_wait(const struct portier_local *l,
		       const struct portier_diag_opts *o, struct diag_out *out)
{
	uint32_t min = o->close_wait_min ? o->close_wait_min : 50;
	uint32_t *per = portier_calloc(l->n_procs + 1, sizeof(*per));
	uint32_t unowned = 0;
	size_t i;

	if (!per)
		return;
	for (i = 0; i < l->n_socks; i++) {
		const struct portier_sock *s = &l->socks[i];
		uint32_t k;

		if (s->state != PORTIER_SS_CLOSE_WAIT ||
		    s->proto != PORTIER_LOCAL_TCP)
			continue;
		if (s->owner_count == 0)
			unowned++;
		/* a socket shared by several processes counts for each */
		for (k = 0; k < s->owner_count; k++) {
			uint32_t p = l->owners[s->owner_first + k].proc;

			if (k == 0 ||
			    p != l->owners[s->owner_first + k - 1].proc)
				per[p]++;
		}
	}
	for (i = 0; i < l->n_procs; i++) {
		const struct portier_proc *p = &l->procs[i];
		struct portier_diag *d;

		if (per[i] < min)
			continue;
		d = diag_new(out, PORTIER_DIAG_CLOSE_WAIT,
			     per[i] >= 10 * min ? PORTIER_RISK_HIGH
						: PORTIER_RISK_MEDIUM,
			     p->pid, per[i]);
		if (d)
			snprintf(d->text, sizeof(d->text),
				 "%u connections in CLOSE-WAIT belong to %s "
				 "(pid %d%s%s): their peers have closed, but "
				 "this program never closes its end, so it "
				 "leaks sockets and file descriptors; look "
				 "for a missing close() on its error paths, "
				 "and restart it to release them",
				 per[i], p->comm[0] ? p->comm : "?", p->pid,
				 p->exe ? ", " : "", p->exe ? p->exe : "");
	}
	if (unowned >= min) {
		struct portier_diag *d =
			diag_new(out, PORTIER_DIAG_CLOSE_WAIT,
				 PORTIER_RISK_MEDIUM, 0, unowned);

		if (d)
			snprintf(d->text, sizeof(d->text),
				 "%u connections in CLOSE-WAIT have no owner "
				 "that could be seen (%s): a program there "
				 "does not close sockets its peers closed",
				 unowned,
				 l->procs_scanned ? "run as root to see all"
						  : "owners not looked up");
	}
	portier_free(per);
}

static int by_remote(const void *a, const void *b)
{
	const struct portier_sock *x = *(const struct portier_sock *const *)a;
	const struct portier_sock *y = *(const struct portier_sock *const *)b;
	int c = memcmp(x->raddr, y->raddr, 16);

	if (c)
		return c;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return (int)x->rport - (int)y->rport;
}

static void time_wait(const struct portier_local *l,
		      const struct portier_diag_opts *o, struct diag_out *out)
{
	uint32_t min = o->time_wait_min ? o->time_wait_min : 1000;
	const struct portier_sock **tw;
	const struct portier_sock *busiest = NULL;
	size_t n = 0, i, run = 0, best = 0;
	struct portier_diag *d;
	char ep[80], range[320] = "";
	uint8_t sev = PORTIER_RISK_LOW;

	for (i = 0; i < l->n_socks; i++)
		if (l->socks[i].state == PORTIER_SS_TIME_WAIT)
			n++;
	if (n < min)
		return;
	tw = portier_malloc(n * sizeof(*tw));
	if (!tw)
		return;
	for (i = 0, n = 0; i < l->n_socks; i++)
		if (l->socks[i].state == PORTIER_SS_TIME_WAIT)
			tw[n++] = &l->socks[i];
	qsort(tw, n, sizeof(*tw), by_remote);
	for (i = 0; i < n; i++) {
		run = i && by_remote(&tw[i - 1], &tw[i]) == 0 ? run + 1 : 1;
		if (run > best) {
			best = run;
			busiest = tw[i];
		}
	}
	endpoint(busiest, true, ep, sizeof(ep));
	if (o->eph_hi > o->eph_lo) {
		unsigned size = (unsigned)o->eph_hi - o->eph_lo + 1;
		unsigned pct = (unsigned)(best * 100 / size);

		if (pct >= 90)
			sev = PORTIER_RISK_HIGH;
		else if (pct >= 50)
			sev = PORTIER_RISK_MEDIUM;
		snprintf(range, sizeof(range),
			 "; the busiest destination, %s, holds %zu of the %u "
			 "local ports of the ephemeral range %u-%u (%u%%), "
			 "and new connections to it fail when that reaches "
			 "100%%",
			 ep, best, size, o->eph_lo, o->eph_hi, pct);
	} else {
		snprintf(range, sizeof(range),
			 "; the busiest destination is %s with %zu", ep, best);
	}
	d = diag_new(out, PORTIER_DIAG_TIME_WAIT, sev, 0, (uint32_t)n);
	if (d)
		snprintf(d->text, sizeof(d->text),
			 "%zu connections in TIME-WAIT: this host closes its "
			 "connections actively, and each keeps its local "
			 "port for a minute%s; reuse connections (keep-alive, "
			 "pooling) or widen net.ipv4.ip_local_port_range",
			 n, range);
	portier_free(tw);
}

static void syn_recv(const struct portier_local *l,
		     const struct portier_diag_opts *o, struct diag_out *out)
{
	uint32_t min = o->syn_recv_min ? o->syn_recv_min : 100;
	size_t i, j, total = 0;

	for (i = 0; i < l->n_socks; i++)
		total += l->socks[i].state == PORTIER_SS_SYN_RECV;
	if (total < min)
		return;
	/* per listener: count half-open connections to its port */
	for (i = 0; i < l->n_socks; i++) {
		const struct portier_sock *ls = &l->socks[i];
		struct portier_diag *d;
		uint32_t n = 0;
		char ep[80];

		if (ls->proto != PORTIER_LOCAL_TCP ||
		    ls->state != PORTIER_SS_LISTEN)
			continue;
		for (j = 0; j < l->n_socks; j++) {
			const struct portier_sock *s = &l->socks[j];

			if (s->state == PORTIER_SS_SYN_RECV &&
			    s->lport == ls->lport && s->netns == ls->netns &&
			    s->family == ls->family)
				n++;
		}
		if (n < min)
			continue;
		endpoint(ls, false, ep, sizeof(ep));
		d = diag_new(out, PORTIER_DIAG_SYN_RECV, PORTIER_RISK_HIGH, 0,
			     n);
		if (d)
			snprintf(
				d->text, sizeof(d->text),
				"%u half-open connections (SYN-RECV) on the "
				"listener %s: clients send SYN and never "
				"complete the handshake, which is what a SYN "
				"flood looks like; keep net.ipv4.tcp_syncookies"
				" on and rate-limit new connections",
				n, ep);
	}
}

static void listen_full(const struct portier_local *l, struct diag_out *out)
{
	size_t i;

	for (i = 0; i < l->n_socks; i++) {
		const struct portier_sock *s = &l->socks[i];
		const struct portier_proc *p;
		struct portier_diag *d;
		char ep[80];

		if (s->proto != PORTIER_LOCAL_TCP ||
		    s->state != PORTIER_SS_LISTEN || s->wqueue == 0 ||
		    s->rqueue < s->wqueue)
			continue;
		p = portier_local_owner(l, s, 0, NULL);
		endpoint(s, false, ep, sizeof(ep));
		d = diag_new(out, PORTIER_DIAG_LISTEN_FULL, PORTIER_RISK_MEDIUM,
			     p ? p->pid : 0, s->rqueue);
		if (d)
			snprintf(d->text, sizeof(d->text),
				 "the accept queue of %s%s%s%s is full (%u "
				 "waiting, backlog %u): the program accepts "
				 "connections slower than they arrive, and "
				 "new ones are dropped",
				 ep, p ? " (" : "", p ? p->comm : "",
				 p ? ")" : "", s->rqueue, s->wqueue);
	}
}

static void counter(const struct portier_stats *st, struct diag_out *out,
		    uint8_t kind, const char *group, const char *name,
		    const char *what)
{
	uint64_t v;
	struct portier_diag *d;

	if (!portier_stats_get(st, group, name, &v) || v == 0)
		return;
	d = diag_new(out, kind, PORTIER_RISK_LOW, 0,
		     v > UINT32_MAX ? UINT32_MAX : (uint32_t)v);
	if (d)
		snprintf(d->text, sizeof(d->text),
			 "%s %s = %llu since boot: %s", group, name,
			 (unsigned long long)v, what);
}

static void counters(const struct portier_stats *st, struct diag_out *out)
{
	uint64_t retr, segs;

	counter(st, out, PORTIER_DIAG_LISTEN_OVERFLOW, "TcpExt",
		"ListenOverflows",
		"connections arrived while a listener's accept queue was "
		"full and were dropped; a program accepts too slowly or its "
		"backlog is too small (listen(2), net.core.somaxconn)");
	counter(st, out, PORTIER_DIAG_SYN_COOKIES, "TcpExt", "SyncookiesSent",
		"the SYN queue overflowed and the kernel answered with SYN "
		"cookies; a SYN flood or a burst of connections");
	counter(st, out, PORTIER_DIAG_UDP_RCVBUF, "Udp", "RcvbufErrors",
		"UDP datagrams were dropped because a socket's receive buffer "
		"was full; the receiving program reads too slowly "
		"(SO_RCVBUF, net.core.rmem_max)");
	if (portier_stats_get(st, "Tcp", "RetransSegs", &retr) &&
	    portier_stats_get(st, "Tcp", "OutSegs", &segs) && segs > 1000 &&
	    retr * 50 > segs) {
		struct portier_diag *d =
			diag_new(out, PORTIER_DIAG_RETRANS, PORTIER_RISK_LOW, 0,
				 (uint32_t)(retr * 1000 / segs));

		if (d)
			snprintf(d->text, sizeof(d->text),
				 "%.1f%% of TCP segments sent since boot were "
				 "retransmissions (%llu of %llu): packet loss "
				 "or congestion on some path",
				 (double)retr * 100.0 / (double)segs,
				 (unsigned long long)retr,
				 (unsigned long long)segs);
	}
}

static int by_severity(const void *a, const void *b)
{
	const struct portier_diag *x = a, *y = b;

	if (x->severity != y->severity)
		return (int)y->severity - (int)x->severity;
	return (int)x->kind - (int)y->kind;
}

size_t portier_local_diagnose(const struct portier_local *l,
			      const struct portier_stats *st,
			      const struct portier_diag_opts *o,
			      struct portier_diag *v, size_t max)
{
	struct portier_diag_opts def = {0};
	struct diag_out out = {.v = v, .max = max};

	if (!o)
		o = &def;
	if (l) {
		close_wait(l, o, &out);
		time_wait(l, o, &out);
		syn_recv(l, o, &out);
		listen_full(l, &out);
	}
	if (st)
		counters(st, &out);
	qsort(v, out.n, sizeof(*v), by_severity);
	return out.total;
}
