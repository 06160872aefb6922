/*
 * test_guard_restore.c - the kernel is the truth (issue 15): remembered
 * bans against the kernel's block sets (restore.c), the one transaction
 * that puts them back, the release of a source whose ban will not come
 * back, the restore event, and the filter of nftables events that wakes
 * the daemon (nftmon.c), on hand-built netlink messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include "portier/guard_nft.h"

#define US  1000000ull
#define NOW (1800000000ull * US)

struct rig {
	struct portier_guard_det *d;
	struct portier_guard_allow allow;
	struct portier_guard_nft_listing kernel;
	struct portier_guard_block blocks[4];
};

static void source(struct rig *r, const char *addr, uint64_t flagged,
		   uint64_t until)
{
	struct portier_guard_source s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(portier_addr_parse(addr, &s.addr), 0);
	s.first_us = s.last_us = flagged ? flagged : NOW - US;
	s.flagged_us = flagged;
	s.ban_until_us = until;
	s.offenses = flagged ? 1 : 0;
	assert_int_equal(portier_guard_det_put(r->d, &s), 0);
}

static void kernel_ban(struct rig *r, const char *prefix, uint32_t left)
{
	struct portier_guard_block *b = &r->blocks[r->kernel.n++];

	memset(b, 0, sizeof(*b));
	assert_int_equal(portier_prefix_parse(prefix,
					      PORTIER_PREFIX_REFUSE_HOST_BITS,
					      &b->prefix, NULL),
			 0);
	b->timeout_s = 600;
	b->expires_s = left;
}

/*
 * Remembered: A banned (in the kernel), B's ban ran out, C never flagged,
 * D an IPv6 /64 banned (missing from the kernel).  The kernel also holds
 * 192.0.2.99, which no remembered ban explains.  The table is whole.
 */
static void rig_init(struct rig *r)
{
	struct portier_guard_config cfg;

	memset(r, 0, sizeof(*r));
	portier_guard_config_default(&cfg);
	assert_int_equal(portier_guard_det_new(&r->d, &cfg, NULL), 0);
	assert_int_equal(portier_guard_allow_init(&r->allow), 0);
	source(r, "198.51.100.1", NOW - 10 * US, NOW + 590 * US);     /* A */
	source(r, "198.51.100.2", NOW - 900 * US, NOW - 300 * US);    /* B */
	source(r, "198.51.100.3", 0, 0);			      /* C */
	source(r, "2001:db8:1:2::", NOW - 100 * US, NOW + 2300 * US); /* D */
	r->kernel.blocks = r->blocks;
	kernel_ban(r, "198.51.100.1/32", 589);
	kernel_ban(r, "192.0.2.99/32", 42);
	r->kernel.set4 = r->kernel.set6 = r->kernel.rule4 = r->kernel.rule6 =
		true;
}

static void rig_free(struct rig *r)
{
	portier_guard_det_free(r->d);
	portier_guard_allow_free(&r->allow);
}

static const struct portier_guard_ban_row *
row(const struct portier_guard_bans *b, const char *text)
{
	char buf[PORTIER_PREFIX_STRLEN];
	size_t i;

	for (i = 0; i < b->n; i++)
		if (!strcmp(portier_prefix_str(&b->v[i].ban, buf, sizeof(buf)),
			    text))
			return &b->v[i];
	return NULL;
}

