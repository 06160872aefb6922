/*
 * probe.h - ask a service what it reveals: NetBIOS node status (UDP 137),
 * the NetBIOS session service (TCP 139), SMB negotiation (TCP 445/139) and
 * the DCE/RPC endpoint mapper (TCP 135).
 *
 * Two layers.  The protocol layer builds requests and parses replies as pure
 * functions over byte buffers: no sockets, no clocks, no allocation, no
 * global state.  Every protocol is also described by a constant vtable
 * (struct portier_probe) so that a scanner can hold a list of them.  The
 * network layer (portier_nbstat_sweep, portier_probe_smb_host, ...) sends
 * the requests and feeds the replies to the parsers.
 *
 * Parsers never trust a length field: a count or an offset that points past
 * the buffer is PORTIER_EPROTO with the offending value quoted in err.
 * Results are plain structs owned by the caller; nothing needs freeing.
 *
 * For a scanner (`portier scan --probe smb,nbstat`): targets are addr.h's
 * struct portier_addr (portier_addr_from_sockaddr() converts a sockaddr);
 * a command's target arguments are net.h's target set with the skip_edges
 * option (the .0 and .255 of every /24 left out of blocks); for 137/udp call
 * portier_probe_nbstat_host() (or portier_nbstat_sweep() for many hosts
 * from one socket) and read the host with portier_nbstat_summarize() and
 * portier_nbstat_describe(); for an open 445/tcp or 139/tcp call
 * portier_probe_smb_host() (opts.only_direct / opts.only_nbss when the scan
 * already knows which port is open) and judge it with portier_smb_judge().
 * The request payload for a plain UDP scan of 137 is
 * portier_nbstat_probe.build().  The functions block for at most a few
 * timeouts, keep no global state and may run in parallel threads.  The
 * CLI's JSON and text views of the results are in src/cli/probe_out.h.
 */
#ifndef PORTIER_PROBE_H
#define PORTIER_PROBE_H

#include <netinet/in.h>

#include "portier/addr.h"
#include "portier/common.h"
#include "portier/kb.h"
#include "portier/smb_wire.h"

/* ---- the vtable -------------------------------------------------------- */

/*
 * One request/reply exchange.  build writes the request for params (a
 * protocol-specific struct, may be NULL for defaults) into buf and returns
 * its length, or a negative PORTIER_E* code if cap is too small.  parse reads
 * one reply into out (the protocol's result struct, out_size bytes) and
 * returns 0 or a negative PORTIER_E* code with the reason in err.
 */
struct portier_probe {
	const char *name;
	uint16_t port;
	uint8_t proto; /* PORTIER_PROTO_TCP or PORTIER_PROTO_UDP (kb.h) */
	size_t out_size;
	long (*build)(uint8_t *buf, size_t cap, const void *params);
	int (*parse)(const uint8_t *buf, size_t len, void *out,
		     struct portier_err *err);
};

/* params: struct portier_nbstat_params; out: struct portier_nbstat_reply */
PORTIER_API extern const struct portier_probe portier_nbstat_probe;
/* params: struct portier_nbss_params; out: struct portier_nbss_reply */
PORTIER_API extern const struct portier_probe portier_nbss_probe;
/* params: struct portier_smb_params; out: struct portier_smb_negotiate */
PORTIER_API extern const struct portier_probe portier_smb1_probe;
PORTIER_API extern const struct portier_probe portier_smb2_probe;

/* ---- NetBIOS names (RFC 1001 14, RFC 1002 4.1) ------------------------- */

#define PORTIER_NB_NAME_LEN 15

/*
 * Encode a NetBIOS name (up to 15 bytes, padded with spaces, then the
 * suffix byte) in first-level encoding, as a length-prefixed label with the
 * root label after it: 34 bytes written to out.  "*" is the wildcard and is
 * padded with NULs, as RFC 1002 4.2.18 asks.
 */
PORTIER_API int portier_nb_encode_name(const char *name, uint8_t suffix,
				       uint8_t out[34]);

/* ---- NetBIOS node status (RFC 1002 4.2.17, 4.2.18) --------------------- */

/* NAME_FLAGS of a node status entry (RFC 1002 4.2.18). */
#define PORTIER_NB_FLAG_GROUP	 0x8000
#define PORTIER_NB_FLAG_ONT_MASK 0x6000 /* owner node type, >> 13 */
#define PORTIER_NB_FLAG_DRG	 0x1000 /* being deregistered */
#define PORTIER_NB_FLAG_CNF	 0x0800 /* in conflict */
#define PORTIER_NB_FLAG_ACT	 0x0400 /* active */
#define PORTIER_NB_FLAG_PRM	 0x0200 /* permanent node name */

