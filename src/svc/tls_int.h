/*
 * tls_int.h - what the TLS layer (tls.c) and the certificate facts
 * (tls_cert.c) share inside src/svc.
 */
#ifndef PORTIER_SVC_TLS_INT_H
#define PORTIER_SVC_TLS_INT_H

#include "portier/tls.h"
#include "svc/tls_lib.h"

/*
 * Fill the certificate fields of out from x (the session fields are left
 * as they are).  0, or PORTIER_EPROTO for a certificate whose dates cannot
 * be read.
 */
int tls_cert_facts(X509 *x, struct portier_tls_info *out,
		   struct portier_err *err);

/* OpenSSL's reason for the newest error on this thread's queue (or
 * fallback), and the queue emptied. */
const char *tls_ossl_reason(char *buf, size_t cap, const char *fallback);

#endif
