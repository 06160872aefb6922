/*
 * test_nbstat_sweep.c - the nbstat sweep on real sockets, each case in a
 * child inside a network namespace of its own (unshare), so nothing it
 * sends can leave: it never sends to a group address even when handed one,
 * and it takes only the reply from the queried port that answers for "*".
 *
 * A lab test (label lab, run as root): it needs CAP_SYS_ADMIN for the
 * namespaces.  Without it the test is skipped (exit 77), or fails under
 * CI=true, as tests/need.sh decides for the shell tests.  A child that
 * cannot make its namespace fails the test: nothing is skipped quietly.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "portier/net.h"
#include "portier/probe.h"
#include "probe_fixture.h"

/*
 * The sweep itself refuses to send to multicast and 255.255.255.255 even
 * when handed them directly (bypassing the target parser).  Run in a
 * child inside a fresh network namespace (only loopback), so that even a broken
 * sweep cannot put a packet on a real network.
 */
struct nosend_seen {
	unsigned n, ok;
};

static void nosend_cb(const struct portier_nbstat_result *r, void *ctx)
{
	struct nosend_seen *seen = ctx;

	seen->n++;
	if (r->status == -EADDRNOTAVAIL && r->queries == 0 &&
	    strstr(r->err.msg, "not a unicast address"))
		seen->ok++;
}

/*
 * Run body in a child inside a network namespace of its own, loopback up;
 * the test fails unless the child exits 0.
 */
static void run_in_netns(int (*body)(void))
{
	pid_t pid = fork();
	int st = 0;

	assert_true(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(20);
		if (system("ip link set lo up") != 0)
			_exit(21);
		_exit(body());
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static int never_sends_to_groups(void)
{
	static const char *const bad_dst[] = {"224.0.0.1", "239.255.255.250",
					      "255.255.255.255", "0.0.0.0"};
	struct portier_addr t[4];
	struct portier_nbstat_opts o = {.timeout_ms = 50};
	struct nosend_seen seen = {0};
	struct portier_err err = {0};
	size_t i;

	for (i = 0; i < 4; i++)
		portier_addr_parse(bad_dst[i], &t[i]);
	if (portier_nbstat_sweep(t, 4, &o, nosend_cb, &seen, &err) < 0)
		return 3;
	return seen.n == 4 && seen.ok == 4 ? 0 : 1;
}

static void test_sweep_never_sends_to_groups(void **state)
{
	(void)state;
	run_in_netns(never_sends_to_groups);
}

/*
 * A sweep takes only the reply that comes from the queried port and answers
 * for "*"; a reply with the right transaction id from another port, or for
 * another name, is ignored.  retries = UINT_MAX is capped (it made the
 * retry interval divide by zero).  Runs in a child inside a private network
 * namespace (loopback only, brought up there), with a fake name service in
 * a second child.
 */
static void nb_responder(int rs, int ws, const uint8_t *good, size_t n,
			 bool answer)
{
	uint8_t q[128], rep[PORTIER_NBSTAT_MAX_REPLY];

	for (;;) {
		struct sockaddr_in peer;
		socklen_t sl = sizeof(peer);
		ssize_t m = recvfrom(rs, q, sizeof(q), 0,
				     (struct sockaddr *)&peer, &sl);

		if (m < 2)
			_exit(m < 0 ? 1 : 0);
		memcpy(rep, good, n);
		rep[0] = q[0];
		rep[1] = q[1];
		/* right id, wrong source port */
		sendto(ws, rep, n, 0, (struct sockaddr *)&peer, sl);
		/* right id and port, answer for another name */
		portier_nb_encode_name("OTHER", 0x20, rep + 12);
		sendto(rs, rep, n, 0, (struct sockaddr *)&peer, sl);
		if (answer) {
			memcpy(rep + 12, good + 12, 34);
			sendto(rs, rep, n, 0, (struct sockaddr *)&peer, sl);
		}
	}
}

static int sweep_against_fake(bool answer, unsigned retries,
			      struct portier_nbstat_result *res)
{
	uint8_t good[PORTIER_NBSTAT_MAX_REPLY];
	size_t n = probe_fixture_load("nbstat-samba-5names.bin", good,
				      sizeof(good));
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	struct portier_addr t = {.family = 4, .b = {127, 0, 0, 1}};
	struct portier_nbstat_opts o = {.retries = retries, .timeout_ms = 300};
	struct portier_err err = {0};
	int rs, ws, rc;
	pid_t pid;

	rs = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ws = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (rs < 0 || ws < 0 || bind(rs, (struct sockaddr *)&a, al) < 0 ||
	    bind(ws, (struct sockaddr *)&a, al) < 0 ||
	    getsockname(rs, (struct sockaddr *)&a, &al) < 0)
		return -100;
	pid = fork();
	if (pid < 0)
		return -101;
	if (pid == 0)
		nb_responder(rs, ws, good, n, answer);
	o.port = ntohs(a.sin_port);
	rc = portier_probe_nbstat_host(&t, &o, res, &err);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(rs);
	close(ws);
	return rc;
}

static int matches_port_and_name(void)
{
	static struct portier_nbstat_result res;

	/* only wrong replies: the host stays unanswered */
	if (sweep_against_fake(false, 1, &res) != -ETIMEDOUT ||
	    res.queries != 2)
		return 10;
	/* wrong ones first, then the real one: that one is taken */
	if (sweep_against_fake(true, 1, &res) != 0 || !res.reply.for_star ||
	    res.reply.n_names != 5)
		return 11;
	/* retries from the public API beyond the cap: 1 + 10 */
	if (sweep_against_fake(false, UINT_MAX, &res) != -ETIMEDOUT ||
	    res.queries != PORTIER_NBSTAT_MAX_RETRIES + 1)
		return 12;
	return 0;
}

static void test_sweep_matches_port_and_name(void **state)
{
	(void)state;
	run_in_netns(matches_port_and_name);
}

/* Can this process make a network namespace?  Tried in a child. */
static bool can_unshare(void)
{
	pid_t pid = fork();
	int st = 0;

	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep_never_sends_to_groups),
		cmocka_unit_test(test_sweep_matches_port_and_name),
	};
	const char *ci = getenv("CI");

	if (!can_unshare()) {
		if (ci && strcmp(ci, "true") == 0) {
			fprintf(stderr, "FAIL: cannot make a network namespace "
					"(needs root; CI=true: no skipping)\n");
			return 1;
		}
		fprintf(stderr, "skipped: cannot make a network namespace "
				"(needs root)\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
