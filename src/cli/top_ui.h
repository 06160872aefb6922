/*
 * top_ui.h - the parts of `portier top` (cmd_top.c) that its curses layer
 * (top_ui.c) and its actions (top_act.c) share.
 */
#ifndef PORTIER_CLI_TOP_UI_H
#define PORTIER_CLI_TOP_UI_H

#include "cli/cli.h"
#include "portier/top.h"

#define TOP_MAX_BLOCKS 16

/* the command (cmd_top.c), whose help text the help pane shows */
extern const struct cli_command cli_cmd_top;

struct top_state {
	struct cli *cli;
	struct portier_top_view view;
	char search[64];
	unsigned interval_ms;
	/* this frame's rows, key-sorted and marked (portier_top_diff) against
	 * the last frame's (prev; NULL before the first frame) */
	struct portier_top_row *rows, *prev;
	size_t n, nprev;
	bool have_prev;
	/* the rows of the last walk over every process, whose owners serve
	 * the sockets seen again (portier_top_owners_from) */
	struct portier_top_row *known;
	size_t nknown;
	unsigned since_walk; /* frames since that walk */
	bool need_walk;	     /* this frame has sockets of unknown owner */
	/* what the view shows, in order, and the cursor in it */
	size_t *idx;
	size_t nidx;
	size_t cursor, scroll;
	struct portier_top_row sel; /* the key of the selected row */
	bool have_sel;
	/* the status line */
	char msg[320];
	bool msg_err;
	/* ports this session blocked, newest last, as `firewall close` saw
	 * them ("close 8080/tcp"): what the undo key may take back */
	char blocks[TOP_MAX_BLOCKS][48];
	size_t n_blocks;
};

/*
 * A new frame: read the sockets (without owners: one sock_diag dump), take
 * the owners of sockets seen before from the last walk, and mark what
 * changed since the last frame.  Sets st->need_walk when some socket's
 * owner is unknown (or the last walk is 10 frames old); top_walk then
 * reads every owner and marks the same frame again.  The walk over every
 * process is what costs (seconds on a loaded host with thousands of
 * processes), so a new socket is drawn before its owner is known.
 * 0 or a negative PORTIER_E* code with err filled.
 */
int top_refresh(struct top_state *st, struct portier_err *err);
int top_walk(struct top_state *st, struct portier_err *err);
/* Free what st holds. */
void top_state_free(struct top_state *st);
/* Recompute the view (filter, search, sort) and keep the cursor on the
 * selected row. */
int top_reselect(struct top_state *st, struct portier_err *err);

/* The curses loop: until the user quits.  An exit code. */
int top_ui_run(struct top_state *st);

/* ---- actions (top_act.c): each fills st->msg with what happened ----- */

/* The question to ask before an action on r, into q; false (with st->msg
 * saying why) when the action does not apply to r. */
enum top_action {
	TOP_ACT_CLOSE, /* abort a TCP connection */
	TOP_ACT_STOP,  /* SIGSTOP, or SIGCONT when stopped */
	TOP_ACT_TERM,
	TOP_ACT_KILL,
	TOP_ACT_BLOCK, /* portier firewall close PORT/PROTO */
	TOP_ACT_UNDO,  /* take this session's last block back */
};
bool top_act_question(struct top_state *st, enum top_action a,
		      const struct portier_top_row *r, char *q, size_t len);
void top_act_do(struct top_state *st, enum top_action a,
		const struct portier_top_row *r);
/*
 * What `portier info` says about r's service port, as the text that
 * command prints (run as a child, so the pane shows the one text); *out
 * freed with free().  0, or -1 with st->msg saying why.
 */
int top_act_info(struct top_state *st, const struct portier_top_row *r,
		 char **out);

#endif
