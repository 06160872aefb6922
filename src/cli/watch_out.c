/*
 * watch_out.c - delivering one event of `portier watch` (watch_out.h).
 *
 * The hook is run directly (fork + execve of the path given, no shell, no
 * arguments), so nothing in an event (a program path, a unit name) can
 * become a command.  The event goes to its standard input as one JSON
 * line, and its key fields in environment variables, each cleaned to one
 * printable line.  It runs in its own process group, with the signal mask
 * and dispositions of a fresh process, and is killed (the whole group)
 * when it outlives hook_secs.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cli/watch_out.h"

extern char **environ;

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* The listener the event is about: after, or before for GONE. */
static json_t *subject(json_t *o)
{
	json_t *x = json_object_get(o, "after");

	return json_is_object(x) ? x : json_object_get(o, "before");
}

static int to_stdout(const struct cli *cli, json_t *o)
{
	if (cli_json_line(stdout, json_incref(o)) < 0 || fflush(stdout) ||
	    ferror(stdout)) {
		cli_error(cli, "cannot write an event to standard output");
		return -1;
	}
	return 0;
}

/* "NEW tcp 0.0.0.0 port 7204 /usr/sbin/x (pid 12) severity high seq 7" */
static void text_line(json_t *o, char *buf, size_t len)
{
	json_t *x = subject(o), *before = json_object_get(o, "before");
	char line[2048], from[96] = "";

	if (!strcmp(jstr(o, "event"), "REBOUND") && json_is_object(before))
		snprintf(from, sizeof from, " from %s", jstr(before, "addr"));
	snprintf(line, sizeof line,
		 "%s %s %s port %lld%s%s%s %s (pid %lld) severity %s seq %lld",
		 jstr(o, "event"), jstr(x, "proto"), jstr(x, "addr"),
		 (long long)json_integer_value(json_object_get(x, "port")),
		 from, *jstr(x, "netns") ? " netns " : "", jstr(x, "netns"),
		 *jstr(x, "exe") ? jstr(x, "exe") : "?",
		 (long long)json_integer_value(json_object_get(x, "pid")),
		 jstr(o, "severity"),
		 (long long)json_integer_value(json_object_get(o, "seq")));
	portier_text_clean(buf, len, line, PORTIER_TEXT_LINE);
}

static void to_syslog(json_t *o)
{
	const char *sev = jstr(o, "severity");
	char line[PORTIER_TEXT_MAX(2048)];
	int prio = !strcmp(sev, "high")	    ? LOG_WARNING
		   : !strcmp(sev, "medium") ? LOG_NOTICE
					    : LOG_INFO;

	text_line(o, line, sizeof line);
	syslog(LOG_DAEMON | prio, "%s", line);
}

/* ---- the hook ------------------------------------------------------------ */

#define HOOK_VARS 10

/* NAME=value, the value cleaned to one printable line. */
static char *env_var(const char *name, const char *value)
{
	char clean[PORTIER_TEXT_MAX(1024)];
	size_t len;
	char *s;

	portier_text_clean(clean, sizeof clean, value, PORTIER_TEXT_LINE);
	len = strlen(name) + strlen(clean) + 2;
	if (!(s = portier_malloc(len)))
		return NULL;
	snprintf(s, len, "%s=%s", name, clean);
	return s;
}

static char *env_int(const char *name, json_t *v)
{
	char num[32];

	snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
	return env_var(name, num);
}

/* The environment of the hook: ours (the first *n), then the event's key
 * fields. */
