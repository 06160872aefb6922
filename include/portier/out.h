/*
 * out.h - where scan results go: one stream of result events, several sinks.
 *
 *   JSON Lines (-oJ)  one object per port result, written and flushed as it
 *                     is found, so the file survives even SIGKILL
 *   nmap XML (-oX)    valid against nmap.dtd, one <host> per host
 *   grepable (-oG)    nmap's one-line-per-host format
 *   text              the per-host PORT STATE SERVICE table for a terminal
 *
 * XML, grepable and text need each host's ports together, while the scan
 * visits hosts in a random order; so struct portier_out keeps, per host that
 * answered, its state counts and its non-closed ports (closed ones only while
 * there are few enough to list, as nmap does).  A port that never answered
 * (filtered, or UDP open|filtered, with no response) is one bit over the
 * target x port space instead, so hosts that never answer cost no record:
 * memory stays flat in the number of targets.  JSON needs nothing kept.
 *
 * The same per-host record is what a checkpoint saves (portier_out_save) and
 * a resumed scan loads back (portier_out_load), so the final outputs of an
 * interrupted and resumed scan equal those of an uninterrupted one.
 */
#ifndef PORTIER_OUT_H
#define PORTIER_OUT_H

#include <stdio.h>
#include <time.h>

#include "portier/kb.h"
#include "portier/net.h"
#include "portier/scan.h"
#include "portier/svc.h"

/* A state with more ports than this is summarised ("Not shown"), as nmap does. */
#define PORTIER_OUT_LIST_MAX 25

/*
 * One part of a script's structured output, as nmap's XML has it (nmap.dtd:
 * <elem key="k">value</elem> and <table key="k">...</table>).  A script's
 * elems are a flat list in document order: an entry with value NULL opens
 * a <table> that holds the entries after it with depth + 1, up to the next
 * entry of its own depth or less.  key NULL leaves the key out (a list
 * item).  Values and keys are UTF-8 without control characters.
 */
struct portier_out_elem {
	unsigned depth; /* 0: directly in the <script> */
	const char *key;
	const char *value;
};

/* What a follow-up probe found on a host, as nmap's XML names it:
 * <hostscript><script id="smb-protocols" output="...">elems</script>
 * </hostscript>. */
struct portier_out_script {
	const char *id;
	const char *output;
	const struct portier_out_elem *elems; /* may be NULL */
	size_t n_elems;
};
/* The most scripts host_scripts is asked for per host. */
#define PORTIER_OUT_MAX_SCRIPTS 8

struct portier_out_options {
	const char *json_path; /* NULL: none; "-": standard output */
	const char *xml_path;
	const char *grep_path;
	FILE *text;	  /* the terminal table, or NULL */
	bool color;	  /* ANSI colour in the text table */
	bool open_only;	  /* --open: only open ports (and their hosts) */
	bool json_closed; /* --closed: JSON lists closed ports too */
	const struct portier_kb *kb; /* service names, risk; may be NULL */
	/* names the user gave; with it, a port that never answered is a
	 * bit over targets x ports, not a host record */
	const struct portier_targets *targets;
	const char *args;		 /* the command line, for headers */
	enum portier_scan_method method; /* of the TCP ports */
	/* the scanned TCP ports, ascending (as net's port lists are), for
	 * <scaninfo> and, with targets, the silent-port bits */
	const uint16_t *ports;
	size_t n_ports;
	const uint16_t *udp_ports; /* the scanned UDP ports (-sU), ascending */
	size_t n_udp_ports;
	time_t start; /* wall-clock start of the scan */
	/* nmap-services file: XML and grepable name ports as nmap does (and
	 * leave out ports nmap has no name for), so ndiff sees no difference;
	 * NULL or unreadable: names from the knowledge base */
	const char *services_path;
	/* /proc of the scanning namespace (NULL: "/proc"): XML names the MAC
	 * address of IPv4 targets on a local link from <proc_root>/net/arp,
	 * as nmap does */
	const char *proc_root;
	bool keep_hosts; /* keep per-host records even without a sink
				* that needs them (checkpoints do) */
	/*
	 * Per-host results of follow-up probes (scan --probe); each may be
	 * NULL.  host_text writes a block under the host's port table;
	 * host_scripts fills at most max scripts for the host's <hostscript>
	 * and returns how many (the strings must live until finish returns).
	 */
	void (*host_text)(void *ctx, const struct portier_addr *a, FILE *f);
	size_t (*host_scripts)(void *ctx, const struct portier_addr *a,
			       struct portier_out_script *out, size_t max);
	void *host_ctx;
	/*
	 * Service detection (scan -sV): the service found on tcp port of a,
	 * or NULL when none was looked for; *banner gets the first bytes of
	 * an unrecognised banner, escaped ("" when none).  When set, the
	 * table has a VERSION column and XML a probed <service> and a
	 * <script> per finding (and "banner" for an unrecognised banner).
	 */
	const struct portier_svc *(*port_service)(void *ctx,
						  const struct portier_addr *a,
						  uint16_t port, bool udp,
						  const char **banner);
	void *port_ctx;
};