struct portier_nb_name {
	uint8_t raw[PORTIER_NB_NAME_LEN];   /* the 15 name bytes as sent */
	char name[PORTIER_NB_NAME_LEN + 1]; /* printable, trailing spaces cut,
					     * other bytes shown as '.' */
	uint8_t suffix;			    /* the 16th byte: the service */
	uint16_t flags;			    /* PORTIER_NB_FLAG_* */
};

#define PORTIER_NBSTAT_MAX_NAMES 255 /* NUM_NAMES is one byte */
/* 255 names and the statistics block fit in 4693 bytes; room to spare */
#define PORTIER_NBSTAT_MAX_REPLY 8192

struct portier_nbstat_params {
	uint16_t trn_id; /* transaction id to put in the query */
};

struct portier_nbstat_reply {
	uint16_t trn_id;
	uint16_t n_names;
	struct portier_nb_name names[PORTIER_NBSTAT_MAX_NAMES];
	bool have_mac;	/* false when the statistics block was cut short */
	uint8_t mac[6]; /* UNIT_ID: the adapter's MAC (Samba sends zeros) */
	bool for_star;	/* the answer's RR_NAME (and every question name) is
			 * "*" as portier_nbstat_build asks for it: a reply
			 * to our query, not to some other question */
};

/* The meaning of a name, from its suffix and group bit ("file server"). */
PORTIER_API const char *
portier_nb_name_meaning(const struct portier_nb_name *n);
/* "B", "P", "M" or "H" for the owner node type in flags. */
PORTIER_API const char *portier_nb_node_type(uint16_t flags);

/* What a node status reply says about a host, the way nbtscan reads it. */
enum {
	PORTIER_NB_ROLE_FILE_SERVER = 1 << 0,	    /* <20> */
	PORTIER_NB_ROLE_DOMAIN_CONTROLLER = 1 << 1, /* <1C> group */
	PORTIER_NB_ROLE_DOMAIN_MASTER = 1 << 2,	    /* <1B> */
	PORTIER_NB_ROLE_MASTER_BROWSER = 1 << 3,    /* <1D> or __MSBROWSE__ */
	PORTIER_NB_ROLE_MESSENGER = 1 << 4,	    /* <03> */
	PORTIER_NB_ROLE_IIS = 1 << 5,		    /* INet~Services <1C> */
};

struct portier_nbstat_summary {
	char computer[PORTIER_NB_NAME_LEN + 1];	 /* first unique <00> */
	char workgroup[PORTIER_NB_NAME_LEN + 1]; /* first group <00> */
	char user[PORTIER_NB_NAME_LEN + 1];	 /* a <03> name that is not the
					     * computer's, or "" */
	unsigned roles;				 /* PORTIER_NB_ROLE_* */
	bool mac_zero;				 /* unit id all zeros */
};

PORTIER_API void portier_nbstat_summarize(const struct portier_nbstat_reply *r,
					  struct portier_nbstat_summary *s);
/* "file server, master browser" for PORTIER_NB_ROLE_* bits ("" if none). */
PORTIER_API void portier_nb_roles_str(unsigned roles, char *buf, size_t cap);
/* Stable key of one role bit: "file_server", "domain_controller", ... */
PORTIER_API const char *portier_nb_role_key(unsigned role_bit);
/*
 * What a reply gives away, as one sentence without advice: "gives anyone 5
 * names: computer LABSRV2, workgroup/domain PORTIERLAB, roles: file server".
 */
PORTIER_API void portier_nbstat_describe(const struct portier_nbstat_reply *r,
					 const struct portier_nbstat_summary *s,
					 char *buf, size_t cap);

/* Pure: build the node status query for "*" (50 bytes). */
PORTIER_API long portier_nbstat_build(uint8_t *buf, size_t cap,
				      const void *params);
/* Pure: parse a node status response (out: struct portier_nbstat_reply). */
PORTIER_API int portier_nbstat_parse(const uint8_t *buf, size_t len, void *out,
				     struct portier_err *err);

/* ---- NetBIOS session service (RFC 1002 4.3) ---------------------------- */

