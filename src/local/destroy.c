/*
 * destroy.c - portier_local_destroy: abort one TCP connection of this
 * network namespace through sock_diag's SOCK_DESTROY, as `ss -K` does.  The
 * kernel sends the peer a reset and the local owner sees ECONNABORTED.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <string.h>
#include <time.h>

#include "local/local_int.h"

static int destroy_error(int e, struct portier_err *err)
{
	switch (e) {
	case EOPNOTSUPP:
		portier_err_set(err, -EOPNOTSUPP,
				"this kernel cannot close sockets from outside "
				"(built without CONFIG_INET_DIAG_DESTROY)");
		portier_err_hint(err, "stop or kill the owning process, or "
				      "block the port, instead");
		return err ? err->code : -EOPNOTSUPP;
	case EPERM:
	case EACCES:
		portier_err_set(err, PORTIER_EPERM,
				"closing a connection needs CAP_NET_ADMIN");
		portier_err_hint(err, "run portier as root");
		return err ? err->code : PORTIER_EPERM;
	case ENOENT:
		return portier_err_set(err, PORTIER_ENOENT,
				       "no such connection (it is closed "
				       "already)");
	default:
		return portier_err_set(err, PORTIER_EIO,
				       "the kernel refused to close the "
				       "connection: %s",
				       strerror(e));
	}
}

int portier_local_destroy(const struct portier_local_tuple *t,
			  struct portier_err *err)
{
	uint8_t req[SOCKDIAG_REQ_MAX] __attribute__((aligned(4)));
	uint32_t reply[1024];
	uint32_t seq = (uint32_t)time(NULL);
	struct mnl_socket *nl;
	size_t len = sockdiag_build_inet_destroy(req, sizeof(req), t, seq);
	ssize_t n;
	int rc;

	if (!len)
		return portier_err_set(err, PORTIER_EINVAL,
				       "only a TCP connection can be closed");
	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!nl)
		return portier_err_set(
			err, PORTIER_EIO,
			"cannot open a NETLINK_SOCK_DIAG socket: "
			"%s",
			strerror(errno));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, req, len) < 0) {
		rc = portier_err_set(err, PORTIER_EIO,
				     "cannot send a sock_diag request: %s",
				     strerror(errno));
		goto out;
	}
	do
		n = mnl_socket_recvfrom(nl, reply, sizeof(reply));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		rc = destroy_error(errno, err);
		goto out;
	}
	rc = mnl_cb_run(reply, (size_t)n, seq, mnl_socket_get_portid(nl), NULL,
			NULL);
	rc = rc < 0 ? destroy_error(errno, err) : 0;
out:
	mnl_socket_close(nl);
	return rc;
}
