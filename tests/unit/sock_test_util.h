/*
 * sock_test_util.h - real sockets on loopback and planted /proc trees for
 * the unit tests of the socket table and its users (local, fw).  Only
 * loopback addresses of the test's own namespace are used.  Include after
 * <cmocka.h>.
 */
#ifndef PORTIER_SOCK_TEST_UTIL_H
#define PORTIER_SOCK_TEST_UTIL_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "portier/addr.h"

/* A connection: the listener, the client end and the accepted end. */
struct test_conn {
	int lfd, cfd, sfd;
	uint16_t sport, cport; /* server and client port */
	uint64_t sino, cino;   /* their socket inodes */
};

/* The socket inode of fd (what /proc/PID/fd shows as socket:[N]). */
static inline uint64_t test_sock_inode(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return (uint64_t)st.st_ino;
}

static inline uint16_t test_sock_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
	return ntohs(ss.ss_family == AF_INET
			     ? ((struct sockaddr_in *)&ss)->sin_port
			     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

/*
 * A TCP (type SOCK_STREAM) or UDP (SOCK_DGRAM) connection from client
 * address caddr to a server bound to saddr (both literal addresses; an
 * IPv4-mapped saddr makes a dual-stack IPv6 server that talks IPv4).
 * Returns false when the address family is not available here.
 */
static inline bool test_conn_open(struct test_conn *c, int type,
				  const char *saddr, const char *caddr)
{
	struct portier_addr s, a;
	struct sockaddr_storage ss, cs;
	socklen_t sl, cl;
	int off = 0;

	memset(c, 0, sizeof(*c));
	c->lfd = c->cfd = c->sfd = -1;
	assert_int_equal(portier_addr_parse(saddr, &s), 0);
	assert_int_equal(portier_addr_parse(caddr, &a), 0);
	c->lfd = socket(portier_addr_af(s.family), type | SOCK_CLOEXEC, 0);
	if (c->lfd < 0)
		return false;
	setsockopt(c->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	sl = portier_addr_to_sockaddr(&s, 0, &ss);
	if (bind(c->lfd, (struct sockaddr *)&ss, sl) < 0) {
		close(c->lfd);
		c->lfd = -1;
		return false;
	}
	c->sport = test_sock_port(c->lfd);
	c->cfd = socket(portier_addr_af(a.family), type | SOCK_CLOEXEC, 0);
	assert_true(c->cfd >= 0);
	cl = portier_addr_to_sockaddr(&a, 0, &cs);
	assert_int_equal(bind(c->cfd, (struct sockaddr *)&cs, cl), 0);
	c->cport = test_sock_port(c->cfd);
	/* the server as the client reaches it: the unmapped address */
	portier_addr_unmap(&s, &s);
	sl = portier_addr_to_sockaddr(&s, c->sport, &ss);
	if (type == SOCK_STREAM) {
		assert_int_equal(listen(c->lfd, 4), 0);
		assert_int_equal(connect(c->cfd, (struct sockaddr *)&ss, sl),
				 0);
		c->sfd = accept(c->lfd, NULL, NULL);
		assert_true(c->sfd >= 0);
	} else {
		/* UDP: the server socket is connected back to the client */
		assert_int_equal(connect(c->cfd, (struct sockaddr *)&ss, sl),
				 0);
		c->sfd = c->lfd;
		c->lfd = -1;
		cl = portier_addr_to_sockaddr(&a, c->cport, &cs);
		assert_int_equal(connect(c->sfd, (struct sockaddr *)&cs, cl),
				 0);
	}
	c->sino = test_sock_inode(c->sfd);
	c->cino = test_sock_inode(c->cfd);
	return true;
}

static inline void test_conn_close(struct test_conn *c)
{
	if (c->lfd >= 0)
		close(c->lfd);
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->sfd >= 0)
		close(c->sfd);
	c->lfd = c->cfd = c->sfd = -1;
}

/*
 * Plant <root>/<pid>/{stat,comm} (comm, parent ppid) and, when inode is not
 * 0, <root>/<pid>/fd/<fd> -> socket:[inode].  root must exist.
 */
static inline void test_plant_proc(const char *root, int pid, const char *comm,
				   int ppid, int fd, uint64_t inode)
{
	char path[4096], text[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d", root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/fd", root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/stat", root, pid);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%d (%s) S %d %d %d 0 -1 4194560 0 0\n", pid, comm, ppid,
		pid, pid);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%d/comm", root, pid);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", comm);
	fclose(f);
	if (!inode)
		return;
	snprintf(path, sizeof(path), "%s/%d/fd/%d", root, pid, fd);
	snprintf(text, sizeof(text), "socket:[%llu]",
		 (unsigned long long)inode);
	assert_int_equal(symlink(text, path), 0);
}

/* Remove a tree test_plant_proc made (rm -r). */
static inline void test_unplant(const char *root)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

#endif
