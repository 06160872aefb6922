/*
 * store_out.h - what `portier snapshot`, `history` and `diff` share: the
 * --store option's database, and events as text lines or JSON Lines.
 */
#ifndef PORTIER_CLI_STORE_OUT_H
#define PORTIER_CLI_STORE_OUT_H

#include <stdio.h>

#include "cli/cli.h"
#include "portier/store.h"

/*
 * Open the store at path (NULL: the default, portier_store_default_path).
 * Returns 0, or the exit code after printing why.
 */
int store_out_open(struct cli *cli, const char *path, bool create,
		   struct portier_store **st);
/* The same for name (a file or a connection string), printing only the
 * PostgreSQL retries: the caller reports err (or spools). */
int store_out_open_err(struct cli *cli, const char *name, bool create,
		       struct portier_store **st, struct portier_err *err);

/* "2026-12-04T11:40:00Z" */
void store_out_time(int64_t t, char *buf, size_t len);

/* "tcp 127.0.0.1:8080" (with " netns NAME" outside the host's own) */
void store_out_key(const struct portier_listener *x, char *buf, size_t len);

/*
 * One event: a text line, or a JSON object (type "event") with snapshot
 * ids and time when given (0: left out).  JSON returns -1 when out of
 * memory.
 */
void store_out_event_text(const struct cli *cli, const struct portier_event *e,
			  const char *prefix, FILE *f);
int store_out_event_json(const struct portier_event *e, int64_t from,
			 int64_t to, int64_t time, FILE *f);

/* The event as a JSON object (type "event"); NULL when out of memory. */
json_t *store_out_event_obj(const struct portier_event *e);

/*
 * Read this host's listeners as q asks (its protocols, states and owners
 * are set here) and judge them (kb risk, audit verdict): a snapshot
 * without time, host, hashes or packages.  0, or the exit code after
 * printing why.
 */
int store_out_collect(struct cli *cli, struct portier_local_query *q,
		      struct portier_snapshot **snap);

/* dpkg's database: $PORTIER_DPKG_ADMINDIR (tests) or /var/lib/dpkg. */
const char *store_out_dpkg_dir(void);

/* A scanned port as {"state", "service"}; null for NULL. */
json_t *store_out_scan_port_json(const struct portier_scan_port *p);

/*
 * The changes between two stored scans as events (NEW, GONE,
 * SERVICE_CHANGED; CHANGED for any other change of a port or host): a
 * text line each, or JSON Lines (type "scan-event", "event" null for
 * CHANGED).  0, or EXIT_RUNTIME after printing why.
 */
int store_out_scan_events(const struct cli *cli,
			  const struct portier_scan_change *c, size_t n,
			  bool json, FILE *f);

/* Save the scan file at path in the store as a scan of now; *id gets its
 * id.  0, or the exit code after printing why (2 for a bad file). */
int store_out_import(struct cli *cli, struct portier_store *st,
		     const char *path, const char *source, int64_t *id,
		     size_t *hosts);

/* The ephemeral range of this host (0, 0 when unknown). */
void store_out_ephemeral(const struct cli *cli, uint16_t *lo, uint16_t *hi);

#endif
