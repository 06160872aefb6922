/*
 * restore.c - the kernel is the truth.  guard remembers its bans (flagged
 * sources and when their bans end) in the checkpoint, but only the block
 * sets of table inet portier_guard stop a scanner, and they vanish with a
 * reboot, `nft flush ruleset` or a firewall manager's reload.  This file
 * compares the two and decides, ban by ban, what the daemon does: leave it
 * (in the kernel), put it back for the time it has left, or release the
 * source so that it is judged again like any other.  A remembered ban
 * never hides a source that the kernel does not block.
 *
 * Pure: the daemon (src/cli/cmd_guard.c) reads the table, asks here, and
 * carries the answer out in one nftables transaction.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "guard/guard_int.h"
#include "portier/guard_nft.h"

struct cmp_ctx {
	const struct portier_guard_nft_listing *kernel;
	const struct portier_guard_block **sorted; /* kernel blocks, sorted */
	bool *used;				   /* per sorted block */
	const struct portier_guard_allow *allow;
	const struct portier_guard_bans_config *cfg;
	bool intact;
	uint64_t now_us;
	struct portier_guard_bans *out;
	size_t cap;
	int rc;
};

static int prefix_cmp(const struct portier_prefix *a,
		      const struct portier_prefix *b)
{
	int c = portier_addr_cmp(&a->addr, &b->addr);

	return c ? c : (int)a->plen - (int)b->plen;
}

static int block_cmp(const void *a, const void *b)
{
	const struct portier_guard_block *const *x = a, *const *y = b;

	return prefix_cmp(&(*x)->prefix, &(*y)->prefix);
}

