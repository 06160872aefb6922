/*
 * tls_lib.h - libssl and libcrypto for the TLS layer of scan -sV (tls.c,
 * tls_cert.c), loaded when it first needs them (include/portier/dynlib.h):
 * linked, the two cost every command about 2 MB of resident memory.
 *
 * Include this instead of the OpenSSL headers.  The library's names below
 * stand for the pointers tls_lib.c fills, so the code calls OpenSSL as it
 * is documented; call tls_lib_load first (0, or PORTIER_EIO with err
 * saying which package to install).  OpenSSL's function-like macros call
 * the functions listed here (SSL_CTX_set_min_proto_version is SSL_CTX_ctrl,
 * SSL_set_tlsext_host_name is SSL_ctrl, BIO_set_mem_eof_return is BIO_ctrl,
 * sk_X509_num is OPENSSL_sk_num, OPENSSL_free is CRYPTO_free), so they work
 * as they are.  A function not listed here fails to link: add it to the
 * list of its library and to the #defines.
 *
 * Only libssl.so.3 is opened: libcrypto.so.3, which it needs, comes in as
 * its dependency, and dlsym on libssl's handle finds libcrypto's functions
 * too.  digest.c opens libcrypto.so.3 itself; the dynamic loader keeps one
 * copy of a soname in a process, so both see the same library, loaded once.
 */
#ifndef PORTIER_SVC_TLS_LIB_H
#define PORTIER_SVC_TLS_LIB_H

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "portier/dynlib.h"

int tls_lib_load(struct portier_err *err);

/* clang-format off */
/* libssl's */
#define PORTIER_TLS_SSL_SYMS(X) \
	X(SSL_CIPHER_get_name) \
	X(SSL_CIPHER_standard_name) \
	X(SSL_CTX_ctrl) \
	X(SSL_CTX_free) \
	X(SSL_CTX_load_verify_dir) \
	X(SSL_CTX_new) \
	X(SSL_CTX_set_cipher_list) \
	X(SSL_CTX_set_options) \
	X(SSL_CTX_set_security_level) \
	X(SSL_CTX_set_verify) \
	X(SSL_ctrl) \
	X(SSL_do_handshake) \
	X(SSL_free) \
	X(SSL_get0_peer_certificate) \
	X(SSL_get_current_cipher) \
	X(SSL_get_error) \
	X(SSL_get_peer_cert_chain) \
	X(SSL_get_verify_result) \
	X(SSL_get_version) \
	X(SSL_new) \
	X(SSL_read_ex) \
	X(SSL_set_bio) \
	X(SSL_set_connect_state) \
	X(SSL_write_ex) \
	X(TLS_client_method)
/* libcrypto's */
#define PORTIER_TLS_CRYPTO_SYMS(X) \
	X(ASN1_STRING_get0_data) \
	X(ASN1_STRING_length) \
	X(ASN1_STRING_to_UTF8) \
	X(ASN1_TIME_to_tm) \
	X(BIO_ctrl) \
	X(BIO_ctrl_pending) \
	X(BIO_free) \
	X(BIO_new) \
	X(BIO_read) \
	X(BIO_s_mem) \
	X(BIO_write) \
	X(CRYPTO_free) \
	X(ERR_clear_error) \
	X(ERR_error_string_n) \
	X(ERR_get_error) \
	X(ERR_peek_error) \
	X(ERR_reason_error_string) \
	X(EVP_PKEY_get_base_id) \
	X(EVP_PKEY_get_bits) \
	X(EVP_md5) \
	X(EVP_sha1) \
	X(GENERAL_NAMES_free) \
	X(OBJ_find_sigid_algs) \
	X(OBJ_nid2ln) \
	X(OBJ_obj2nid) \
	X(OBJ_obj2txt) \
	X(OPENSSL_sk_num) \
	X(OPENSSL_sk_value) \
	X(X509_ALGOR_get0) \
	X(X509_NAME_ENTRY_get_data) \
	X(X509_NAME_ENTRY_get_object) \
	X(X509_NAME_cmp) \
	X(X509_NAME_entry_count) \
	X(X509_NAME_get_entry) \
	X(X509_NAME_get_index_by_NID) \
	X(X509_digest) \
	X(X509_free) \
	X(X509_get0_notAfter) \
	X(X509_get0_notBefore) \
	X(X509_get0_pubkey) \
	X(X509_get0_signature) \
	X(X509_get_default_cert_dir) \
	X(X509_get_default_cert_dir_env) \
	X(X509_get_ext_d2i) \
	X(X509_get_issuer_name) \
	X(X509_get_signature_nid) \
	X(X509_get_subject_name) \
	X(X509_verify) \
	X(X509_verify_cert_error_string) \
	X(d2i_X509)
/* clang-format on */

PORTIER_TLS_SSL_SYMS(PORTIER_DLSYM_EACH_DECLARE)
PORTIER_TLS_CRYPTO_SYMS(PORTIER_DLSYM_EACH_DECLARE)

