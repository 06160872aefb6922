/*
 * nft.c - the blocker: guard's own nftables table, driven through
 * libnftables, one batch per change and never a fork of nft(8).
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
 */
#include <jansson.h>
#include <stdarg.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portier/guard.h"

#define TABLE "inet portier_guard"

struct portier_guard_nft {
	struct nft_ctx *ctx;
	struct portier_guard_nft_options opt;
};

/* A growing text buffer for one batch. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t ncap = (b->cap + (size_t)n + 1) * 2;
			char *ns = portier_realloc(b->s, ncap);

			if (!ns) {
				b->oom = true;
				return;
			}
			b->s = ns;
			b->cap = ncap;
		}
	}
}

static struct nft_ctx *new_ctx(void)
{
	struct nft_ctx *c = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!c)
		return NULL;
	nft_ctx_buffer_output(c);
	nft_ctx_buffer_error(c);
	return c;
}

/* Run a batch; on failure the first line of nft's message goes in err. */
static int run(struct nft_ctx *c, const char *cmd, const char *what,
	       struct portier_err *err)
{
	char msg[256];
	const char *e;
	size_t n;

	if (nft_run_cmd_from_buffer(c, cmd) == 0)
		return 0;
	e = nft_ctx_get_error_buffer(c);
	if (!e)
		e = "";
	n = strcspn(e, "\n");
	if (n >= sizeof(msg))
		n = sizeof(msg) - 1;
	memcpy(msg, e, n);
	msg[n] = '\0';
	if (strstr(e, "Operation not permitted")) {
		portier_err_set(err, PORTIER_EPERM, "cannot %s: %s", what, msg);
		portier_err_hint(err, "nftables needs root or CAP_NET_ADMIN");
		return PORTIER_EPERM;
	}
	if (strstr(e, "No such file or directory"))
		return portier_err_set(err, PORTIER_ENOENT, "cannot %s: %s",
				       what, msg);
	return portier_err_set(err, PORTIER_EIO, "cannot %s: %s", what, msg);
}

static void allow_elements(struct sbuf *b, const struct portier_guard_allow *a)
{
	static const int fams[] = {4, 6};
	size_t f, i;

	for (f = 0; f < 2; f++) {
		bool any = false;

		for (i = 0; i < a->n; i++) {
			char addr[64];

			if (a->v[i].family != fams[f])
				continue;
			portier_guard_addr_str(a->v[i].family, a->v[i].addr,
					       addr, sizeof(addr));
			if (!any)
				sb_add(b, "add element " TABLE " allow%d { ",
				       fams[f]);
			sb_add(b, "%s%s/%u", any ? ", " : "", addr,
			       a->v[i].plen);
			any = true;
		}
		if (any)
			sb_add(b, " }\n");
	}
}

static int push_allow(struct nft_ctx *c, const struct portier_guard_allow *a,
		      struct sbuf *b, struct portier_err *err)
{
	sb_add(b, "flush set " TABLE " allow4\nflush set " TABLE " allow6\n");
	allow_elements(b, a);
	if (b->oom)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	/* entries may overlap (an own address inside --allow): the sets
	 * are declared with auto-merge, which joins them */
	return run(c, b->s, "set up table inet portier_guard", err);
}

/*
 * The whole table in one batch, so there is no moment with the chain in
 * place and the allowlist empty: created if missing, adopted if there
 * (the block sets keep their elements), chain and allowlist rebuilt.
 */
