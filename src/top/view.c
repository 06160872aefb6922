/*
 * view.c - which rows `portier top` shows, in which order, and how a row
 * fits a terminal line of a given width.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "portier/top.h"

static const char *const sort_names[PORTIER_TOP_SORT_MAX] = {
	"port", "proto", "state",    "remote", "program",
	"pid",	"user",	 "exposure", "risk",
};

const char *portier_top_sort_name(enum portier_top_sort s)
{
	return (unsigned)s < PORTIER_TOP_SORT_MAX ? sort_names[s] : "?";
}

int portier_top_sort_parse(const char *s, enum portier_top_sort *out)
{
	size_t i;

	for (i = 0; i < PORTIER_TOP_SORT_MAX; i++) {
		if (strcasecmp(s, sort_names[i]) == 0) {
			*out = (enum portier_top_sort)i;
			return 0;
		}
	}
	return PORTIER_EINVAL;
}

const char *portier_top_exposure_name(enum portier_top_exposure e)
{
	switch (e) {
	case PORTIER_TOP_LOOPBACK:
		return "lo";
	case PORTIER_TOP_LAN:
		return "lan";
	case PORTIER_TOP_ANY:
		return "any";
	}
	return "?";
}

static const char *risk_word(uint8_t risk)
{
	static const char *const w[] = {"-", "low", "med", "high"};

	return risk < 4 ? w[risk] : "?";
}

static const char *proto_word(const struct portier_top_row *r)
{
	if (r->tuple.proto == PORTIER_PROTO_TCP)
		return r->v6 ? "tcp6" : "tcp";
	return r->v6 ? "udp6" : "udp";
}

/* The state as ss names it ("UNCONN" for a UDP socket not connected). */
static const char *state_word(const struct portier_top_row *r)
{
	struct portier_sock s = {
		.state = r->state,
		.proto = r->tuple.proto == PORTIER_PROTO_TCP
				 ? PORTIER_LOCAL_TCP
				 : PORTIER_LOCAL_UDP,
	};

	return portier_sock_state_name(&s);
}