static void test_start_restores_missing(void **state)
{
	struct portier_guard_bans_config cfg = {.block = true,
						.v6_prefix64 = true};
	struct portier_guard_bans b;
	const struct portier_guard_ban_row *w;
	struct rig r;

	(void)state;
	rig_init(&r);
	assert_int_equal(portier_guard_bans_compare(r.d, &r.kernel, &r.allow,
						    &cfg, NOW, &b),
			 0);
	assert_int_equal(b.n, 3); /* A, D, and the kernel's stranger */
	w = row(&b, "198.51.100.1/32");
	assert_non_null(w);
	assert_int_equal(w->state, PG_BAN_IN_KERNEL);
	assert_int_equal(w->state_s, 590);
	assert_int_equal(w->kernel_s, 589);
	w = row(&b, "2001:db8:1:2::/64");
	assert_non_null(w);
	assert_int_equal(w->state, PG_BAN_RESTORE);
	assert_int_equal(w->state_s, 2300); /* the time left, not the ban */
	assert_int_equal(w->kernel_s, 0);
	w = row(&b, "192.0.2.99/32");
	assert_non_null(w);
	assert_int_equal(w->state, PG_BAN_KERNEL_ONLY);
	assert_int_equal(w->kernel_s, 42);
	assert_int_equal(b.count[PG_BAN_RESTORE], 1);
	assert_int_equal(b.count[PG_BAN_IN_KERNEL], 1);
	assert_int_equal(b.count[PG_BAN_KERNEL_ONLY], 1);
	assert_null(row(&b, "198.51.100.2/32")); /* ran out: nothing */
	assert_null(row(&b, "198.51.100.3/32"));
	/* the kernel would not take them back: released, never ignored */
	portier_guard_bans_give_up(&b);
	assert_int_equal(row(&b, "2001:db8:1:2::/64")->state, PG_BAN_RELEASE);
	assert_int_equal(b.count[PG_BAN_RESTORE], 0);
	assert_int_equal(b.count[PG_BAN_RELEASE], 1);
	assert_int_equal(row(&b, "198.51.100.1/32")->state, PG_BAN_IN_KERNEL);
	portier_guard_bans_free(&b);

	/* no table at all: every ban in force comes back */
	assert_int_equal(
		portier_guard_bans_compare(r.d, NULL, &r.allow, &cfg, NOW, &b),
		0);
	assert_int_equal(b.count[PG_BAN_RESTORE], 2);
	assert_int_equal(row(&b, "198.51.100.1/32")->state, PG_BAN_RESTORE);
	portier_guard_bans_free(&b);
	rig_free(&r);
}

/* Remembered state never hides a source the kernel does not block. */
static void test_release(void **state)
{
	struct portier_guard_bans_config cfg = {.v6_prefix64 = true};
	struct portier_guard_cidr c;
	struct portier_guard_bans b;
	struct rig r;

	(void)state;
	rig_init(&r);
	/* without --block nothing is put back: the source is released */
	assert_int_equal(portier_guard_bans_compare(r.d, &r.kernel, &r.allow,
						    &cfg, NOW, &b),
			 0);
	assert_int_equal(row(&b, "2001:db8:1:2::/64")->state, PG_BAN_RELEASE);
	assert_int_equal(row(&b, "198.51.100.1/32")->state, PG_BAN_IN_KERNEL);
	portier_guard_bans_free(&b);
	/* running, table whole: the element was removed on purpose */
	cfg.block = true;
	cfg.running = true;
	assert_int_equal(portier_guard_bans_compare(r.d, &r.kernel, &r.allow,
						    &cfg, NOW, &b),
			 0);
	assert_int_equal(row(&b, "2001:db8:1:2::/64")->state, PG_BAN_RELEASE);
	portier_guard_bans_free(&b);
	/* running, a drop rule gone: the table was taken away, restore */
	r.kernel.rule4 = false;
	assert_int_equal(portier_guard_bans_compare(r.d, &r.kernel, &r.allow,
						    &cfg, NOW, &b),
			 0);
	assert_int_equal(row(&b, "2001:db8:1:2::/64")->state, PG_BAN_RESTORE);
	portier_guard_bans_free(&b);
	/* allowlisted since: never put back */
	cfg.running = false;
	assert_int_equal(portier_guard_cidr_parse("2001:db8:1::/48", &c, NULL),
			 0);
	assert_int_equal(portier_guard_allow_add(&r.allow, &c), 0);
	assert_int_equal(portier_guard_bans_compare(r.d, &r.kernel, &r.allow,
						    &cfg, NOW, &b),
			 0);
	assert_int_equal(row(&b, "2001:db8:1:2::/128")->state, PG_BAN_RELEASE);
	portier_guard_bans_free(&b);
	rig_free(&r);
}

/* A released source is judged again from its next probe: a scan alerts,
 * and its remembered offence escalates the new ban. */
