/*
 * common.h - what every module of libportier shares: error reporting,
 * allocation and checked number parsing.
 *
 * Error convention: functions return int, 0 on success or a negative
 * PORTIER_E* code (PORTIER_E* values are negative errno numbers, so -errno
 * from a system call can be passed straight through).  Detail for a human
 * goes into an optional struct portier_err that the caller owns; passing
 * NULL is always allowed.  The library never prints and never exits.
 */
#ifndef PORTIER_COMMON_H
#define PORTIER_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PORTIER_API __attribute__((visibility("default")))

#define PORTIER_EINVAL (-EINVAL) /* bad input: the user's fault */
#define PORTIER_ENOMEM (-ENOMEM)
#define PORTIER_ENOENT (-ENOENT) /* no such thing (port, file, name) */
#define PORTIER_EPERM  (-EPERM)	 /* a privilege or capability is missing */
#define PORTIER_EIO    (-EIO)	 /* the system or the network failed */
#define PORTIER_EPROTO (-EPROTO) /* a peer sent something malformed */

#define PORTIER_ERR_MSG_MAX 512

/*
 * What went wrong, in words a user can act on.  msg is lower case without a
 * final period and quotes the bad value; hint (may be empty) says what would
 * be accepted.
 */
struct portier_err {
	int code;
	char msg[PORTIER_ERR_MSG_MAX];
	char hint[PORTIER_ERR_MSG_MAX];
};

/* Record code and a printf-style message in err (if non-NULL); returns code. */
PORTIER_API int portier_err_set(struct portier_err *err, int code,
				const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Add a hint line to err (if non-NULL). */
PORTIER_API void portier_err_hint(struct portier_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
PORTIER_API void portier_err_clear(struct portier_err *err);

/*
 * Allocation.  Every allocation in libportier goes through these so that a
 * test can make the Nth one fail (portier_alloc_fail_after) and check that
 * each caller copes.  They return NULL on failure like malloc; portier_free
 * of NULL is a no-op.
 */
PORTIER_API void *portier_malloc(size_t size);
PORTIER_API void *portier_calloc(size_t n, size_t size);
PORTIER_API void *portier_realloc(void *ptr, size_t size);
PORTIER_API char *portier_strdup(const char *s);
PORTIER_API char *portier_strndup(const char *s, size_t n);
PORTIER_API void portier_free(void *ptr);
/*
 * Grow the array *arrayp (a pointer to any element pointer) of *cap
 * elements of elem bytes so that it holds at least need: the capacity
 * doubles, starting at first.  Returns 0, or PORTIER_ENOMEM with the array
 * and *cap untouched when memory runs out or the size would overflow.
 */
PORTIER_API int portier_grow(void *arrayp, size_t *cap, size_t need,
			     size_t elem, size_t first);
/*
 * Test hook: after n more successful allocations, every allocation fails;
 * n < 0 switches failure injection off.  The one piece of mutable global
 * state in the library, and only tests touch it.
 */
PORTIER_API void portier_alloc_fail_after(long n);
/* The smallest power of two that is at least n and at least lo (a power of
 * two), but no more than hi (a power of two): the size of a hash table
 * indexed with & (size - 1). */
PORTIER_API size_t portier_pow2_size(size_t n, size_t lo, size_t hi);

/*
 * Parse all of s as an unsigned decimal number in [min, max].  Returns 0, or
 * PORTIER_EINVAL for an empty string, trailing junk, a sign or an overflow.
 */
PORTIER_API int portier_parse_ulong(const char *s, unsigned long min,
				    unsigned long max, unsigned long *out);

/*
 * Length in bytes of the valid UTF-8 sequence that starts s (RFC 3629
 * section 4: no overlong forms, no surrogates, nothing above U+10FFFF), or
 * 0 if s does not start one.  s is NUL-terminated; a NUL ends any sequence.
 * The code point goes to *cp when cp is not NULL.
 */
PORTIER_API size_t portier_utf8_len(const char *s, uint32_t *cp);

/* Copy src into dst of size n, always NUL-terminated; returns strlen(src). */
PORTIER_API size_t portier_strlcpy(char *dst, const char *src, size_t n);

/*
 * A token bucket: the ceiling on how often something may happen (probes
 * sent, alerts written).  Tokens accrue at rate per second up to burst;
 * each event takes one.  Time is whatever monotonic nanosecond count the
 * caller passes (portier_now_ns, a packet timestamp, a test's counter), so
 * the bucket reads no clock itself; a time earlier than the last one seen
 * adds nothing.  The caller owns the struct; nothing to free.
 */
struct portier_bucket {
	double rate;  /* tokens per second; <= 0 means unlimited */
	double burst; /* capacity, at least 1 */
	double tokens;
	uint64_t last_ns;
};

/* Start full (burst tokens) at now_ns; a burst below 1 counts as 1. */
PORTIER_API void portier_bucket_init(struct portier_bucket *b, double rate,
				     double burst, uint64_t now_ns);
/* Change the rate; the tokens already there stay. */
PORTIER_API void portier_bucket_set_rate(struct portier_bucket *b, double rate);
/* Take one token if there is one at now_ns; true on success. */
PORTIER_API bool portier_bucket_take(struct portier_bucket *b, uint64_t now_ns);
/* Nanoseconds from now_ns until a token is there (0 if one is). */
PORTIER_API uint64_t portier_bucket_wait_ns(struct portier_bucket *b,
					    uint64_t now_ns);

/*
 * Unicode code points that change how a terminal shows what follows: C1
 * controls U+0080..U+009F (U+009B is a CSI) and the bidirectional
 * embeddings, overrides and isolates U+202A..U+202E, U+2066..U+2069.
 */
PORTIER_API bool portier_text_is_display_control(uint32_t cp);

/* How portier_text_clean makes untrusted text safe. */
enum portier_text_mode {
	/*
	 * For a terminal: C0 controls, DEL and each byte that is not part of
	 * valid UTF-8 become \xNN (\x1b for ESC); C1 and bidirectional
	 * controls become \uNNNN (\u009b); everything else is kept.  At most
	 * 4 output bytes per input byte.
	 */
	PORTIER_TEXT_TERM,
	/*
	 * For one line of a file format (grepable output, an XML attribute):
	 * the same characters each become one '?'.
	 */
	PORTIER_TEXT_LINE,
	/*
	 * For a JSON string: each byte that is not part of valid UTF-8
	 * becomes U+FFFD (3 bytes); everything else is kept, since the JSON
	 * encoder escapes C0 controls itself (docs/json-local.md).
	 */
	PORTIER_TEXT_JSON,
};

/* The largest output portier_text_clean can make of n input bytes, + NUL. */
#define PORTIER_TEXT_MAX(n) (4 * (size_t)(n) + 1)

/*
 * Clean the NUL-terminated text src (a process name, a path, a name from
 * the network) for mode into dst of size cap.  dst is always
 * NUL-terminated when cap > 0; text that does not fit is cut before a
 * character or an escape, never inside one.  Returns the length of the
 * whole cleaned text (not counting the NUL), like snprintf: a result >= cap
 * means dst was cut.  src NULL counts as ""; dst may be NULL when cap is 0
 * (to learn the size to allocate).
 */
PORTIER_API size_t portier_text_clean(char *dst, size_t cap, const char *src,
				      enum portier_text_mode mode);

/*
 * In a NUL-terminated text of lines (/proc/PID/status, /proc/stat...): the
 * rest of the first line that starts with key, just past key; NULL if no
 * line does.  The first line counts like the others.
 */
PORTIER_API const char *portier_text_line(const char *text, const char *key);

#endif