static int build(struct portier_guard_nft *n,
		 const struct portier_guard_allow *a, struct portier_err *err)
{
	struct sbuf b = {0};
	uint32_t size = n->opt.max_elements ? n->opt.max_elements : 65536;
	int rc;

	sb_add(&b,
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
	rc = push_allow(n->ctx, a, &b, err);
	portier_free(b.s);
	return rc;
}

int portier_guard_nft_open(struct portier_guard_nft **out,
			   const struct portier_guard_nft_options *o,
			   const struct portier_guard_allow *a,
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
	n->ctx = new_ctx();
	if (!n->ctx) {
		portier_free(n);
		return portier_err_set(err, PORTIER_ENOMEM,
				       "cannot create an nftables context");
	}
	rc = build(n, a, err);
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

void portier_guard_nft_close(struct portier_guard_nft *n)
{
	if (!n)
		return;
	nft_ctx_free(n->ctx);
	portier_free(n);
}

int portier_guard_nft_set_allow(struct portier_guard_nft *n,
				const struct portier_guard_allow *a,
				struct portier_err *err)
{
	struct sbuf b = {0};
	int rc = push_allow(n->ctx, a, &b, err);

	portier_free(b.s);
	return rc;
}

int portier_guard_nft_block(struct portier_guard_nft *n, uint8_t family,
			    const uint8_t addr[16], uint32_t seconds,
			    struct portier_err *err)
{
	return portier_guard_nft_block_prefix(n, family, addr,
					      family == 4	   ? 32
					      : n->opt.v6_prefix64 ? 64
								   : 128,
					      seconds, err);
}

int portier_guard_nft_block_prefix(struct portier_guard_nft *n, uint8_t family,
				   const uint8_t addr[16], unsigned plen,
				   uint32_t seconds, struct portier_err *err)
{
	char cmd[256], text[64];
	uint8_t a[16];
	bool net64 = family == 6 && plen == 64;

	if (!(family == 4 ? plen == 32 : plen == 64 || plen == 128))
		return portier_err_set(err, PORTIER_EINVAL,
				       "bad block prefix length %u", plen);
	memcpy(a, addr, 16);
	if (net64)
		memset(a + 8, 0, 8);
	portier_guard_addr_str(family, a, text, sizeof(text));
	if (seconds < 1)
		seconds = 1;
	snprintf(cmd, sizeof(cmd),
		 "add element " TABLE " block%d { %s%s timeout %us }\n",
		 family == 4 ? 4 : 6, text, net64 ? "/64" : "", seconds);
	return run(n->ctx, cmd, "add a block to table inet portier_guard", err);
}

int portier_guard_nft_unblock(uint8_t family, const uint8_t addr[16],
			      struct portier_err *err)
{
	struct nft_ctx *c = new_ctx();
	char cmd[256], text[64], net[64];
	uint8_t a[16];
	int rc;

	if (!c)
		return portier_err_set(err, PORTIER_ENOMEM,
				       "cannot create an nftables context");
	portier_guard_addr_str(family, addr, text, sizeof(text));
	snprintf(cmd, sizeof(cmd), "delete element " TABLE " block%d { %s }\n",
		 family == 4 ? 4 : 6, text);
	rc = run(c, cmd, "remove the block", err);
	if (rc < 0 && family == 6) {
		/* perhaps banned as its /64 */
		memcpy(a, addr, 16);
		memset(a + 8, 0, 8);
		portier_guard_addr_str(6, a, net, sizeof(net));
		snprintf(cmd, sizeof(cmd),
			 "delete element " TABLE " block6 { %s/64 }\n", net);
		if (run(c, cmd, "remove the block", NULL) == 0)
			rc = 0;
	}
	nft_ctx_free(c);
	if (rc < 0) {
		portier_err_set(err, PORTIER_ENOENT, "'%s' is not blocked",
				text);
		portier_err_hint(err,
				 "see 'portier guard --status' for the blocks");
		return PORTIER_ENOENT;
	}
	return 0;
}

static int add_block(struct portier_guard_block **v, size_t *n, size_t *cap,
		     json_t *elem)
{
	json_t *val = json_object_get(elem, "val");
	struct portier_guard_block *b;
	const char *text = NULL;
	char buf[64];
	unsigned plen = 0;

	if (!val)
		val = elem; /* an element without timeout is a bare value */
	if (json_is_string(val)) {
		text = json_string_value(val);
	} else if (json_is_object(val) && json_object_get(val, "prefix")) {
		json_t *pfx = json_object_get(val, "prefix");

		text = json_string_value(json_object_get(pfx, "addr"));
		plen = (unsigned)json_integer_value(
			json_object_get(pfx, "len"));
	}
	if (!text)
		return 0;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct portier_guard_block *nv =
			portier_realloc(*v, ncap * sizeof(*nv));

		if (!nv)
			return PORTIER_ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	b = &(*v)[*n];
	memset(b, 0, sizeof(*b));
	snprintf(buf, sizeof(buf), "%s/%u", text, plen);
	{
		struct portier_guard_cidr c;

		if (portier_guard_cidr_parse(plen ? buf : text, &c, NULL) < 0)
			return 0;
		b->family = c.family;
		memcpy(b->addr, c.addr, 16);
		b->plen = c.plen;
	}
	b->timeout_s =
		(uint32_t)json_integer_value(json_object_get(elem, "timeout"));
	b->expires_s =
		(uint32_t)json_integer_value(json_object_get(elem, "expires"));
	(*n)++;
	return 0;
}

int portier_guard_nft_list(struct portier_guard_block **out, size_t *n,
			   struct portier_err *err)
{
	struct nft_ctx *c = new_ctx();
	static const char *const sets[] = {"block4", "block6"};
	size_t cap = 0, s;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!c)
		return portier_err_set(err, PORTIER_ENOMEM,
				       "cannot create an nftables context");
	nft_ctx_output_set_flags(c, NFT_CTX_OUTPUT_JSON);
	for (s = 0; s < 2 && rc == 0; s++) {
		char cmd[128];
		json_t *root, *arr, *item;
		size_t i;

		snprintf(cmd, sizeof(cmd), "list set " TABLE " %s", sets[s]);
		rc = run(c, cmd, "read table inet portier_guard", err);
		if (rc < 0)
			break;
		root = json_loads(nft_ctx_get_output_buffer(c), 0, NULL);
		arr = json_object_get(root, "nftables");
		json_array_foreach(arr, i, item)
		{
			json_t *set = json_object_get(item, "set");
			json_t *elems = json_object_get(set, "elem"), *e;
			size_t j;

			json_array_foreach(elems, j, e)
			{
				json_t *inner = json_object_get(e, "elem");

				rc = add_block(out, n, &cap, inner ? inner : e);
				if (rc < 0)
					break;
			}
		}
		json_decref(root);
	}
	nft_ctx_free(c);
	if (rc < 0) {
		portier_free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

/* The drop rule's counter for the block set named set ("@block4"). */
static void rule_counter(json_t *rule, uint64_t *drops4, uint64_t *drops6)
{
	json_t *expr = json_object_get(rule, "expr"), *e;
	const char *set = NULL;
	json_int_t packets = -1;
	size_t i;

	json_array_foreach(expr, i, e)
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
	if (!strcmp(set, "@block4"))
		*drops4 = (uint64_t)packets;
	else if (!strcmp(set, "@block6"))
		*drops6 = (uint64_t)packets;
}

int portier_guard_nft_drops(uint64_t *drops4, uint64_t *drops6,
			    struct portier_err *err)
{
	struct nft_ctx *c = new_ctx();
	json_t *root, *item;
	size_t i;
	int rc;

	*drops4 = *drops6 = 0;
	if (!c)
		return portier_err_set(err, PORTIER_ENOMEM,
				       "cannot create an nftables context");
	nft_ctx_output_set_flags(c, NFT_CTX_OUTPUT_JSON);
	rc = run(c, "list chain " TABLE " input",
		 "read table inet portier_guard", err);
	if (rc == 0) {
		root = json_loads(nft_ctx_get_output_buffer(c), 0, NULL);
		json_array_foreach(json_object_get(root, "nftables"), i, item)
		{
			json_t *rule = json_object_get(item, "rule");

			if (rule)
				rule_counter(rule, drops4, drops6);
		}
		json_decref(root);
	}
	nft_ctx_free(c);
	return rc;
}