struct portier_out;

/* Open every sink (files are created now).  Free with portier_out_free. */
PORTIER_API int portier_out_open(struct portier_out **out,
				 const struct portier_out_options *opt,
				 struct portier_err *err);
/* One final port result. */
PORTIER_API int portier_out_result(struct portier_out *o,
				   const struct portier_scan_result *r);
/*
 * Write what only the end can write (tables, <host> elements, runstats) and
 * close the files.  Also called after an interruption: XML stays well formed.
 */
PORTIER_API int portier_out_finish(struct portier_out *o,
				   const struct portier_scan_stats *st,
				   struct portier_err *err);
PORTIER_API void portier_out_free(struct portier_out *o);

/* Hosts with at least one result so far, and hosts with an open port (the
 * first counts hosts without a record too: a pass over the silent bits). */
PORTIER_API size_t portier_out_hosts(const struct portier_out *o,
				     size_t *with_open);

/* One host as the records hold it (for choosing follow-up probes). */
struct portier_out_host_info {
	struct portier_addr addr;
	uint32_t open, closed, filtered; /* port counts by state */
};

/*
 * Every host with a record, sorted by address, in an allocated array (free
 * with portier_free; NULL when there are none).  Records exist only when a
 * sink needs them or keep_hosts is set, and only for hosts with a port that
 * answered (open, closed, an ICMP error); a host whose every port went
 * unanswered is not in the list (the counts of listed hosts include their
 * unanswered ports).
 */
PORTIER_API int portier_out_host_list(const struct portier_out *o,
				      struct portier_out_host_info **list,
				      size_t *n);
/*
 * The open TCP (or, with udp, UDP) ports of a in the records: writes at
 * most max to ports and returns how many there are (which may exceed max).
 */
PORTIER_API size_t portier_out_open_ports(const struct portier_out *o,
					  const struct portier_addr *a,
					  bool udp, uint16_t *ports,
					  size_t max);
/* Whether port (tcp) of a is recorded as open. */
PORTIER_API bool portier_out_port_open(const struct portier_out *o,
				       const struct portier_addr *a,
				       uint16_t port);
/*
 * Write one more JSON object (one line of compact JSON, without the newline)
 * to the JSON Lines sink and flush it; nothing when there is no JSON sink.
 * For objects that are not port results, e.g. {"type":"smb",...}.
 */
PORTIER_API int portier_out_json_line(struct portier_out *o, const char *line);

/* Write the per-host records as text lines (for a checkpoint). */
PORTIER_API int portier_out_save(const struct portier_out *o, FILE *f);
/*
 * Read records written by portier_out_save back in, replaying them into
 * every sink (JSON lines are written again).  PORTIER_EINVAL on a bad line.
 */
PORTIER_API int portier_out_load(struct portier_out *o, FILE *f,
				 struct portier_err *err);

/*
 * The resume checkpoint: what a killed scan needs to continue.  Written
 * with portier_file_replace (file.h), so a crash leaves the previous one
 * whole.
 */
struct portier_checkpoint {
	uint64_t fingerprint; /* of targets, ports, method, shard: must match */
	uint64_t seed;
	uint64_t next;	   /* first sequence number never started */
	uint64_t *pending; /* started, unfinished sequence numbers */
	size_t n_pending;
	uint64_t sent, replies; /* counters carried over */
};

PORTIER_API int portier_checkpoint_write(const char *path,
					 const struct portier_checkpoint *cp,
					 const struct portier_out *o,
					 struct portier_err *err);
/*
 * Read path, refusing a symbolic link or anything but a regular file
 * (PORTIER_EPERM).  PORTIER_ENOENT if it does not exist (a fresh scan).  With o
 * non-NULL the results are loaded into o.  cp->pending is allocated (free
 * with portier_free).
 */
PORTIER_API int portier_checkpoint_read(const char *path,
					struct portier_checkpoint *cp,
					struct portier_out *o,
					struct portier_err *err);

/* Compact nmap-style list of ports: "1-30,80,443". Returns buf. */
PORTIER_API const char *portier_out_port_ranges(const uint16_t *ports, size_t n,
						char *buf, size_t len);

#endif
