/*
 * dynlib.c - portier_dynlib_load: dlopen a library on first use and look
 * up the functions its caller names (include/portier/dynlib.h says why).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#include "portier/dynlib.h"

/* dlerror's text lives only until the next dl call: copy it */
static void dl_reason(char *why, size_t len)
{
	const char *e = dlerror();

	portier_strlcpy(why, e ? e : "", len);
}

int portier_dynlib_load(struct portier_dynlib *lib, struct portier_err *err)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	char why[PORTIER_ERR_MSG_MAX] = "";
	void *h;
	size_t i;

	pthread_mutex_lock(&lock);
	if (lib->loaded) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	/* RTLD_LOCAL: its symbols serve only the pointers filled here; the
	 * handle stays open for the life of the process */
	h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		dl_reason(why, sizeof(why));
	for (i = 0; h && i < lib->n_syms; i++) {
		void *fn = dlsym(h, lib->syms[i].name);

		if (!fn) {
			dl_reason(why, sizeof(why));
			break;
		}
		*lib->syms[i].fn = fn;
	}
	if (h && i == lib->n_syms)
		lib->loaded = true;
	else if (h) {
		/* a library too old for the headers: use none of it */
		for (i = 0; i < lib->n_syms; i++)
			*lib->syms[i].fn = NULL;
		dlclose(h);
	}
	pthread_mutex_unlock(&lock);
	if (lib->loaded)
		return 0;
	portier_err_set(err, PORTIER_EIO, "%s needs %s (apt-get install %s)",
			lib->what, lib->soname, lib->package);
	portier_err_hint(err, "%s",
			 why[0] ? why : "the library could not be loaded");
	return PORTIER_EIO;
}