/* tls_lib.c itself names the library's functions */
#ifndef PORTIER_TLS_LIB_DEFINE
#define SSL_CIPHER_get_name	      sym_SSL_CIPHER_get_name
#define SSL_CIPHER_standard_name      sym_SSL_CIPHER_standard_name
#define SSL_CTX_ctrl		      sym_SSL_CTX_ctrl
#define SSL_CTX_free		      sym_SSL_CTX_free
#define SSL_CTX_load_verify_dir	      sym_SSL_CTX_load_verify_dir
#define SSL_CTX_new		      sym_SSL_CTX_new
#define SSL_CTX_set_cipher_list	      sym_SSL_CTX_set_cipher_list
#define SSL_CTX_set_options	      sym_SSL_CTX_set_options
#define SSL_CTX_set_security_level    sym_SSL_CTX_set_security_level
#define SSL_CTX_set_verify	      sym_SSL_CTX_set_verify
#define SSL_ctrl		      sym_SSL_ctrl
#define SSL_do_handshake	      sym_SSL_do_handshake
#define SSL_free		      sym_SSL_free
#define SSL_get0_peer_certificate     sym_SSL_get0_peer_certificate
#define SSL_get_current_cipher	      sym_SSL_get_current_cipher
#define SSL_get_error		      sym_SSL_get_error
#define SSL_get_peer_cert_chain	      sym_SSL_get_peer_cert_chain
#define SSL_get_verify_result	      sym_SSL_get_verify_result
#define SSL_get_version		      sym_SSL_get_version
#define SSL_new			      sym_SSL_new
#define SSL_read_ex		      sym_SSL_read_ex
#define SSL_set_bio		      sym_SSL_set_bio
#define SSL_set_connect_state	      sym_SSL_set_connect_state
#define SSL_write_ex		      sym_SSL_write_ex
#define TLS_client_method	      sym_TLS_client_method
#define ASN1_STRING_get0_data	      sym_ASN1_STRING_get0_data
#define ASN1_STRING_length	      sym_ASN1_STRING_length
#define ASN1_STRING_to_UTF8	      sym_ASN1_STRING_to_UTF8
#define ASN1_TIME_to_tm		      sym_ASN1_TIME_to_tm
#define BIO_ctrl		      sym_BIO_ctrl
#define BIO_ctrl_pending	      sym_BIO_ctrl_pending
#define BIO_free		      sym_BIO_free
#define BIO_new			      sym_BIO_new
#define BIO_read		      sym_BIO_read
#define BIO_s_mem		      sym_BIO_s_mem
#define BIO_write		      sym_BIO_write
#define CRYPTO_free		      sym_CRYPTO_free
#define ERR_clear_error		      sym_ERR_clear_error
#define ERR_error_string_n	      sym_ERR_error_string_n
#define ERR_get_error		      sym_ERR_get_error
#define ERR_peek_error		      sym_ERR_peek_error
#define ERR_reason_error_string	      sym_ERR_reason_error_string
#define EVP_PKEY_get_base_id	      sym_EVP_PKEY_get_base_id
#define EVP_PKEY_get_bits	      sym_EVP_PKEY_get_bits
#define EVP_md5			      sym_EVP_md5
#define EVP_sha1		      sym_EVP_sha1
#define GENERAL_NAMES_free	      sym_GENERAL_NAMES_free
#define OBJ_find_sigid_algs	      sym_OBJ_find_sigid_algs
#define OBJ_nid2ln		      sym_OBJ_nid2ln
#define OBJ_obj2nid		      sym_OBJ_obj2nid
#define OBJ_obj2txt		      sym_OBJ_obj2txt
#define OPENSSL_sk_num		      sym_OPENSSL_sk_num
#define OPENSSL_sk_value	      sym_OPENSSL_sk_value
#define X509_ALGOR_get0		      sym_X509_ALGOR_get0
#define X509_NAME_ENTRY_get_data      sym_X509_NAME_ENTRY_get_data
#define X509_NAME_ENTRY_get_object    sym_X509_NAME_ENTRY_get_object
#define X509_NAME_cmp		      sym_X509_NAME_cmp
#define X509_NAME_entry_count	      sym_X509_NAME_entry_count
#define X509_NAME_get_entry	      sym_X509_NAME_get_entry
#define X509_NAME_get_index_by_NID    sym_X509_NAME_get_index_by_NID
#define X509_digest		      sym_X509_digest
#define X509_free		      sym_X509_free
#define X509_get0_notAfter	      sym_X509_get0_notAfter
#define X509_get0_notBefore	      sym_X509_get0_notBefore
#define X509_get0_pubkey	      sym_X509_get0_pubkey
#define X509_get0_signature	      sym_X509_get0_signature
#define X509_get_default_cert_dir     sym_X509_get_default_cert_dir
#define X509_get_default_cert_dir_env sym_X509_get_default_cert_dir_env
#define X509_get_ext_d2i	      sym_X509_get_ext_d2i
#define X509_get_issuer_name	      sym_X509_get_issuer_name
#define X509_get_signature_nid	      sym_X509_get_signature_nid
#define X509_get_subject_name	      sym_X509_get_subject_name
#define X509_verify		      sym_X509_verify
#define X509_verify_cert_error_string sym_X509_verify_cert_error_string
#define d2i_X509		      sym_d2i_X509
#endif

#endif
