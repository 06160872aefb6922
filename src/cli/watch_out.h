/*
 * watch_out.h - where `portier watch` delivers an event: standard output
 * (JSON Lines), syslog, and a hook program run with the event on its
 * standard input.
 */
#ifndef PORTIER_CLI_WATCH_OUT_H
#define PORTIER_CLI_WATCH_OUT_H

#include <signal.h>
#include <stdbool.h>

#include "cli/cli.h"

struct watch_out {
	bool json;	    /* JSON Lines on standard output */
	bool syslog;	    /* one line per event to syslog (LOG_DAEMON) */
	const char *hook;   /* a program to run per event, or NULL */
	unsigned hook_secs; /* how long a hook may run before it is killed */
	/* The signals watch waits for (blocked); a SIGTERM or SIGINT that
	 * arrives while a hook runs sets *stop. */
	const sigset_t *sigs;
	bool *stop;
};

/*
 * Deliver one event (o, a JSON object of type "event" with its "seq"):
 * every output in turn.  A hook that fails or is killed for taking too long
 * is reported on stderr and does not stop the watch.  Returns 0, or -1
 * when standard output cannot be written (reported).
 */
int watch_out_deliver(const struct cli *cli, const struct watch_out *w,
		      json_t *o);

#endif
