/*
 * render.c - a policy as the nft script that makes portier's table exactly
 * that policy.
 *
 * The script replaces the whole table in one transaction: "table inet
 * portier" (creates it if missing, so the delete cannot fail), "delete
 * table inet portier", then the table declared anew.  libnftables sends all
 * of it as one netlink batch, so the kernel switches from the old table to
 * the new one at once or, on any error, keeps the old one.  No other table
 * is named, so nothing else is touched; and because the output depends only
 * on the policy, applying the same policy twice yields the same table.
 *
 * Chain order (input hook, priority filter):
 *   1. loopback, and replies to connections this host opened: accepted, so
 *      closing a port never breaks an outgoing connection that happens to
 *      use it as its local port;
 *   2. closed ports (from anywhere, then per source prefix): dropped, with
 *      a counter, even in allow-only mode and even for connections that
 *      were established before (closing means closing);
 *   3. allow-only: established/related accepted, then the connections that
 *      existed at apply time by exact 4-tuple (see struct portier_fw_conn),
 *      invalid dropped, the ICMP the network needs, DHCP replies, the
 *      allowed ports; the rest dropped.
 */
#include <stdio.h>
#include <sys/socket.h>

#include "fw/fw_int.h"

#define ELEMENTS_PER_LINE 10

static void put_set(struct portier_nft_buf *b, const char *name,
		    const struct portier_fw_portset *s, const char *comment)
{
	size_t i;

	portier_nft_buf_printf(b,
			       "\tset %s {\n\t\ttype inet_service\n"
			       "\t\tflags interval\n",
			       name);
	if (comment)
		portier_nft_buf_printf(b, "\t\tcomment \"%s\"\n", comment);
	portier_nft_buf_puts(b, "\t\telements = {");
	for (i = 0; i < s->n; i++) {
		if (i && i % ELEMENTS_PER_LINE == 0)
			portier_nft_buf_puts(b, ",\n\t\t\t     ");
		else if (i)
			portier_nft_buf_puts(b, ", ");
		else
			portier_nft_buf_puts(b, " ");
		if (s->r[i].lo == s->r[i].hi)
			portier_nft_buf_printf(b, "%u", s->r[i].lo);
		else
			portier_nft_buf_printf(b, "%u-%u", s->r[i].lo,
					       s->r[i].hi);
	}
	portier_nft_buf_puts(b, " }\n\t}\n");
}

/*
 * ICMP a host needs even behind a default drop: errors for path MTU
 * discovery and diagnostics (RFC 1191; RFC 4890 4.3.1 for ICMPv6), echo
 * request, and IPv6 neighbour discovery and multicast listener messages
 * (RFC 4861 4, RFC 3810), without which IPv6 does not work at all.
 */
static const char icmp4_types[] =
	"destination-unreachable, time-exceeded, parameter-problem, "
	"echo-request";
static const char icmp6_types[] =
	"destination-unreachable, packet-too-big, time-exceeded, "
	"parameter-problem, echo-request, mld-listener-query, "
	"mld-listener-report, mld-listener-done, nd-router-solicit, "
	"nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, "
	"mld2-listener-report";

/* The connections established before, as peer . sport . dport sets. */
static void put_keep(struct portier_nft_buf *b,
		     const struct portier_fw_policy *p, int family)
{
	char addr[PORTIER_ADDR_STRLEN];
	size_t i, k = 0;

	for (i = 0; i < p->n_keep; i++) {
		const struct portier_fw_conn *c = &p->keep[i];

		if (portier_addr_af(c->peer.family) != family)
			continue;
		if (k++ == 0)
			portier_nft_buf_printf(
				b,
				"\tset " FW_SET_KEEP "%s {\n"
				"\t\ttype %s . inet_service . "
				"inet_service\n"
				"\t\tcomment \"TCP connections "
				"established before allow-only\"\n"
				"\t\telements = { ",
				family == AF_INET ? "v4" : "v6",
				family == AF_INET ? "ipv4_addr" : "ipv6_addr");
		else
			portier_nft_buf_puts(b, ",\n\t\t\t     ");
		portier_nft_buf_printf(
			b, "%s . %u . %u",
			portier_addr_str(&c->peer, addr, sizeof(addr)),
			c->rport, c->lport);
	}
	if (k)
		portier_nft_buf_puts(b, " }\n\t}\n");
}

static bool has_keep(const struct portier_fw_policy *p, int family)
{
	size_t i;

	for (i = 0; i < p->n_keep; i++)
		if (portier_addr_af(p->keep[i].peer.family) == family)
			return true;
	return false;
}

