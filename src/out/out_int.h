/*
 * out_int.h - private to the out module: the per-host records every sink but
 * JSON reads at the end, and the sink functions out.c dispatches to.
 *
 * Records are compact because a /16 sweep keeps 65,536 of them: ports and
 * reason counts live in two shared arrays, chained by index, not in one
 * allocation per host.
 */
#ifndef PORTIER_OUT_INT_H
#define PORTIER_OUT_INT_H

#include <libxml/xmlwriter.h>

#include "portier/out.h"

struct out_port {
	uint16_t port;
	uint8_t state, reason, ttl;
	uint8_t udp;	    /* 1: a UDP port */
	int32_t next;	    /* next port of the same host, or -1 */
	const char *parsed; /* UDP: the service whose reply parsed, or NULL */
};

/* Reasons other than the usual one for their state (out_default_reason). */
struct out_reason {
	uint8_t state, reason;
	uint32_t count;
	int32_t next;
};

struct out_host {
	struct portier_addr addr;
	uint8_t answered; /* any reply at all */
	uint32_t counts[PORTIER_PORT_STATES];
	int32_t ports, reasons; /* chain heads, -1 when empty */
	uint32_t first, last;	/* wall-clock seconds */
};

/*
 * The records live in fixed-size chunks, never reallocated: growing a /16's
 * worth of records by doubling would briefly hold two copies.
 */
#define OUT_CHUNK_BITS 12
#define OUT_CHUNK      (1u << OUT_CHUNK_BITS)

struct out_chunks {
	void **chunk;
	size_t n_chunks, cap_chunks;
	size_t n; /* elements in use */
};

struct portier_out {
	struct portier_out_options opt;
	bool keep;
	FILE *json, *grep;
	bool json_stdout, grep_stdout;
	xmlTextWriterPtr xml;
	FILE *xml_file;
	char *xml_path;

	struct out_chunks hosts, ports, reasons;
	size_t n_hosts;
	bool unsorted;	 /* some host's port chain is not in port order */
	uint32_t *index; /* open-addressing hash of host numbers + 1 */
	size_t index_size;
	time_t start;
	/* nmap-services names, [0] TCP and [1] UDP: sorted ports, offsets
	 * into one string pool */
	struct {
		uint16_t *port;
		uint32_t *name;
		size_t n, cap;
	} svc[2];
	char *svc_pool;
};

static inline struct out_host *out_h(const struct portier_out *o, size_t i)
{
	return (struct out_host *)o->hosts.chunk[i >> OUT_CHUNK_BITS] +
	       (i & (OUT_CHUNK - 1));
}

static inline struct out_port *out_p(const struct portier_out *o, int32_t i)
{
	return (struct out_port *)
		       o->ports.chunk[(uint32_t)i >> OUT_CHUNK_BITS] +
	       ((uint32_t)i & (OUT_CHUNK - 1));
}

static inline struct out_reason *out_r(const struct portier_out *o, int32_t i)
{
	return (struct out_reason *)
		       o->reasons.chunk[(uint32_t)i >> OUT_CHUNK_BITS] +
	       ((uint32_t)i & (OUT_CHUNK - 1));
}

/* The reason most ports of a state have (kept implicit, not stored). */
enum portier_reason out_default_reason(const struct portier_out *o,
				       unsigned state);
/*
 * The reasons behind h's ports in state, with counts (the implicit default
 * included); at most max, returns how many.
 */
size_t out_host_reasons(const struct portier_out *o, const struct out_host *h,
			unsigned state, uint8_t *reasons, uint32_t *counts,
			size_t max);
void out_chunks_free(struct out_chunks *c);

/* The host record for a, created if missing; NULL when out of memory. */
struct out_host *out_host_get(struct portier_out *o,
			      const struct portier_addr *a);
/* Record one result in its host. */
int out_host_add(struct portier_out *o, struct out_host *h,
		 const struct portier_scan_result *r);
/* Sort every host's port chain by port (once, before the sinks read). */
int out_sort_ports(struct portier_out *o);
/* Host numbers sorted by address; caller frees with portier_free. */
size_t *out_hosts_sorted(const struct portier_out *o);
/* The name the user gave for a (a target's host name), or NULL. */
const char *out_host_name(const struct portier_out *o,
			  const struct portier_addr *a);
/*
 * The next host shown (see out_host_shown) from position *i of order (from
 * out_hosts_sorted) on, advancing *i; NULL after the last.
 */
const struct out_host *out_next_shown(const struct portier_out *o,
				      const size_t *order, size_t *i);
/*
 * The reasons behind h's ports in state when they are summed up rather than
 * listed ("Not shown", <extraports>): as out_host_reasons, 0 when the state
 * is listed or h has no port in it.
 */
size_t out_hidden_reasons(const struct portier_out *o, const struct out_host *h,
			  unsigned state, uint8_t *reasons, uint32_t *counts);
/* Whether a host is shown under --open, and whether a port is listed. */
bool out_host_shown(const struct portier_out *o, const struct out_host *h);
bool out_state_listed(const struct portier_out *o, const struct out_host *h,
		      unsigned state);

/* udp: the port is a UDP port (else TCP) */
const char *out_service(const struct portier_out *o, uint16_t port, bool udp);
/* The name nmap would print (NULL: nmap prints none), for XML and grepable. */
/* What service detection found, as nmap prints a version: "product version
 * (extrainfo)", into buf; "" when s is NULL or has no product. */
void out_version(char *buf, size_t len, const struct portier_svc *s);
/* The service a port's detection found (port_service), or NULL. */
const struct portier_svc *out_port_service(const struct portier_out *o,
					   const struct portier_addr *a,
					   const struct out_port *op,
					   const char **banner);
const char *out_nmap_service(const struct portier_out *o, uint16_t port,
			     bool udp);
int out_services_load(struct portier_out *o, const char *path);
const char *out_risk(const struct portier_out *o, uint16_t port, bool udp,
		     enum portier_risk *risk);
/* "tcp" or "udp" for the ports of state with reason (summaries). */
const char *out_reason_proto(const struct portier_out *o, unsigned state,
			     unsigned reason);
/* The protocols of the scan for summary lines: "tcp", "udp" or "tcp/udp". */
const char *out_protos(const struct portier_out *o);
const char *out_method_name(enum portier_scan_method m);

int out_json_result(struct portier_out *o, const struct portier_scan_result *r);
int out_json_finish(struct portier_out *o, const struct portier_scan_stats *st);
int out_xml_open(struct portier_out *o, struct portier_err *err);
int out_xml_finish(struct portier_out *o, const struct portier_scan_stats *st);
int out_grep_open(struct portier_out *o);
int out_grep_finish(struct portier_out *o, const struct portier_scan_stats *st);
int out_text_finish(struct portier_out *o, const struct portier_scan_stats *st);

#endif
