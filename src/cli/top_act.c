/*
 * top_act.c - what `portier top` does to the selected row, each after a
 * y/N question: abort a TCP connection (local.h's SOCK_DESTROY), stop,
 * continue or kill the owning process (through a pidfd, so that a pid
 * reused since the last refresh is never signalled), block the port and
 * take the block back, and show the knowledge base's entry.
 *
 * Blocking runs `portier firewall close PORT/PROTO` as a child: that one
 * command reads the rules in place, guards the SSH session and saves the
 * undo point, and top must do exactly what it does.  The child's words
 * come back through a pipe, never onto the curses screen.  Undo goes
 * through the firewall module itself, and only when the newest undo point
 * is this session's own block.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/top_ui.h"
#include "portier/file.h"
#include "portier/fw.h"
#include "portier/local.h"

static void say(struct top_state *st, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct top_state *st, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->msg, sizeof(st->msg), fmt, ap);
	va_end(ap);
	st->msg_err = error;
}

static const char *proto_of(const struct portier_top_row *r)
{
	return r->tuple.proto == PORTIER_PROTO_TCP ? "tcp" : "udp";
}

/* The port a block of r closes: its own for a listener or a connection
 * to it; 0 for a connection this host opened. */
static uint16_t block_port(const struct portier_top_row *r)
{
	return r->outbound ? 0 : r->tuple.lport;
}

/*
 * Run this portier with args; its standard output and error into *out
 * (NUL-terminated, freed with free()).  Returns the exit status, or -1
 * when it could not be run.
 */
