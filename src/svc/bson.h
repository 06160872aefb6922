/*
 * bson.h - a small bounded BSON writer and reader for the MongoDB module
 * (bsonspec.org 1.1).  Pure: no allocation, no global state.  The writer
 * builds one flat document into a caller's buffer; the reader walks a
 * document without trusting any size in it (a length that points past the
 * document, a string without its NUL, an unknown type: the walk stops with
 * an error instead of reading past the end).
 */
#ifndef PORTIER_SVC_BSON_H
#define PORTIER_SVC_BSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- writer ------------------------------------------------------------ */

struct svc_bson_w {
	uint8_t *buf;
	size_t cap;
	size_t len;    /* bytes written so far */
	size_t start;  /* where the open document began */
	bool overflow; /* something did not fit: the document is unusable */
};

/* Open a document at buf[0]. */
void svc_bson_begin(struct svc_bson_w *w, uint8_t *buf, size_t cap);
void svc_bson_int32(struct svc_bson_w *w, const char *key, int32_t v);
void svc_bson_bool(struct svc_bson_w *w, const char *key, bool v);
void svc_bson_double(struct svc_bson_w *w, const char *key, double v);
void svc_bson_string(struct svc_bson_w *w, const char *key, const char *v);
/* A whole document (or an array, type SVC_BSON_ARRAY, keys "0", "1"...)
 * made by another writer, as the value of key. */
void svc_bson_sub(struct svc_bson_w *w, uint8_t type, const char *key,
		  const uint8_t *doc, size_t len);
/* Close the document: its length, or 0 when it did not fit. */
size_t svc_bson_end(struct svc_bson_w *w);

/* ---- reader ------------------------------------------------------------ */

/* BSON element types the reader knows (every type of the spec). */
enum {
	SVC_BSON_DOUBLE = 0x01,
	SVC_BSON_STRING = 0x02,
	SVC_BSON_DOC = 0x03,
	SVC_BSON_ARRAY = 0x04,
	SVC_BSON_BINARY = 0x05,
	SVC_BSON_UNDEFINED = 0x06,
	SVC_BSON_OID = 0x07,
	SVC_BSON_BOOL = 0x08,
	SVC_BSON_DATETIME = 0x09,
	SVC_BSON_NULL = 0x0a,
	SVC_BSON_REGEX = 0x0b,
	SVC_BSON_DBPOINTER = 0x0c,
	SVC_BSON_CODE = 0x0d,
	SVC_BSON_SYMBOL = 0x0e,
	SVC_BSON_CODE_W_SCOPE = 0x0f,
	SVC_BSON_INT32 = 0x10,
	SVC_BSON_TIMESTAMP = 0x11,
	SVC_BSON_INT64 = 0x12,
	SVC_BSON_DECIMAL128 = 0x13,
	SVC_BSON_MINKEY = 0xff,
	SVC_BSON_MAXKEY = 0x7f,
};

/* One element: key is NUL-terminated inside the document. */
struct svc_bson_elem {
	uint8_t type;
	const char *key;
	const uint8_t *val;
	size_t val_len;
};

struct svc_bson_iter {
	const uint8_t *doc;
	size_t len; /* the document's own length, checked against the buffer */
	size_t off;
	bool bad; /* the walk met a malformed element */
};

/*
 * The length of the document at buf (its int32 size) when it is whole and
 * well-formed at its ends (size >= 5, size <= n, last byte 0); 0 otherwise.
 */
size_t svc_bson_doc_len(const uint8_t *buf, size_t n);

/* Start a walk over the document at buf (false when svc_bson_doc_len is 0). */
bool svc_bson_iter_init(struct svc_bson_iter *it, const uint8_t *buf, size_t n);
/* The next element in e: true, or false at the end or on a malformed one
 * (it->bad tells which). */
bool svc_bson_next(struct svc_bson_iter *it, struct svc_bson_elem *e);

/* The top-level element named key of the document at buf. */
bool svc_bson_find(const uint8_t *buf, size_t n, const char *key,
		   struct svc_bson_elem *e);

/* An int32, int64, double or bool as an integer (a double is cut). */
bool svc_bson_as_int(const struct svc_bson_elem *e, int64_t *v);
/* A string's bytes (without its NUL). */
bool svc_bson_as_str(const struct svc_bson_elem *e, const uint8_t **s,
		     size_t *len);
/* An embedded document's or array's bytes (valid for svc_bson_iter_init). */
bool svc_bson_as_doc(const struct svc_bson_elem *e, const uint8_t **d,
		     size_t *len);

#endif
