/*
 * nft.c - the blocker: guard's own nftables table, one batch per change
 * through portier's nftables driver (portier/nft.h), never a fork of nft(8).
 *
 *   table inet portier_guard
 *     set allow4, allow6   (flags interval)   the allowlist
 *     set block4           (flags timeout)    banned IPv4 sources
 *     set block6           (flags interval, timeout)  IPv6 sources or /64s
 *     chain input (hook prerouting, priority raw -300, policy accept)
 *       ip saddr @allow4 accept; ip6 saddr @allow6 accept
 *       ip saddr @block4 counter drop; ip6 saddr @block6 counter drop
 *
 * One rule per family and verdict, the addresses in sets: a ban is one
 * element with its own timeout, and the kernel expires it.  The table is
 * separate from `inet portier` (portier firewall's), which is replaced
 * atomically, so applying a firewall policy never wipes live bans.  Opening
 * is idempotent: the block sets and their elements survive a restart; the
 * chain and the allowlist are rebuilt in the same batch.  Hooking at
 * prerouting before conntrack means a banned scanner costs no state.
 *
 * The scripts are rendered by pure functions (portier_guard_nft_script_*)
 * and the kernel's JSON listing is read by a pure, fuzzed function
 * (portier_guard_nft_parse); the rest only hands text to the driver.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "portier/guard_nft.h"
#include "portier/nft.h"

#define TABLE "inet portier_guard"

struct portier_guard_nft {
	struct portier_nft *ctx;
	struct portier_guard_nft_options opt;
};

/* ---- scripts (pure) ------------------------------------------------------ */

static void allow_elements(struct portier_nft_buf *b,
			   const struct portier_guard_allow *a)
{
	static const int fams[] = {4, 6};
	size_t f, i;

	for (f = 0; f < 2; f++) {
		bool any = false;

		for (i = 0; i < a->n; i++) {
			char pfx[PORTIER_PREFIX_STRLEN];

			if (a->v[i].prefix.addr.family != fams[f])
				continue;
			if (!any)
				portier_nft_buf_printf(
					b, "add element " TABLE " allow%d { ",
					fams[f]);
			portier_nft_buf_printf(
				b, "%s%s", any ? ", " : "",
				portier_prefix_str(&a->v[i].prefix, pfx,
						   sizeof(pfx)));
			any = true;
		}
		if (any)
			portier_nft_buf_puts(b, " }\n");
	}
}

/* The allowlist sets emptied and filled again.  Entries may overlap (an
 * own address inside --allow): the sets are declared with auto-merge. */
static void allow_script(struct portier_nft_buf *b,
			 const struct portier_guard_allow *a)
{
	portier_nft_buf_puts(b, "flush set " TABLE " allow4\n"
				"flush set " TABLE " allow6\n");
	allow_elements(b, a);
}

char *portier_guard_nft_script_allow(const struct portier_guard_allow *a)
{
	struct portier_nft_buf b = {0};

	allow_script(&b, a);
	return portier_nft_buf_take(&b);
}

/*
 * The whole table in one batch, so there is no moment with the chain in
 * place and the allowlist empty: created if missing, adopted if there
 * (the block sets keep their elements), chain and allowlist rebuilt.
 */
char *portier_guard_nft_script_table(const struct portier_guard_nft_options *o,
				     const struct portier_guard_allow *a)
{
	struct portier_nft_buf b = {0};
	uint32_t size = o->max_elements ? o->max_elements : 65536;

	portier_nft_buf_printf(
		&b,
		"add table " TABLE "\n"
		"add set " TABLE " allow4 { type ipv4_addr; flags interval; "
		"auto-merge; }\n"
		"add set " TABLE " allow6 { type ipv6_addr; flags interval; "
		"auto-merge; }\n"
		"add set " TABLE " block4 { type ipv4_addr; flags timeout; "
		"size %u; }\n"
		"add set " TABLE " block6 { type ipv6_addr; flags interval, "
		"timeout; size %u; }\n"
		"add chain " TABLE " input { type filter hook prerouting "
		"priority -300; policy accept; }\n"
		"flush chain " TABLE " input\n"
		"add rule " TABLE " input ip saddr @allow4 accept\n"
		"add rule " TABLE " input ip6 saddr @allow6 accept\n"
		"add rule " TABLE " input ip saddr @block4 counter drop\n"
		"add rule " TABLE " input ip6 saddr @block6 counter drop\n",
		size, size);
	allow_script(&b, a);
	return portier_nft_buf_take(&b);
}

