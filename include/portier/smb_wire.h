/*
 * smb_wire.h - what `portier smb --shares` says on the wire, as pure
 * functions over byte buffers (no sockets, clocks, allocation or global
 * state; every length field checked, PORTIER_EPROTO with the reason in
 * err): the NTLM challenge of an SMB2 SESSION_SETUP and the logons after
 * it (MS-NLMP, MS-SMB2 2.2.5-2.2.10), the named-pipe requests that carry
 * DCE/RPC over SMB2 (2.2.13-2.2.32), and srvsvc's NetrShareEnum (MS-SRVS).
 * probe.h includes it; the network side is portier_probe_smb_host with
 * opts.shares.
 */
#ifndef PORTIER_SMB_WIRE_H
#define PORTIER_SMB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "portier/common.h"

struct portier_rpc_syntax; /* probe.h */

/* ---- NTLM over SMB2 SESSION_SETUP (MS-NLMP 2.2.1, MS-SMB2 2.2.5/2.2.6) - */

#define PORTIER_NTLM_NAME_MAX	       256 /* UTF-8 bytes of one name, + NUL */
#define PORTIER_NTLM_NEG_VERSION       0x02000000u /* NegotiateFlags: a VERSION */
#define PORTIER_STATUS_MORE_PROCESSING 0xc0000016u

/*
 * What a CHALLENGE_MESSAGE says about the server before any password: the
 * names are UTF-8 as the server sent them (its UTF-16 decoded, a bad code
 * unit as U+FFFD), not cleaned for a terminal; "" when absent.
 */
struct portier_ntlm_info {
	uint32_t flags;				  /* NegotiateFlags */
	uint8_t challenge[8];			  /* ServerChallenge */
	char target[PORTIER_NTLM_NAME_MAX];	  /* TargetName */
	char nb_computer[PORTIER_NTLM_NAME_MAX];  /* MsvAvNbComputerName */
	char nb_domain[PORTIER_NTLM_NAME_MAX];	  /* MsvAvNbDomainName */
	char dns_computer[PORTIER_NTLM_NAME_MAX]; /* MsvAvDnsComputerName */
	char dns_domain[PORTIER_NTLM_NAME_MAX];	  /* MsvAvDnsDomainName */
	char dns_tree[PORTIER_NTLM_NAME_MAX];	  /* MsvAvDnsTreeName */
	uint64_t timestamp; /* MsvAvTimestamp (FILETIME), 0 if absent */
	unsigned n_pairs;   /* AV_PAIRs before MsvAvEOL */
	bool have_version;  /* the VERSION flag and the 8 bytes (2.2.2.10) */
	uint8_t os_major, os_minor, ntlm_revision;
	uint16_t os_build;
	size_t info_off, info_len; /* the raw TargetInfo in the parsed buffer */
};

/* Pure: an NTLMSSP NEGOTIATE_MESSAGE asking for the target information,
 * without domain or workstation (40 bytes). */
PORTIER_API long portier_ntlmssp_negotiate_build(uint8_t *buf, size_t cap,
						 const void *params);
/*
 * Pure: parse a CHALLENGE_MESSAGE (out: struct portier_ntlm_info).  buf may
 * hold bytes before it (a SPNEGO wrapper): the message is the first
 * "NTLMSSP\0" signature of type 2, and every offset is from there.
 */
PORTIER_API int portier_ntlmssp_challenge_parse(const uint8_t *buf, size_t len,
						void *out,
						struct portier_err *err);

#define PORTIER_NTLM_NEG_ANONYMOUS 0x00000800u
/* The server's flags an anonymous AUTHENTICATE keeps: unicode, request
 * target, NTLM, always sign, extended security, target info, version, 128,
 * 56 (no signing or key exchange: there is no key) */
#define PORTIER_NTLM_NEG_ANON_KEEP 0xa2888205u

/* An AUTHENTICATE_MESSAGE (2.2.1.3).  Names are ASCII (sent as UTF-16LE,
 * at most 64 characters each); NULL is empty. */
