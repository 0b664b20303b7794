/* lazylib: a shared library loaded at first use rather than at exec.
 *
 * Every library in the kiosk binary's link is mapped and relocated before
 * main() runs, including those whose packages are built with BIND_NOW
 * (SQLite resolves all its imports up front: about a million instructions
 * and 1.4 MB of mappings).  The welcome screen needs none of that, so such
 * a library is opened with dlopen() by the module that uses it, the first
 * time it is needed, and its functions are reached through pointers that
 * lazylib_load() fills in.  A missing library or symbol is an ordinary
 * error naming the package to install, not a crash. */
#ifndef KIOSK_LAZYLIB_H
#define KIOSK_LAZYLIB_H

#include "kerr.h"

/* One function: its name in the library and the pointer to fill (the
 * address of a function pointer, converted with LAZYLIB_SLOT). */
struct lazylib_sym {
	const char *name;
	void **slot;
};

/* The address of function pointer fp as a slot: POSIX guarantees that
 * dlsym()'s object pointer converts to a function pointer, which ISO C
 * spells through the pointer's bytes. */
#define LAZYLIB_SLOT(fp) ((void **)(void *)&(fp))

/* For a module that reaches library function f through a pointer named
 * lazy_f, with its functions listed as an X-macro FUNCS(X):
 *   FUNCS(LAZYLIB_PTR)       declares the pointers;
 *   { FUNCS(LAZYLIB_SYM) { NULL, NULL } }  is its lazylib_sym table;
 * then `#define f (*lazy_f)` lets the calls read as plain calls. */
#define LAZYLIB_PTR(f) static __typeof__(f) *lazy_##f;
#define LAZYLIB_SYM(f) { #f, LAZYLIB_SLOT(lazy_##f) },

struct lazylib {
	const char *soname;            /* e.g. "libsqlite3.so.0" */
	const char *package;           /* the Debian package that ships it */
	const struct lazylib_sym *syms;/* ends with { NULL, NULL } */
	void *handle;                  /* set once loaded */
};

/* Load l (once; later calls return K_OK at once) and fill every slot.
 * K_EIO naming the library, the symbol and the package on failure, with
 * no slot left half filled in use (the library stays unloaded). */
krc lazylib_load(struct lazylib *l, struct kerr *err);

#endif
