/* kerr: the one error vocabulary of the kiosk.
 *
 * Every fallible function returns a krc and, on failure, writes a human
 * message into a caller-owned struct kerr.  The first message wins: a later
 * failure never overwrites the root cause.  Messages carry no newline and
 * never contain patient data. */
#ifndef KIOSK_KERR_H
#define KIOSK_KERR_H

typedef enum {
	K_OK = 0,
	K_ENOMEM,    /* out of memory */
	K_EINVAL,    /* bad argument or bad input */
	K_EIO,       /* file or terminal input/output failed */
	K_ECONTENT,  /* content folder is invalid */
	K_ECONFIG,   /* kiosk.conf is invalid */
	K_ESTORE,    /* database failed */
	K_ENET,      /* network or server failed */
	K_EAUTH,     /* credentials refused, PIN wrong or account locked */
	K_ENOTFOUND, /* no such item */
	K_EBUSY,     /* try again later */
} krc;

struct kerr {
	char msg[256];
};

/* A static string naming rc; never NULL. */
const char *krc_str(krc rc);

/* Format into err->msg unless a message is already there (first error
 * wins).  err may be NULL.  Returns rc so callers can `return kerr_set(...)`. */
krc kerr_set(struct kerr *err, krc rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Empty err->msg so it can be reused. */
void kerr_clear(struct kerr *err);

#endif
