/*
 * judge.c - did a probe fail, succeed, or belong to a real conversation?
 *
 * A host-based scan detector cannot watch replies the way a network monitor
 * does, so it asks the socket table instead: a SYN or a datagram to a port
 * nobody listens on is a failed attempt, one to a listener a success.  A TCP
 * packet without SYN is only legitimate inside a connection; FIN, NULL,
 * Xmas, ACK and Maimon scans are exactly such packets outside any
 * connection.  The judge keeps a direct-mapped cache of flows it has seen
 * open (inbound SYN to a listener, anything this host sent) so that the
 * packets of ordinary connections never cost a socket-table lookup; a miss
 * asks the environment once and caches a yes.
 */
#include <string.h>

#include "portier/guard.h"

#define FLOW_IDLE_US (15ull * 60 * 1000000) /* recheck a flow after this */

struct flow {
	uint8_t family, proto, used;
	uint16_t rport, lport;
	uint8_t raddr[16], laddr[16];
	uint64_t last_us;
};

struct portier_guard_judge {
	struct flow *flows;
	size_t mask;
	struct portier_guard_env env;
};

int portier_guard_judge_new(struct portier_guard_judge **out, size_t n_flows,
			    const struct portier_guard_env *env)
{
	struct portier_guard_judge *j;
	size_t n = portier_pow2_size(n_flows, 64, (size_t)1 << 24);

	*out = NULL;
	j = portier_calloc(1, sizeof(*j));
	if (!j)
		return PORTIER_ENOMEM;
	j->flows = portier_calloc(n, sizeof(*j->flows));
	if (!j->flows) {
		portier_free(j);
		return PORTIER_ENOMEM;
	}
	j->mask = n - 1;
	j->env = *env;
	*out = j;
	return 0;
}

void portier_guard_judge_free(struct portier_guard_judge *j)
{
	if (!j)
		return;
	portier_free(j->flows);
	portier_free(j);
}

/* The flow of p seen from this host: remote and local ends. */
static void flow_key(const struct portier_guard_probe *p, struct flow *k)
{
	memset(k, 0, sizeof(*k));
	k->family = p->family;
	k->proto = p->proto;
	if (p->outgoing) {
		memcpy(k->raddr, p->dst, 16);
		memcpy(k->laddr, p->src, 16);
		k->rport = p->dport;
		k->lport = p->sport;
	} else {
		memcpy(k->raddr, p->src, 16);
		memcpy(k->laddr, p->dst, 16);
		k->rport = p->sport;
		k->lport = p->dport;
	}
}

/* FNV-1a over the key fields. */
static size_t flow_hash(const struct flow *k)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < 16; i++)
		h = (h ^ k->raddr[i]) * 16777619u;
	h = (h ^ k->rport) * 16777619u;
	h = (h ^ k->lport) * 16777619u;
	h = (h ^ k->proto) * 16777619u;
	for (i = 0; i < 16; i++)
		h = (h ^ k->laddr[i]) * 16777619u;
	return h;
}

static bool same_flow(const struct flow *a, const struct flow *b)
{
	return a->family == b->family && a->proto == b->proto &&
	       a->rport == b->rport && a->lport == b->lport &&
	       !memcmp(a->raddr, b->raddr, 16) &&
	       !memcmp(a->laddr, b->laddr, 16);
}

static bool flow_known(struct portier_guard_judge *j,
		       const struct portier_guard_probe *p)
{
	struct flow k;
	struct flow *f;

	flow_key(p, &k);
	f = &j->flows[flow_hash(&k) & j->mask];
	if (!f->used || !same_flow(f, &k))
		return false;
	if (p->ts_us > f->last_us + FLOW_IDLE_US)
		return false;
	if (p->ts_us > f->last_us)
		f->last_us = p->ts_us;
	return true;
}

static void flow_learn(struct portier_guard_judge *j,
		       const struct portier_guard_probe *p)
{
	struct flow k;

	flow_key(p, &k);
	k.used = 1;
	k.last_us = p->ts_us;
	j->flows[flow_hash(&k) & j->mask] = k; /* a collision just evicts */
}

enum portier_guard_outcome
portier_guard_judge(struct portier_guard_judge *j,
		    const struct portier_guard_probe *p,
		    enum portier_guard_kind k)
{
	if (p->outgoing) {
		/* our own connections and queries; a RST or an ICMP error
		 * we send opens nothing */
		if ((p->proto == 6 && !(p->tcp_flags & PG_RST)) ||
		    p->proto == 17)
			flow_learn(j, p);
		return PG_NEUTRAL;
	}
	switch (k) {
	case PG_KIND_NONE:
		return PG_NEUTRAL;
	case PG_KIND_OTHER:
		if (!p->partial)
			break;
		/* a fragment: its flags are unknown, take it for a SYN */
		/* fall through */
	case PG_KIND_SYN:
	case PG_KIND_CONNECT:
		if (j->env.listening && j->env.listening(j->env.ctx, p)) {
			flow_learn(j, p);
			return PG_SUCCESS;
		}
		return PG_FAILURE;
	case PG_KIND_UDP:
		if (flow_known(j, p))
			return PG_NEUTRAL; /* a reply to our own datagram */
		if (j->env.listening && j->env.listening(j->env.ctx, p))
			return PG_SUCCESS;
		return PG_FAILURE;
	default:
		break;
	}
	/* a TCP packet without SYN: fine inside a connection only */
	if (flow_known(j, p))
		return PG_NEUTRAL;
	if (j->env.connected && j->env.connected(j->env.ctx, p)) {
		flow_learn(j, p);
		return PG_NEUTRAL;
	}
	return PG_FAILURE;
}