static void test_det_release(void **state)
{
	struct portier_guard_probe p;
	struct portier_guard_alert a;
	struct portier_addr x;
	struct rig r;
	unsigned i;
	int got = 0;

	(void)state;
	rig_init(&r);
	memset(&p, 0, sizeof(p));
	p.family = 4;
	p.proto = 6;
	p.tcp_flags = PG_SYN;
	memcpy(p.src, ((const uint8_t[]){198, 51, 100, 1}), 4);
	memcpy(p.dst, ((const uint8_t[]){192, 0, 2, 1}), 4);
	p.ts_us = NOW + US;
	assert_true(portier_guard_det_flagged(r.d, &p));
	x = portier_guard_probe_src(&p);
	assert_int_equal(portier_guard_det_release(r.d, &x, NOW), 0);
	assert_false(portier_guard_det_flagged(r.d, &p));
	for (i = 0; i < 5 && !got; i++) {
		p.dport = (uint16_t)(10 + i);
		p.ts_us = NOW + (i + 1) * 1000;
		got = portier_guard_det_feed(r.d, &p, PG_KIND_SYN, PG_FAILURE,
					     &a);
	}
	assert_int_equal(got, 1);
	assert_true(i <= 5);
	assert_int_equal(a.src.offenses, 2);
	assert_int_equal(a.ban_s, 2400);
	assert_int_equal(portier_addr_parse("203.0.113.9", &x), 0);
	assert_int_equal(portier_guard_det_release(r.d, &x, NOW),
			 PORTIER_ENOENT);
	rig_free(&r);
}

/* One transaction: the table, then each ban to put back, for its time. */
static void test_script_and_event(void **state)
{
	struct portier_guard_bans_config cfg = {.block = true,
						.v6_prefix64 = true};
	struct portier_guard_nft_options o = {.max_elements = 1000,
					      .v6_prefix64 = true};
	struct portier_guard_bans b;
	struct rig r;
	char *s, *t;
	json_t *j;

	(void)state;
	rig_init(&r);
	assert_int_equal(portier_guard_bans_compare(r.d, &r.kernel, &r.allow,
						    &cfg, NOW, &b),
			 0);
	s = portier_guard_nft_script_restore(&o, &r.allow, &b);
	t = portier_guard_nft_script_table(&o, &r.allow);
	assert_non_null(s);
	assert_non_null(t);
	assert_true(strncmp(s, t, strlen(t)) == 0);
	assert_string_equal(s + strlen(t),
			    "add element inet portier_guard block6 { "
			    "2001:db8:1:2::/64 timeout 2300s }\n");
	portier_free(s);
	portier_free(t);
	s = portier_guard_bans_json(&b, "start", false, NOW);
	assert_non_null(s);
	j = json_loads(s, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "type")),
			    "restore");
	assert_string_equal(json_string_value(json_object_get(j, "reason")),
			    "start");
	assert_int_equal(json_integer_value(json_object_get(j, "restored")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "in_kernel")),
			 1);
	assert_int_equal(json_integer_value(json_object_get(j, "kernel_only")),
			 1);
	assert_int_equal(json_array_size(json_object_get(j, "bans")), 1);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(j, "bans"), 0),
			"state")),
		"restored");
	json_decref(j);
	portier_free(s);
	portier_guard_bans_free(&b);
	rig_free(&r);
}

/* ---- the event filter -------------------------------------------------- */

struct msgbuf {
	uint32_t w[256]; /* aligned as received */
	size_t len;
};

static void put_attr(struct msgbuf *m, struct nlmsghdr *h, uint16_t type,
		     const void *data, size_t n)
{
	struct nlattr *a = (struct nlattr *)((char *)m->w + m->len);
	size_t total = NLA_ALIGN(NLA_HDRLEN + n);

	memset(a, 0, total);
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	memcpy((char *)a + NLA_HDRLEN, data, n);
	m->len += total;
	h->nlmsg_len += (uint32_t)total;
}