enum portier_nbss_type {
	PORTIER_NBSS_MESSAGE = 0x00,
	PORTIER_NBSS_REQUEST = 0x81,
	PORTIER_NBSS_POSITIVE = 0x82,
	PORTIER_NBSS_NEGATIVE = 0x83,
	PORTIER_NBSS_RETARGET = 0x84,
	PORTIER_NBSS_KEEPALIVE = 0x85,
};

struct portier_nbss_params {
	const char *called;  /* the server's name, e.g. "LABSRV" or
			      * "*SMBSERVER"; NULL means "*SMBSERVER" */
	const char *calling; /* our name; NULL means "PORTIER" */
};

struct portier_nbss_reply {
	uint8_t type;  /* enum portier_nbss_type */
	uint8_t error; /* NEGATIVE: the error code (0x80..0x8F) */
	struct in_addr retarget_addr; /* RETARGET */
	uint16_t retarget_port;
};

PORTIER_API long portier_nbss_build(uint8_t *buf, size_t cap,
				    const void *params);
/* Pure: parse the answer to a session request (exactly one packet). */
PORTIER_API int portier_nbss_parse(const uint8_t *buf, size_t len, void *out,
				   struct portier_err *err);
/* Why a session request was refused, in words (RFC 1002 4.3.4). */
PORTIER_API const char *portier_nbss_error_name(uint8_t code);
/*
 * Length of the session message framing the payload in buf: 4 + the 17-bit
 * length (RFC 1002 4.3.1; direct TCP 445 uses the same 4-byte header,
 * MS-SMB2 2.1).  Returns the total packet size, 0 if fewer than 4 bytes are
 * there yet, or PORTIER_EPROTO for an unknown packet type.
 */
PORTIER_API long portier_nbss_frame_len(const uint8_t *buf, size_t len,
					struct portier_err *err);

/* ---- SMB negotiation (MS-SMB 2.2.4.5, MS-SMB2 2.2.3/2.2.4) --------------- */

enum portier_smb_dialect {
	PORTIER_SMB_NT1 = 0x0001, /* SMB1 "NT LM 0.12" (our own tag) */
	PORTIER_SMB_202 = 0x0202,
	PORTIER_SMB_210 = 0x0210,
	PORTIER_SMB_300 = 0x0300,
	PORTIER_SMB_302 = 0x0302,
	PORTIER_SMB_311 = 0x0311,
	PORTIER_SMB_WILDCARD = 0x02ff, /* the server wants a second round */
};
#define PORTIER_SMB_N_DIALECTS 6
/* The dialects in the order they are tried (oldest first). */
PORTIER_API extern const uint16_t portier_smb_dialects[PORTIER_SMB_N_DIALECTS];
/* "NT LM 0.12", "2.0.2", ... "3.1.1"; "?" for others. */
PORTIER_API const char *portier_smb_dialect_name(uint16_t d);
/* Parse "NT1"/"SMB1"/"1", "2.0.2"/"202", ... back; 0 or PORTIER_EINVAL. */
PORTIER_API int portier_smb_dialect_parse(const char *s, uint16_t *d);

/* SMB2 capabilities (MS-SMB2 2.2.4). */
#define PORTIER_SMB2_CAP_DFS		    0x01
#define PORTIER_SMB2_CAP_LEASING	    0x02
#define PORTIER_SMB2_CAP_LARGE_MTU	    0x04
#define PORTIER_SMB2_CAP_MULTI_CHANNEL	    0x08
#define PORTIER_SMB2_CAP_PERSISTENT_HANDLES 0x10
#define PORTIER_SMB2_CAP_DIRECTORY_LEASING  0x20
#define PORTIER_SMB2_CAP_ENCRYPTION	    0x40

struct portier_smb_params {
	uint16_t dialect; /* exactly one dialect to offer */
	uint8_t client_guid[16];
	uint8_t salt[32]; /* 3.1.1 pre-auth integrity salt */
	uint64_t message_id;
};

