/*
 * top_ui.c - the curses face of `portier top`: draws the lines the model
 * lays out (top.h) and turns keys into view changes and actions.  Nothing
 * here decides what a row is or says; every line comes from
 * portier_top_line, so --once prints what the screen shows.
 *
 * ncursesw is loaded when the screen opens (portier/dynlib.h): linked, it
 * would cost every command, `portier local` included, its start-up work.
 * The curses names below stand for the pointers filled then, so the code
 * reads as curses documents it (its macros expand to these names too).
 */
#include <curses.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/top_ui.h"
#include "portier/dynlib.h"

/* clang-format off */
#define CURSES_SYMS(X) \
	X(cbreak) \
	X(curs_set) \
	X(endwin) \
	X(has_colors) \
	X(init_pair) \
	X(initscr) \
	X(keypad) \
	X(noecho) \
	X(nonl) \
	X(set_escdelay) \
	X(start_color) \
	X(use_default_colors) \
	X(waddnstr) \
	X(wattr_off) \
	X(wattr_on) \
	X(wclrtoeol) \
	X(wgetch) \
	X(wmove) \
	X(wrefresh) \
	X(wtimeout) \
	X(COLS) \
	X(LINES) \
	X(stdscr)
/* clang-format on */
CURSES_SYMS(PORTIER_DLSYM_EACH_DEFINE)
static const struct portier_dynsym curses_syms[] = {
	CURSES_SYMS(PORTIER_DLSYM_EACH)};

#define cbreak		   sym_cbreak
#define curs_set	   sym_curs_set
#define endwin		   sym_endwin
#define has_colors	   sym_has_colors
#define init_pair	   sym_init_pair
#define initscr		   sym_initscr
#define keypad		   sym_keypad
#define noecho		   sym_noecho
#define nonl		   sym_nonl
#define set_escdelay	   sym_set_escdelay
#define start_color	   sym_start_color
#define use_default_colors sym_use_default_colors
#define waddnstr	   sym_waddnstr
#define wattr_off	   sym_wattr_off
#define wattr_on	   sym_wattr_on
#define wclrtoeol	   sym_wclrtoeol
#define wgetch		   sym_wgetch
#define wmove		   sym_wmove
#define wrefresh	   sym_wrefresh
#define wtimeout	   sym_wtimeout
#define COLS		   (*sym_COLS)
#define LINES		   (*sym_LINES)
#define stdscr		   (*sym_stdscr)

/* 0, or PORTIER_EIO with err naming the package to install. */
static int curses_load(struct portier_err *err)
{
	static struct portier_dynlib curses = PORTIER_DYNLIB_INIT(
		"libncursesw.so.6", "the screen of portier top", "libncursesw6",
		curses_syms);

	return portier_dynlib_load(&curses, err);
}

enum { PAIR_NEW = 1, PAIR_GONE, PAIR_CHANGED, PAIR_ERR };

