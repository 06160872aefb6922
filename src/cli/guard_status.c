/*
 * guard_status.c - `portier guard --status`: the bans in the kernel's table
 * and the packets they dropped, the bans of the state file against the
 * kernel's (and every difference), and the top sources of the checkpoint.
 * Read-only: nothing is restored or renamed here.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/guard_run.h"

struct top {
	const struct portier_guard_source *v[10];
	size_t n;
};

static bool keep_top(const struct portier_guard_source *s, void *ctx)
{
	struct top *t = ctx;
	size_t i, at;

	for (at = 0; at < t->n; at++)
		if (s->llr > t->v[at]->llr)
			break;
	if (at >= 10)
		return true;
	if (t->n < 10)
		t->n++;
	for (i = t->n - 1; i > at; i--)
		t->v[i] = t->v[i - 1];
	t->v[at] = s;
	return true;
}

/* How a ban stands between the state file and the kernel. */
static const char *where(enum portier_guard_ban_state s)
{
	return s == PG_BAN_IN_KERNEL	 ? "both"
	       : s == PG_BAN_KERNEL_ONLY ? "kernel-only"
					 : "state-only";
}

/* The bans of the state file against the kernel's, and the difference. */
static void show_diff(struct guard_run *r, const struct portier_guard_det *det,
		      const struct portier_guard_nft_listing *l)
{
	struct portier_guard_bans_config cfg = {
		.block = true, .v6_prefix64 = r->o->v6_prefix64};
	struct portier_guard_bans b;
	char text[PORTIER_PREFIX_STRLEN];
	size_t i, in_state;

	if (portier_guard_bans_compare(det, l, &r->o->allow, &cfg,
				       guard_wall_us(), &b) < 0) {
		cli_error(r->cli, "out of memory comparing bans");
		return;
	}
	in_state = b.n - b.count[PG_BAN_KERNEL_ONLY];
	if (!r->o->json)
		printf("bans in the state file: %zu, in the kernel: %zu, "
		       "differences: %zu\n",
		       in_state, l ? l->n : 0, b.n - b.count[PG_BAN_IN_KERNEL]);
	for (i = 0; i < b.n; i++) {
		const struct portier_guard_ban_row *w = &b.v[i];

		portier_prefix_str(&w->ban, text, sizeof(text));
		if (r->o->json)
			printf("{\"type\":\"ban\",\"address\":\"%s\","
			       "\"prefix\":%u,\"where\":\"%s\","
			       "\"state_seconds\":%u,\"kernel_seconds\":%u}\n",
			       portier_addr_str(&w->ban.addr, text,
						sizeof(text)),
			       w->ban.plen, where(w->state), w->state_s,
			       w->kernel_s);
		else if (w->state != PG_BAN_IN_KERNEL)
			printf("  %s  %s (%us left by the %s)\n", text,
			       w->state == PG_BAN_KERNEL_ONLY
				       ? "only in the kernel"
			       : w->state == PG_BAN_RESTORE
				       ? "only in the state file: guard puts "
					 "it back when it starts"
				       : "only in the state file: guard "
					 "judges the source afresh when it "
					 "starts",
			       w->state == PG_BAN_KERNEL_ONLY ? w->kernel_s
							      : w->state_s,
			       w->state == PG_BAN_KERNEL_ONLY ? "kernel"
							      : "state file");
	}
	portier_guard_bans_free(&b);
}

int guard_show_status(struct guard_run *r)
{
	struct portier_guard_nft_listing l = {0};
	struct portier_guard_det *det = NULL;
	struct portier_err err = {0}, lerr = {0};
	struct top top = {.n = 0};
	char dirbuf[4096], path[4200], addr[PORTIER_PREFIX_STRLEN], when[32];
	size_t i;
	int rc = portier_guard_nft_read(&l, &err), lrc;

	if (rc < 0 && rc != PORTIER_ENOENT)
		return cli_report(r->cli, &err);
	snprintf(path, sizeof(path), "%s/guard.state",
		 guard_state_dir(r->o, dirbuf, sizeof(dirbuf)));
	if (portier_guard_det_new(&det, &r->o->cfg, &err) < 0) {
		portier_guard_nft_listing_free(&l);
		return cli_report(r->cli, &err);
	}
	lrc = portier_guard_checkpoint_load(det, path, &lerr);
	if (lrc == 0)
		portier_guard_det_each(det, keep_top, &top);
	else if (lrc != PORTIER_ENOENT)
		cli_report(r->cli, &lerr); /* and show the kernel's side */
	if (!r->o->json) {
		printf("blocks in table inet portier_guard: %zu%s\n", l.n,
		       rc == PORTIER_ENOENT ? " (no table: guard --block has "
					      "not run here)"
					    : "");
		if (rc == 0)
			printf("packets dropped by the block rules: %llu IPv4, "
			       "%llu IPv6\n",
			       (unsigned long long)l.drops4,
			       (unsigned long long)l.drops6);
	} else if (rc == 0) {
		printf("{\"type\":\"drops\",\"ipv4\":%llu,\"ipv6\":%llu}\n",
		       (unsigned long long)l.drops4,
		       (unsigned long long)l.drops6);
	}
	for (i = 0; i < l.n; i++) {
		if (r->o->json)
			printf("{\"type\":\"block\",\"address\":\"%s\","
			       "\"prefix\":%u,\"timeout\":%u,\"expires\":%u}\n",
			       portier_addr_str(&l.blocks[i].prefix.addr, addr,
						sizeof(addr)),
			       l.blocks[i].prefix.plen, l.blocks[i].timeout_s,
			       l.blocks[i].expires_s);
		else
			printf("  %s  expires in %us (of %us)\n",
			       portier_prefix_str(&l.blocks[i].prefix, addr,
						  sizeof(addr)),
			       l.blocks[i].expires_s, l.blocks[i].timeout_s);
	}
	show_diff(r, det, rc == 0 ? &l : NULL);
	if (!r->o->json)
		printf("top sources (checkpoint %s): %zu\n", path, top.n);
	for (i = 0; i < top.n; i++) {
		const struct portier_guard_source *s = top.v[i];
		struct portier_guard_class c = portier_guard_classify(s);

		portier_addr_str(&s->addr, addr, sizeof(addr));
		if (r->o->json)
			printf("{\"type\":\"source\",\"source\":\"%s\",\"llr\":%.3f,"
			       "\"probes\":%u,\"failures\":%u,\"successes\":%u,"
			       "\"offenses\":%u,\"scan_type\":\"%s\","
			       "\"last_seen\":\"%s\"}\n",
			       addr, s->llr, s->probes, s->failures,
			       s->successes, s->offenses,
			       portier_guard_kind_name(c.kind),
			       portier_guard_time_str(s->last_us, when,
						      sizeof(when)));
		else
			printf("  %-39s score %6.2f  %u probes, %u failed, %u "
			       "open, %u offences, %s, last %s\n",
			       addr, s->llr, s->probes, s->failures,
			       s->successes, s->offenses,
			       portier_guard_kind_name(c.kind),
			       portier_guard_time_str(s->last_us, when,
						      sizeof(when)));
	}
	portier_guard_det_free(det);
	portier_guard_nft_listing_free(&l);
	return EXIT_OK;
}
