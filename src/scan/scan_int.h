/*
 * scan_int.h - what the engine (engine.c) and its methods (connect.c,
 * syn.c) share: the slot table of probes in flight and the method interface.
 *
 * A slot is one (address, port) being probed.  The engine owns the slots,
 * the timers and the retransmissions; a method only knows how to put one
 * probe on the wire and how to wait for answers, which it hands back with
 * scan_answer().
 */
#ifndef PORTIER_SCAN_INT_H
#define PORTIER_SCAN_INT_H

#include <sys/socket.h>

#include "portier/scan.h"

struct scan_slot {
	uint64_t seq; /* shard-local sequence number (resume unit) */
	struct portier_addr addr;
	uint16_t port;
	uint8_t tries;
	uint8_t active; /* 0 free, 1 queued, 2 in flight, 3 answered while queued */
	uint32_t gen;	  /* bumps when the slot is reused: stale timers */
	uint64_t sent_ns; /* last transmission */
	int fd;		  /* connect method: the socket, or -1 */
	int32_t hnext;	  /* hash chain (SYN replies find their slot) */
};

/* What a method reports for a slot. */
enum scan_send_rc {
	SCAN_SENT = 0,	  /* on the wire, wait for an answer */
	SCAN_LOCAL = 1,	  /* local resource shortage: try again later */
	SCAN_DECIDED = 2, /* answered at once (scan_answer was called) */
};

struct scan_method {
	const char *name;
	unsigned default_inflight;
	int (*open)(struct portier_scan *s, struct portier_err *err);
	/* start (or restart) the probe of slot; returns enum scan_send_rc or
	 * a negative fatal error */
	int (*send)(struct portier_scan *s, uint32_t slot,
		    struct portier_err *err);
	/* wait up to timeout_ms for answers and deliver them */
	int (*wait)(struct portier_scan *s, int timeout_ms,
		    struct portier_err *err);
	/* the slot timed out or finished: release what send() took */
	void (*release)(struct portier_scan *s, uint32_t slot);
	void (*close)(struct portier_scan *s);
};

struct scan_timer {
	uint32_t slot, gen;
	uint64_t deadline;
};

/* RFC 6298's estimator of a path's reply time (units are the user's). */
struct scan_rtt {
	double srtt, rttvar;
	bool have;
};
/* Add a sample r (Karn's rule is the caller's: none from a retried probe)
 * and return the timeout srtt + 4 x rttvar, kept within [lo, hi]. */
double scan_rtt_add(struct scan_rtt *e, double r, double lo, double hi);

struct portier_scan {
	struct portier_scan_config cfg;
	const struct scan_method *m;
	struct portier_perm perm;
	uint64_t total; /* sequence numbers this shard owns */
	uint64_t next;	/* first never started */

	struct scan_slot *slots;
	uint32_t n_slots;
	uint32_t *free_list;
	uint32_t n_free;
	int32_t *hash;
	uint32_t hash_mask;

	/* timers, in send order (a ring that grows) */
	struct scan_timer *timers;
	size_t t_head, t_len, t_cap;
	/* slots waiting for (re)transmission */
	uint32_t *queue;
	size_t q_head, q_len;
	/* resumed sequence numbers still to start */
	uint64_t *resume;
	size_t n_resume, resume_at;

	/* congestion and timing */
	double cwnd, ssthresh;
	unsigned inflight;   /* slots sent and waiting */
	struct scan_rtt rtt; /* in microseconds */
	uint32_t rto_us, min_rto_us, max_rto_us;
	struct portier_bucket bucket;
	uint64_t hold_until_ns; /* back-off after a local shortage */
	uint64_t starved_since; /* shortages with nothing in flight since */

	struct portier_scan_stats st;
	uint64_t start_ns, last_tick_ns, tick_sent;
	uint64_t adapt_ns, adapt_sent, adapt_replies, adapt_late;
	bool lossy; /* the path dropped probes under load: extra tries allowed */
	double base_loss; /* loss that slowing down did not cure (random) */
	/* first probes answered and timed out, and at the last judgment */
	uint64_t first_ok, first_lost, adapt_first_ok, adapt_first_lost;
	/* the last slowdown, until it is judged (cut_ns 0: none pending) */
	uint64_t cut_ns;
	double cut_delivery, cut_cwnd, cut_ssthresh, cut_rate;
	int answered_state; /* while release() runs for an answer: its state, else -1 */

	void *mstate; /* the method's own state */
};

/*
 * The method saw a final answer for slot: records the result, frees the
 * slot.  ttl is the reply's TTL (0 if unknown).
 */
void scan_answer(struct portier_scan *s, uint32_t slot,
		 enum portier_port_state state, enum portier_reason reason,
		 uint8_t ttl);
/* A probe in flight failed for a local reason: queue it again, no try used. */
void scan_requeue(struct portier_scan *s, uint32_t slot);
/* The slot probing (addr, port), or -1. */
int32_t scan_find(const struct portier_scan *s, const struct portier_addr *a,
		  uint16_t port);

/* pace.c: the window, rate, timeouts and tries of the TCP scan */
#define SCAN_MIN_CWND 8.0
void scan_pace_start(struct portier_scan *s);
/* a reply time (us) of a probe answered at its first try */
void scan_rtt_sample(struct portier_scan *s, double rtt_us);
/* an answer came, or a port was found filtered: open the window */
void scan_grow(struct portier_scan *s);
/* every loop turn: judge the loss since the last look, cut or speed up */
void scan_adapt(struct portier_scan *s, uint64_t now);
/* probes a port gets before silence means filtered */
unsigned scan_allowed_tries(const struct portier_scan *s);
/* how long the probe just sent for sl waits for its answer (us) */
uint64_t scan_wait_us(const struct portier_scan *s, const struct scan_slot *sl);

/* sock.c: a target port's sockaddr; lower cfg.max_inflight to the file
 * descriptors this process may hold (raising the soft limit first). */
socklen_t scan_sockaddr(const struct portier_addr *a, uint16_t port,
			struct sockaddr_storage *ss);
void scan_fd_room(struct portier_scan *s);

/* udp.c: the UDP scan, its own loop (per-host ICMP pacing) */
int scan_udp_new(struct portier_scan *s, struct portier_err *err);
int scan_udp_run(struct portier_scan *s, struct portier_err *err);
void scan_udp_free(struct portier_scan *s);

extern const struct scan_method scan_method_connect;
extern const struct scan_method scan_method_syn;

#endif
