/*
 * fw_int.h - what the files of src/fw/ share and nobody else sees: a
 * growable string for building nft scripts, and the names portier gives the
 * objects of its table (the renderer writes them, the reader expects them).
 */
#ifndef PORTIER_FW_INT_H
#define PORTIER_FW_INT_H

#include "portier/fw.h"

/* Object names in table inet portier. */
#define FW_CHAIN "input"
#define FW_SET_CLOSE "close_"  /* close_tcp, close_udp */
#define FW_SET_ALLOW "allow_"  /* allow_tcp, allow_udp */
#define FW_SET_FROM "from"     /* from<N>_tcp, comment holds the prefix */

/* A string that grows; on allocation failure it remembers and stays put. */
struct fw_buf {
	char *s;
	size_t len, cap;
	bool oom;
};

void fw_buf_printf(struct fw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void fw_buf_puts(struct fw_buf *b, const char *s);
/* Hand over the string (caller frees) or NULL after an allocation failed. */
char *fw_buf_take(struct fw_buf *b);
void fw_buf_free(struct fw_buf *b);

#endif