struct portier_ntlm_auth_params {
	uint32_t flags; /* NegotiateFlags; 0: those of our NEGOTIATE */
	const char *domain, *user, *workstation;
	const uint8_t *lm, *nt; /* the challenge responses */
	size_t lm_len, nt_len;
};
/* Pure: the AUTHENTICATE_MESSAGE, with a zero MIC field; its length. */
PORTIER_API long portier_ntlmssp_authenticate_build(uint8_t *buf, size_t cap,
						    const void *params);
/*
 * Pure: an NTLMv2 response (2.2.2.8) for proof (the 16-byte NTProofStr),
 * the client challenge, the server's timestamp and its TargetInfo as sent
 * (info, info_len, ending in MsvAvEOL or not: one is added when missing).
 */
PORTIER_API long portier_ntlmssp_v2_response_build(
	uint8_t *buf, size_t cap, const uint8_t proof[16],
	const uint8_t client_challenge[8], uint64_t timestamp,
	const uint8_t *info, size_t info_len);

struct portier_smb2_setup_params {
	uint64_t message_id;
	uint64_t session_id; /* 0 for the first leg */
	const uint8_t *blob; /* the security token (NTLMSSP) */
	size_t blob_len;
};

/* SESSION_SETUP response: SessionFlags (2.2.6). */
#define PORTIER_SMB2_SESSION_IS_GUEST 0x0001
#define PORTIER_SMB2_SESSION_IS_NULL  0x0002

struct portier_smb2_setup_reply {
	uint32_t status;     /* NT status in the header */
	uint64_t session_id; /* from the header */
	uint16_t session_flags;
	size_t blob_off, blob_len; /* the security buffer within buf */
};

struct portier_smb2_tree_params {
	uint64_t message_id, session_id;
	const char *path; /* ASCII "\\\\host\\share", at most 256 characters */
};

struct portier_smb2_tree_reply {
	uint32_t status;
	uint32_t tree_id;
	uint8_t share_type; /* 1 disk, 2 pipe, 3 print */
	uint32_t share_flags, capabilities;
	uint32_t maximal_access; /* the access mask the session would get */
};

/* Pure: a framed TREE_CONNECT request (2.2.9) for params->path. */
PORTIER_API long portier_smb2_tree_connect_build(uint8_t *buf, size_t cap,
						 const void *params);
/* Pure: parse one framed TREE_CONNECT response (2.2.10), or an error. */
PORTIER_API int portier_smb2_tree_connect_parse(const uint8_t *buf, size_t len,
						void *out,
						struct portier_err *err);

/* Pure: a framed SMB2 SESSION_SETUP request carrying params->blob. */
PORTIER_API long portier_smb2_session_setup_build(uint8_t *buf, size_t cap,
						  const void *params);
/* Pure: parse one framed SESSION_SETUP response (an error response too). */
PORTIER_API int portier_smb2_session_setup_parse(const uint8_t *buf, size_t len,
						 void *out,
						 struct portier_err *err);

/* ---- shares: a named pipe over SMB2 and srvsvc NetrShareEnum ----------- */

/* An SMB2 request on an open tree and file (CREATE, IOCTL, READ). */
struct portier_smb2_file_params {
	uint64_t message_id, session_id;
	uint32_t tree_id;
	uint8_t file_id[16]; /* IOCTL, READ */
	const char *name;    /* CREATE: the pipe ("srvsvc"), ASCII */
	const uint8_t *data; /* IOCTL: the input (a DCE/RPC PDU) */
	size_t data_len;
	uint32_t max_out; /* IOCTL, READ: the most to return */
};

/* A CREATE, IOCTL or READ response: status, the FileId of a CREATE, and
 * the data of an IOCTL (its output) or a READ, within buf. */
struct portier_smb2_file_reply {
	uint32_t status;
	uint8_t file_id[16];
	size_t data_off, data_len;
	/* CREATE: the "MxAc" create context of the response (2.2.14.2.5) */
	bool have_mxac;
	uint32_t mxac_status, mxac_access;
};

