/*
 * top.h - the model behind `portier top`, a live view of this host's
 * sockets: rows made from a socket snapshot (local.h) and the knowledge
 * base, the difference between two refreshes (new, changed, closed), and
 * the view the user chose (filter, search, sort) laid out for a terminal
 * of a given width.  Everything here is a pure function of its arguments;
 * the curses layer in src/cli/ only draws the lines and reads keys.
 *
 * Ownership: arrays handed out are the caller's, freed with portier_free.
 * Rows hold copies of their text, never pointers into the snapshot.
 */
#ifndef PORTIER_TOP_H
#define PORTIER_TOP_H

#include "portier/common.h"
#include "portier/kb.h"
#include "portier/local.h"

/* What happened to a row since the last refresh. */
enum portier_top_mark {
	PORTIER_TOP_SAME,
	PORTIER_TOP_NEW,     /* not there last time */
	PORTIER_TOP_CHANGED, /* same socket, another state or owner */
	PORTIER_TOP_GONE,    /* there last time, closed now (shown once) */
};

/* Who can reach the socket. */
enum portier_top_exposure {
	PORTIER_TOP_LOOPBACK, /* this host only */
	PORTIER_TOP_LAN,      /* a site network (addr.h portier_addr_is_site) */
	PORTIER_TOP_ANY,      /* every address, or a public one */
};

struct portier_top_row {
	/* the key: the tuple, then the n-th socket with that tuple */
	struct portier_local_tuple tuple;
	uint32_t dup;
	uint64_t inode;
	uint8_t state;	  /* enum portier_sock_state */
	uint8_t exposure; /* enum portier_top_exposure */
	uint8_t risk;	  /* enum portier_risk of the service port's entry */
	uint8_t mark;	  /* enum portier_top_mark */
	bool listening;
	bool v6;	   /* an AF_INET6 socket (even when talking IPv4) */
	bool outbound;	   /* this host opened it: the service is remote */
	uint16_t svc_port; /* the port that names the service */
	int pid;	   /* the first owner, 0 if none is visible */
	uint32_t uid;	   /* the socket's owner */
	/* text made safe for one terminal line (ASCII, no controls) */
	char program[17];
	char user[33];
	char unit[65];
	char local[56], remote[56]; /* "10.0.0.1:22", "[::1]:631", "*:*" */
};

/*
 * Rows for the TCP and UDP sockets of l (owners when l has them), judged
 * with kb (NULL: every risk none), sorted by key with dup numbered.
 */
PORTIER_API int portier_top_rows(const struct portier_local *l,
				 const struct portier_kb *kb,
				 struct portier_top_row **out, size_t *n,
				 struct portier_err *err);

/*
 * Owners without the walk over every process: for each row of rows (from
 * a snapshot taken without owners) that is the same socket (key and
 * inode) as a row of known (from the last snapshot with owners), take that
 * row's owner (pid, program, user, unit; none if it had none).  Both
 * key-sorted.  Returns how many rows with an inode were not in known: the
 * sockets whose owner only a new walk can tell.
 */
PORTIER_API size_t portier_top_owners_from(struct portier_top_row *rows,
					   size_t n,
					   const struct portier_top_row *known,
					   size_t nknown);

/* Order of two rows by key (tuple, then dup). */
PORTIER_API int portier_top_key_cmp(const struct portier_top_row *a,
				    const struct portier_top_row *b);

/*
 * Compare the last refresh (old, key-sorted, as a previous portier_top_diff
 * returned it) with this one (cur, key-sorted): *out gets cur's rows
 * marked NEW, CHANGED or SAME, and old's rows missing from cur marked GONE,
 * in key order.  Rows GONE in old are dropped: a closed row is shown once.
 */
PORTIER_API int portier_top_diff(const struct portier_top_row *old, size_t nold,
				 const struct portier_top_row *cur, size_t ncur,
				 struct portier_top_row **out, size_t *n,
				 struct portier_err *err);

enum portier_top_sort {
	PORTIER_TOP_BY_PORT, /* local port, then key */
	PORTIER_TOP_BY_PROTO,
	PORTIER_TOP_BY_STATE,
	PORTIER_TOP_BY_REMOTE,
	PORTIER_TOP_BY_PROGRAM,
	PORTIER_TOP_BY_PID,
	PORTIER_TOP_BY_USER,
	PORTIER_TOP_BY_EXPOSURE, /* widest first */
	PORTIER_TOP_BY_RISK,	 /* highest first */
	PORTIER_TOP_SORT_MAX,
};

/* "port", "proto", ... and back; parse returns 0 or PORTIER_EINVAL. */
PORTIER_API const char *portier_top_sort_name(enum portier_top_sort s);
PORTIER_API int portier_top_sort_parse(const char *s,
				       enum portier_top_sort *out);

struct portier_top_view {
	enum portier_top_sort sort;
	bool reverse;
	bool listening;	    /* listeners only */
	unsigned protos;    /* PORTIER_PROTO_TCP|UDP mask; 0 means both */
	const char *search; /* case-insensitive substring; NULL or "": all */
};

/* Does r pass v's filter and search? */
PORTIER_API bool portier_top_visible(const struct portier_top_row *r,
				     const struct portier_top_view *v);

/*
 * The rows v shows, as indexes into rows in display order: *idx (caller
 * frees) holds *n of them.  The order is total (ties broken by key), so a
 * row keeps its place between refreshes.
 */
PORTIER_API int portier_top_select(const struct portier_top_row *rows,
				   size_t nrows,
				   const struct portier_top_view *v,
				   size_t **idx, size_t *n,
				   struct portier_err *err);

/* ---- lines for a terminal --------------------------------------------- */

enum portier_top_col {
	PORTIER_TOP_COL_PROTO,
	PORTIER_TOP_COL_STATE,
	PORTIER_TOP_COL_LOCAL,
	PORTIER_TOP_COL_REMOTE,
	PORTIER_TOP_COL_PID,
	PORTIER_TOP_COL_PROGRAM,
	PORTIER_TOP_COL_USER,
	PORTIER_TOP_COL_UNIT,
	PORTIER_TOP_COL_EXPOSURE,
	PORTIER_TOP_COL_RISK,
	PORTIER_TOP_NCOLS,
};

/* Column widths for a terminal width; 0 means the column is left out. */
struct portier_top_layout {
	int width[PORTIER_TOP_NCOLS];
	int total; /* the line's length */
};

/*
 * Widths for cols columns: every column at its least, then the columns
 * that are left out first (unit, user, exposure) dropped until the rest
 * fits, then what is left over given to the addresses, program and unit.
 */
PORTIER_API void portier_top_layout(int cols, struct portier_top_layout *lay);

/* The header line and the line of a row under lay, into buf (at least
 * lay->total + 1 bytes; shorter buffers get a cut line).  An address too
 * long for its column loses its start, so the port stays; other text loses
 * its end; a cut is shown by '~'. */
PORTIER_API void portier_top_header(const struct portier_top_layout *lay,
				    char *buf, size_t len);
PORTIER_API void portier_top_line(const struct portier_top_row *r,
				  const struct portier_top_layout *lay,
				  char *buf, size_t len);

/* "lo", "lan", "any" */
PORTIER_API const char *portier_top_exposure_name(enum portier_top_exposure e);

#endif