/* What one negotiation reply says. */
struct portier_smb_negotiate {
	bool accepted;	  /* status 0 and a dialect chosen; the caller
			      * checks dialect against what it offered */
	uint16_t dialect; /* what it chose (enum portier_smb_dialect) */
	uint32_t status;  /* NT status in the header */
	bool smb1;	  /* the reply was SMB1 */
	bool signing_enabled;
	bool signing_required;
	bool have_guid;
	uint8_t server_guid[16];
	uint32_t capabilities; /* SMB2 caps or SMB1 CAP_* */
	uint32_t max_transact, max_read, max_write; /* SMB2 */
	uint64_t system_time; /* FILETIME, 0 if not given */
	uint64_t boot_time;   /* FILETIME, 0 if not given */
	int16_t tz_minutes;   /* SMB1: server time zone, minutes from UTC */
	uint16_t security_blob_len;
	/* 3.1.1 negotiate contexts */
	uint16_t preauth_hash; /* 1 = SHA-512, 0 = none */
	uint16_t cipher;       /* 1 AES-128-CCM .. 4 AES-256-GCM, 0 none */
	bool have_signing_algo;
	uint16_t signing_algo; /* 0 HMAC-SHA256, 1 AES-CMAC, 2 AES-GMAC */
	uint16_t n_contexts;
	/* SMB1 only */
	char smb1_domain[64]; /* OEM domain name when the reply has one */
};

/* Pure: SMB1 NEGOTIATE offering "NT LM 0.12", with the 4-byte framing. */
PORTIER_API long portier_smb1_build(uint8_t *buf, size_t cap,
				    const void *params);
/* Pure: SMB2 NEGOTIATE offering params->dialect, with the framing. */
PORTIER_API long portier_smb2_build(uint8_t *buf, size_t cap,
				    const void *params);
/*
 * Pure: parse one framed negotiate reply, SMB1 or SMB2 (the protocol id
 * says which).  A refusal (an error status, dialect index 0xFFFF) parses
 * fine with accepted == false.
 */
PORTIER_API int portier_smb_parse(const uint8_t *buf, size_t len, void *out,
				  struct portier_err *err);
/* Names for the numbers above ("AES-128-GCM", "SHA-512", "AES-CMAC"). */
PORTIER_API const char *portier_smb_cipher_name(uint16_t c);
PORTIER_API const char *portier_smb_hash_name(uint16_t h);
PORTIER_API const char *portier_smb_signing_name(uint16_t s);
/* FILETIME to Unix seconds (0 stays 0). */
PORTIER_API int64_t portier_filetime_to_unix(uint64_t ft);

/* ---- DCE/RPC connection-oriented PDUs (DCE 1.1 RPC ch. 12, MS-RPCE 2.2) - */

enum portier_dcerpc_ptype {
	PORTIER_DCERPC_REQUEST = 0,
	PORTIER_DCERPC_RESPONSE = 2,
	PORTIER_DCERPC_FAULT = 3,
	PORTIER_DCERPC_BIND = 11,
	PORTIER_DCERPC_BIND_ACK = 12,
	PORTIER_DCERPC_BIND_NAK = 13,
};
#define PORTIER_DCERPC_FIRST_FRAG 0x01 /* pfc_flags */
#define PORTIER_DCERPC_LAST_FRAG  0x02
#define PORTIER_DCERPC_HDR_LEN	  16
#define PORTIER_DCERPC_MAX_FRAG	  4280 /* what we offer as max_recv_frag */

/* An interface or transfer syntax: a UUID in its wire form (MS-DTYP 2.3.4:
 * the first three fields little-endian) and a version. */
struct portier_rpc_syntax {
	uint8_t uuid[16];
	uint16_t major, minor;
};
/* The endpoint mapper e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0 and the
 * NDR transfer syntax 8a885d04-1ceb-11c9-9fe8-08002b104860 v2.0. */
PORTIER_API extern const struct portier_rpc_syntax portier_rpc_epm_syntax;
PORTIER_API extern const struct portier_rpc_syntax portier_rpc_ndr_syntax;

/* "e1af8308-5d1f-11c9-91a4-08002b14a0fa" for a wire-form UUID (37 bytes). */
PORTIER_API void portier_guid_str(const uint8_t g[16], char *buf, size_t cap);
/* The string form back to the wire form; 0 or PORTIER_EINVAL. */
PORTIER_API int portier_guid_parse(const char *s, uint8_t g[16]);

struct portier_dcerpc_bind_params {
	uint32_t call_id;
	/* NULL: the endpoint mapper, and NDR */
	const struct portier_rpc_syntax *abstract, *transfer;
};

struct portier_dcerpc_request_params {
	uint32_t call_id;
	uint16_t context_id;
	uint16_t opnum;
	const uint8_t *stub; /* the NDR-encoded arguments */
	size_t stub_len;
};

/* One PDU as parsed; stub_off/stub_len locate a response's stub in the
 * buffer that was parsed. */
