/*
 * out_int.h - private to the out module: the per-host records every sink but
 * JSON reads at the end, and the sink functions out.c dispatches to.
 *
 * Records are compact because a /16 sweep keeps 65,536 of them: ports and
 * reason counts live in two shared arrays, chained by index, not in one
 * allocation per host.  Silent results (no response: filtered TCP,
 * open|filtered UDP) make no record at all: they are bits over the target x
 * port index space (silent.c), so a million hosts that never answer cost
 * 128 KB, and the sinks read every host through struct out_view, which
 * merges a host's record with its bits.
 */
#ifndef PORTIER_OUT_INT_H
#define PORTIER_OUT_INT_H

#include "common/xml_lib.h"
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

/*
 * Silent results: bit host_index * n_all + port_index, host_index from net's
 * target set (opt.targets), port_index into opt.ports, then opt.udp_ports
 * (both ascending, so bit order is the order the sinks list ports in).
 * bits is NULL when there is no target set or the space exceeds
 * OUT_SILENT_MAX_BITS (32 MB): silent results then go into records.
 */
#define OUT_SILENT_MAX_BITS (1ull << 28)

struct out_silent {
	uint64_t *bits;
	uint64_t n_bits, n_words;
	uint64_t set;  /* bits set */
	size_t n_all;  /* ports per host, TCP and UDP */
	uint32_t last; /* wall-clock second of the latest silent result */
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
	struct out_silent silent;
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
/* The record of a, or NULL. */
const struct out_host *out_host_find(const struct portier_out *o,
				     const struct portier_addr *a);

/* ---- silent results (silent.c) ---- */
int out_silent_open(struct portier_out *o);
void out_silent_free(struct portier_out *o);
/* Take r as a bit if it is silent and has one; false: r needs a record. */
bool out_silent_add(struct portier_out *o, const struct portier_scan_result *r);
/* Add a's silent results to counts (PORTIER_PORT_STATES of them). */
void out_silent_count(const struct portier_out *o, const struct portier_addr *a,
		      uint32_t *counts);
/* Silent results in checkpoint lines ("s WORD HEX"), and one line back. */
int out_silent_save(const struct portier_out *o, FILE *f);
int out_silent_load(struct portier_out *o, const char *line);

/*
 * Every host with a result, in address order, as the sinks see it: a record
 * with its silent results added to counts[], or a host with silent results
 * only (times: the scan's start and its latest silent result).
 */
struct out_view {
	struct out_host h;
	size_t seen;	  /* hosts passed so far, shown or not */
	size_t *order, i; /* records by address; the next one */
	uint64_t next;	  /* first target index not yet passed for bits */
	uint64_t cand;	  /* a host with bits only, when cand_ok */
	bool cand_ok;
	uint64_t base; /* first bit of h, UINT64_MAX: none */
	int32_t p;     /* next record port of h */
	uint64_t k;    /* next bit of h (0..n_all) */
	struct out_port port;
};
int out_view_start(const struct portier_out *o, struct out_view *v);
/* The next host shown (out_host_shown), NULL after the last. */
const struct out_host *out_view_next(const struct portier_out *o,
				     struct out_view *v);
/* The next listed port (out_state_listed) of that host, NULL after the last. */
const struct out_port *out_view_port(const struct portier_out *o,
				     struct out_view *v);
void out_view_end(struct out_view *v);
/* Hosts with a result: records plus hosts with silent results only. */
size_t out_hosts_total(const struct portier_out *o);
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
