/*
 * udp.c - the UDP scan (-sU): its own loop, because what limits a UDP scan
 * is not the path but each target's ICMP rate limit.
 *
 * Without privileges (the default without CAP_NET_RAW, or --unprivileged),
 * a probe is a connected UDP socket with IP_RECVERR (IPV6_RECVERR): the
 * kernel matches an ICMP error to the socket whose datagram it quotes and
 * queues type, code and offender on it, so no reply is attributed to the
 * wrong port.  With cfg.udp_raw, datagrams go out of one unconnected socket
 * per family and ICMP errors are read from raw ICMP/ICMPv6 sockets and
 * matched by the datagram they quote (our source port, the target and its
 * port: portier_reply_parse), so a probe costs no file descriptor.  Any datagram back: open; ICMP
 * port unreachable from the target: closed; other unreachables: filtered;
 * nothing after every try: open|filtered (nmap's states and reasons).
 *
 * Pacing.  Linux answers at most a burst of 6 and then 1 ICMP error per
 * second to one destination (net.ipv4.icmp_ratelimit, XRLIM_BURST_FACTOR),
 * so a closed port can stay silent and look open|filtered.  Hosts are
 * probed in parallel (a window of hosts, each with its own ports), all
 * ports of a host at once at first.  A host that has sent an ICMP error
 * and leaves another probe unanswered is limited: from then on its probes
 * are paced by a model of its limiter (a token bucket, 1/s, burst 6): a
 * probe takes a token when sent and gives it back when the port turns out
 * not to be closed (an answer, or silence), so silent ports cost one
 * timeout, not one second, and only closed ports wait for the limit.  The
 * probes the limit may have swallowed are sent again without counting as a
 * try.  A host that never sent an ICMP error is never paced.
 *
 * Several addresses may share one limiter: Linux keeps it per destination
 * of the error (this scanner), so every address one kernel answers for
 * (AnyIP, a host with many addresses, a router answering for a network)
 * draws on the same bucket, and a host's own model then promises tokens
 * the others took.  So when a scan has more than one host, a try the model
 * covered proves a silent port open|filtered only when no ICMP error at all
 * arrived from a second before it was sent until its wait ended: then any
 * limiter had refilled a token nobody took.  A contested try keeps its
 * token (the limiter may be empty) and is sent again, covered, until a
 * quiet moment settles it: exact for any grouping of addresses into
 * kernels, at the limiter's pace when they do share one, and only the
 * silent ports wait for the quiet.
 */
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "scan/udp_int.h"