struct portier_dcerpc_pdu {
	uint8_t ptype; /* enum portier_dcerpc_ptype */
	uint8_t flags; /* PORTIER_DCERPC_FIRST_FRAG | ... */
	uint16_t frag_len, auth_len;
	uint32_t call_id;
	/* bind_ack */
	uint16_t max_xmit, max_recv;
	uint32_t assoc_group;
	char sec_addr[64]; /* the port the server names, printable */
	uint16_t n_results;
	uint16_t result, reason; /* of the first presentation context:
				  * 0 acceptance, 2 provider rejection */
	struct portier_rpc_syntax accepted_syntax;
	/* bind_nak */
	uint16_t reject_reason;
	/* response, fault */
	uint32_t alloc_hint;
	uint16_t context_id;
	uint32_t fault_status;
	size_t stub_off, stub_len;
};

/*
 * The length of the PDU that starts buf (its frag_length), once the first
 * 10 bytes are there: 0 when fewer are, PORTIER_EPROTO when it is not a
 * DCE/RPC 5.0 connection-oriented PDU in little-endian NDR or its length is
 * smaller than the header.
 */
PORTIER_API long portier_dcerpc_frag_len(const uint8_t *buf, size_t len,
					 struct portier_err *err);
/* Pure: a bind offering one presentation context (72 bytes). */
PORTIER_API long portier_dcerpc_bind_build(uint8_t *buf, size_t cap,
					   const void *params);
/* Pure: a request PDU carrying the whole stub in one fragment. */
PORTIER_API long portier_dcerpc_request_build(uint8_t *buf, size_t cap,
					      const void *params);
/* Pure: parse exactly one PDU of len bytes (out: portier_dcerpc_pdu). */
PORTIER_API int portier_dcerpc_parse(const uint8_t *buf, size_t len, void *out,
				     struct portier_err *err);
/* "operation out of range", "access denied", ... for a fault status. */
PORTIER_API const char *portier_dcerpc_fault_name(uint32_t status);

/*
 * Reassembly of a fragmented response (12.6.3.7): the stubs of the
 * fragments of one call, in order, into buf (cap bytes, the bound).  Start
 * with len = frags = 0; add each parsed response PDU with its bytes.
 * PORTIER_EPROTO for a fragment of another call, a first fragment without
 * FIRST_FRAG or a later one with it, a fragment after the last, or more
 * than cap bytes (or max_frags fragments) in all; done turns true on the
 * LAST_FRAG.
 */
struct portier_dcerpc_reasm {
	uint8_t *buf;
	size_t cap, len;
	unsigned frags, max_frags;
	uint32_t call_id;
	bool done;
};
PORTIER_API int portier_dcerpc_reasm_add(struct portier_dcerpc_reasm *r,
					 const uint8_t *pdu,
					 const struct portier_dcerpc_pdu *p,
					 struct portier_err *err);

/* params: struct portier_dcerpc_bind_params; out: portier_dcerpc_pdu */
PORTIER_API extern const struct portier_probe portier_dcerpc_bind_probe;

/* ---- the endpoint mapper: ept_lookup (DCE 1.1 RPC app. O, MS-RPCE 2.2.1.2) */

#define PORTIER_EPM_OPNUM_LOOKUP     2
#define PORTIER_EPT_S_NOT_REGISTERED 0x16c9a0d6 /* "no more entries" */
#define PORTIER_EPM_MAX_PAGE	     64		/* max_ents we ask for */
#define PORTIER_EPM_HANDLE_LEN	     20

struct portier_epm_lookup_params {
	uint8_t handle[PORTIER_EPM_HANDLE_LEN]; /* zeros for the first call */
	uint32_t max_ents; /* 0 means PORTIER_EPM_MAX_PAGE */
};

/* The protocol of a tower's third floor (DCE 1.1 RPC app. I). */
enum portier_epm_rpc_proto {
	PORTIER_EPM_NCADG = 0x0a,   /* connectionless */
	PORTIER_EPM_NCACN = 0x0b,   /* connection-oriented */
	PORTIER_EPM_NCALRPC = 0x0c, /* local */
};