/* Text shown in the pane over the rows (the kb entry, the keys). */
struct pane {
	char *text;	 /* freed with free() */
	char **lines;	 /* into text */
	size_t n, first; /* lines, the first one shown */
	char title[96];
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pane_close(struct pane *p)
{
	free(p->text);
	free(p->lines);
	memset(p, 0, sizeof(*p));
}

/* Take text (malloc'd) into p, split at newlines; tabs become spaces and
 * other controls '?', so that curses draws each byte as one cell. */
static void pane_open(struct pane *p, char *text, const char *title)
{
	size_t n = 1;
	char *c;

	pane_close(p);
	for (c = text; *c; c++) {
		if (*c == '\n')
			n++;
		else if (*c == '\t')
			*c = ' ';
		else if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	}
	p->lines = calloc(n, sizeof(*p->lines));
	if (!p->lines) {
		free(text);
		return;
	}
	p->text = text;
	p->lines[p->n++] = text;
	for (c = text; *c; c++) {
		if (*c == '\n') {
			*c = '\0';
			p->lines[p->n++] = c + 1;
		}
	}
	portier_strlcpy(p->title, title, sizeof(p->title));
}

static const struct portier_top_row *selected(const struct top_state *st)
{
	return st->nidx ? &st->rows[st->idx[st->cursor]] : NULL;
}

static void draw_status(const struct top_state *st)
{
	static const char keys[] = "? help  q quit  / find  s sort  l listen  "
				   "p proto  i info  c close  z stop  k kill  "
				   "b block  u undo";

	move(LINES - 1, 0);
	clrtoeol();
	if (st->msg[0]) {
		if (st->msg_err)
			attron(COLOR_PAIR(PAIR_ERR) | A_BOLD);
		mvaddnstr(LINES - 1, 0, st->msg, COLS - 1);
		attroff(COLOR_PAIR(PAIR_ERR) | A_BOLD);
	} else {
		attron(A_DIM);
		mvaddnstr(LINES - 1, 0, keys, COLS - 1);
		attroff(A_DIM);
	}
}

static void draw_title(const struct top_state *st)
{
	char t[256];

	snprintf(t, sizeof(t),
		 "portier top  %zu sockets, %zu shown  sort:%s%s  %s%s%s%s%s",
		 st->n, st->nidx, portier_top_sort_name(st->view.sort),
		 st->view.reverse ? "-" : "",
		 st->view.listening ? "listening " : "",
		 st->view.protos == PORTIER_PROTO_TCP	? "tcp "
		 : st->view.protos == PORTIER_PROTO_UDP ? "udp "
							: "",
		 st->search[0] ? "/" : "", st->search,
		 st->n_blocks ? "  [u]" : "");
	move(0, 0);
	clrtoeol();
	attron(A_BOLD);
	mvaddnstr(0, 0, t, COLS);
	attroff(A_BOLD);
}

static void draw_rows(struct top_state *st)
{
	struct portier_top_layout lay;
	int rows = LINES - 3, y;
	char line[512];
	size_t i;

	portier_top_layout(COLS, &lay);
	portier_top_header(&lay, line, sizeof(line));
	move(1, 0);
	clrtoeol();
	attron(A_REVERSE);
	mvaddnstr(1, 0, line, COLS);
	attroff(A_REVERSE);
	if (rows < 1)
		return;
	if (st->cursor < st->scroll)
		st->scroll = st->cursor;
	if (st->cursor >= st->scroll + (size_t)rows)
		st->scroll = st->cursor - (size_t)rows + 1;
	for (y = 0; y < rows; y++) {
		const struct portier_top_row *r;
		attr_t a = 0;

		move(2 + y, 0);
		clrtoeol();
		i = st->scroll + (size_t)y;
		if (i >= st->nidx)
			continue;
		r = &st->rows[st->idx[i]];
		if (r->mark == PORTIER_TOP_NEW)
			a = COLOR_PAIR(PAIR_NEW) | A_BOLD;
		else if (r->mark == PORTIER_TOP_GONE)
			a = COLOR_PAIR(PAIR_GONE);
		else if (r->mark == PORTIER_TOP_CHANGED)
			a = COLOR_PAIR(PAIR_CHANGED);
		if (i == st->cursor)
			a |= A_REVERSE;
		portier_top_line(r, &lay, line, sizeof(line));
		attron(a);
		mvaddnstr(2 + y, 0, line, COLS);
		attroff(a);
	}
}

static void draw_pane(const struct pane *p)
{
	int rows = LINES - 3, y;

	move(1, 0);
	clrtoeol();
	attron(A_REVERSE);
	mvaddnstr(1, 0, p->title, COLS);
	attroff(A_REVERSE);
	for (y = 0; y < rows; y++) {
		size_t i = p->first + (size_t)y;

		move(2 + y, 0);
		clrtoeol();
		if (i < p->n)
			mvaddnstr(2 + y, 0, p->lines[i], COLS);
	}
}

static void draw(struct top_state *st, const struct pane *p)
{
	draw_title(st);
	if (p->lines)
		draw_pane(p);
	else
		draw_rows(st);
	draw_status(st);
	refresh();
}

/* Ask q on the status line; true for y or Y. */
static bool confirm(struct top_state *st, const char *q)
{
	int ch;

	move(LINES - 1, 0);
	clrtoeol();
	attron(A_BOLD);
	mvaddnstr(LINES - 1, 0, q, COLS - 7);
	addstr(" [y/N]");
	attroff(A_BOLD);
	refresh();
	timeout(-1);
	ch = getch();
	st->msg[0] = '\0';
	return ch == 'y' || ch == 'Y';
}

/* Read a search on the status line; Esc keeps the old one. */
static void read_search(struct top_state *st)
{
	char buf[sizeof(st->search)];
	size_t len = 0;
	int ch;

	buf[0] = '\0';
	timeout(-1);
	curs_set(1);
	for (;;) {
		move(LINES - 1, 0);
		clrtoeol();
		mvaddstr(LINES - 1, 0, "/");
		addnstr(buf, COLS - 2);
		refresh();
		ch = getch();
		if (ch == 27) {
			curs_set(0);
			return;
		}
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
			break;
		if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && len)
			buf[--len] = '\0';
		else if (ch >= 0x20 && ch < 0x7f && len + 1 < sizeof(buf)) {
			buf[len++] = (char)ch;
			buf[len] = '\0';
		}
	}
	curs_set(0);
	memcpy(st->search, buf, sizeof(buf));
	st->cursor = 0;
}