int scan_udp_new(struct portier_scan *s, struct portier_err *err)
{
	struct udp_state *u = portier_calloc(1, sizeof(*u));
	uint32_t i;
	int rc;

	if (!u)
		return PORTIER_ENOMEM;
	s->mstate = u;
	u->ep = -1;
	u->sock[0] = u->sock[1] = u->icmp[0] = u->icmp[1] = -1;
	if (!s->cfg.max_inflight)
		s->cfg.max_inflight = DEFAULT_INFLIGHT;
	scan_fd_room(s);
	u->n_probes = s->cfg.max_inflight < 16 ? 16 : s->cfg.max_inflight;
	/* this shard's hosts: target indexes K-1, K-1+N, K-1+2N, ... */
	u->n_targets = portier_shard_size(portier_targets_count(s->cfg.targets),
					  s->cfg.shard_k, s->cfg.shard_n);
	u->n_hosts = u->n_targets < HOST_WINDOW ? (uint32_t)u->n_targets
						: HOST_WINDOW;
	u->probes = portier_calloc(u->n_probes, sizeof(*u->probes));
	u->free_probes = portier_calloc(u->n_probes, sizeof(uint32_t));
	u->hosts = portier_calloc(u->n_hosts, sizeof(*u->hosts));
	if (!u->probes || !u->free_probes || !u->hosts) {
		scan_udp_free(s);
		return PORTIER_ENOMEM;
	}
	for (i = 0; i < u->n_hosts; i++) {
		u->hosts[i].tries = portier_calloc(s->cfg.n_ports, 1);
		u->hosts[i].covered = portier_calloc(s->cfg.n_ports, 1);
		u->hosts[i].probe_of =
			portier_calloc(s->cfg.n_ports, sizeof(int32_t));
		u->hosts[i].again =
			portier_calloc(s->cfg.n_ports, sizeof(uint32_t));
		if (!u->hosts[i].tries || !u->hosts[i].again ||
		    !u->hosts[i].covered || !u->hosts[i].probe_of) {
			scan_udp_free(s);
			return PORTIER_ENOMEM;
		}
	}
	for (i = 0; i < u->n_probes; i++) {
		u->probes[i].fd = -1;
		u->free_probes[u->n_free++] = u->n_probes - 1 - i;
	}
	if ((u->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		int e = errno;

		scan_udp_free(s);
		return portier_err_set(err, -e, "epoll: %s", strerror(e));
	}
	if (s->cfg.udp_raw && (rc = udp_raw_open(s, err)) < 0) {
		scan_udp_free(s);
		return rc;
	}
	u->min_rto_ns = (uint64_t)(s->cfg.min_rtt_ms ? s->cfg.min_rtt_ms
						     : UDP_MIN_RTO_MS) *
			1000000ull;
	u->max_rto_ns =
		(uint64_t)(s->cfg.max_rtt_ms ? s->cfg.max_rtt_ms : 1000) *
		1000000ull;
	if (u->min_rto_ns > u->max_rto_ns)
		u->min_rto_ns = u->max_rto_ns;
	u->rto_ns = (uint64_t)(s->cfg.init_rtt_ms ? s->cfg.init_rtt_ms : 500) *
		    1000000ull;
	if (u->rto_ns < u->min_rto_ns)
		u->rto_ns = u->min_rto_ns;
	if (u->rto_ns > u->max_rto_ns)
		u->rto_ns = u->max_rto_ns;
	return 0;
}

void scan_udp_free(struct portier_scan *s)
{
	struct udp_state *u = U(s);
	uint32_t i;

	if (!u)
		return;
	for (i = 0; u->probes && i < u->n_probes; i++)
		if (u->probes[i].fd >= 0)
			close(u->probes[i].fd);
	for (i = 0; u->hosts && i < u->n_hosts; i++) {
		portier_free(u->hosts[i].tries);
		portier_free(u->hosts[i].covered);
		portier_free(u->hosts[i].probe_of);
		portier_free(u->hosts[i].again);
	}
	if (u->ep >= 0)
		close(u->ep);
	for (i = 0; i < 2; i++) {
		if (u->sock[i] >= 0)
			close(u->sock[i]);
		if (u->icmp[i] >= 0)
			close(u->icmp[i]);
	}
	portier_free(u->probes);
	portier_free(u->free_probes);
	portier_free(u->hosts);
	portier_free(u);
	s->mstate = NULL;
}

/* ---- results ------------------------------------------------------------- */

static void emit(struct portier_scan *s, struct udp_host *h, uint32_t port_i,
		 enum portier_port_state state, enum portier_reason reason,
		 uint32_t rtt_us, bool parsed, const char *service)
{
	struct portier_scan_result r;

	memset(&r, 0, sizeof(r));
	r.addr = h->addr;
	r.port = s->cfg.ports[port_i];
	r.state = (uint8_t)state;
	r.reason = (uint8_t)reason;
	r.tries = h->tries[port_i];
	r.rtt_us = rtt_us;
	r.proto = PORTIER_PROTO_UDP;
	r.parsed = parsed;
	r.service = service;
	h->left--;
	s->st.done++;
	if (state == PORTIER_PORT_OPEN)
		s->st.open++;
	else if (state == PORTIER_PORT_CLOSED)
		s->st.closed++;
	else if (state == PORTIER_PORT_FILTERED)
		s->st.filtered++;
	else
		s->st.open_filtered++;
	if (s->cfg.on_result)
		s->cfg.on_result(s->cfg.ctx, &r, 0);
}

static void probe_free(struct udp_state *u, uint32_t pi)
{
	struct udp_probe *p = &u->probes[pi];

	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->busy = false;
	u->hosts[p->host].probe_of[p->port_i] = -1;
	u->hosts[p->host].inflight--;
	u->free_probes[u->n_free++] = pi;
}

/* A token the probe held goes back: its port did not send an ICMP error. */
static void give_back(struct udp_host *h, struct udp_probe *p)
{
	if (!p->reserved)
		return;
	p->reserved = false;
	h->limit.tokens += 1;
	if (h->limit.tokens > h->limit.burst)
		h->limit.tokens = h->limit.burst;
}

static void sample_rtt(struct udp_state *u, const struct udp_probe *p,
		       uint64_t now, const struct udp_host *h)
{
	if (h->tries[p->port_i] != 1 || now <= p->sent_ns)
		return; /* Karn: no samples from a retried probe */
	u->rto_ns = (uint64_t)scan_rtt_add(&u->rtt, (double)(now - p->sent_ns),
					   (double)u->min_rto_ns,
					   (double)u->max_rto_ns);
}

/* The state an ICMP (v6: ICMPv6) error of type and code, from the target or
 * not, means; false for errors that say nothing about the port. */
bool udp_icmp_state(bool v6, unsigned type, unsigned code, bool from_target,
		    enum portier_port_state *st, enum portier_reason *why)
{
	if (!v6 && type == 3) {
		static const int8_t map[16] = {
			[0] = PORTIER_REASON_NET_UNREACH,
			[1] = PORTIER_REASON_HOST_UNREACH,
			[2] = PORTIER_REASON_PROTO_UNREACH,
			[3] = PORTIER_REASON_PORT_UNREACH,
			[9] = PORTIER_REASON_NET_PROHIBITED,
			[10] = PORTIER_REASON_HOST_PROHIBITED,
			[13] = PORTIER_REASON_ADMIN_PROHIBITED,
		};
		if (code >= 16 || (!map[code] && code != 0))
			return false;
		*why = (enum portier_reason)map[code];
	} else if (v6 && type == 1) {
		if (code == 4)
			*why = PORTIER_REASON_PORT_UNREACH;
		else if (code == 0)
			*why = PORTIER_REASON_NET_UNREACH;
		else if (code == 1)
			*why = PORTIER_REASON_ADMIN_PROHIBITED;
		else if (code == 3)
			*why = PORTIER_REASON_HOST_UNREACH;
		else
			return false;
	} else {
		return false;
	}
	*st = *why == PORTIER_REASON_PORT_UNREACH && from_target
		      ? PORTIER_PORT_CLOSED
		      : PORTIER_PORT_FILTERED;
	return true;
}

/*
 * Could an ICMP error have taken the limiter's token that a covered try,
 * sent at sent, relied on?  With one host its own model is exact: never.
 * Otherwise yes when any error arrived since a refill period before sent.
 */
static bool udp_contested(const struct udp_state *u, uint64_t sent)
{
	uint64_t refill = (uint64_t)(1e9 / ICMP_RATE);

	return u->n_targets > 1 && u->last_err_ns &&
	       u->last_err_ns + refill >= sent;
}

/* An ICMP error decided probe pi. */
void udp_got_error(struct portier_scan *s, uint32_t pi,
		   enum portier_port_state st, enum portier_reason why,
		   uint64_t now)
{
	struct udp_state *u = U(s);
	struct udp_probe *p = &u->probes[pi];
	struct udp_host *h = &u->hosts[p->host];

	u->last_err_ns = now;
	h->icmp_seen = true;
	p->reserved = false; /* the token went into this error */
	sample_rtt(u, p, now, h);
	s->st.replies++;
	emit(s, h, p->port_i, st, why, (uint32_t)((now - p->sent_ns) / 1000),
	     false, NULL);
	probe_free(u, pi);
}

/* Read the socket's error queue; true when it decided the port. */
static bool read_error(struct portier_scan *s, uint32_t pi, uint64_t now)
{
	struct udp_state *u = U(s);
	struct udp_probe *p = &u->probes[pi];
	struct udp_host *h = &u->hosts[p->host];
	char cbuf[512], data[64];
	struct sockaddr_storage from;
	struct iovec iov = {data, sizeof(data)};
	struct msghdr m = {.msg_name = &from,
			   .msg_namelen = sizeof(from),
			   .msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = cbuf,
			   .msg_controllen = sizeof(cbuf)};
	struct cmsghdr *c;

	if (recvmsg(p->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
		return false;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		const struct sock_extended_err *ee;
		const struct sockaddr *off;
		struct portier_addr oa;
		enum portier_port_state st;
		enum portier_reason why;
		bool from_target = false;

		if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
		      (c->cmsg_level == SOL_IPV6 &&
		       c->cmsg_type == IPV6_RECVERR)))
			continue;
		ee = (const struct sock_extended_err *)CMSG_DATA(c);
		/* SO_EE_OFFENDER: the sockaddr right after the error */
		off = (const struct sockaddr *)(const void *)(ee + 1);
		memset(&oa, 0, sizeof(oa));
		if (off->sa_family == AF_INET) {
			oa.family = 4;
			memcpy(oa.b,
			       &((const struct sockaddr_in *)off)->sin_addr, 4);
		} else if (off->sa_family == AF_INET6) {
			oa.family = 6;
			memcpy(oa.b,
			       &((const struct sockaddr_in6 *)off)->sin6_addr,
			       16);
		}
		from_target = portier_addr_cmp(&oa, &h->addr) == 0;
		if ((ee->ee_origin != SO_EE_ORIGIN_ICMP &&
		     ee->ee_origin != SO_EE_ORIGIN_ICMP6) ||
		    !udp_icmp_state(ee->ee_origin == SO_EE_ORIGIN_ICMP6,
				    ee->ee_type, ee->ee_code, from_target, &st,
				    &why))
			continue;
		udp_got_error(s, pi, st, why, now);
		return true;
	}
	return false;
}

