/* kerr: error codes and their one string table. */
#include "kerr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ktext.h"

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

/* Messages name files, keys and values from outside (content, config, a
 * server), and they end up on a terminal or in a log: escaped here, once,
 * so no caller can forget. */
krc kerr_set(struct kerr *err, krc rc, const char *fmt, ...)
{
	char raw[1024];
	va_list ap;

	if (err == NULL || err->msg[0] != '\0')
		return rc;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof raw, fmt, ap);
	va_end(ap);
	ktext_escape(err->msg, sizeof err->msg, raw, strlen(raw));
	return rc;
}

void kerr_clear(struct kerr *err)
{
	if (err != NULL)
		err->msg[0] = '\0';
}
