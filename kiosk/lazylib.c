/* lazylib: see lazylib.h. */
#define _GNU_SOURCE 1 /* RTLD_DEEPBIND */
#include "lazylib.h"

#include <dlfcn.h>
#include <stddef.h>

/* RTLD_DEEPBIND: the library's many references to its own functions
 * (SQLite: about 1,500, all bound at load) are found in the library first,
 * not after a miss in every object already loaded.  The sanitizers refuse
 * it (their malloc must be the one every library calls). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define LAZYLIB_BIND 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define LAZYLIB_BIND 0
#endif
#endif
#ifndef LAZYLIB_BIND
#define LAZYLIB_BIND RTLD_DEEPBIND
#endif

krc lazylib_load(struct lazylib *l, struct kerr *err)
{
	void *h;

	if (l->handle)
		return K_OK;
	h = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL | LAZYLIB_BIND);
	if (h == NULL)
		return kerr_set(err, K_EIO, "cannot load %s (install the %s package)", l->soname, l->package);
	for (const struct lazylib_sym *s = l->syms; s->name; s++) {
		*s->slot = dlsym(h, s->name);
		if (*s->slot == NULL) {
			dlclose(h);
			return kerr_set(err, K_EIO, "%s has no %s (install the %s package of this release)",
					l->soname, s->name, l->package);
		}
	}
	l->handle = h;
	return K_OK;
}
