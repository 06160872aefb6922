/*
 * udp_int.h - what the UDP scan's loop (udp.c) and its raw-socket mode
 * (udp_raw.c) share: the probe, host and scan state, and the calls that
 * turn an answer into a result.
 */
#ifndef PORTIER_SCAN_UDP_INT_H
#define PORTIER_SCAN_UDP_INT_H

#include "scan/scan_int.h"

#define HOST_WINDOW	 256  /* hosts probed at once */
#define DEFAULT_INFLIGHT 1024 /* probes (sockets) in flight */
#define UDP_MIN_RTO_MS	 100  /* services take a moment to answer */
#define ICMP_RATE	 1.0  /* the limiter model: Linux's default */
#define ICMP_BURST	 6.0
#define MAX_PAYLOADS	 2
#define MAX_EVENTS	 256
#define REPLY_MAX	 2048

#define RAW_TAG 0x80000000u /* epoll data of the raw mode's shared sockets */

struct udp_probe {
	bool busy;
	int fd;		 /* connected mode: the probe's socket, else -1 */
	uint32_t host;	 /* index into hosts */
	uint32_t port_i; /* index into cfg.ports */
	uint64_t sent_ns, deadline;
	bool reserved; /* took a token of its host's limiter model */
};

struct udp_host {
	bool used;
	struct portier_addr addr;
	uint32_t next_port; /* first port index never started */
	uint32_t left;	    /* ports without a final state */
	uint32_t inflight;
	uint8_t *tries;	   /* per port: tries that counted */
	uint8_t *covered;  /* per port: a try went out with a token */
	uint32_t *again;   /* port indexes to send again */
	int32_t *probe_of; /* per port: its probe in flight, or -1 */
	uint32_t n_again;
	bool icmp_seen, paced;
	struct portier_bucket limit; /* model of the host's ICMP limiter */
};

struct udp_state {
	int ep;
	uint64_t last_err_ns; /* the latest ICMP error received, 0: none yet
			       * (udp_contested) */
	struct udp_probe *probes;
	uint32_t n_probes, *free_probes, n_free;
	struct udp_host *hosts;
	uint32_t n_hosts;   /* window size */
	uint64_t next_host; /* next of this shard's hosts to start */
	uint64_t n_targets; /* hosts in this shard (all without --shard) */
	struct portier_bucket rate;
	struct scan_rtt rtt; /* in nanoseconds */
	uint64_t rto_ns, min_rto_ns, max_rto_ns;
	/* raw mode: [0] IPv4, [1] IPv6 */
	bool raw;
	int sock[2], icmp[2];
	uint16_t sport[2];
};

static inline struct udp_state *U(struct portier_scan *s)
{
	return s->mstate;
}

/* udp.c: an answer decided probe pi */
void udp_got_data(struct portier_scan *s, uint32_t pi, const uint8_t *buf,
		  size_t n, uint64_t now);
void udp_got_error(struct portier_scan *s, uint32_t pi,
		   enum portier_port_state st, enum portier_reason why,
		   uint64_t now);
/* the state an ICMP (v6: ICMPv6) error of type and code means */
bool udp_icmp_state(bool v6, unsigned type, unsigned code, bool from_target,
		    enum portier_port_state *st, enum portier_reason *why);

/* udp_raw.c: the shared sockets of raw mode */
int udp_raw_open(struct portier_scan *s, struct portier_err *err);
void udp_raw_read(struct portier_scan *s, uint32_t which, uint64_t now);
int udp_raw_send(struct portier_scan *s, const struct portier_addr *a,
		 uint16_t port, const struct sockaddr *sa, socklen_t sl,
		 bool *local);

#endif
