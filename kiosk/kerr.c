/* kerr: error codes and their one string table. */
#include "kerr.h"

#include <stdarg.h>
#include <stdio.h>

const char *krc_str(krc rc)
{
	switch (rc) {
	case K_OK: return "ok";
	case K_ENOMEM: return "out of memory";
	case K_EINVAL: return "invalid input";
	case K_EIO: return "input/output error";
	case K_ECONTENT: return "invalid content";
	case K_ECONFIG: return "invalid configuration";
	case K_ESTORE: return "database error";
	case K_ENET: return "network error";
	case K_EAUTH: return "not authorised";
	case K_ENOTFOUND: return "not found";
	case K_EBUSY: return "busy";
	}
	return "unknown error";
}

krc kerr_set(struct kerr *err, krc rc, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || err->msg[0] != '\0')
		return rc;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return rc;
}

void kerr_clear(struct kerr *err)
{
	if (err != NULL)
		err->msg[0] = '\0';
}
