/*
 * guard_nft.h - guard's blocking in the kernel: the nftables table
 * `inet portier_guard` (scripts rendered by pure functions, run through
 * portier's one nftables driver, nft.h), its JSON listing read back, the
 * netlink events that say a part of it was deleted, and the decision of
 * which remembered bans go back into the kernel (the kernel's ruleset is
 * the truth; the state file may only add suspicion).
 */
#ifndef PORTIER_GUARD_NFT_H
#define PORTIER_GUARD_NFT_H

#include "portier/guard.h"

/*
 * The nftables blocker: table inet portier_guard, one batch per change
 * through portier's nftables driver (portier/nft.h).  Failures are that
 * driver's: PORTIER_EPERM naming CAP_NET_ADMIN, PORTIER_ENOENT when the
 * table (or a set of it) is gone, PORTIER_EIO otherwise.
 */
struct portier_guard_nft;

struct portier_guard_nft_options {
	uint32_t max_elements; /* size of each block set */
	bool v6_prefix64;      /* block an IPv6 source's whole /64 */
};

/*
 * Create (or adopt, after a restart) table inet portier_guard: sets
 * allow4/allow6 (intervals), block4/block6 (timeouts), and the input
 * chain: allowlist accept, then block drop.  Existing block elements are
 * kept; the allowlist sets are replaced with a.
 */
PORTIER_API int
portier_guard_nft_open(struct portier_guard_nft **out,
		       const struct portier_guard_nft_options *o,
		       const struct portier_guard_allow *a,
		       struct portier_err *err);
PORTIER_API void portier_guard_nft_close(struct portier_guard_nft *n);
/*
 * Build the table again (same batch as _open), e.g. after someone ran
 * `nft flush ruleset` under the daemon.
 */
PORTIER_API int portier_guard_nft_restore(struct portier_guard_nft *n,
					  const struct portier_guard_allow *a,
					  struct portier_err *err);
PORTIER_API int portier_guard_nft_set_allow(struct portier_guard_nft *n,
					    const struct portier_guard_allow *a,
					    struct portier_err *err);
/* Add a block element with a timeout (replacing an older one); an IPv6
 * address is blocked as its /64 when the options say v6_prefix64. */
PORTIER_API int portier_guard_nft_block(struct portier_guard_nft *n,
					const struct portier_addr *addr,
					uint32_t seconds,
					struct portier_err *err);
/* The same with the prefix given: an address (/32, /128) or an IPv6 /64
 * (see portier_guard_ban_prefix; its host bits are cleared). */
PORTIER_API int portier_guard_nft_block_prefix(struct portier_guard_nft *n,
					       const struct portier_prefix *p,
					       uint32_t seconds,
					       struct portier_err *err);
/* Remove a block; PORTIER_ENOENT if the address was not blocked,
 * PORTIER_EPERM without CAP_NET_ADMIN. */
PORTIER_API int portier_guard_nft_unblock(const struct portier_addr *addr,
					  struct portier_err *err);

/*
 * The scripts the blocker runs, pure (for tests and --dry-run views).
 * _table: the whole table as _open and _restore run it; _allow: the
 * allowlist sets refilled.  Caller frees with portier_free; NULL when out
 * of memory.  _block: one block element (a /32, /64 or /128, as for
 * _block_prefix; a /64 is cut to its network) into buf; PORTIER_EINVAL for
 * a bad prefix length or a buf too small.
 */
PORTIER_API char *
portier_guard_nft_script_table(const struct portier_guard_nft_options *o,
			       const struct portier_guard_allow *a);
PORTIER_API char *
portier_guard_nft_script_allow(const struct portier_guard_allow *a);
PORTIER_API int portier_guard_nft_script_block(const struct portier_prefix *p,
					       uint32_t seconds, char *buf,
					       size_t len,
					       struct portier_err *err);

struct portier_guard_block {
	struct portier_prefix prefix;
	uint32_t timeout_s, expires_s; /* expires_s: seconds left */
};

/* What the kernel's JSON listing of the table says. */
struct portier_guard_nft_listing {
	struct portier_guard_block *blocks; /* elements of block4, block6 */
	size_t n;
	uint64_t drops4, drops6; /* packets counted by the drop rules */
	/* which parts of guard's table were seen: sets block4/block6 and
	 * the rules dropping their sources (portier_guard_nft_intact) */
	bool set4, set6, rule4, rule6;
};

/*
 * Read a JSON listing (nft -j list table|set|chain ... of inet
 * portier_guard; text need not be NUL-terminated).  Pure and fuzzed: only
 * elements of sets block4/block6 and the counters of rules matching
 * @block4/@block6 are taken; elements that are not an address or a prefix
 * are skipped.  PORTIER_EPROTO when text is not JSON with an "nftables"
 * array, PORTIER_ENOMEM.  Free with portier_guard_nft_listing_free.
 */
PORTIER_API int portier_guard_nft_parse(const char *text, size_t len,
					struct portier_guard_nft_listing *out,
					struct portier_err *err);
PORTIER_API void
portier_guard_nft_listing_free(struct portier_guard_nft_listing *l);
/* Does the listing hold guard's whole blocking machinery (both block sets
 * and both drop rules)?  Pure. */
PORTIER_API bool
portier_guard_nft_intact(const struct portier_guard_nft_listing *l);
/* The table as the kernel has it now; PORTIER_ENOENT when it is gone. */
PORTIER_API int portier_guard_nft_read(struct portier_guard_nft_listing *l,
				       struct portier_err *err);

/*
 * Watching the table: the nftables events of this namespace (netlink group
 * NFNLGRP_NFTABLES).  _read takes every queued event without blocking and
 * returns 1 when one of them deleted a part of table inet portier_guard
 * (the table, its chain, a rule, a set, or elements of block4/block6), or
 * when events were lost; 0 otherwise; negative on error.  Opening needs
 * CAP_NET_ADMIN.
 */