/* The index of element p in the sorted kernel blocks, or -1. */
static long kernel_find(const struct cmp_ctx *c, const struct portier_prefix *p)
{
	size_t lo = 0, hi = c->kernel ? c->kernel->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = prefix_cmp(&c->sorted[mid]->prefix, p);

		if (r == 0)
			return (long)mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The kernel's element holding addr: the address itself or its /64. */
static long kernel_holding(const struct cmp_ctx *c,
			   const struct portier_addr *addr)
{
	struct portier_prefix p = {*addr, addr->family == 4 ? 32 : 128};
	long at = kernel_find(c, &p);

	if (at >= 0 || addr->family != 6)
		return at;
	p.plen = 64;
	portier_prefix_clear_host(&p);
	return kernel_find(c, &p);
}

static int add_row(struct cmp_ctx *c, const struct portier_guard_ban_row *r)
{
	struct portier_guard_bans *b = c->out;

	if (portier_grow(&b->v, &c->cap, b->n + 1, sizeof(*b->v), 32) < 0)
		return PORTIER_ENOMEM;
	b->v[b->n++] = *r;
	b->count[r->state]++;
	return 0;
}

static uint32_t seconds_left(uint64_t until_us, uint64_t now_us)
{
	uint64_t s = (until_us - now_us + 999999) / 1000000;

	return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

static bool compare_one(const struct portier_guard_source *s, void *ctx)
{
	struct cmp_ctx *c = ctx;
	struct portier_guard_ban_row r;
	const struct portier_guard_cidr *why;
	unsigned plen;
	long at;

	if (!s->flagged_us || s->ban_until_us <= c->now_us)
		return true; /* not banned by memory */
	memset(&r, 0, sizeof(r));
	r.source = s->addr;
	r.state_s = seconds_left(s->ban_until_us, c->now_us);
	at = kernel_holding(c, &s->addr);
	if (at >= 0) {
		c->used[at] = true;
		r.state = PG_BAN_IN_KERNEL;
		r.ban = c->sorted[at]->prefix;
		r.kernel_s = c->sorted[at]->expires_s;
	} else {
		/* the element the daemon would have added for it */
		plen = portier_guard_ban_prefix(c->allow, &s->addr,
						c->cfg->v6_prefix64, &why);
		r.ban.addr = s->addr;
		r.ban.plen = (uint8_t)(plen		     ? plen
				       : s->addr.family == 4 ? 32
							     : 128);
		portier_prefix_clear_host(&r.ban);
		r.state =
			c->cfg->block && plen && !(c->cfg->running && c->intact)
				? PG_BAN_RESTORE
				: PG_BAN_RELEASE;
	}
	c->rc = add_row(c, &r);
	return c->rc == 0;
}

int portier_guard_bans_compare(const struct portier_guard_det *d,
			       const struct portier_guard_nft_listing *kernel,
			       const struct portier_guard_allow *allow,
			       const struct portier_guard_bans_config *cfg,
			       uint64_t now_us, struct portier_guard_bans *out)
{
	struct cmp_ctx c = {.kernel = kernel,
			    .allow = allow,
			    .cfg = cfg,
			    .intact =
				    kernel && portier_guard_nft_intact(kernel),
			    .now_us = now_us,
			    .out = out};
	size_t i, n = kernel ? kernel->n : 0;

	memset(out, 0, sizeof(*out));
	c.sorted = portier_calloc(n ? n : 1, sizeof(*c.sorted));
	c.used = portier_calloc(n ? n : 1, sizeof(*c.used));
	if (!c.sorted || !c.used) {
		c.rc = PORTIER_ENOMEM;
		goto done;
	}
	for (i = 0; i < n; i++)
		c.sorted[i] = &kernel->blocks[i];
	qsort(c.sorted, n, sizeof(*c.sorted), block_cmp);
	portier_guard_det_each(d, compare_one, &c);
	for (i = 0; c.rc == 0 && i < n; i++) {
		struct portier_guard_ban_row r = {.state = PG_BAN_KERNEL_ONLY};

		if (c.used[i])
			continue;
		r.ban = c.sorted[i]->prefix;
		r.kernel_s = c.sorted[i]->expires_s;
		c.rc = add_row(&c, &r);
	}
done:
	portier_free(c.sorted);
	portier_free(c.used);
	if (c.rc < 0)
		portier_guard_bans_free(out);
	return c.rc;
}

void portier_guard_bans_give_up(struct portier_guard_bans *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->v[i].state == PG_BAN_RESTORE)
			b->v[i].state = PG_BAN_RELEASE;
	b->count[PG_BAN_RELEASE] += b->count[PG_BAN_RESTORE];
	b->count[PG_BAN_RESTORE] = 0;
}

void portier_guard_bans_free(struct portier_guard_bans *b)
{
	portier_free(b->v);
	memset(b, 0, sizeof(*b));
}

const char *portier_guard_ban_state_name(enum portier_guard_ban_state s)
{
	switch (s) {
	case PG_BAN_IN_KERNEL:
		return "in-kernel";
	case PG_BAN_RESTORE:
		return "restored";
	case PG_BAN_RELEASE:
		return "released";
	case PG_BAN_KERNEL_ONLY:
		return "kernel-only";
	default:
		return "?";
	}
}

char *portier_guard_bans_json(const struct portier_guard_bans *b,
			      const char *reason, bool rebuilt, uint64_t now_us)
{
	json_t *o, *bans = json_array();
	char when[32];
	size_t i;

	for (i = 0; bans && i < b->n; i++) {
		const struct portier_guard_ban_row *r = &b->v[i];
		char addr[PORTIER_ADDR_STRLEN], src[PORTIER_ADDR_STRLEN];

		if (r->state != PG_BAN_RESTORE && r->state != PG_BAN_RELEASE)
			continue;
		json_array_append_new(
			bans,
			json_pack(
				"{s:s, s:i, s:s, s:s, s:I}", "address",
				portier_addr_str(&r->ban.addr, addr,
						 sizeof(addr)),
				"prefix", r->ban.plen, "source",
				portier_addr_str(&r->source, src, sizeof(src)),
				"state", portier_guard_ban_state_name(r->state),
				"seconds", (json_int_t)r->state_s));
	}
	o = json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:o}", "type",
		      "restore", "time",
		      portier_guard_time_str(now_us, when, sizeof(when)),
		      "reason", reason, "rebuilt", rebuilt, "restored",
		      (json_int_t)b->count[PG_BAN_RESTORE], "in_kernel",
		      (json_int_t)b->count[PG_BAN_IN_KERNEL], "released",
		      (json_int_t)b->count[PG_BAN_RELEASE], "kernel_only",
		      (json_int_t)b->count[PG_BAN_KERNEL_ONLY], "bans", bans);
	return guard_json_line(o);
}