static int run_self(char *const argv[], char **out)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int pfd[2], status;
	pid_t pid;

	*out = NULL;
	if (!buf || pipe2(pfd, O_CLOEXEC) < 0) {
		free(buf);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		free(buf);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(pfd[1], 1) < 0 ||
		    dup2(pfd[1], 2) < 0)
			_exit(127);
		setenv("NO_COLOR", "1", 1);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t got;

		if (cap - len < 1024) {
			char *b = realloc(buf, cap * 2);

			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
		got = read(pfd[0], buf + len, cap - len - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	buf[len] = '\0';
	close(pfd[0]);
	*out = buf;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The last non-empty line of text, cleaned for the status line. */
static void last_line(const char *text, char *buf, size_t len)
{
	const char *end = text + strlen(text), *start;
	char line[512];
	size_t n;

	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	for (start = end; start > text && start[-1] != '\n'; start--)
		;
	n = (size_t)(end - start) < sizeof(line) - 1 ? (size_t)(end - start)
						     : sizeof(line) - 1;
	memcpy(line, start, n);
	line[n] = '\0';
	portier_text_clean(buf, len, line, PORTIER_TEXT_LINE);
}

/* The first line of text that starts with "portier " (an error). */
static bool error_line(const char *text, char *buf, size_t len)
{
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, "portier ", 8) == 0) {
			const char *e = strchr(p, '\n');
			char line[512];
			size_t n = e ? (size_t)(e - p) : strlen(p);

			if (n >= sizeof(line))
				n = sizeof(line) - 1;
			memcpy(line, p, n);
			line[n] = '\0';
			portier_text_clean(buf, len, line, PORTIER_TEXT_LINE);
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

/* Is process pid stopped (State: T)? */
static bool stopped(const struct top_state *st, int pid)
{
	char path[64], *text = NULL;
	const char *v;
	bool t = false;

	snprintf(path, sizeof(path), "%s/%d/status", st->cli->proc_root, pid);
	if (portier_file_read(AT_FDCWD, NULL, path, PORTIER_FILE_TEXT, 1 << 16,
			      &text, NULL) < 0)
		return false;
	v = portier_text_line(text, "State:");
	if (v) {
		while (*v == ' ' || *v == '\t')
			v++;
		t = *v == 'T';
	}
	portier_free(text);
	return t;
}

bool top_act_question(struct top_state *st, enum top_action a,
		      const struct portier_top_row *r, char *q, size_t len)
{
	if (a == TOP_ACT_UNDO) {
		if (!st->n_blocks) {
			say(st, true,
			    "nothing blocked in this session ('portier "
			    "firewall undo' takes back other changes)");
			return false;
		}
		snprintf(q, len, "undo '%s'?", st->blocks[st->n_blocks - 1]);
		return true;
	}
	if (!r) {
		say(st, true, "no row selected");
		return false;
	}
	if (r->mark == PORTIER_TOP_GONE) {
		say(st, true, "that socket is closed already");
		return false;
	}
	switch (a) {
	case TOP_ACT_CLOSE:
		if (r->tuple.proto != PORTIER_PROTO_TCP || r->listening) {
			say(st, true,
			    "only a TCP connection can be closed; block the "
			    "port (b) or stop its program instead");
			return false;
		}
		if (r->state == PORTIER_SS_TIME_WAIT) {
			say(st, true,
			    "a TIME-WAIT socket is closed already; the kernel "
			    "drops it by itself");
			return false;
		}
		snprintf(q, len, "close tcp %s <-> %s (the peer gets a reset)?",
			 r->local, r->remote);
		return true;
	case TOP_ACT_STOP:
	case TOP_ACT_TERM:
	case TOP_ACT_KILL:
		if (!r->pid) {
			say(st, true,
			    "no process is known for this socket (run as "
			    "root to see every owner)");
			return false;
		}
		if (r->pid == getpid()) {
			say(st, true, "that is this portier top");
			return false;
		}
		snprintf(q, len, "%s pid %d (%s)?",
			 a == TOP_ACT_TERM     ? "terminate (SIGTERM)"
			 : a == TOP_ACT_KILL   ? "kill (SIGKILL)"
			 : stopped(st, r->pid) ? "continue (SIGCONT)"
					       : "stop (SIGSTOP)",
			 r->pid, r->program[0] ? r->program : "?");
		return true;
	case TOP_ACT_BLOCK:
		if (!block_port(r)) {
			say(st, true,
			    "this host opened that connection: no port here "
			    "to block");
			return false;
		}
		snprintf(q, len,
			 "block %s/%u in the firewall (portier firewall close "
			 "%u/%s)?",
			 proto_of(r), block_port(r), block_port(r),
			 proto_of(r));
		return true;
	case TOP_ACT_UNDO:
		break;
	}
	return false;
}

static void close_conn(struct top_state *st, const struct portier_top_row *r)
{
	struct portier_err err = {0};

	if (portier_local_destroy(&r->tuple, &err) < 0)
		say(st, true, "cannot close it: %s%s%s", err.msg,
		    err.hint[0] ? "; " : "", err.hint);
	else
		say(st, false, "closed tcp %s <-> %s", r->local, r->remote);
}

/* /proc/PID/comm, as the rows clean it, still r->program? */
static bool same_program(const struct top_state *st,
			 const struct portier_top_row *r)
{
	char path[64], *text = NULL, *nl;
	bool same;

	snprintf(path, sizeof(path), "%s/%d/comm", st->cli->proc_root, r->pid);
	if (portier_file_read(AT_FDCWD, NULL, path, PORTIER_FILE_TEXT, 4096,
			      &text, NULL) < 0)
		return false;
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	same = strncmp(text, r->program, sizeof(r->program) - 1) == 0 ||
	       !r->program[0];
	portier_free(text);
	return same;
}

static void send_signal(struct top_state *st, enum top_action a,
			const struct portier_top_row *r)
{
	int sig = a == TOP_ACT_TERM	? SIGTERM
		  : a == TOP_ACT_KILL	? SIGKILL
		  : stopped(st, r->pid) ? SIGCONT
					: SIGSTOP;
	int fd = pidfd_open(r->pid, 0);

	if (fd < 0) {
		say(st, true, "pid %d: %s", r->pid,
		    errno == ESRCH ? "gone already" : strerror(errno));
		return;
	}
	/* the pidfd holds the process: once it matches, it stays the one */
	if (!same_program(st, r)) {
		say(st, true,
		    "pid %d is no longer %s; nothing was sent (the next "
		    "refresh shows what it is)",
		    r->pid, r->program);
	} else if (pidfd_send_signal(fd, sig, NULL, 0) < 0) {
		say(st, true, "cannot signal pid %d: %s%s", r->pid,
		    strerror(errno),
		    errno == EPERM ? " (another user's process: run as root)"
				   : "");
	} else {
		say(st, false, "sent %s to pid %d (%s)", sigabbrev_np(sig),
		    r->pid, r->program);
	}
	close(fd);
}

/* How many undo points the firewall has (0 when it cannot say). */
static size_t undo_depth(void)
{
	struct portier_fw *fw;
	size_t d;

	if (portier_fw_open(&fw, &portier_fw_nft, getenv("PORTIER_STATE_DIR"),
			    NULL) < 0)
		return 0;
	d = portier_fw_undo_depth(fw);
	portier_fw_close(fw);
	return d;
}

static void block(struct top_state *st, const struct portier_top_row *r)
{
	char spec[24], *out = NULL, line[256];
	char a0[] = "portier", a1[] = "firewall", a2[] = "close";
	char *argv[] = {a0, a1, a2, spec, NULL};
	size_t before = undo_depth();
	int rc;

	snprintf(spec, sizeof(spec), "%u/%s", block_port(r), proto_of(r));
	rc = run_self(argv, &out);
	if (rc != 0) {
		if (out && error_line(out, line, sizeof(line)))
			say(st, true, "block failed: %s", line);
		else
			say(st, true,
			    "block failed: portier firewall close "
			    "could not run");
	} else if (undo_depth() <= before) {
		say(st, false, "%s is blocked already (nothing to undo)", spec);
	} else {
		if (st->n_blocks == TOP_MAX_BLOCKS) {
			memmove(st->blocks[0], st->blocks[1],
				sizeof(st->blocks[0]) * (TOP_MAX_BLOCKS - 1));
			st->n_blocks--;
		}
		snprintf(st->blocks[st->n_blocks++], sizeof(st->blocks[0]),
			 "close %s", spec);
		last_line(out, line, sizeof(line));
		say(st, false, "blocked %s (u undoes it): %s", spec, line);
	}
	free(out);
}

static void undo(struct top_state *st)
{
	struct portier_err err = {0};
	struct portier_fw *fw = NULL;
	char *script = NULL, *what = NULL;
	const char *mine = st->blocks[st->n_blocks - 1];

	if (portier_fw_open(&fw, &portier_fw_nft, getenv("PORTIER_STATE_DIR"),
			    &err) < 0 ||
	    portier_fw_lock(fw, &err) < 0 ||
	    portier_fw_undo_peek(fw, &script, &what, &err) < 0) {
		say(st, true, "cannot undo: %s", err.msg);
	} else if (!what || strcmp(what, mine) != 0) {
		say(st, true,
		    "the newest firewall change is not this session's '%s'; "
		    "left alone (portier firewall status shows it)",
		    mine);
	} else if (portier_fw_undo(fw, &err) < 0) {
		say(st, true, "cannot undo: %s", err.msg);
	} else {
		say(st, false, "undone: %s", mine);
		st->n_blocks--;
	}
	portier_free(script);
	portier_free(what);
	portier_fw_close(fw);
}

void top_act_do(struct top_state *st, enum top_action a,
		const struct portier_top_row *r)
{
	switch (a) {
	case TOP_ACT_CLOSE:
		close_conn(st, r);
		break;
	case TOP_ACT_STOP:
	case TOP_ACT_TERM:
	case TOP_ACT_KILL:
		send_signal(st, a, r);
		break;
	case TOP_ACT_BLOCK:
		block(st, r);
		break;
	case TOP_ACT_UNDO:
		undo(st);
		break;
	}
}

int top_act_info(struct top_state *st, const struct portier_top_row *r,
		 char **out)
{
	char spec[24], a0[] = "portier", a1[] = "info";
	char *argv[] = {a0, a1, spec, NULL};
	int rc;

	snprintf(spec, sizeof(spec), "%u/%s", r->svc_port, proto_of(r));
	rc = run_self(argv, out);
	if (rc < 0 || !*out) {
		say(st, true, "cannot run portier info %s", spec);
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}