static void put_chain(struct portier_nft_buf *b,
		      const struct portier_fw_policy *p)
{
	size_t i;
	int q;

	portier_nft_buf_printf(b,
			       "\tchain " FW_CHAIN " {\n"
			       "\t\ttype filter hook input priority filter; "
			       "policy %s;\n"
			       "\t\tiif \"lo\" accept\n"
			       "\t\tct direction reply accept\n",
			       p->allow_only ? "drop" : "accept");
	for (q = 0; q < PORTIER_FW_NPROTO; q++)
		if (p->close[q].n)
			portier_nft_buf_printf(b,
					       "\t\t%s dport @" FW_SET_CLOSE
					       "%s counter drop\n",
					       portier_fw_proto_name(q),
					       portier_fw_proto_name(q));
	for (i = 0; i < p->n_from; i++)
		for (q = 0; q < PORTIER_FW_NPROTO; q++)
			if (p->from[i].ports[q].n)
				portier_nft_buf_printf(
					b,
					"\t\t%s saddr %s %s dport "
					"@" FW_SET_FROM "%zu_%s counter "
					"drop\n",
					p->from[i].net.addr.family == 4 ? "ip"
									: "ip6",
					p->from[i].text,
					portier_fw_proto_name(q), i + 1,
					portier_fw_proto_name(q));
	if (p->allow_only) {
		portier_nft_buf_puts(
			b, "\t\tct state established,related accept\n");
		if (has_keep(p, AF_INET))
			portier_nft_buf_puts(
				b, "\t\tip saddr . tcp sport . tcp dport "
				   "@" FW_SET_KEEP "v4 accept\n");
		if (has_keep(p, AF_INET6))
			portier_nft_buf_puts(
				b, "\t\tip6 saddr . tcp sport . tcp dport "
				   "@" FW_SET_KEEP "v6 accept\n");
		portier_nft_buf_printf(
			b,
			"\t\tct state invalid counter drop\n"
			"\t\ticmp type { %s } accept\n"
			"\t\ticmpv6 type { %s } accept\n"
			"\t\tudp sport 67 udp dport 68 accept\n"
			"\t\tudp sport 547 udp dport 546 accept\n",
			icmp4_types, icmp6_types);
		for (q = 0; q < PORTIER_FW_NPROTO; q++)
			if (p->allow[q].n)
				portier_nft_buf_printf(
					b,
					"\t\t%s dport @" FW_SET_ALLOW
					"%s accept\n",
					portier_fw_proto_name(q),
					portier_fw_proto_name(q));
		portier_nft_buf_puts(b, "\t\tcounter drop\n");
	}
	portier_nft_buf_puts(b, "\t}\n");
}

int portier_fw_render(const struct portier_fw_policy *p, char **out,
		      struct portier_err *err)
{
	struct portier_nft_buf b = {0};
	char name[32];
	size_t i;
	int q;

	portier_nft_buf_puts(
		&b, "# portier firewall: replaces table inet " PORTIER_FW_TABLE
		    " in one transaction\n"
		    "table inet " PORTIER_FW_TABLE "\n"
		    "delete table inet " PORTIER_FW_TABLE "\n");
	if (portier_fw_policy_empty(p))
		goto done;
	portier_nft_buf_puts(&b,
			     "table inet " PORTIER_FW_TABLE " {\n"
			     "\tcomment \"managed by portier firewall; changes "
			     "made by hand are lost\"\n");
	for (q = 0; q < PORTIER_FW_NPROTO; q++) {
		if (!p->close[q].n)
			continue;
		snprintf(name, sizeof(name), FW_SET_CLOSE "%s",
			 portier_fw_proto_name(q));
		put_set(&b, name, &p->close[q], NULL);
	}
	for (i = 0; i < p->n_from; i++) {
		for (q = 0; q < PORTIER_FW_NPROTO; q++) {
			if (!p->from[i].ports[q].n)
				continue;
			snprintf(name, sizeof(name), FW_SET_FROM "%zu_%s",
				 i + 1, portier_fw_proto_name(q));
			put_set(&b, name, &p->from[i].ports[q],
				p->from[i].text);
		}
	}
	if (p->allow_only) {
		for (q = 0; q < PORTIER_FW_NPROTO; q++) {
			if (!p->allow[q].n)
				continue;
			snprintf(name, sizeof(name), FW_SET_ALLOW "%s",
				 portier_fw_proto_name(q));
			put_set(&b, name, &p->allow[q], NULL);
		}
		put_keep(&b, p, AF_INET);
		put_keep(&b, p, AF_INET6);
	}
	put_chain(&b, p);
	portier_nft_buf_puts(&b, "}\n");
done:
	*out = portier_nft_buf_take(&b);
	if (!*out)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	return 0;
}