static char **hook_env(json_t *o, size_t *n_ours)
{
	json_t *x = subject(o);
	size_t n = 0, k;
	char **env;

	while (environ[n])
		n++;
	*n_ours = n;
	env = portier_calloc(n + HOOK_VARS + 1, sizeof *env);
	if (!env)
		return NULL;
	memcpy(env, environ, n * sizeof *env);
	k = n;
	env[k++] = env_var("PORTIER_EVENT", jstr(o, "event"));
	env[k++] = env_int("PORTIER_SEQ", json_object_get(o, "seq"));
	env[k++] = env_var("PORTIER_SEVERITY", jstr(o, "severity"));
	env[k++] = env_var("PORTIER_HOST", jstr(o, "host"));
	env[k++] = env_var("PORTIER_PROTO", jstr(x, "proto"));
	env[k++] = env_var("PORTIER_ADDR", jstr(x, "addr"));
	env[k++] = env_int("PORTIER_PORT", json_object_get(x, "port"));
	env[k++] = env_var("PORTIER_NETNS", jstr(x, "netns"));
	env[k++] = env_int("PORTIER_PID", json_object_get(x, "pid"));
	env[k++] = env_var("PORTIER_EXE", jstr(x, "exe"));
	for (size_t i = n; i < k; i++)
		if (!env[i]) {
			for (size_t j = n; j < k; j++)
				portier_free(env[j]);
			portier_free(env);
			return NULL;
		}
	return env;
}

static void env_free(char **env, size_t n)
{
	for (size_t i = n; env[i]; i++)
		portier_free(env[i]);
	portier_free(env);
}

static void hook_child(const char *path, char **env, int in)
{
	sigset_t none;
	char *argv[] = {(char *)(uintptr_t)path, NULL};

	sigemptyset(&none);
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	/* the event on stdin; what the hook prints goes to our stderr, so
	 * that standard output stays JSON Lines */
	if (dup2(in, STDIN_FILENO) < 0 ||
	    dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(126);
	if (in != STDIN_FILENO)
		close(in);
	execve(path, argv, env);
	_exit(errno == ENOENT ? 127 : 126);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for the hook, at most w->hook_secs; its wait status or -1 (killed
 * for taking too long). */
static int hook_wait(const struct watch_out *w, pid_t pid)
{
	int64_t end = now_ms() + (int64_t)w->hook_secs * 1000;
	int status;

	for (;;) {
		int64_t left = end - now_ms();
		struct timespec ts;
		int sig;
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return 0;
		if (left <= 0)
			break;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		sig = sigtimedwait(w->sigs, NULL, &ts);
		if (sig == SIGTERM || sig == SIGINT)
			*w->stop = true;
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static void run_hook(const struct cli *cli, const struct watch_out *w,
		     json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT);
	size_t n_ours = 0;
	char **env = hook_env(o, &n_ours);
	int p[2] = {-1, -1}, status;
	pid_t pid;

	if (!text || !env || pipe2(p, O_CLOEXEC)) {
		cli_error(cli, "cannot run the hook %s: %s", w->hook,
			  !text || !env ? "out of memory" : strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		cli_error(cli, "cannot run the hook %s: %s", w->hook,
			  strerror(errno));
		goto out;
	}
	if (pid == 0)
		hook_child(w->hook, env, p[0]);
	setpgid(pid, pid); /* also here: no race with kill(-pid) */
	close(p[0]);
	p[0] = -1;
	/* One line fits in the pipe; a hook that does not read it only
	 * misses it (SIGPIPE is ignored, the write is non-blocking). */
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	if (write(p[1], text, strlen(text)) < 0 || write(p[1], "\n", 1) < 0) {
		/* the hook's business: it closed its input */
	}
	close(p[1]);
	p[1] = -1;
	status = hook_wait(w, pid);
	if (status < 0)
		cli_error(cli,
			  "the hook %s ran longer than %u s and was killed",
			  w->hook, w->hook_secs);
	else if (WIFEXITED(status) && WEXITSTATUS(status))
		cli_error(cli, "the hook %s exited %d", w->hook,
			  WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		cli_error(cli, "the hook %s was killed by signal %d", w->hook,
			  WTERMSIG(status));
out:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	free(text);
	if (env)
		env_free(env, n_ours);
}

int watch_out_deliver(const struct cli *cli, const struct watch_out *w,
		      json_t *o)
{
	if (w->json && to_stdout(cli, o))
		return -1;
	if (w->syslog)
		to_syslog(o);
	if (w->hook)
		run_hook(cli, w, o);
	return 0;
}
