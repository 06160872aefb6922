/*
 * guard_keep.c - `portier guard` keeps the kernel's table true to what it
 * remembers: at start (after loading its checkpoint) and whenever the
 * table loses something while it runs, it reads the table back, asks the
 * library what to do with each remembered ban (portier_guard_bans_compare)
 * and carries that out: one nftables transaction puts the table and the
 * missing bans back, and sources whose bans will not come back are judged
 * again.  Each check that changed anything is reported as an event.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "cli/guard_run.h"

uint64_t guard_wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

const char *guard_state_dir(const struct guard_opts *o, char *buf, size_t len)
{
	const char *env = getenv("PORTIER_STATE_DIR");

	if (o->state_dir)
		return o->state_dir;
	if (env && *env) {
		snprintf(buf, len, "%s/guard", env);
		return buf;
	}
	return "/var/lib/portier/guard";
}

void guard_emit(struct guard_run *r, const char *json)
{
	if (r->alerts) {
		fprintf(r->alerts, "%s\n", json);
		fflush(r->alerts);
	}
	if (r->o->json) {
		printf("%s\n", json);
		fflush(stdout);
	}
}

/* Tell what a check did: the event line, and a notice for people. */
static void report(struct guard_run *r, const struct portier_guard_bans *b,
		   const char *reason, bool rebuilt, uint64_t now)
{
	/* an event when something was done; a start with nothing to do is
	 * only noted */
	if (rebuilt || b->count[PG_BAN_RESTORE] || b->count[PG_BAN_RELEASE]) {
		char *json = portier_guard_bans_json(b, reason, rebuilt, now);

		if (json)
			guard_emit(r, json);
		portier_free(json);
	}
	cli_notice(r->cli,
		   "%s: %zu bans restored, %zu already in the kernel, %zu "
		   "released to be judged again%s",
		   reason, b->count[PG_BAN_RESTORE], b->count[PG_BAN_IN_KERNEL],
		   b->count[PG_BAN_RELEASE],
		   rebuilt ? "; table inet portier_guard built again" : "");
}

/* Carry b out: open the blocker with it (at start), or run it when the
 * table must be built again or bans put back. */
static int apply(struct guard_run *r,
		 const struct portier_guard_nft_options *no,
		 const struct portier_guard_bans *b, bool rebuild,
		 struct portier_err *err)
{
	if (!r->o->block)
		return 0;
	if (!r->nft)
		return portier_guard_nft_open_restore(&r->nft, no, &r->o->allow,
						      b, err);
	if (rebuild || b->count[PG_BAN_RESTORE])
		return portier_guard_nft_restore_bans(r->nft, &r->o->allow, b,
						      err);
	return 0;
}

int guard_keep_bans(struct guard_run *r, bool running, const char *reason)
{
	struct guard_opts *o = r->o;
	struct portier_guard_nft_listing l;
	struct portier_guard_bans b;
	struct portier_guard_bans_config cfg = {.block = o->block,
						.v6_prefix64 = o->v6_prefix64,
						.running = running};
	struct portier_guard_nft_options no = {.max_elements =
						       (uint32_t)o->max_bans,
					       .v6_prefix64 = o->v6_prefix64};
	struct portier_err err = {0};
	uint64_t now = guard_wall_us();
	bool have, rebuild;
	size_t i;
	int rc = portier_guard_nft_read(&l, &err);

	/* without --block guard may lack the right to read the table: then
	 * no ban is known to be in force, and every source is judged */
	if (rc < 0 && rc != PORTIER_ENOENT && o->block)
		return cli_report(r->cli, &err);
	have = rc == 0;
	portier_err_clear(&err);
	rc = portier_guard_bans_compare(r->det, have ? &l : NULL, &o->allow,
					&cfg, now, &b);
	rebuild =
		o->block && (!r->nft || !have || !portier_guard_nft_intact(&l));
	if (have)
		portier_guard_nft_listing_free(&l);
	if (rc < 0) {
		portier_err_set(&err, rc, "out of memory comparing bans");
		return cli_report(r->cli, &err);
	}
	rc = apply(r, &no, &b, rebuild, &err);
	if (rc < 0 && rc != PORTIER_EPERM && b.count[PG_BAN_RESTORE]) {
		/* the kernel refused a ban of the batch (an element that
		 * overlaps one of someone else's): the table alone, and the
		 * sources of those bans are judged again */
		cli_report(r->cli, &err);
		portier_err_clear(&err);
		portier_guard_bans_give_up(&b);
		rc = apply(r, &no, &b, rebuild, &err);
	}
	if (rc < 0) {
		portier_guard_bans_free(&b);
		return cli_report(r->cli, &err);
	}
	for (i = 0; i < b.n; i++)
		if (b.v[i].state == PG_BAN_RELEASE)
			portier_guard_det_release(r->det, &b.v[i].source, now);
	if (b.count[PG_BAN_RELEASE])
		r->dirty = true;
	if (!running || rebuild || b.count[PG_BAN_RESTORE] ||
	    b.count[PG_BAN_RELEASE])
		report(r, &b, reason, running && rebuild, now);
	portier_guard_bans_free(&b);
	return 0;
}