static bool has_ci(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

bool portier_top_visible(const struct portier_top_row *r,
			 const struct portier_top_view *v)
{
	const char *q = v->search;
	char pid[16];

	if (v->listening && !r->listening)
		return false;
	if (v->protos && !(v->protos & r->tuple.proto))
		return false;
	if (!q || !*q)
		return true;
	snprintf(pid, sizeof(pid), "%d", r->pid);
	return has_ci(r->local, q) || has_ci(r->remote, q) ||
	       has_ci(r->program, q) || has_ci(r->user, q) ||
	       has_ci(r->unit, q) || has_ci(state_word(r), q) ||
	       has_ci(proto_word(r), q) || (r->pid && strcmp(pid, q) == 0);
}

static int num_cmp(long a, long b)
{
	return a < b ? -1 : a > b;
}

/* Order by v's column; 0 when equal there. */
static int column_cmp(const struct portier_top_row *a,
		      const struct portier_top_row *b, enum portier_top_sort s)
{
	switch (s) {
	case PORTIER_TOP_BY_PORT:
		return num_cmp(a->tuple.lport, b->tuple.lport);
	case PORTIER_TOP_BY_PROTO:
		return num_cmp(a->tuple.proto, b->tuple.proto);
	case PORTIER_TOP_BY_STATE:
		return strcmp(state_word(a), state_word(b));
	case PORTIER_TOP_BY_REMOTE: {
		int c = portier_addr_cmp(&a->tuple.remote, &b->tuple.remote);

		return c ? c : num_cmp(a->tuple.rport, b->tuple.rport);
	}
	case PORTIER_TOP_BY_PROGRAM:
		return strcmp(a->program, b->program);
	case PORTIER_TOP_BY_PID:
		return num_cmp(a->pid, b->pid);
	case PORTIER_TOP_BY_USER:
		return strcmp(a->user, b->user);
	case PORTIER_TOP_BY_EXPOSURE:
		return num_cmp(b->exposure, a->exposure);
	case PORTIER_TOP_BY_RISK:
		return num_cmp(b->risk, a->risk);
	case PORTIER_TOP_SORT_MAX:
		break;
	}
	return 0;
}

struct sort_ctx {
	const struct portier_top_row *rows;
	const struct portier_top_view *v;
};

static int select_cmp(const void *pa, const void *pb, void *pc)
{
	const struct sort_ctx *c = pc;
	const struct portier_top_row *a = &c->rows[*(const size_t *)pa];
	const struct portier_top_row *b = &c->rows[*(const size_t *)pb];
	int r = column_cmp(a, b, c->v->sort);

	if (!r)
		r = portier_top_key_cmp(a, b);
	return c->v->reverse ? -r : r;
}

int portier_top_select(const struct portier_top_row *rows, size_t nrows,
		       const struct portier_top_view *v, size_t **idx,
		       size_t *n, struct portier_err *err)
{
	struct sort_ctx c = {rows, v};
	size_t *x, i, k = 0;

	*idx = NULL;
	*n = 0;
	x = portier_calloc(nrows + 1, sizeof(*x));
	if (!x)
		return portier_err_set(err, PORTIER_ENOMEM, "out of memory");
	for (i = 0; i < nrows; i++)
		if (portier_top_visible(&rows[i], v))
			x[k++] = i;
	if (k > 1)
		qsort_r(x, k, sizeof(*x), select_cmp, &c);
	*idx = x;
	*n = k;
	return 0;
}

/* ---- layout -------------------------------------------------------------- */

static const struct {
	const char *title;
	int min, max;
} cols[PORTIER_TOP_NCOLS] = {
	[PORTIER_TOP_COL_PROTO] = {"PROTO", 5, 5},
	[PORTIER_TOP_COL_STATE] = {"STATE", 8, 10},
	[PORTIER_TOP_COL_LOCAL] = {"LOCAL", 15, 47},
	[PORTIER_TOP_COL_REMOTE] = {"REMOTE", 15, 47},
	[PORTIER_TOP_COL_PID] = {"PID", 5, 7},
	[PORTIER_TOP_COL_PROGRAM] = {"PROGRAM", 7, 15},
	[PORTIER_TOP_COL_USER] = {"USER", 4, 10},
	[PORTIER_TOP_COL_UNIT] = {"UNIT", 5, 28},
	[PORTIER_TOP_COL_EXPOSURE] = {"EXP", 3, 3},
	[PORTIER_TOP_COL_RISK] = {"RISK", 4, 4},
};

/* Left out first when the terminal is narrow. */
static const enum portier_top_col drop_order[] = {
	PORTIER_TOP_COL_UNIT, PORTIER_TOP_COL_USER,  PORTIER_TOP_COL_EXPOSURE,
	PORTIER_TOP_COL_PID,  PORTIER_TOP_COL_STATE,
};

/* Given room beyond their least, in this order, each up to its most. */
static const enum portier_top_col grow_order[] = {
	PORTIER_TOP_COL_LOCAL, PORTIER_TOP_COL_REMOTE, PORTIER_TOP_COL_PROGRAM,
	PORTIER_TOP_COL_UNIT,  PORTIER_TOP_COL_STATE,  PORTIER_TOP_COL_USER,
	PORTIER_TOP_COL_PID,   PORTIER_TOP_COL_PROTO,
};

static int line_len(const struct portier_top_layout *lay)
{
	int i, len = 0, shown = 0;

	for (i = 0; i < PORTIER_TOP_NCOLS; i++) {
		len += lay->width[i];
		shown += lay->width[i] > 0;
	}
	return shown ? len + shown - 1 : 0;
}

void portier_top_layout(int width, struct portier_top_layout *lay)
{
	size_t d, g;
	int i, spare;

	for (i = 0; i < PORTIER_TOP_NCOLS; i++)
		lay->width[i] = cols[i].min;
	for (d = 0; d < sizeof(drop_order) / sizeof(drop_order[0]) &&
		    line_len(lay) > width;
	     d++)
		lay->width[drop_order[d]] = 0;
	/* small steps in turn, so that both addresses grow alike */
	for (spare = width - line_len(lay); spare > 0;) {
		int given = 0;

		for (g = 0; g < sizeof(grow_order) / sizeof(grow_order[0]) &&
			    spare > 0;
		     g++) {
			enum portier_top_col c = grow_order[g];
			int step = 4;

			if (!lay->width[c] || lay->width[c] >= cols[c].max)
				continue;
			if (step > cols[c].max - lay->width[c])
				step = cols[c].max - lay->width[c];
			if (step > spare)
				step = spare;
			lay->width[c] += step;
			spare -= step;
			given += step;
		}
		if (!given)
			break;
	}
	lay->total = line_len(lay);
}

/* Append text in a cell of width w at *pos of buf; addresses keep their
 * end (the port), other text its start. */
static void put_cell(char *buf, size_t len, size_t *pos, const char *text,
		     int w, bool keep_end, bool first)
{
	size_t tl = strlen(text), i;
	char cell[64];

	if (w <= 0)
		return;
	if ((size_t)w >= sizeof(cell))
		w = (int)sizeof(cell) - 1;
	if (tl <= (size_t)w) {
		memcpy(cell, text, tl);
		memset(cell + tl, ' ', (size_t)w - tl);
	} else if (keep_end) {
		cell[0] = '~';
		memcpy(cell + 1, text + tl - (size_t)(w - 1), (size_t)(w - 1));
	} else {
		memcpy(cell, text, (size_t)(w - 1));
		cell[w - 1] = '~';
	}
	cell[w] = '\0';
	if (!first && *pos + 1 < len)
		buf[(*pos)++] = ' ';
	for (i = 0; cell[i] && *pos + 1 < len; i++)
		buf[(*pos)++] = cell[i];
	buf[*pos < len ? *pos : len - 1] = '\0';
}

static void put_cells(const struct portier_top_layout *lay,
		      const char *const text[PORTIER_TOP_NCOLS], char *buf,
		      size_t len)
{
	size_t pos = 0;
	bool first = true;
	int i;

	if (!len)
		return;
	buf[0] = '\0';
	for (i = 0; i < PORTIER_TOP_NCOLS; i++) {
		if (!lay->width[i])
			continue;
		put_cell(buf, len, &pos, text[i], lay->width[i],
			 i == PORTIER_TOP_COL_LOCAL ||
				 i == PORTIER_TOP_COL_REMOTE,
			 first);
		first = false;
	}
	/* no trailing blanks */
	while (pos > 0 && buf[pos - 1] == ' ')
		buf[--pos] = '\0';
}

void portier_top_header(const struct portier_top_layout *lay, char *buf,
			size_t len)
{
	const char *text[PORTIER_TOP_NCOLS];
	int i;

	for (i = 0; i < PORTIER_TOP_NCOLS; i++)
		text[i] = cols[i].title;
	put_cells(lay, text, buf, len);
}

void portier_top_line(const struct portier_top_row *r,
		      const struct portier_top_layout *lay, char *buf,
		      size_t len)
{
	const char *text[PORTIER_TOP_NCOLS];
	char pid[16];

	if (r->pid)
		snprintf(pid, sizeof(pid), "%d", r->pid);
	else
		snprintf(pid, sizeof(pid), "-");
	text[PORTIER_TOP_COL_PROTO] = proto_word(r);
	text[PORTIER_TOP_COL_STATE] = state_word(r);
	text[PORTIER_TOP_COL_LOCAL] = r->local;
	text[PORTIER_TOP_COL_REMOTE] = r->remote;
	text[PORTIER_TOP_COL_PID] = pid;
	text[PORTIER_TOP_COL_PROGRAM] = r->program[0] ? r->program : "-";
	text[PORTIER_TOP_COL_USER] = r->user[0] ? r->user : "-";
	text[PORTIER_TOP_COL_UNIT] = r->unit[0] ? r->unit : "-";
	text[PORTIER_TOP_COL_EXPOSURE] = portier_top_exposure_name(
		(enum portier_top_exposure)r->exposure);
	text[PORTIER_TOP_COL_RISK] = risk_word(r->risk);
	put_cells(lay, text, buf, len);
}
