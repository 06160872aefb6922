/*
 * fw_int.h - what the files of src/fw/ share and nobody else sees: the
 * names portier gives the objects of its table (the renderer writes them,
 * the reader expects them) and the helpers behind the session.  Scripts are
 * built with struct portier_nft_buf (portier/nft.h).
 */
#ifndef PORTIER_FW_INT_H
#define PORTIER_FW_INT_H

#include "portier/fw.h"
#include "portier/nft.h"

/* Object names in table inet portier. */
#define FW_CHAIN     "input"
#define FW_SET_CLOSE "close_" /* close_tcp, close_udp */
#define FW_SET_ALLOW "allow_" /* allow_tcp, allow_udp */
#define FW_SET_FROM  "from"   /* from<N>_tcp, comment holds the prefix */
#define FW_SET_KEEP  "keep_"  /* keep_v4, keep_v6: peer . sport . dport */

/* Sort and deduplicate connections. */
void fw_conns_sort(struct portier_fw_conn *c, size_t *n);

/*
 * undocheck.c: 0 if script has the shape of an undo point portier writes
 * (only table inet portier, deleted and declared anew), else PORTIER_EPROTO
 * with path named in err.
 */
int fw_undo_script_check(const char *script, const char *path,
			 struct portier_err *err);

/*
 * rulecheck.c: 0 if every rule of chain input in listing (the kernel's
 * stateless nft listing of the table) is one that rendered (the script
 * portier_fw_render makes of the read-back policy) holds, else
 * PORTIER_EPROTO quoting the first foreign rule.
 */
int fw_rules_check(const char *listing, const char *rendered,
		   struct portier_err *err);

#endif