/* An element of block4/block6: the address alone, or a /64 as a prefix. */
static const char *block_elem(const struct portier_prefix *p, char *buf,
			      size_t len)
{
	struct portier_prefix net = *p;

	if (p->plen == 64) {
		portier_prefix_clear_host(&net);
		return portier_prefix_str(&net, buf, len);
	}
	return portier_addr_str(&p->addr, buf, len);
}

int portier_guard_nft_script_block(const struct portier_prefix *p,
				   uint32_t seconds, char *buf, size_t len,
				   struct portier_err *err)
{
	char text[PORTIER_PREFIX_STRLEN];
	unsigned family = p->addr.family, plen = p->plen;
	int n;

	if (!(family == 4   ? plen == 32
	      : family == 6 ? plen == 64 || plen == 128
			    : false))
		return portier_err_set(err, PORTIER_EINVAL,
				       "bad block prefix length %u", plen);
	block_elem(p, text, sizeof(text));
	if (seconds < 1)
		seconds = 1;
	n = snprintf(buf, len,
		     "add element " TABLE " block%u { %s timeout %us }\n",
		     family, text, seconds);
	if (n < 0 || (size_t)n >= len)
		return portier_err_set(err, PORTIER_EINVAL,
				       "no room for the block of '%s'", text);
	return 0;
}

char *
portier_guard_nft_script_restore(const struct portier_guard_nft_options *o,
				 const struct portier_guard_allow *a,
				 const struct portier_guard_bans *b)
{
	struct portier_nft_buf buf = {0};
	char *table = portier_guard_nft_script_table(o, a);
	size_t i;

	if (!table)
		return NULL;
	portier_nft_buf_puts(&buf, table);
	portier_free(table);
	for (i = 0; i < b->n; i++) {
		char line[256];

		if (b->v[i].state != PG_BAN_RESTORE ||
		    portier_guard_nft_script_block(&b->v[i].ban,
						   b->v[i].state_s, line,
						   sizeof(line), NULL) < 0)
			continue;
		portier_nft_buf_puts(&buf, line);
	}
	return portier_nft_buf_take(&buf);
}

/* ---- the table ------------------------------------------------------------ */

static int run_text(struct portier_nft *c, char *script, const char *doing,
		    struct portier_err *err)
{
	int rc;

	if (!script)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	rc = portier_nft_run(c, script, false, doing, err);
	portier_free(script);
	return rc;
}

static int build(struct portier_guard_nft *n,
		 const struct portier_guard_allow *a, struct portier_err *err)
{
	return run_text(n->ctx, portier_guard_nft_script_table(&n->opt, a),
			"setting up table " TABLE, err);
}

int portier_guard_nft_open(struct portier_guard_nft **out,
			   const struct portier_guard_nft_options *o,
			   const struct portier_guard_allow *a,
			   struct portier_err *err)
{
	return portier_guard_nft_open_restore(out, o, a, NULL, err);
}

int portier_guard_nft_open_restore(struct portier_guard_nft **out,
				   const struct portier_guard_nft_options *o,
				   const struct portier_guard_allow *a,
				   const struct portier_guard_bans *b,
				   struct portier_err *err)
{
	struct portier_guard_nft *n;
	int rc;

	*out = NULL;
	n = portier_calloc(1, sizeof(*n));
	if (!n)
		return portier_err_set(
			err, PORTIER_ENOMEM,
			"out of memory for the nftables blocker");
	n->opt = *o;
	rc = portier_nft_open(&n->ctx, err);
	if (rc == 0)
		rc = b ? portier_guard_nft_restore_bans(n, a, b, err)
		       : build(n, a, err);
	if (rc < 0) {
		portier_guard_nft_close(n);
		return rc;
	}
	*out = n;
	return 0;
}

int portier_guard_nft_restore(struct portier_guard_nft *n,
			      const struct portier_guard_allow *a,
			      struct portier_err *err)
{
	return build(n, a, err);
}

int portier_guard_nft_restore_bans(struct portier_guard_nft *n,
				   const struct portier_guard_allow *a,
				   const struct portier_guard_bans *b,
				   struct portier_err *err)
{
	return run_text(n->ctx, portier_guard_nft_script_restore(&n->opt, a, b),
			"restoring table " TABLE " and its bans", err);
}