/* A datagram (n bytes) answered probe pi: open. */
void udp_got_data(struct portier_scan *s, uint32_t pi, const uint8_t *buf,
		  size_t n, uint64_t now)
{
	struct udp_state *u = U(s);
	struct udp_probe *p = &u->probes[pi];
	struct udp_host *h = &u->hosts[p->host];
	uint16_t port = s->cfg.ports[p->port_i];
	const char *service = NULL;
	bool parsed = false;
	size_t k, np;

	np = s->cfg.udp_payloads(s->cfg.ctx, port, NULL, NULL, MAX_PAYLOADS);
	for (k = 0; k < np && !parsed; k++)
		parsed =
			s->cfg.udp_judge(s->cfg.ctx, port, k, buf, n, &service);
	give_back(h, p);
	sample_rtt(u, p, now, h);
	s->st.replies++;
	emit(s, h, p->port_i, PORTIER_PORT_OPEN, PORTIER_REASON_UDP_RESPONSE,
	     (uint32_t)((now - p->sent_ns) / 1000), parsed,
	     parsed ? service : NULL);
	probe_free(u, pi);
}

static void read_data(struct portier_scan *s, uint32_t pi, uint64_t now)
{
	uint8_t buf[REPLY_MAX];
	ssize_t n = recv(U(s)->probes[pi].fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n >= 0)
		udp_got_data(s, pi, buf, (size_t)n, now);
	else if (errno == ECONNREFUSED || errno == EHOSTUNREACH ||
		 errno == ENETUNREACH || errno == EACCES)
		read_error(s, pi, now);
}

