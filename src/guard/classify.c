/*
 * classify.c - what a flagged source was doing, and with what.
 *
 * The scan type is the dominant probe kind (parse.c decides the kind of
 * each probe from its flags and options).  The tool fingerprints are the
 * habits of the two common raw scanners as they show on the wire: nmap
 * sends windows of 1024 to 4096 in steps of 1024, a SYN carrying only an
 * MSS option and other probes with no options; masscan sends a SYN with no
 * options at all and keeps one source port for the whole scan (and over
 * IPv4 a TTL of 255).  A fingerprint is claimed only when at least 60% of a
 * source's probes carry it: evidence for a human, reported beside the
 * counts it rests on, never a reason to block on its own.
 */
#include "guard/guard_int.h"

static bool nmap_window(uint16_t w)
{
	return w == 1024 || w == 2048 || w == 3072 || w == 4096;
}

/*
 * nmap's raw probes: a window of 1024..4096 in steps of 1024, a SYN with a
 * bare MSS option, other flag probes with no options.  masscan's: a SYN
 * with no options at all (and one source port for the whole scan); over
 * IPv4 also a TTL of 255 on its UDP datagrams.
 */
void guard_fingerprint(struct portier_guard_source *s,
		       const struct portier_guard_probe *p,
		       enum portier_guard_kind k)
{
	switch (k) {
	case PG_KIND_SYN:
		if (p->opt_len == 0)
			s->masscan_like++;
		else if (p->opt_mask == PG_OPT_MSS && nmap_window(p->window))
			s->nmap_like++;
		break;
	case PG_KIND_FIN:
	case PG_KIND_NULL:
	case PG_KIND_XMAS:
	case PG_KIND_ACK:
	case PG_KIND_MAIMON:
		if (p->opt_len == 0 && nmap_window(p->window))
			s->nmap_like++;
		break;
	case PG_KIND_UDP:
		if (p->family == 4 && p->ttl == 255 && p->payload == 0)
			s->masscan_like++;
		else if (p->family == 4 && p->ttl < 64 && p->payload == 0)
			s->nmap_like++;
		break;
	default:
		break;
	}
}

struct portier_guard_class
portier_guard_classify(const struct portier_guard_source *s)
{
	struct portier_guard_class c = {PG_KIND_NONE, "unknown"};
	uint32_t best = 0, n = 0;
	int k;

	for (k = 0; k < PG_KIND_NONE; k++) {
		n += s->kinds[k];
		if (s->kinds[k] > best) {
			best = s->kinds[k];
			c.kind = (enum portier_guard_kind)k;
		}
	}
	if (!n)
		return c;
	/* a tool fingerprint needs at least 60% of the probes behind it */
	if ((uint64_t)s->masscan_like * 10 >= (uint64_t)n * 6 &&
	    (uint64_t)s->same_sport * 10 >= (uint64_t)(n - 1) * 6)
		c.tool = "masscan-like";
	else if ((uint64_t)s->nmap_like * 10 >= (uint64_t)n * 6)
		c.tool = "nmap-like";
	return c;
}