void portier_guard_nft_close(struct portier_guard_nft *n)
{
	if (!n)
		return;
	portier_nft_close(n->ctx);
	portier_free(n);
}

int portier_guard_nft_set_allow(struct portier_guard_nft *n,
				const struct portier_guard_allow *a,
				struct portier_err *err)
{
	return run_text(n->ctx, portier_guard_nft_script_allow(a),
			"setting up table " TABLE, err);
}

int portier_guard_nft_block(struct portier_guard_nft *n,
			    const struct portier_addr *addr, uint32_t seconds,
			    struct portier_err *err)
{
	struct portier_prefix p = {*addr, addr->family == 4    ? 32
					  : n->opt.v6_prefix64 ? 64
							       : 128};

	return portier_guard_nft_block_prefix(n, &p, seconds, err);
}

int portier_guard_nft_block_prefix(struct portier_guard_nft *n,
				   const struct portier_prefix *p,
				   uint32_t seconds, struct portier_err *err)
{
	char cmd[256];
	int rc = portier_guard_nft_script_block(p, seconds, cmd, sizeof(cmd),
						err);

	if (rc < 0)
		return rc;
	return portier_nft_run(n->ctx, cmd, false,
			       "adding a block to table " TABLE, err);
}

int portier_guard_nft_unblock(const struct portier_addr *addr,
			      struct portier_err *err)
{
	struct portier_nft *c;
	struct portier_prefix net64 = {*addr, 64};
	char cmd[256], text[PORTIER_ADDR_STRLEN], net[PORTIER_PREFIX_STRLEN];
	int rc;

	rc = portier_nft_open(&c, err);
	if (rc < 0)
		return rc;
	portier_addr_str(addr, text, sizeof(text));
	snprintf(cmd, sizeof(cmd), "delete element " TABLE " block%u { %s }\n",
		 addr->family == 4 ? 4u : 6u, text);
	rc = portier_nft_run(c, cmd, false, "removing the block", err);
	if (rc < 0 && rc != PORTIER_EPERM && addr->family == 6) {
		/* perhaps banned as its /64 */
		block_elem(&net64, net, sizeof(net));
		snprintf(cmd, sizeof(cmd),
			 "delete element " TABLE " block6 { %s }\n", net);
		if (portier_nft_run(c, cmd, false, "removing the block",
				    NULL) == 0)
			rc = 0;
	}
	portier_nft_close(c);
	if (rc == PORTIER_EPERM)
		return rc;
	if (rc < 0) {
		portier_err_set(err, PORTIER_ENOENT, "'%s' is not blocked",
				text);
		portier_err_hint(err,
				 "see 'portier guard --status' for the blocks");
		return PORTIER_ENOENT;
	}
	return 0;
}

/* ---- reading the table back ------------------------------------------------ */

static int add_block(struct portier_guard_nft_listing *l, size_t *cap,
		     json_t *elem)
{
	json_t *val = json_object_get(elem, "val");
	struct portier_guard_block *b;
	struct portier_prefix elem_pfx;
	const char *text = NULL;
	json_int_t plen = 0, timeout, expires;
	char buf[80];

	if (!val)
		val = elem; /* an element without timeout is a bare value */
	if (json_is_string(val)) {
		text = json_string_value(val);
	} else if (json_is_object(val)) {
		json_t *pfx = json_object_get(val, "prefix");

		text = json_string_value(json_object_get(pfx, "addr"));
		plen = json_integer_value(json_object_get(pfx, "len"));
	}
	if (!text || plen < 0 || plen > 128)
		return 0;
	if (plen)
		snprintf(buf, sizeof(buf), "%.60s/%u", text, (unsigned)plen);
	if (portier_prefix_parse(plen ? buf : text,
				 PORTIER_PREFIX_CLEAR_HOST_BITS, &elem_pfx,
				 NULL) < 0)
		return 0;
	if (portier_grow(&l->blocks, cap, l->n + 1, sizeof(*l->blocks), 32) < 0)
		return PORTIER_ENOMEM;
	b = &l->blocks[l->n++];
	memset(b, 0, sizeof(*b));
	b->prefix = elem_pfx;
	timeout = json_integer_value(json_object_get(elem, "timeout"));
	expires = json_integer_value(json_object_get(elem, "expires"));
	b->timeout_s =
		timeout > 0 && timeout <= UINT32_MAX ? (uint32_t)timeout : 0;
	b->expires_s =
		expires > 0 && expires <= UINT32_MAX ? (uint32_t)expires : 0;
	return 0;
}