/* One endpoint, its tower decoded. */
struct portier_epm_entry {
	uint8_t object[16];
	bool have_iface; /* the tower had the interface floor */
	struct portier_rpc_syntax iface, transfer;
	uint8_t rpc_proto; /* enum portier_epm_rpc_proto, 0 if none */
	char protseq[16];  /* "ncacn_ip_tcp", "ncadg_ip_udp", "ncacn_np",
			    * "ncalrpc", "ncacn_http", or "" */
	uint16_t port;	   /* TCP, UDP or HTTP port, 0 if none */
	char endpoint[80]; /* port number, pipe or local name */
	char host[64];	   /* IP address or NetBIOS host, "" if none */
	char binding[192]; /* the string binding: "ncacn_ip_tcp:198.19.1.2
			    * [49152]", "ncacn_np:\\\\SRV[\\pipe\\x]" */
	char annotation[65];
};

struct portier_epm_lookup_reply {
	uint8_t handle[PORTIER_EPM_HANDLE_LEN];
	bool handle_null; /* all zeros: the server ended the lookup */
	uint32_t status;  /* 0, or PORTIER_EPT_S_NOT_REGISTERED at the end */
	uint32_t n_entries;
	struct portier_epm_entry entries[PORTIER_EPM_MAX_PAGE];
};

/* Pure: the stub of ept_lookup(RPC_C_EP_ALL_ELTS, no object, no interface,
 * RPC_C_VERS_ALL, handle, max_ents): 44 bytes. */
PORTIER_API long portier_epm_lookup_build(uint8_t *buf, size_t cap,
					  const void *params);
/* Pure: parse the reassembled response stub (out: the reply above). */
PORTIER_API int portier_epm_lookup_parse(const uint8_t *buf, size_t len,
					 void *out, struct portier_err *err);
/* Pure: decode one tower's octet string into e's tower fields. */
PORTIER_API int portier_epm_tower_parse(const uint8_t *buf, size_t len,
					struct portier_epm_entry *e,
					struct portier_err *err);
/* params: struct portier_epm_lookup_params; out: the reply above */
PORTIER_API extern const struct portier_probe portier_epm_lookup_probe;

/* A well-known RPC interface: what it is and what it exposes. */
struct portier_rpc_iface_info {
	const char *uuid; /* lower case string form */
	const char *name; /* "MS-RPRN print spooler" */
	const char *exposes;
	const char *finding; /* a finding id when reachable is a risk */
};
/* The table entry for an interface UUID, or NULL. */
PORTIER_API const struct portier_rpc_iface_info *
portier_rpc_iface_find(const uint8_t uuid[16]);

/* ---- the network side: node status sweep ------------------------------- */

struct portier_nbstat_opts {
	unsigned rate;	     /* queries per second, 0 = unlimited */
	unsigned burst;	     /* queries that may go at once before the rate
			      * applies; 0 means rate/50 + 1 */
	unsigned retries;    /* extra queries to hosts that did not answer;
			      * more than PORTIER_NBSTAT_MAX_RETRIES counts
			      * as that many */
	unsigned timeout_ms; /* wait after the last query to a host */
	uint16_t port;	     /* 0 means 137 */
};

#define PORTIER_NBSTAT_MAX_RETRIES 10

/* Outcome for one target, handed to the callback as soon as it is known. */
struct portier_nbstat_result {
	struct portier_addr addr;
	int status; /* 0 = answered; PORTIER_EPROTO = malformed reply (reason
		      * in err); -ETIMEDOUT = no answer; -ECONNREFUSED = ICMP
		      * port unreachable; other negative: send failed */
	unsigned queries; /* how many queries were sent */
	unsigned rtt_us;  /* for an answer: time since the last query */
	struct portier_err err;
	struct portier_nbstat_reply reply; /* valid when status == 0 */
	size_t raw_len;
	uint8_t raw[PORTIER_NBSTAT_MAX_REPLY]; /* the reply as received */
};

/*
 * Query every IPv4 address in targets from one UDP socket, with the rate
 * limit and retries in opt.  A datagram counts as a target's reply only when
 * it comes from that address and the queried port, carries the target's
 * transaction id and, if it parses, answers for the name "*" (for_star);
 * anything else is ignored.  Nothing is sent to an address the address
 * policy refuses (portier_addr_not_target: multicast, 255.255.255.255,
 * 0.0.0.0/8) even if targets holds one: that target is settled with status
 * -EADDRNOTAVAIL, "not sent: not a unicast address", and queries 0.  Calls on_result once per target (answered,
 * malformed, or given up), in the order outcomes become known.  Returns 0,
 * or a negative code when the sweep itself could not run (socket, an IPv6
 * target: NetBIOS name service is IPv4 only).
 */
