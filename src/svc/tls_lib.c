/*
 * tls_lib.c - the libssl and libcrypto pointers of tls_lib.h and their
 * loader.
 */
#define PORTIER_TLS_LIB_DEFINE
#include "svc/tls_lib.h"

PORTIER_TLS_SSL_SYMS(PORTIER_DLSYM_EACH_DEFINE)
PORTIER_TLS_CRYPTO_SYMS(PORTIER_DLSYM_EACH_DEFINE)

/* libcrypto's functions are found through libssl, which needs it */
static const struct portier_dynsym tls_syms[] = {PORTIER_TLS_SSL_SYMS(
	PORTIER_DLSYM_EACH) PORTIER_TLS_CRYPTO_SYMS(PORTIER_DLSYM_EACH)};

int tls_lib_load(struct portier_err *err)
{
	static struct portier_dynlib ssl =
		PORTIER_DYNLIB_INIT("libssl.so.3", "TLS", "libssl3", tls_syms);

	return portier_dynlib_load(&ssl, err);
}