/* The elements of set block4 or block6. */
static int read_set(struct portier_guard_nft_listing *l, size_t *cap,
		    json_t *set)
{
	const char *name = json_string_value(json_object_get(set, "name"));
	json_t *e;
	size_t j;
	int rc;

	if (!name || (strcmp(name, "block4") && strcmp(name, "block6")))
		return 0;
	if (!strcmp(name, "block4"))
		l->set4 = true;
	else
		l->set6 = true;
	json_array_foreach(json_object_get(set, "elem"), j, e)
	{
		json_t *inner = json_object_get(e, "elem");

		rc = add_block(l, cap, inner ? inner : e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The drop rule's counter for set @block4 or @block6. */
static void read_rule(struct portier_guard_nft_listing *l, json_t *rule)
{
	json_t *e;
	const char *set = NULL;
	json_int_t packets = -1;
	size_t i;

	json_array_foreach(json_object_get(rule, "expr"), i, e)
	{
		json_t *m = json_object_get(e, "match"), *c;

		if (m && json_is_string(json_object_get(m, "right")))
			set = json_string_value(json_object_get(m, "right"));
		c = json_object_get(e, "counter");
		if (c)
			packets = json_integer_value(
				json_object_get(c, "packets"));
	}
	if (!set || packets < 0)
		return;
	if (!strcmp(set, "@block4")) {
		l->drops4 = (uint64_t)packets;
		l->rule4 = true;
	} else if (!strcmp(set, "@block6")) {
		l->drops6 = (uint64_t)packets;
		l->rule6 = true;
	}
}

int portier_guard_nft_parse(const char *text, size_t len,
			    struct portier_guard_nft_listing *out,
			    struct portier_err *err)
{
	json_t *root, *arr, *item;
	size_t i, cap = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	arr = json_object_get(root, "nftables");
	if (!json_is_array(arr)) {
		json_decref(root);
		return portier_err_set(err, PORTIER_EPROTO,
				       "the nftables listing of " TABLE
				       " is not JSON with an \"nftables\" "
				       "array");
	}
	json_array_foreach(arr, i, item)
	{
		json_t *set = json_object_get(item, "set");
		json_t *rule = json_object_get(item, "rule");

		if (json_is_object(set))
			rc = read_set(out, &cap, set);
		else if (json_is_object(rule))
			read_rule(out, rule);
		if (rc < 0)
			break;
	}
	json_decref(root);
	if (rc < 0) {
		portier_guard_nft_listing_free(out);
		return portier_err_set(err, rc, "out of memory reading " TABLE);
	}
	return 0;
}

void portier_guard_nft_listing_free(struct portier_guard_nft_listing *l)
{
	portier_free(l->blocks);
	memset(l, 0, sizeof(*l));
}

bool portier_guard_nft_intact(const struct portier_guard_nft_listing *l)
{
	return l->set4 && l->set6 && l->rule4 && l->rule6;
}

/* The table as the kernel has it, read with a context of its own. */
int portier_guard_nft_read(struct portier_guard_nft_listing *l,
			   struct portier_err *err)
{
	struct portier_nft *c;
	char *json = NULL;
	int rc;

	memset(l, 0, sizeof(*l));
	rc = portier_nft_open(&c, err);
	if (rc < 0)
		return rc;
	rc = portier_nft_list(c, "list table " TABLE, PORTIER_NFT_JSON, &json,
			      err);
	portier_nft_close(c);
	if (rc == 0)
		rc = portier_guard_nft_parse(json, strlen(json), l, err);
	portier_free(json);
	return rc;
}

int portier_guard_nft_list(struct portier_guard_block **out, size_t *n,
			   struct portier_err *err)
{
	struct portier_guard_nft_listing l;
	int rc = portier_guard_nft_read(&l, err);

	*out = rc == 0 ? l.blocks : NULL;
	*n = rc == 0 ? l.n : 0;
	return rc;
}

int portier_guard_nft_drops(uint64_t *drops4, uint64_t *drops6,
			    struct portier_err *err)
{
	struct portier_guard_nft_listing l;
	int rc = portier_guard_nft_read(&l, err);

	*drops4 = rc == 0 ? l.drops4 : 0;
	*drops6 = rc == 0 ? l.drops6 : 0;
	portier_guard_nft_listing_free(&l);
	return rc;
}
