/*
 * dynlib.h - shared libraries loaded when a command first needs them, not
 * when portier starts.
 *
 * A library a few commands use (libpq for the PostgreSQL store, libxml2 for
 * nmap XML, libcrypto for hashes...) costs every run of every command its
 * start-up work if it is linked: the dynamic loader maps it and all it
 * depends on and applies their relocations (libpq alone brings Kerberos,
 * LDAP and GnuTLS, megabytes of resident memory).  Such a library is
 * compiled against its -dev headers for the types, never linked; its
 * functions are called through pointers named sym_<function>, filled on
 * first use by portier_dynlib_load.
 *
 *   PORTIER_DLSYM_DECLARE(PQclear);            in the module's header
 *   PORTIER_DLSYM_DEFINE(PQclear);             in its loader file
 *   static const struct portier_dynsym syms[] = {PORTIER_DLSYM(PQclear)};
 *   static struct portier_dynlib pq = PORTIER_DYNLIB_INIT(
 *           "libpq.so.5", "PostgreSQL support", "libpq5", syms);
 *   rc = portier_dynlib_load(&pq, err);        before the first call
 *
 * The sym_ pointers are written once, under a lock, before anything reads
 * them, and never again: the process-wide state a dynamic loader has anyway.
 */
#ifndef PORTIER_DYNLIB_H
#define PORTIER_DYNLIB_H

#include "portier/common.h"

/* clang-format off */
#define PORTIER_DLSYM_DECLARE(f) extern __typeof__(f) *sym_##f
#define PORTIER_DLSYM_DEFINE(f)  __typeof__(f) *sym_##f
#define PORTIER_DLSYM(f)         {#f, (void **)&sym_##f}
/* The same for each name of an X-macro list: LIST(PORTIER_DLSYM_EACH_...) */
#define PORTIER_DLSYM_EACH_DECLARE(f) PORTIER_DLSYM_DECLARE(f);
#define PORTIER_DLSYM_EACH_DEFINE(f)  PORTIER_DLSYM_DEFINE(f);
#define PORTIER_DLSYM_EACH(f)         PORTIER_DLSYM(f),
/* clang-format on */

struct portier_dynsym {
	const char *name; /* the function's name in the library */
	void **fn;	  /* where its address goes */
};

struct portier_dynlib {
	const char *soname;  /* "libpq.so.5": the ABI the headers describe */
	const char *what;    /* "PostgreSQL support", for the error */
	const char *package; /* the Debian package that has it: "libpq5" */
	const struct portier_dynsym *syms;
	size_t n_syms;
	bool loaded; /* set by portier_dynlib_load */
};

/* A struct portier_dynlib for the array syms, not loaded yet. */
/* clang-format off */
#define PORTIER_DYNLIB_INIT(soname, what, package, syms) \
	{(soname), (what), (package), (syms), sizeof(syms) / sizeof((syms)[0]), false}
/* clang-format on */

/*
 * Load lib (the first call does the work; later ones return at once) and
 * fill every symbol's pointer.  Returns 0, or PORTIER_EIO with err saying
 * "<what> needs <soname> (apt-get install <package>)" and the loader's
 * reason in the hint; the pointers are then left unset.  Thread-safe.
 */
PORTIER_API int portier_dynlib_load(struct portier_dynlib *lib,
				    struct portier_err *err);

#endif