PORTIER_API int portier_nbstat_sweep(
	const struct portier_addr *targets, size_t n,
	const struct portier_nbstat_opts *opt,
	void (*on_result)(const struct portier_nbstat_result *r, void *ctx),
	void *ctx, struct portier_err *err);

/* One host (what a scanner calls for an open 137/udp). */
PORTIER_API int portier_probe_nbstat_host(const struct portier_addr *addr,
					  const struct portier_nbstat_opts *opt,
					  struct portier_nbstat_result *res,
					  struct portier_err *err);

/* ---- the network side: SMB ------------------------------------------- */

enum portier_tcp_state {
	PORTIER_TCP_UNTRIED = 0,
	PORTIER_TCP_OPEN,
	PORTIER_TCP_CLOSED,   /* refused (RST) */
	PORTIER_TCP_FILTERED, /* no answer within the timeout */
	PORTIER_TCP_ERROR,    /* unreachable or another error */
};
PORTIER_API const char *portier_tcp_state_name(enum portier_tcp_state s);

struct portier_smb_opts {
	unsigned timeout_ms;  /* connect and each reply; 0 means 3000 */
	uint16_t port_direct; /* 0 means 445 */
	uint16_t port_nbss;   /* 0 means 139 */
	bool only_nbss;	      /* skip 445, use 139 (with a session request) */
	bool only_direct;     /* skip 139 */
	const char *called;   /* NetBIOS name for 139; NULL: ask 137 first,
			       * then fall back to "*SMBSERVER" */
	bool shares; /* also ask what the server reveals before a password:
		      * the NTLM challenge's target information */
};

struct portier_smb_dialect_result {
	uint16_t dialect;
	int status;    /* 0: a reply was parsed (see neg.accepted); negative: no
		      * reply (connection refused/reset/timeout/malformed) */
	char why[256]; /* when status < 0 */
	struct portier_smb_negotiate neg;
	size_t raw_len; /* the reply as received, cut at sizeof(raw) */
	uint8_t raw[1024];
};

/* One login attempt; the SESSION_SETUP response decides, not the absence
 * of an error: SessionFlags say whether the server made it a guest or a
 * null session. */
struct portier_smb_login {
	bool tried;
	int status; /* 0: the server answered (nt_status); negative:
			     * no answer (why) */
	char why[256];
	char user[32];		/* the user name sent ("" for a null session) */
	uint32_t nt_status;	/* 0 = logged on */
	uint16_t session_flags; /* PORTIER_SMB2_SESSION_IS_* */
	/* once logged on: a TREE_CONNECT to IPC$ (what share listing and
	 * every RPC call needs) */
	char ipc_path[PORTIER_ADDR_STRLEN + 8]; /* UNC path of IPC$ */
	bool ipc_tried;
	int ipc_io;	     /* 0: answered (ipc_status); negative: why */
	uint32_t ipc_status; /* 0 = connected */
	uint32_t ipc_access; /* MaximalAccess */
};

struct portier_smb_host {
	struct portier_addr addr;
	enum portier_tcp_state direct, nbss; /* how 445 and 139 answered */
	uint16_t port; /* the port the dialects were asked on */
	bool via_nbss; /* port is the NetBIOS session service */
	char called[PORTIER_NB_NAME_LEN + 1]; /* name the session accepted */
	int nbss_refusal; /* last negative session response, or -1 */
	char refused[PORTIER_NB_NAME_LEN + 1]; /* the name it refused */
	size_t n_results;
	struct portier_smb_dialect_result results[PORTIER_SMB_N_DIALECTS];
	/* summary over the accepted dialects */
	uint16_t highest; /* 0 if none was accepted */
	bool smb1;
	bool signing_required; /* required by the highest SMB2+ dialect, or
				  * SMB1's when only SMB1 was accepted */
	bool signing_enabled;
	/* with opts.shares: the first leg of an NTLM login on a fresh
	 * connection that negotiates the highest SMB2+ dialect */
	bool ntlm_tried;
	int ntlm_status; /* 0: the challenge parsed; negative: ntlm_why */
	char ntlm_why[256];
	struct portier_ntlm_info ntlm;
	size_t ntlm_raw_len; /* the SESSION_SETUP reply, cut at the size */
	uint8_t ntlm_raw[4096];
	/* with opts.shares: a null session (anonymous, on the connection of
	 * the challenge) and a guest attempt (a random user name with a
	 * random NTLMv2 response, on a connection of its own) */
	struct portier_smb_login null_login, guest_login;
	/* with opts.shares: NetrShareEnum over \\pipe\\srvsvc on IPC$, in
	 * the first session that reached IPC$ (the null one, else guest) */
	bool shares_tried;
	int shares_status; /* 0: listed (shares); negative: shares_why */
	char shares_why[256];
	const char *shares_via;		   /* "null" or "guest" */
	struct portier_share_list *shares; /* when shares_tried (32 KiB, so
					    * only then); portier_smb_host_free */
};