/* One nftables message: msg, family, table name (NULL: none), set name. */
static void put_msg(struct msgbuf *m, unsigned msg, uint8_t family,
		    const char *table, const char *set)
{
	struct nlmsghdr *h = (struct nlmsghdr *)((char *)m->w + m->len);
	struct nfgenmsg *g = (struct nfgenmsg *)(h + 1);

	memset(h, 0, NLMSG_HDRLEN + sizeof(*g));
	h->nlmsg_type = (uint16_t)(NFNL_SUBSYS_NFTABLES << 8 | msg);
	h->nlmsg_len = NLMSG_HDRLEN + sizeof(*g);
	g->nfgen_family = family;
	m->len += h->nlmsg_len;
	if (table)
		put_attr(m, h, 1, table, strlen(table) + 1);
	if (set)
		put_attr(m, h, NFTA_SET_ELEM_LIST_SET, set, strlen(set) + 1);
}

static bool one(unsigned msg, uint8_t family, const char *table,
		const char *set)
{
	struct msgbuf m = {.len = 0};

	put_msg(&m, msg, family, table, set);
	return portier_guard_nftmon_parse(m.w, m.len);
}

static void test_nftmon_filter(void **state)
{
	struct msgbuf m = {.len = 0};
	char bad[] = "portier_guard";

	(void)state;
	/* what takes guard's table away */
	assert_true(one(NFT_MSG_DELTABLE, NFPROTO_INET, "portier_guard", NULL));
	assert_true(one(NFT_MSG_DELCHAIN, NFPROTO_INET, "portier_guard", NULL));
	assert_true(one(NFT_MSG_DELRULE, NFPROTO_INET, "portier_guard", NULL));
	assert_true(one(NFT_MSG_DELSET, NFPROTO_INET, "portier_guard", NULL));
	assert_true(one(NFT_MSG_DELSETELEM, NFPROTO_INET, "portier_guard",
			"block4"));
	assert_true(one(NFT_MSG_DELSETELEM, NFPROTO_INET, "portier_guard",
			"block6"));
	/* what does not: other tables, families, additions, allowlist */
	assert_false(one(NFT_MSG_DELTABLE, NFPROTO_INET, "portier", NULL));
	assert_false(
		one(NFT_MSG_DELTABLE, NFPROTO_IPV4, "portier_guard", NULL));
	assert_false(
		one(NFT_MSG_NEWTABLE, NFPROTO_INET, "portier_guard", NULL));
	assert_false(one(NFT_MSG_NEWSETELEM, NFPROTO_INET, "portier_guard",
			 "block4"));
	assert_false(one(NFT_MSG_DELSETELEM, NFPROTO_INET, "portier_guard",
			 "allow4"));
	assert_false(one(NFT_MSG_DELTABLE, NFPROTO_INET, NULL, NULL));
	/* a batch: the second message counts */
	put_msg(&m, NFT_MSG_NEWGEN, NFPROTO_UNSPEC, NULL, NULL);
	put_msg(&m, NFT_MSG_DELCHAIN, NFPROTO_INET, "portier_guard", NULL);
	assert_true(portier_guard_nftmon_parse(m.w, m.len));
	/* cut short: nothing is read past the end */
	assert_false(portier_guard_nftmon_parse(m.w, m.len - 4));
	assert_false(portier_guard_nftmon_parse(m.w, 3));
	/* a length that only a signed compare lets through (libmnl's
	 * mnl_nlmsg_ok does): not followed past the buffer */
	m.len = 0;
	put_msg(&m, NFT_MSG_NEWGEN, NFPROTO_UNSPEC, NULL, NULL);
	put_msg(&m, NFT_MSG_DELCHAIN, NFPROTO_INET, "portier_guard", NULL);
	((struct nlmsghdr *)((char *)m.w + 20))->nlmsg_len = 0xffffffffu;
	assert_false(portier_guard_nftmon_parse(m.w, m.len));
	/* a name without its terminating NUL is no name */
	m.len = 0;
	put_msg(&m, NFT_MSG_DELTABLE, NFPROTO_INET, NULL, NULL);
	put_attr(&m, (struct nlmsghdr *)m.w, 1, bad, strlen(bad));
	assert_false(portier_guard_nftmon_parse(m.w, m.len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_restores_missing),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_det_release),
		cmocka_unit_test(test_script_and_event),
		cmocka_unit_test(test_nftmon_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