#define PORTIER_STATUS_BUFFER_OVERFLOW 0x80000005u
#define PORTIER_FSCTL_PIPE_TRANSCEIVE  0x0011c017u

/* Pure: framed SMB2 CREATE of a named pipe on IPC$ (2.2.13), read/write,
 * FILE_OPEN: nothing is created. */
PORTIER_API long portier_smb2_pipe_open_build(uint8_t *buf, size_t cap,
					      const void *params);
/* Pure: framed CREATE of the share's root directory (an empty name) for
 * reading only (list, read attributes, synchronize), FILE_OPEN, with an
 * "MxAc" context asking what access the session would have. */
PORTIER_API long portier_smb2_root_open_build(uint8_t *buf, size_t cap,
					      const void *params);
/* Pure: framed IOCTL FSCTL_PIPE_TRANSCEIVE (2.2.31) with data. */
PORTIER_API long portier_smb2_transceive_build(uint8_t *buf, size_t cap,
					       const void *params);
/* Pure: framed READ (2.2.19) of max_out bytes from the pipe. */
PORTIER_API long portier_smb2_read_build(uint8_t *buf, size_t cap,
					 const void *params);
/* Pure: parse the response to one of the three (the command in buf says
 * which); an error response parses with its status. */
PORTIER_API int portier_smb2_file_parse(const uint8_t *buf, size_t len,
					void *out, struct portier_err *err);

/* ---- the same over SMB1 (MS-SMB, MS-CIFS), for NT LM 0.12-only servers -- */

/* A request without AndX chaining; the ids come from the replies. */
struct portier_smb1_params {
	uint16_t mid, uid, tid, fid;
	const uint8_t *data; /* SESSION_SETUP: the security blob (NTLMSSP);
			      * TRANSACTION: the pipe message (a PDU) */
	size_t data_len;
	const char *path;   /* TREE_CONNECT: "\\\\host\\share"; NT_CREATE:
			     * the pipe ("srvsvc"), ASCII, at most 256 */
	bool dir;	    /* NT_CREATE: the share's root directory instead */
	uint32_t access;    /* NT_CREATE of the root: DesiredAccess */
	uint16_t max_count; /* TRANSACTION, READ_ANDX: the most to return */
};

/* SMB_SETUP_GUEST in a SESSION_SETUP_ANDX response's Action */
#define PORTIER_SMB1_SETUP_GUEST 0x0001

/* The response to one of the five requests below. */
struct portier_smb1_reply {
	uint8_t command;
	uint32_t status;	   /* NT status in the header */
	uint16_t uid, tid;	   /* from the header */
	uint16_t action;	   /* SESSION_SETUP */
	uint16_t fid;		   /* NT_CREATE */
	bool have_access;	   /* TREE_CONNECT's extended response: */
	uint32_t max_access;	   /*   the session's access to the share */
	uint32_t guest_access;	   /*   and a guest's */
	size_t data_off, data_len; /* SESSION_SETUP: the security blob;
				       * TRANSACTION, READ_ANDX: the data;
				       * within the parsed buffer */
};

/* Pure: framed SESSION_SETUP_ANDX with extended security (MS-SMB 2.2.4.6.1)
 * carrying data as the security blob; uid 0 for the first leg. */
PORTIER_API long portier_smb1_session_setup_build(uint8_t *buf, size_t cap,
						  const void *params);
/* Pure: framed TREE_CONNECT_ANDX (2.2.4.7.1) asking the extended response
 * (the access masks), with an empty password. */
PORTIER_API long portier_smb1_tree_connect_build(uint8_t *buf, size_t cap,
						 const void *params);
/* Pure: framed NT_CREATE_ANDX, FILE_OPEN (nothing is created): the named
 * pipe path, read/write; or with dir the share's root directory with
 * DesiredAccess access. */
PORTIER_API long portier_smb1_create_build(uint8_t *buf, size_t cap,
					   const void *params);
/* Pure: framed TRANSACTION TransactNmPipe on fid: data in, at most
 * max_count bytes back (MS-CIFS 2.2.5.6). */