/* Free what a probed host holds besides itself (the share list). */
PORTIER_API void portier_smb_host_free(struct portier_smb_host *h);

/* A judgement on one host's exposure (SMB, the RPC endpoint mapper). */
struct portier_probe_finding {
	enum portier_risk risk; /* e.g. HIGH for SMB1, MEDIUM for signing */
	const char *id;		/* "smb1-accepted", "signing-not-required" */
	const char *text;	/* why it matters */
	const char *advice;	/* how to fix it, Windows and Samba */
};
#define PORTIER_SMB_MAX_FINDINGS 8

/* The login was accepted and IPC$ connected: what a client needs to list
 * shares or call RPC (the verdict behind the session findings). */
PORTIER_API bool portier_smb_login_usable(const struct portier_smb_login *l);

/* The findings for a probed host, worst first; returns how many. */
PORTIER_API size_t
portier_smb_judge(const struct portier_smb_host *h,
		  struct portier_probe_finding out[PORTIER_SMB_MAX_FINDINGS]);

/*
 * Race 445 and 139 (both at once; keep 445 if it connects, reset 139), then
 * offer each dialect in its own connection on the winning port.  Returns 0
 * when a transport answered (the per-dialect outcomes are in out), or a
 * negative code with err filled when neither port could be used.  An
 * address the address policy refuses (portier_addr_not_target: ::,
 * multicast, fe80::/10, ...) is PORTIER_EINVAL and nothing is sent.
 * With opts.shares, free out with portier_smb_host_free afterwards.
 */
PORTIER_API int portier_probe_smb_host(const struct portier_addr *addr,
				       const struct portier_smb_opts *opt,
				       struct portier_smb_host *out,
				       struct portier_err *err);

/* ---- the network side: the RPC endpoint mapper ----------------------- */

struct portier_rpc_opts {
	unsigned timeout_ms;  /* connect and each reply; 0 means 3000 */
	uint16_t port;	      /* 0 means 135 */
	unsigned max_pages;   /* ept_lookup calls; 0 means 256 */
	unsigned max_entries; /* 0 means 4096 */
	size_t max_stub;      /* one reassembled response; 0 means 1 MiB */
};

struct portier_rpc_host {
	struct portier_addr addr;
	uint16_t port;
	enum portier_tcp_state tcp;
	bool bound; /* the endpoint mapper accepted our bind */
	int status; /* 0: the list ended as the server said; negative:
			 * the lookup stopped early (why), entries so far kept */
	char why[256];
	const char *end; /* how the list ended: "null handle",
			  * "EPT_S_NOT_REGISTERED", or NULL */
	unsigned pages;	 /* ept_lookup calls answered */
	uint16_t max_xmit;
	size_t n_entries, cap_entries;
	struct portier_epm_entry *entries; /* portier_rpc_host_free */
	size_t raw_len;			   /* the PDUs received, in order, */
	uint8_t *raw;			   /* cut at 256 KiB */
};

/*
 * Connect to the endpoint mapper (TCP 135), bind, and call ept_lookup on
 * the returned context handle until the server ends the list (a zeroed
 * handle, or EPT_S_NOT_REGISTERED), within the bounds in opt.  Returns 0
 * when the mapper answered the bind (out->status tells how the lookup
 * went), or a negative code with err filled (no connection, no bind).  The
 * address policy of portier_probe_smb_host applies.  Free out with
 * portier_rpc_host_free, also after a failure.
 */
PORTIER_API int portier_probe_rpc_host(const struct portier_addr *addr,
				       const struct portier_rpc_opts *opt,
				       struct portier_rpc_host *out,
				       struct portier_err *err);
PORTIER_API void portier_rpc_host_free(struct portier_rpc_host *h);

#define PORTIER_RPC_MAX_FINDINGS 3
/* The findings for an endpoint list, worst first; returns how many. */
PORTIER_API size_t
portier_rpc_judge(const struct portier_rpc_host *h,
		  struct portier_probe_finding out[PORTIER_RPC_MAX_FINDINGS]);

#endif
