/*
 * nftmon.c - notice at once when guard's table loses something: the
 * nftables events of this namespace (netlink group NFNLGRP_NFTABLES, what
 * `nft monitor` shows), filtered down to deletions that touch table inet
 * portier_guard: the table, its chain, its rules, its sets, or elements of
 * its block sets.  The daemon then reads the table back and puts back what
 * the kernel is missing (restore.c decides).  An idle socket costs
 * nothing; a read-back of the whole table on a timer would cost a listing
 * of every ban, every time.
 *
 * The message filter is pure (portier_guard_nftmon_parse) and runs on
 * captured or synthetic buffers in the unit tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "portier/guard_nft.h"

#define GUARD_TABLE "portier_guard"

struct portier_guard_nftmon {
	struct mnl_socket *nl;
};

/* The string attribute of type t, or NULL (also when not terminated). */
static const char *attr_str(const struct nlmsghdr *nlh, uint16_t t)
{
	const char *end = (const char *)nlh + nlh->nlmsg_len;
	const struct nlattr *a =
		(const void *)((const char *)nlh +
			       NLMSG_ALIGN(sizeof(struct nlmsghdr)) +
			       NLMSG_ALIGN(sizeof(struct nfgenmsg)));

	while (mnl_attr_ok(a, (int)(end - (const char *)a))) {
		const char *s = mnl_attr_get_payload(a);
		size_t len = mnl_attr_get_payload_len(a);

		if (mnl_attr_get_type(a) == t)
			return len && memchr(s, '\0', len) ? s : NULL;
		a = mnl_attr_next(a);
	}
	return NULL;
}

/* Does one message take something away from guard's table? */
static bool touches_guard(const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *g;
	const char *set;
	unsigned msg;

	if (nlh->nlmsg_type >> 8 != NFNL_SUBSYS_NFTABLES ||
	    nlh->nlmsg_len < NLMSG_ALIGN(sizeof(struct nlmsghdr)) + sizeof(*g))
		return false;
	msg = nlh->nlmsg_type & 0xff;
	if (msg != NFT_MSG_DELTABLE && msg != NFT_MSG_DELCHAIN &&
	    msg != NFT_MSG_DELRULE && msg != NFT_MSG_DELSET &&
	    msg != NFT_MSG_DELSETELEM)
		return false;
	g = mnl_nlmsg_get_payload(nlh);
	/* attribute 1 names the table in each of these messages
	 * (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE,
	 * NFTA_SET_TABLE, NFTA_SET_ELEM_LIST_TABLE) */
	if (g->nfgen_family != NFPROTO_INET ||
	    !attr_str(nlh, NFTA_TABLE_NAME) ||
	    strcmp(attr_str(nlh, NFTA_TABLE_NAME), GUARD_TABLE) != 0)
		return false;
	if (msg != NFT_MSG_DELSETELEM)
		return true;
	/* guard refills its allowlist sets itself: only bans count */
	set = attr_str(nlh, NFTA_SET_ELEM_LIST_SET);
	return set && (!strcmp(set, "block4") || !strcmp(set, "block6"));
}

/*
 * The messages are walked here rather than with mnl_nlmsg_ok/_next, which
 * compare nlmsg_len as a signed int: a length of 0xffffffff passes them
 * and walks off the buffer (found by fuzz_guard_nftmon).
 */
bool portier_guard_nftmon_parse(const void *buf, size_t len)
{
	size_t off = 0;

	if ((uintptr_t)buf % 4 != 0) /* netlink headers are aligned */
		return false;
	while (len - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh =
			(const void *)((const char *)buf + off);
		size_t n = nlh->nlmsg_len, step = NLMSG_ALIGN(n);

		if (n < sizeof(*nlh) || n > len - off)
			return false;
		if (touches_guard(nlh))
			return true;
		if (step >= len - off)
			return false;
		off += step;
	}
	return false;
}

int portier_guard_nftmon_open(struct portier_guard_nftmon **out,
			      struct portier_err *err)
{
	struct portier_guard_nftmon *m;
	int group = NFNLGRP_NFTABLES, fd;

	*out = NULL;
	m = portier_calloc(1, sizeof(*m));
	if (!m)
		return portier_err_set(
			err, PORTIER_ENOMEM,
			"out of memory for the nftables monitor");
	m->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!m->nl || mnl_socket_bind(m->nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(m->nl, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0) {
		int e = errno;

		portier_guard_nftmon_close(m);
		portier_err_set(err, e == EPERM ? PORTIER_EPERM : PORTIER_EIO,
				"cannot watch nftables events: %s",
				strerror(e));
		if (e == EPERM)
			portier_err_hint(err, "watching needs CAP_NET_ADMIN");
		return e == EPERM ? PORTIER_EPERM : PORTIER_EIO;
	}
	fd = mnl_socket_get_fd(m->nl);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	*out = m;
	return 0;
}

int portier_guard_nftmon_fd(const struct portier_guard_nftmon *m)
{
	return mnl_socket_get_fd(m->nl);
}

int portier_guard_nftmon_read(struct portier_guard_nftmon *m)
{
	/* aligned for the netlink headers */
	static const size_t size = 65536;
	uint32_t buf[65536 / 4];
	bool lost = false;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(m->nl, buf, size);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return lost;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				lost = true; /* events dropped: assume the worst */
				continue;
			}
			return -errno;
		}
		if (portier_guard_nftmon_parse(buf, (size_t)n))
			lost = true;
	}
}

void portier_guard_nftmon_close(struct portier_guard_nftmon *m)
{
	if (!m)
		return;
	if (m->nl)
		mnl_socket_close(m->nl);
	portier_free(m);
}