struct portier_guard_nftmon;

PORTIER_API int portier_guard_nftmon_open(struct portier_guard_nftmon **out,
					  struct portier_err *err);
PORTIER_API int portier_guard_nftmon_fd(const struct portier_guard_nftmon *m);
PORTIER_API int portier_guard_nftmon_read(struct portier_guard_nftmon *m);
PORTIER_API void portier_guard_nftmon_close(struct portier_guard_nftmon *m);
/* Pure: does this buffer of netlink messages (as received, 4-byte
 * aligned) delete a part of guard's table, as _read counts it? */
PORTIER_API bool portier_guard_nftmon_parse(const void *buf, size_t len);

/* ---- the kernel is the truth: remembered bans against the block sets ------ */

enum portier_guard_ban_state {
	PG_BAN_IN_KERNEL,   /* remembered, and in the kernel's set */
	PG_BAN_RESTORE,	    /* remembered, in force, missing: put it back
			       for the time left */
	PG_BAN_RELEASE,	    /* remembered, missing, not to be put back: the
			       source is judged afresh (det_release) */
	PG_BAN_KERNEL_ONLY, /* in the kernel, of no remembered banned source */
	PG_BAN_STATES
};

struct portier_guard_ban_row {
	enum portier_guard_ban_state state;
	struct portier_prefix ban;  /* the set element */
	struct portier_addr source; /* the remembered source (not for
				       KERNEL_ONLY) */
	uint32_t state_s;	    /* seconds left by memory, 0 for
				       KERNEL_ONLY */
	uint32_t kernel_s;	    /* seconds left in the kernel, 0: absent */
};

struct portier_guard_bans {
	struct portier_guard_ban_row *v;
	size_t n;
	size_t count[PG_BAN_STATES]; /* rows per state */
};

struct portier_guard_bans_config {
	bool block;	  /* guard blocks (--block) */
	bool v6_prefix64; /* an IPv6 source's /64 is banned where allowed */
	/*
	 * false: guard is starting (or checking after its own checkpoint was
	 * restored): every remembered ban still in force that the kernel
	 * lacks is put back.  true: guard is running and the table changed
	 * under it: a ban missing from a table that is otherwise whole was
	 * removed on purpose (nft delete element, guard --unblock) and is
	 * released; when the table, a block set or a drop rule is gone, every
	 * missing ban is put back.
	 */
	bool running;
};

/*
 * Compare the bans guard remembers (flagged sources of d whose ban runs
 * past now_us) with the kernel's listing (NULL: the table does not exist)
 * and decide each one.  Without cfg->block a missing ban is released,
 * never put back; so is one whose source is allowlisted now.  Elements of
 * the kernel that no remembered ban explains are listed as KERNEL_ONLY and
 * left alone.  Rows come in the order of d (most recent first), then the
 * kernel-only ones.  Pure; PORTIER_ENOMEM.  Free with
 * portier_guard_bans_free.
 */
PORTIER_API int
portier_guard_bans_compare(const struct portier_guard_det *d,
			   const struct portier_guard_nft_listing *kernel,
			   const struct portier_guard_allow *allow,
			   const struct portier_guard_bans_config *cfg,
			   uint64_t now_us, struct portier_guard_bans *out);
PORTIER_API void portier_guard_bans_free(struct portier_guard_bans *b);
/* The kernel refused to take the RESTORE bans back: they become RELEASE
 * (their sources judged again, never ignored). */
PORTIER_API void portier_guard_bans_give_up(struct portier_guard_bans *b);
/*
 * What a check of the table did, as one JSON object on one line
 * (docs/json-guard.md, "type":"restore"): the reason given ("start",
 * "table-changed", ...), whether the table was built again, the count of
 * each state, and the bans restored or released.  Caller frees with
 * portier_free; NULL when out of memory.
 */
PORTIER_API char *portier_guard_bans_json(const struct portier_guard_bans *b,
					  const char *reason, bool rebuilt,
					  uint64_t now_us);
/* "in-kernel", "restored", "released", "kernel-only". */
PORTIER_API const char *
portier_guard_ban_state_name(enum portier_guard_ban_state s);

/*
 * The whole table (as _script_table) and every RESTORE ban of b, with the
 * time it has left, as one script: one transaction puts guard back as it
 * was.  Pure; caller frees with portier_free; NULL when out of memory.
 */
PORTIER_API char *
portier_guard_nft_script_restore(const struct portier_guard_nft_options *o,
				 const struct portier_guard_allow *a,
				 const struct portier_guard_bans *b);
/* Open the blocker as portier_guard_nft_open does, its first transaction
 * being that script (b NULL: the table alone). */
PORTIER_API int
portier_guard_nft_open_restore(struct portier_guard_nft **out,
			       const struct portier_guard_nft_options *o,
			       const struct portier_guard_allow *a,
			       const struct portier_guard_bans *b,
			       struct portier_err *err);
/* Run that script: the table and the bans back in one transaction. */
PORTIER_API int portier_guard_nft_restore_bans(
	struct portier_guard_nft *n, const struct portier_guard_allow *a,
	const struct portier_guard_bans *b, struct portier_err *err);

/*
 * The current block elements of the kernel set, without the daemon
 * (portier guard --status).  *out is freed with portier_free.
 * PORTIER_ENOENT when the table does not exist.
 */
PORTIER_API int portier_guard_nft_list(struct portier_guard_block **out,
				       size_t *n, struct portier_err *err);

/* Packets the block rules have dropped so far (their counters). */
PORTIER_API int portier_guard_nft_drops(uint64_t *drops4, uint64_t *drops6,
					struct portier_err *err);

#endif