static void act(struct top_state *st, enum top_action a)
{
	const struct portier_top_row *r = selected(st);
	struct portier_top_row copy;
	char q[320];

	if (r)
		copy = *r; /* the refresh below replaces the rows */
	if (!top_act_question(st, a, r ? &copy : NULL, q, sizeof(q)))
		return;
	if (!confirm(st, q)) {
		portier_strlcpy(st->msg, "cancelled", sizeof(st->msg));
		st->msg_err = false;
		return;
	}
	top_act_do(st, a, r ? &copy : NULL);
}

static void show_info(struct top_state *st, struct pane *p)
{
	const struct portier_top_row *r = selected(st);
	char *text = NULL, title[96];

	if (!r) {
		portier_strlcpy(st->msg, "no row selected", sizeof(st->msg));
		return;
	}
	if (top_act_info(st, r, &text) < 0)
		return;
	snprintf(title, sizeof(title),
		 "portier info %u/%s  (up/down scroll, Esc or q closes)",
		 r->svc_port,
		 r->tuple.proto == PORTIER_PROTO_TCP ? "tcp" : "udp");
	pane_open(p, text, title);
}

static void show_help(struct pane *p)
{
	char *text = strdup(cli_cmd_top.help);

	if (text)
		pane_open(p, text, "portier top: keys  (Esc or q closes)");
}

static void move_cursor(struct top_state *st, long delta)
{
	long c = (long)st->cursor + delta;

	if (!st->nidx)
		return;
	if (c < 0)
		c = 0;
	if (c >= (long)st->nidx)
		c = (long)st->nidx - 1;
	st->cursor = (size_t)c;
	st->sel = st->rows[st->idx[st->cursor]];
	st->have_sel = true;
}

/* A key while the pane is open; false when it closes. */
static bool pane_key(struct pane *p, int ch)
{
	size_t page = LINES > 4 ? (size_t)LINES - 3 : 1;

	switch (ch) {
	case 27:
	case 'q':
	case 'i':
	case '?':
	case '\n':
	case KEY_ENTER:
		pane_close(p);
		return false;
	case KEY_DOWN:
	case 'j':
		if (p->first + 1 < p->n)
			p->first++;
		break;
	case KEY_UP:
		if (p->first)
			p->first--;
		break;
	case KEY_NPAGE:
	case ' ':
		p->first = p->first + page < p->n ? p->first + page : p->first;
		break;
	case KEY_PPAGE:
		p->first = p->first > page ? p->first - page : 0;
		break;
	}
	return true;
}