/* ---- sending ---------------------------------------------------------------- */

/* Open the probe's socket and send its payloads; false: try later. */
static int send_probe(struct portier_scan *s, uint32_t pi, bool *local)
{
	struct udp_state *u = U(s);
	struct udp_probe *p = &u->probes[pi];
	struct udp_host *h = &u->hosts[p->host];
	uint16_t port = s->cfg.ports[p->port_i];
	const uint8_t *data[MAX_PAYLOADS];
	size_t len[MAX_PAYLOADS], k, np;
	struct sockaddr_storage ss;
	socklen_t sl = scan_sockaddr(&h->addr, port, &ss);
	int one = 1, e;

	*local = false;
	if (u->raw)
		return udp_raw_send(s, &h->addr, port, (struct sockaddr *)&ss,
				    sl, local);
	if (p->fd < 0) {
		struct epoll_event ev = {.events = EPOLLIN | EPOLLERR};

		p->fd = socket(ss.ss_family,
			       SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (p->fd < 0) {
			*local = true;
			return 0;
		}
		if (h->addr.family == 4)
			setsockopt(p->fd, SOL_IP, IP_RECVERR, &one,
				   sizeof(one));
		else
			setsockopt(p->fd, SOL_IPV6, IPV6_RECVERR, &one,
				   sizeof(one));
		ev.data.u32 = pi;
		if (connect(p->fd, (struct sockaddr *)&ss, sl) < 0 ||
		    epoll_ctl(u->ep, EPOLL_CTL_ADD, p->fd, &ev) < 0) {
			e = errno;
			close(p->fd);
			p->fd = -1;
			return e == ENETUNREACH || e == EHOSTUNREACH ||
					       e == EACCES || e == EINVAL
				       ? -e
				       : (*local = true, 0);
		}
	}
	np = s->cfg.udp_payloads(s->cfg.ctx, port, data, len, MAX_PAYLOADS);
	for (k = 0; k < np; k++) {
		if (send(p->fd, data[k], len[k], MSG_NOSIGNAL) >= 0)
			continue;
		e = errno;
		if (e == ECONNREFUSED)
			continue; /* an earlier try's error: read from the queue */
		if (e == ENOBUFS || e == EAGAIN || e == ENOMEM) {
			*local = true;
			return 0;
		}
		return -e;
	}
	return 0;
}

/* The next port of h to probe, or -1. */
static int64_t next_port(struct portier_scan *s, struct udp_host *h)
{
	if (h->n_again)
		return h->again[--h->n_again];
	if (h->next_port < s->cfg.n_ports)
		return h->next_port++;
	return -1;
}

/* Send what h may send now; false when its limiter model stopped it. */
static int host_send(struct portier_scan *s, struct udp_host *h, uint32_t hi,
		     uint64_t now, bool *blocked, struct portier_err *err)
{
	struct udp_state *u = U(s);

	while (u->n_free && (h->n_again || h->next_port < s->cfg.n_ports)) {
		uint32_t pi;
		struct udp_probe *p;
		bool local, reserved = false;
		int64_t port_i;
		int rc;

		if (h->paced) {
			if (!portier_bucket_take(&h->limit, now)) {
				*blocked = true;
				return 0;
			}
			reserved = true;
		}
		if (!portier_bucket_take(&u->rate, now)) {
			give_back(h, &(struct udp_probe){.reserved = reserved});
			return 0;
		}
		port_i = next_port(s, h);
		pi = u->free_probes[--u->n_free];
		p = &u->probes[pi];
		p->busy = true;
		h->probe_of[port_i] = (int32_t)pi;
		p->host = hi;
		p->port_i = (uint32_t)port_i;
		p->reserved = reserved;
		if (reserved)
			h->covered[port_i] = 1;
		p->sent_ns = now;
		p->deadline = now + u->rto_ns;
		h->inflight++;
		h->tries[port_i]++;
		rc = send_probe(s, pi, &local);
		if (local) {
			h->tries[port_i]--;
			h->again[h->n_again++] = (uint32_t)port_i;
			give_back(h, p);
			probe_free(u, pi);
			s->st.local_errors++;
			return 0;
		}
		s->st.sent++;
		if (h->tries[port_i] > 1)
			s->st.retransmits++;
		if (rc < 0) {
			enum portier_reason why =
				rc == -ENETUNREACH ? PORTIER_REASON_NET_UNREACH
				: rc == -EHOSTUNREACH
					? PORTIER_REASON_HOST_UNREACH
				: rc == -EACCES ? PORTIER_REASON_BROADCAST
						: PORTIER_REASON_LOCAL_ERROR;

			give_back(h, p);
			emit(s, h, (uint32_t)port_i, PORTIER_PORT_FILTERED, why,
			     0, false, NULL);
			probe_free(u, pi);
		}
	}
	(void)err;
	return 0;
}

static void pace(struct portier_scan *s, struct udp_host *h)
{
	if (h->paced)
		return;
	h->paced = true;
	/* the limiter may be empty now: no token until one has grown */
	portier_bucket_init(&h->limit, ICMP_RATE, ICMP_BURST, portier_now_ns());
	h->limit.tokens = 0;
	if (h->icmp_seen)
		s->st.icmp_limited_hosts++;
}

/* A probe's wait is over with nothing back. */
static void expire_probe(struct portier_scan *s, uint32_t pi)
{
	struct udp_state *u = U(s);
	struct udp_probe *p = &u->probes[pi];
	struct udp_host *h = &u->hosts[p->host];
	uint32_t port_i = p->port_i;
	bool counted = true;

	if (p->reserved && udp_contested(u, p->sent_ns)) {
		/*
		 * Covered, but an error meanwhile may have drained a limiter
		 * the hosts share: this silence proves nothing, and the token
		 * stays spent; the port waits for a covered try in a quiet
		 * moment.
		 */
		h->covered[port_i] = 0;
		p->reserved = false;
		counted = false;
		s->st.icmp_contested++;
	} else if (h->icmp_seen && !p->reserved) {
		/*
		 * The host sends ICMP errors, but not for this probe, which
		 * the model did not cover: its limiter may have swallowed
		 * the error.  Pace the host from now on; this try is free.
		 */
		pace(s, h);
		counted = false;
	} else if (!h->covered[port_i] &&
		   h->tries[port_i] > s->cfg.max_retries) {
		/*
		 * Silent on every try, but none went out while the host's
		 * limiter surely had room (another scan may have emptied it
		 * just before): one more try, paced, before open|filtered.
		 */
		pace(s, h);
		counted = false;
	}
	give_back(h, p);
	probe_free(u, pi);
	if (!counted)
		h->tries[port_i]--;
	if (h->tries[port_i] <= s->cfg.max_retries)
		h->again[h->n_again++] = port_i;
	else
		emit(s, h, port_i, PORTIER_PORT_OPEN_FILTERED,
		     PORTIER_REASON_NO_RESPONSE, 0, false, NULL);
}

static void host_start(struct portier_scan *s, struct udp_host *h)
{
	struct udp_state *u = U(s);

	memset(h->tries, 0, s->cfg.n_ports);
	memset(h->covered, 0, s->cfg.n_ports);
	memset(h->probe_of, 0xff, s->cfg.n_ports * sizeof(int32_t));
	portier_targets_at(s->cfg.targets,
			   (s->cfg.shard_k - 1) +
				   u->next_host++ * s->cfg.shard_n,
			   &h->addr);
	h->used = true;
	h->next_port = 0;
	h->left = (uint32_t)s->cfg.n_ports;
	h->inflight = h->n_again = 0;
	h->icmp_seen = h->paced = false;
}

int scan_udp_run(struct portier_scan *s, struct portier_err *err)
{
	struct udp_state *u = U(s);
	struct epoll_event ev[MAX_EVENTS];
	uint64_t last_tick;
	int rc;

	s->start_ns = last_tick = portier_now_ns();
	portier_bucket_init(&u->rate, s->cfg.max_rate > 0 ? s->cfg.max_rate : 0,
			    s->cfg.max_rate > 0 && s->cfg.max_rate / 100 > 16
				    ? s->cfg.max_rate / 100
				    : 16,
			    s->start_ns);
	for (;;) {
		uint64_t now = portier_now_ns(), wake = now + 200000000ull;
		bool busy = false, blocked = false, sent_any;
		uint64_t sent_before = s->st.sent;
		uint32_t i;
		int n, k, timeout;

		if (s->cfg.stop && *s->cfg.stop) {
			s->st.interrupted = true;
			break;
		}
		for (i = 0; i < u->n_hosts; i++) {
			struct udp_host *h = &u->hosts[i];

			if (h->used && h->left == 0)
				h->used = false;
			if (!h->used && u->next_host < u->n_targets)
				host_start(s, h);
			if (!h->used)
				continue;
			busy = true;
			if ((rc = host_send(s, h, i, now, &blocked, err)) < 0)
				return rc;
			if (h->paced &&
			    (h->n_again || h->next_port < s->cfg.n_ports)) {
				uint64_t w =
					portier_bucket_wait_ns(&h->limit, now);

				if (now + w < wake)
					wake = now + w;
			}
		}
		if (!busy)
			break;
		sent_any = s->st.sent != sent_before;
		for (i = 0; i < u->n_probes; i++)
			if (u->probes[i].busy && u->probes[i].deadline < wake)
				wake = u->probes[i].deadline;
		if (!sent_any && blocked && u->n_free &&
		    portier_bucket_wait_ns(&u->rate, now) == 0) {
			/* only the targets' ICMP limits hold the scan up */
			uint64_t until = wake;

			for (i = 0; i < u->n_probes; i++)
				if (u->probes[i].busy)
					until = now; /* still waiting on a probe */
			s->st.icmp_wait_ns += until - now;
		}
		timeout =
			wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
		n = epoll_wait(u->ep, ev, MAX_EVENTS, timeout);
		if (n < 0 && errno != EINTR)
			return portier_err_set(err, -errno, "epoll_wait: %s",
					       strerror(errno));
		now = portier_now_ns();
		for (k = 0; k < n; k++) {
			uint32_t pi = ev[k].data.u32;

			if (pi & RAW_TAG) {
				udp_raw_read(s, pi & ~RAW_TAG, now);
				continue;
			}
			if (pi >= u->n_probes || !u->probes[pi].busy)
				continue;
			if (ev[k].events & EPOLLERR && read_error(s, pi, now))
				continue;
			if (ev[k].events & EPOLLIN)
				read_data(s, pi, now);
		}
		for (i = 0; i < u->n_probes; i++)
			if (u->probes[i].busy && u->probes[i].deadline <= now)
				expire_probe(s, i);
		if (now - last_tick >= 200000000ull) {
			last_tick = now;
			portier_scan_get_stats(s, &s->st);
			if (s->cfg.on_tick)
				s->cfg.on_tick(s->cfg.ctx, &s->st);
		}
	}
	portier_scan_get_stats(s, &s->st);
	if (s->cfg.on_tick)
		s->cfg.on_tick(s->cfg.ctx, &s->st);
	return 0;
}