PORTIER_API long portier_smb1_transact_build(uint8_t *buf, size_t cap,
					     const void *params);
/* Pure: framed READ_ANDX of max_count bytes from fid (2.2.4.42). */
PORTIER_API long portier_smb1_read_build(uint8_t *buf, size_t cap,
					 const void *params);
/* Pure: parse one framed SMB1 response to one of the five (out: struct
 * portier_smb1_reply); an error response (no parameter words) parses with
 * its status. */
PORTIER_API int portier_smb1_parse(const uint8_t *buf, size_t len, void *out,
				   struct portier_err *err);

/* srvsvc 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3.0 (MS-SRVS) */
PORTIER_API extern const struct portier_rpc_syntax portier_rpc_srvsvc_syntax;
#define PORTIER_SRVSVC_OPNUM_SHARE_ENUM 15

#define PORTIER_SMB_MAX_SHARES 128  /* kept; more are counted */
#define PORTIER_SHARE_MAX_ENUM 4096 /* more in one reply is refused */
#define PORTIER_SHARE_NAME_MAX 96   /* UTF-8 bytes + NUL */

/* MS-SRVS 2.2.2.4 share types */
#define PORTIER_STYPE_MASK	0x000000ffu
#define PORTIER_STYPE_SPECIAL	0x80000000u
#define PORTIER_STYPE_TEMPORARY 0x40000000u

/* What one session may do on one share: a TREE_CONNECT (its MaximalAccess)
 * and a read-only open of the root directory (with MxAc). */
struct portier_share_access {
	bool tried;
	int io;		      /* 0: answered; negative: no answer */
	uint32_t tree_status; /* TREE_CONNECT status */
	uint32_t tree_access; /* its MaximalAccess */
	bool opened;	      /* the root directory CREATE succeeded */
	uint32_t open_status;
	uint32_t dir_access; /* MxAc on the root, 0 if not sent */
};

/* FILE_LIST_DIRECTORY / FILE_ADD_FILE (MS-SMB2 2.2.13.1.2) */
#define PORTIER_FILE_LIST_DIRECTORY 0x00000001u
#define PORTIER_FILE_ADD_FILE	    0x00000002u

struct portier_smb_share {
	char name[PORTIER_SHARE_NAME_MAX]; /* UTF-8 as sent, not cleaned */
	uint32_t type;
	char remark[PORTIER_SHARE_NAME_MAX];
	struct portier_share_access null_access, guest_access;
};

/* The share is reachable (TREE_CONNECT), readable (the root directory
 * opened for listing), writable (files may be added: both the share's and
 * the directory's maximal access grant FILE_ADD_FILE). */
PORTIER_API bool portier_share_reachable(const struct portier_share_access *a);
PORTIER_API bool portier_share_readable(const struct portier_share_access *a);
PORTIER_API bool portier_share_writable(const struct portier_share_access *a);

struct portier_share_list {
	uint32_t n_entries; /* EntriesRead: how many the reply holds */
	uint32_t n;	    /* kept in shares[] (at most the max) */
	uint32_t total;	    /* TotalEntries */
	uint32_t status;    /* the WERROR of NetrShareEnum, 0 = success */
	struct portier_smb_share shares[PORTIER_SMB_MAX_SHARES];
};

struct portier_share_enum_params {
	const char *server; /* ServerName, ASCII ("\\\\198.19.1.2") */
};

/* Pure: the NDR stub of NetrShareEnum level 1 (MS-SRVS 3.1.4.8). */
PORTIER_API long portier_srvsvc_share_enum_build(uint8_t *buf, size_t cap,
						 const void *params);
/* Pure: parse its response stub (out: struct portier_share_list): counts
 * and string lengths are checked against the stub, at most
 * PORTIER_SHARE_MAX_ENUM entries are walked. */
PORTIER_API int portier_srvsvc_share_enum_parse(const uint8_t *buf, size_t len,
						void *out,
						struct portier_err *err);
/* "Disk", "Printer", "Device", "IPC" or "?" for a share type. */
PORTIER_API const char *portier_share_type_name(uint32_t type);

#endif