/* A key of the main view; false to quit. */
static bool main_key(struct top_state *st, struct pane *p, int ch, bool *reread)
{
	long page = LINES > 4 ? LINES - 3 : 1;

	st->msg[0] = '\0';
	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case KEY_DOWN:
	case 'j':
		move_cursor(st, 1);
		break;
	case KEY_UP:
		move_cursor(st, -1);
		break;
	case KEY_NPAGE:
		move_cursor(st, page);
		break;
	case KEY_PPAGE:
		move_cursor(st, -page);
		break;
	case KEY_HOME:
		move_cursor(st, -(long)st->nidx);
		break;
	case KEY_END:
		move_cursor(st, (long)st->nidx);
		break;
	case 's':
		st->view.sort = (enum portier_top_sort)((st->view.sort + 1) %
							PORTIER_TOP_SORT_MAX);
		break;
	case 'r':
		st->view.reverse = !st->view.reverse;
		break;
	case 'l':
		st->view.listening = !st->view.listening;
		break;
	case 'p':
		st->view.protos = st->view.protos == 0 ? PORTIER_PROTO_TCP
				  : st->view.protos == PORTIER_PROTO_TCP
					  ? PORTIER_PROTO_UDP
					  : 0;
		break;
	case '/':
		read_search(st);
		break;
	case 'i':
	case '\n':
	case KEY_ENTER:
		show_info(st, p);
		break;
	case '?':
	case 'h':
		show_help(p);
		break;
	case 'c':
		act(st, TOP_ACT_CLOSE);
		*reread = true;
		break;
	case 'z':
		act(st, TOP_ACT_STOP);
		*reread = true;
		break;
	case 'k':
		act(st, TOP_ACT_TERM);
		*reread = true;
		break;
	case 'K':
		act(st, TOP_ACT_KILL);
		*reread = true;
		break;
	case 'b':
		act(st, TOP_ACT_BLOCK);
		*reread = true;
		break;
	case 'u':
		act(st, TOP_ACT_UNDO);
		*reread = true;
		break;
	}
	return true;
}

static void init_screen(void)
{
	setlocale(LC_ALL, "");
	initscr();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(50);
	curs_set(0);
	if (has_colors()) {
		start_color();
		use_default_colors();
		init_pair(PAIR_NEW, COLOR_GREEN, -1);
		init_pair(PAIR_GONE, COLOR_RED, -1);
		init_pair(PAIR_CHANGED, COLOR_YELLOW, -1);
		init_pair(PAIR_ERR, COLOR_RED, -1);
	}
}

int top_ui_run(struct top_state *st)
{
	struct portier_err err = {0};
	struct pane pane = {0};
	long long next = now_ms() + st->interval_ms;
	int rc = EXIT_OK;

	if (curses_load(&err) < 0)
		return cli_report(st->cli, &err);
	init_screen();
	for (;;) {
		long long wait;
		bool reread = false;
		int ch;

		draw(st, &pane);
		wait = next - now_ms();
		timeout(wait > 0 ? (int)wait : 0);
		ch = getch();
		if (ch == ERR || ch == KEY_RESIZE) {
			if (ch == ERR)
				reread = true;
		} else if (pane.lines) {
			pane_key(&pane, ch);
		} else if (!main_key(st, &pane, ch, &reread)) {
			break;
		} else if (top_reselect(st, &err) < 0) {
			rc = EXIT_RUNTIME;
			break;
		}
		if (reread || now_ms() >= next) {
			next = now_ms() + st->interval_ms;
			if (top_refresh(st, &err) < 0) {
				rc = EXIT_RUNTIME;
				break;
			}
			/* draw the sockets first, then look for their owners */
			if (st->need_walk) {
				draw(st, &pane);
				if (top_walk(st, &err) < 0) {
					rc = EXIT_RUNTIME;
					break;
				}
			}
		}
	}
	pane_close(&pane);
	endwin();
	if (rc != EXIT_OK)
		cli_report(st->cli, &err);
	return rc;
}
