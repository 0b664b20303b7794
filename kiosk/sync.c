/* sync: the outbox-to-FHIR-server delivery engine (see sync.h).
 *
 * Owns the libcurl multi handle and its request slots (sync.in_flight easy
 * handles sharing its connections), the credentials and the retry policy.
 * It must never turn TLS verification off, never follow a redirect to
 * anything but https, and never write a request or response body, nor any
 * text from the server, to the log: a server's error text can echo patient
 * data.  Only the record id, HTTP status and transport error are logged.
 *
 * Exactly-once: the kiosk assigns every resource id and the Bundle PUTs
 * them, so resending after a lost answer updates the same resources instead
 * of creating new ones.  A record is marked delivered only when
 * sync_answer_judge() says the server holds every entry as sent; anything
 * less is retried or kept for staff, never purged. */
#include "sync.h"

#include "fhir.h"
#include "ktext.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RESP_MAX (4L << 20)     /* larger answers are not a transaction-response */
#define RETRY_AFTER_MAX 86400   /* a day: anything longer is a server mistake */
#define IDLE_WAKE_MS 300000     /* re-check the queue at least every 5 minutes */
#define ACK_BATCH 64            /* deliveries recorded in one store transaction ... */
#define ACK_WINDOW 1            /* ... or those of at most about a second */
#define H1_CONNECTIONS 4        /* at most, to a server without HTTP/2 */

/* ---------------------------------------------------------------- pure parts */

int64_t sync_backoff(int failures, int64_t max, uint32_t rnd)
{
	int64_t cap = 1;

	if (max < 1)
		max = 1;
	for (int i = 0; i < failures && cap < max; i++)
		cap *= 2;
	if (cap > max)
		cap = max;
	return 1 + (int64_t)(rnd % (uint64_t)cap);
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static const char *skip_sp(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

static int parse_num(const char **s, int min_digits, int max_digits, int *out)
{
	int n = 0, v = 0;

	while (**s >= '0' && **s <= '9' && n < max_digits) {
		v = v * 10 + (**s - '0');
		(*s)++;
		n++;
	}
	if (n < min_digits)
		return -1;
	*out = v;
	return 0;
}

static int parse_month(const char **s, int *m)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int i = 0; i < 12; i++)
		if (strncmp(*s, months + 3 * i, 3) == 0) {
			*m = i + 1;
			*s += 3;
			return 0;
		}
	return -1;
}

static int parse_hms(const char **s, int *h, int *mi, int *se)
{
	if (parse_num(s, 2, 2, h) || *(*s)++ != ':' || parse_num(s, 2, 2, mi) ||
	    *(*s)++ != ':' || parse_num(s, 2, 2, se))
		return -1;
	return (*h > 23 || *mi > 59 || *se > 60) ? -1 : 0;
}

int sync_retry_after(const char *value, int64_t now, int64_t *wait)
{
	const char *s = skip_sp(value ? value : "");
	int y, m, d, h, mi, se;
	int64_t t;

	if (*s >= '0' && *s <= '9') {
		int64_t v = 0;

		while (*s >= '0' && *s <= '9') {
			if (v < 100000000)
				v = v * 10 + (*s - '0');
			s++;
		}
		if (*skip_sp(s) != '\0')
			return -1;
		*wait = v;
		return 0;
	}
	/* A day name first in all three HTTP date forms. */
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return -1;
	while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
		s++;
	if (*s == ',') {
		/* "Sun, 06 Nov 1994 08:49:37 GMT" or "Sunday, 06-Nov-94 08:49:37 GMT" */
		char sep;

		s = skip_sp(s + 1);
		if (parse_num(&s, 1, 2, &d))
			return -1;
		sep = *s++;
		if ((sep != ' ' && sep != '-') || parse_month(&s, &m) || *s++ != sep)
			return -1;
		if (sep == ' ') {
			if (parse_num(&s, 4, 4, &y))
				return -1;
		} else {
			if (parse_num(&s, 2, 2, &y))
				return -1;
			y += y < 70 ? 2000 : 1900;
		}
		s = skip_sp(s);
		if (parse_hms(&s, &h, &mi, &se))
			return -1;
		s = skip_sp(s);
		if (strncmp(s, "GMT", 3) != 0)
			return -1;
		s += 3;
	} else {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		s = skip_sp(s);
		if (parse_month(&s, &m))
			return -1;
		s = skip_sp(s);
		if (parse_num(&s, 1, 2, &d))
			return -1;
		s = skip_sp(s);
		if (parse_hms(&s, &h, &mi, &se))
			return -1;
		s = skip_sp(s);
		if (parse_num(&s, 4, 4, &y))
			return -1;
	}
	if (*skip_sp(s) != '\0' || d < 1 || d > 31)
		return -1;
	t = days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + se;
	*wait = t > now ? t - now : 0;
	return 0;
}

/* ---------------------------------------------------------------- delivery */

/* A record on its way: the stored item and the request it is at.  In
 * match mode a matchable Patient goes first alone (JOB_MATCH), and the
 * record follows once that answer names the Patient (JOB_RECORD). */
enum { JOB_RECORD = 0, JOB_MATCH };

struct job {
	struct store_outbox_item *it; /* owned; NULL: no record */
	char *body;                  /* owned: what goes on the wire (NULL: it->bundle) */
	int step;                    /* JOB_MATCH or JOB_RECORD */
	char key[512];               /* match mode: the Patient's search ("" none) */
};

/* One request slot: an easy handle of the multi handle, the answer it is
 * receiving, and the record it carries.  All slots share the multi
 * handle's connections: HTTP/2 streams on one connection when the server
 * speaks it, else up to H1_CONNECTIONS HTTP/1.1 connections. */
struct xfer {
	CURL *h;
	int busy;                    /* added to the multi handle */
	char errbuf[CURL_ERROR_SIZE];
	char *resp;
	size_t resp_len;
	int resp_over;
	const struct sync_ref *refs; /* what the request sends */
	size_t n_refs;
	struct sync_ref *own_refs;   /* refs when this slot owns them (a job's) */
	bool transaction;
	struct job job;
};

struct sync_ctx {
	store *st;
	CURLM *multi;
	struct xfer *xf;             /* sync.in_flight slots */
	int n_xf;
	struct curl_slist *hdrs;
	char *base;                  /* no trailing '/' */
	char db_path[PATH_MAX];
	char token_file[PATH_MAX];
	struct timespec token_mtime;
	int lock_fd;
	int64_t backoff_max;
	char patient[8];             /* sync.patient: match, create or none */
	int64_t retention;           /* seconds patient data stays after delivery */
	int64_t last_purge;
	int failures;                /* consecutive transient failures, any record */
	int was_paused;              /* we paused: say so when staff resume */
	int64_t hold_until;          /* no request before this (server trouble) */
	int64_t failing_since;       /* first failed request in a row, 0 if none */
	struct store_sync_state state; /* the sync state last written */
};

static void sync_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void sync_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("kiosk-sync: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static uint32_t rnd32(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
	return r;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct xfer *x = userp;
	size_t k = size * nmemb;
	char *p;

	/* A short count makes libcurl stop the transfer (CURLE_WRITE_ERROR):
	 * an answer this large is not a transaction-response, and reading on
	 * would let a server keep the sync busy for as long as it likes. */
	if (x->resp_over || x->resp_len + k > (size_t)RESP_MAX) {
		x->resp_over = 1;
		return 0;
	}
	p = realloc(x->resp, x->resp_len + k + 1);
	if (p == NULL) {
		x->resp_over = 1;
		return 0;
	}
	x->resp = p;
	memcpy(x->resp + x->resp_len, data, k);
	x->resp_len += k;
	x->resp[x->resp_len] = '\0';
	return k;
}

/* A secret file must be private to the sync user: group or world access
 * means someone else may have read it already.  sb: the file's stat, or
 * NULL to stat path. */
static krc check_private(const char *what, const char *path, const struct stat *sbp,
			 struct kerr *err)
{
	struct stat sb;

	if (sbp)
		sb = *sbp;
	else if (stat(path, &sb) != 0)
		return kerr_set(err, K_ECONFIG, "%s %s: %s", what, path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return kerr_set(err, K_ECONFIG, "%s %s is not a regular file", what, path);
	if (sb.st_mode & (S_IRWXG | S_IRWXO))
		return kerr_set(err, K_ECONFIG,
				"%s %s is accessible by group or others (mode %03o); run: chmod 600 %s",
				what, path, (unsigned)(sb.st_mode & 0777), path);
	return K_OK;
}

static krc check_readable(const char *what, const char *path, struct kerr *err)
{
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return kerr_set(err, K_ECONFIG, "%s %s: %s", what, path, strerror(errno));
	fclose(f);
	return K_OK;
}

/* (Re)build the request headers, reading the token again when its file
 * changed, so a rotated token is used without a restart. */
static krc load_headers(sync_ctx *sy, struct kerr *err)
{
	struct curl_slist *h = NULL, *t;
	struct stat sb;
	char *tok = NULL, *auth = NULL;
	size_t cap = 8192, len;
	krc rc = K_OK;

	if (sy->token_file[0]) {
		FILE *f;

		if (stat(sy->token_file, &sb) != 0)
			return kerr_set(err, K_ECONFIG, "token file %s: %s", sy->token_file, strerror(errno));
		if (sy->hdrs && sb.st_mtim.tv_sec == sy->token_mtime.tv_sec &&
		    sb.st_mtim.tv_nsec == sy->token_mtime.tv_nsec)
			return K_OK;
		f = fopen(sy->token_file, "r");
		if (f == NULL)
			return kerr_set(err, K_ECONFIG, "token file %s: %s", sy->token_file, strerror(errno));
		/* Check the file we opened, not the name: no window to swap it. */
		if (fstat(fileno(f), &sb) != 0) {
			fclose(f);
			return kerr_set(err, K_ECONFIG, "token file %s: %s", sy->token_file, strerror(errno));
		}
		rc = check_private("token file", sy->token_file, &sb, err);
		if (rc) {
			fclose(f);
			return rc;
		}
		tok = calloc(1, cap);
		len = tok ? fread(tok, 1, cap - 1, f) : 0;
		fclose(f);
		if (tok == NULL)
			return kerr_set(err, K_ENOMEM, "out of memory");
		while (len > 0 && (tok[len - 1] == '\n' || tok[len - 1] == '\r' || tok[len - 1] == ' ' ||
				   tok[len - 1] == '\t'))
			tok[--len] = '\0';
		if (len == 0 || len >= cap - 2) {
			rc = kerr_set(err, K_ECONFIG, "token file %s is empty or too long", sy->token_file);
			goto out;
		}
		/* RFC 6750 b64token characters only: no header injection. */
		for (size_t i = 0; i < len; i++)
			if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=",
				    tok[i])) {
				rc = kerr_set(err, K_ECONFIG,
					      "token file %s holds a character a bearer token cannot have",
					      sy->token_file);
				goto out;
			}
		sy->token_mtime = sb.st_mtim;
		auth = malloc(len + 32);
		if (auth == NULL) {
			rc = kerr_set(err, K_ENOMEM, "out of memory");
			goto out;
		}
		snprintf(auth, len + 32, "Authorization: Bearer %s", tok);
	} else if (sy->hdrs) {
		return K_OK;
	}
	{
		const char *lines[] = { "Content-Type: application/fhir+json; charset=utf-8",
					"Accept: application/fhir+json", "Expect:", auth };

		for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
			if (lines[i] == NULL)
				continue;
			t = curl_slist_append(h, lines[i]);
			if (t == NULL) {
				rc = kerr_set(err, K_ENOMEM, "out of memory");
				goto out;
			}
			h = t;
		}
	}
	/* Only between drains: no slot is in flight here. */
	for (int i = 0; i < sy->n_xf; i++)
		if (curl_easy_setopt(sy->xf[i].h, CURLOPT_HTTPHEADER, h) != CURLE_OK) {
			rc = kerr_set(err, K_ENET, "libcurl refused the request headers");
			goto out;
		}
	curl_slist_free_all(sy->hdrs);
	sy->hdrs = h;
	h = NULL;
out:
	/* The bearer token: sodium_memzero, which the compiler may not drop
	 * as it may a memset before free. */
	if (tok) {
		sodium_memzero(tok, cap);
		free(tok);
	}
	if (auth) {
		sodium_memzero(auth, strlen(auth));
		free(auth);
	}
	curl_slist_free_all(h);
	return rc;
}

/* Every transfer option in one place.  There is deliberately no option to
 * skip verification: a kiosk that talks to the wrong server leaks PHI. */
static krc setup_handle(struct xfer *x, const config *cfg, const char *ca, const char *cert,
			const char *key, int first, struct kerr *err)
{
	long ct = config_int(cfg, "sync.connect_timeout");
	long to = config_int(cfg, "sync.timeout");
	const char *pin = config_str(cfg, "sync.pinned_pubkey");
	const char *proxy = config_str(cfg, "sync.proxy");
	CURLcode c = CURLE_OK;

#define SETOPT(opt, val)                                        \
	do {                                                    \
		if (c == CURLE_OK)                              \
			c = curl_easy_setopt(x->h, opt, val);   \
	} while (0)
	SETOPT(CURLOPT_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (*ca)
		SETOPT(CURLOPT_CAINFO, ca);
	if (*pin)
		SETOPT(CURLOPT_PINNEDPUBLICKEY, pin);
	if (*cert) {
		SETOPT(CURLOPT_SSLCERT, cert);
		SETOPT(CURLOPT_SSLKEY, key);
	}
	/* Only the proxy kiosk.conf names: libcurl would otherwise take one
	 * from https_proxy/ALL_PROXY in the environment and send the CONNECT,
	 * and so the server's name and our traffic, through whatever host that
	 * names.  "" turns every proxy off; NOPROXY "" keeps a no_proxy
	 * variable from bypassing the proxy kiosk.conf names. */
	SETOPT(CURLOPT_PROXY, proxy);
	SETOPT(CURLOPT_NOPROXY, "");
	SETOPT(CURLOPT_CONNECTTIMEOUT, ct);
	SETOPT(CURLOPT_TIMEOUT, to);
	/* A stalled server (less than 1 byte/s) is given up on before the
	 * total timeout when that is long. */
	SETOPT(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SETOPT(CURLOPT_LOW_SPEED_TIME, to < 30 ? to : 30L);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
	/* An answer announced larger than the cap is refused before its body
	 * (on_body stops one that does not announce its length). */
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)RESP_MAX);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, (void *)x);
	SETOPT(CURLOPT_ERRORBUFFER, x->errbuf);
	SETOPT(CURLOPT_PRIVATE, (void *)x);
	SETOPT(CURLOPT_USERAGENT, "kiosk-sync/1");
	/* Wait for the first connection to say whether it multiplexes
	 * (HTTP/2) rather than opening one per slot at once. */
	SETOPT(CURLOPT_PIPEWAIT, 1L);
#undef SETOPT
	if (c != CURLE_OK)
		return kerr_set(err, K_ECONFIG, "libcurl: %s", curl_easy_strerror(c));
	/* HTTP/2 when the server offers it (ALPN), else HTTP/1.1 keep-alive;
	 * a libcurl built without HTTP/2 refuses the option, which is fine. */
	if (curl_easy_setopt(x->h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS) != CURLE_OK &&
	    first)
		sync_log("note: this libcurl has no HTTP/2; using HTTP/1.1");
	return K_OK;
}

/* Transport errors that no retry will fix: the configuration is wrong. */
static int curl_config_error(CURLcode c)
{
	switch (c) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_UNKNOWN_OPTION:
		return 1;
	default:
		return 0;
	}
}

static int curl_tls_refused(CURLcode c)
{
	return c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_PINNEDPUBKEYNOTMATCH ||
	       c == CURLE_SSL_CONNECT_ERROR || c == CURLE_SSL_INVALIDCERTSTATUS;
}

/* The result of one request. */
struct attempt {
	enum sync_class cls;
	long status;
	int64_t retry_after;         /* -1: none */
	char why[160];               /* for the log: PHI-free, no server text */
	char reason[256];            /* for the store (staff): no free server text */
	char location[256];          /* delivered: checked Type/id/_history/v list */
};

/* Start sending body (len bytes, borrowed until the transfer ends) with
 * method to url on slot x: the transfer runs in the multi handle from
 * here.  A libcurl refusal comes back as its CURLcode, to be judged as a
 * transport error. */
static CURLcode xfer_send(sync_ctx *sy, struct xfer *x, const char *method, const char *url,
			  const char *body, size_t len)
{
	CURLcode c;

	x->resp_len = 0;
	x->resp_over = 0;
	x->errbuf[0] = '\0';
	c = curl_easy_setopt(x->h, CURLOPT_URL, url);
	if (c == CURLE_OK)
		c = curl_easy_setopt(x->h, CURLOPT_CUSTOMREQUEST, strcmp(method, "POST") ? method : NULL);
	if (c == CURLE_OK)
		c = curl_easy_setopt(x->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	if (c == CURLE_OK)
		c = curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, body);
	if (c == CURLE_OK) {
		if (curl_multi_add_handle(sy->multi, x->h) != CURLM_OK)
			return CURLE_FAILED_INIT;
		x->busy = 1;
	}
	return c;
}

/* Take slot x out of the multi handle (its answer stays readable). */
static void xfer_end(sync_ctx *sy, struct xfer *x)
{
	if (x->busy && curl_multi_remove_handle(sy->multi, x->h) != CURLM_OK)
		sync_log("note: libcurl could not end a request");
	x->busy = 0;
}

/* Run the transfers in flight until one ends: *done is its slot and *res
 * its result.  Each transfer ends by itself (sync.timeout), so this
 * returns.  K_ENET when libcurl's multi interface fails. */
static krc next_done(sync_ctx *sy, struct xfer **done, CURLcode *res, struct kerr *err)
{
	for (;;) {
		int running = 0, left;
		CURLMsg *m;
		CURLMcode mc = curl_multi_perform(sy->multi, &running);

		if (mc != CURLM_OK)
			return kerr_set(err, K_ENET, "libcurl: %s", curl_multi_strerror(mc));
		while ((m = curl_multi_info_read(sy->multi, &left)) != NULL) {
			char *p = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			if (curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p) != CURLE_OK || p == NULL)
				return kerr_set(err, K_ENET, "libcurl: a finished request has no slot");
			*done = (struct xfer *)(void *)p;
			*res = m->data.result;
			return K_OK;
		}
		if (running == 0)
			return kerr_set(err, K_ENET, "libcurl: no transfer in flight");
		mc = curl_multi_poll(sy->multi, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK)
			return kerr_set(err, K_ENET, "libcurl: %s", curl_multi_strerror(mc));
	}
}

/* Judge the answer slot x received (or its transport error c) against
 * x->refs (sync_answer.h).  Returns K_ECONFIG for transport errors that
 * only a config change fixes. */
static krc xfer_judge(struct xfer *x, CURLcode c, struct attempt *a, struct kerr *err)
{
	struct curl_header *hh;
	struct sync_verdict v;

	memset(a, 0, sizeof *a);
	a->retry_after = -1;
	if ((c == CURLE_WRITE_ERROR && x->resp_over) || c == CURLE_FILESIZE_EXCEEDED) {
		/* Stopped on purpose: the answer is larger than we read.  Judge
		 * it as cut (never delivered), not as a network failure. */
		x->resp_over = 1;
		c = CURLE_OK;
	}
	if (c != CURLE_OK) {
		/* libcurl keeps the first error of a transfer in errbuf (e.g. a
		 * reset on a reused connection before its own retry timed out),
		 * so name the final result too. */
		const char *detail = x->errbuf[0] ? x->errbuf : curl_easy_strerror(c);
		char text[sizeof a->why];

		a->cls = SYNC_RETRY;
		if (curl_tls_refused(c))
			snprintf(text, sizeof text, "server certificate refused: %.120s", detail);
		else if (c == CURLE_OPERATION_TIMEDOUT && !strstr(detail, "timed out"))
			snprintf(text, sizeof text, "timed out (after: %.120s)", detail);
		else
			snprintf(text, sizeof text, "%.150s", detail);
		/* libcurl's words, but they can carry a host or proxy name:
		 * nothing that moves a terminal cursor goes to the log or store. */
		ktext_clean(a->why, sizeof a->why, text);
		snprintf(a->reason, sizeof a->reason, "%s", a->why);
		if (curl_config_error(c))
			return kerr_set(err, K_ECONFIG, "%s", a->why);
		return K_OK;
	}
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &a->status);
	if (curl_easy_header(x->h, "Retry-After", 0, CURLH_HEADER, -1, &hh) == CURLHE_OK &&
	    sync_retry_after(hh->value, (int64_t)time(NULL), &a->retry_after) == 0 &&
	    a->retry_after > RETRY_AFTER_MAX)
		a->retry_after = RETRY_AFTER_MAX;
	sync_answer_judge(a->status, x->resp, x->resp_len, x->resp_over != 0, x->refs, x->n_refs,
			  x->transaction, &v);
	a->cls = v.cls;
	snprintf(a->why, sizeof a->why, "%s", v.why);
	snprintf(a->reason, sizeof a->reason, "%s", v.summary);
	snprintf(a->location, sizeof a->location, "%s", v.locations);
	return K_OK;
}

/* Send body with method to url on the first slot, nothing else in flight,
 * and judge the answer: refs (n) name what body sends; transaction: body
 * is a transaction Bundle, else one resource PUT.  Returns K_ECONFIG for
 * transport errors that only a config change fixes. */
static krc attempt(sync_ctx *sy, const char *method, const char *url, const char *body,
		   size_t len, const struct sync_ref *refs, size_t n, bool transaction,
		   struct attempt *a, struct kerr *err)
{
	struct xfer *x = &sy->xf[0], *done = NULL;
	CURLcode c;
	krc rc = K_OK;

	memset(a, 0, sizeof *a);
	x->refs = refs;
	x->n_refs = n;
	x->transaction = transaction;
	c = xfer_send(sy, x, method, url, body, len);
	while (c == CURLE_OK && rc == K_OK && done != x)
		rc = next_done(sy, &done, &c, err);
	if (rc == K_OK)
		rc = xfer_judge(x, c, a, err);
	xfer_end(sy, x);
	x->refs = NULL;
	x->n_refs = 0;
	return rc;
}

static krc audit(sync_ctx *sy, const char *action, const char *detail, struct kerr *err)
{
	return store_audit(sy->st, (int64_t)time(NULL), "sync", action, detail, err);
}

static krc pause_for_auth(sync_ctx *sy, const char *what, const struct attempt *a,
			  struct sync_report *rep, struct kerr *err)
{
	char reason[128];
	krc rc;

	snprintf(reason, sizeof reason, "server refused the credentials (%ld)", a->status);
	rep->auth = 1;
	sy->was_paused = 1;
	sync_log("%s: %s; delivery paused until staff resume it (staff screen, "
		 "kiosk-sync --retry-failed or a restart)", what, reason);
	rc = store_meta_set(sy->st, "sync.paused", reason, err);
	if (rc == K_OK)
		rc = audit(sy, "sync.paused", reason, err);
	return rc;
}

/* Record what this request came to for staff and kiosk status
 * (store_sync_state): its class, the PHI-free summary, since when requests
 * fail and when the next one goes.  next: 0 unless a retry is planned. */
static krc note_state(sync_ctx *sy, const struct attempt *a, int64_t now, int64_t next,
		      struct kerr *err)
{
	static const char *const names[] = { [SYNC_DELIVERED] = "delivered", [SYNC_RETRY] = "retry",
					     [SYNC_PERMANENT] = "refused", [SYNC_AUTH] = "auth" };
	struct store_sync_state ss;
	bool failing = a->cls == SYNC_RETRY || a->cls == SYNC_AUTH;

	memset(&ss, 0, sizeof ss);
	ss.last_attempt = now;
	snprintf(ss.result, sizeof ss.result, "%s", names[a->cls]);
	ktext_clean(ss.detail, sizeof ss.detail, a->reason);
	if (!failing)
		sy->failing_since = 0;
	else if (sy->failing_since == 0)
		sy->failing_since = now;
	ss.failing_since = sy->failing_since;
	ss.next_try = failing ? next : 0;
	/* A backlog delivered within one second writes the same row again
	 * and again: one write (and fsync) per change is enough. */
	if (memcmp(&ss, &sy->state, sizeof ss) == 0)
		return K_OK;
	sy->state = ss;
	return store_sync_state_set(sy->st, &ss, err);
}

/* A transient failure: the record (or the questionnaire) waits its own
 * backoff, and the whole process holds off the server for the shorter
 * shared backoff, so a server that is down sees one request per wait, not
 * one per queued record. */
static int64_t note_transient(sync_ctx *sy, int attempts, const struct attempt *a, int64_t now)
{
	int64_t own = sync_backoff(attempts, sy->backoff_max, rnd32());
	int64_t hold;

	sy->failures++;
	hold = sync_backoff(sy->failures, sy->backoff_max, rnd32());
	if (hold > own)
		hold = own;
	if (a->retry_after >= 0) {
		if (own < a->retry_after)
			own = a->retry_after;
		if (hold < a->retry_after)
			hold = a->retry_after;
	}
	sy->hold_until = now + hold;
	return own;
}

/* Clear "questionnaire.pending" unless the kiosk replaced it meanwhile. */
static krc clear_pending(sync_ctx *sy, const char *sent, struct kerr *err)
{
	char *now_pending = NULL;
	krc rc = store_meta_get(sy->st, "questionnaire.pending", &now_pending, err);

	if (rc == K_OK && now_pending && strcmp(now_pending, sent) == 0)
		rc = store_meta_set(sy->st, "questionnaire.pending", NULL, err);
	free(now_pending);
	return rc;
}

/* The Questionnaire's id: its "id", else the last segment of its canonical
 * "url" (kiosk export-fhir writes no id).  Returns -1 when neither gives a
 * valid FHIR id with a letter or digit: "." or ".." would let libcurl
 * normalise the PUT onto the server's base URL. */
static int questionnaire_id(const char *q, size_t len, char *id, size_t n)
{
	char canon[512];
	const char *slash;

	if (sync_json_string(q, len, "id", id, n) == 0)
		return fhir_id_ok(id) ? 0 : -1;
	if (sync_json_string(q, len, "url", canon, sizeof canon) ||
	    (slash = strrchr(canon, '/')) == NULL || strlen(slash + 1) >= n)
		return -1;
	strcpy(id, slash + 1);
	return fhir_id_ok(id) ? 0 : -1;
}

/* q with "id" added as its first member when it has none: a FHIR update
 * (PUT Questionnaire/<id>) must carry the id of its url. */
static char *with_id(const char *q, size_t len, const char *id)
{
	char tmp[80], *out;
	const char *brace = strchr(q, '{'), *p;
	size_t head;

	if (sync_json_string(q, len, "id", tmp, sizeof tmp) == 0)
		return strdup(q);
	if (brace == NULL)
		return NULL;
	head = (size_t)(brace - q) + 1;
	for (p = brace + 1; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++)
		;
	out = malloc(len + strlen(id) + 16);
	if (out == NULL)
		return NULL;
	sprintf(out, "%.*s\"id\":\"%s\"%s%s", (int)head, q, id, *p == '}' ? "" : ",", q + head);
	return out;
}

static krc send_questionnaire(sync_ctx *sy, struct sync_report *rep, struct kerr *err)
{
	char *q = NULL, *url = NULL, *body = NULL, id[80], ver[128], rt[64];
	struct sync_ref ref;
	struct attempt a;
	size_t len;
	int64_t now = (int64_t)time(NULL);
	krc rc;

	rc = store_meta_get(sy->st, "questionnaire.pending", &q, err);
	if (rc || q == NULL || *q == '\0')
		goto out;
	len = strlen(q);
	if (sync_json_string(q, len, "resourceType", rt, sizeof rt) || strcmp(rt, "Questionnaire") ||
	    questionnaire_id(q, len, id, sizeof id)) {
		sync_log("questionnaire.pending is not a Questionnaire with a valid id; not uploaded");
		rc = store_meta_set(sy->st, "questionnaire.failed",
				    "not a FHIR Questionnaire with a valid id", err);
		if (rc == K_OK)
			rc = clear_pending(sy, q, err);
		goto out;
	}
	if (sync_json_string(q, len, "version", ver, sizeof ver))
		snprintf(ver, sizeof ver, "%s", id);
	url = malloc(strlen(sy->base) + strlen(id) + 32);
	body = with_id(q, len, id);
	if (url == NULL || body == NULL) {
		rc = kerr_set(err, K_ENOMEM, "out of memory");
		goto out;
	}
	sprintf(url, "%s/Questionnaire/%s", sy->base, id);
	snprintf(ref.type, sizeof ref.type, "Questionnaire");
	snprintf(ref.id, sizeof ref.id, "%.64s", id);
	rc = attempt(sy, "PUT", url, body, strlen(body), &ref, 1, false, &a, err);
	if (rc)
		goto out;
	switch (a.cls) {
	case SYNC_DELIVERED:
		sy->failures = 0;
		sync_log("questionnaire %s version %s: uploaded (%s)", id, ver, a.why);
		rc = store_meta_set(sy->st, "questionnaire.uploaded", ver, err);
		if (rc == K_OK)
			rc = store_meta_set(sy->st, "questionnaire.failed", NULL, err);
		if (rc == K_OK)
			rc = clear_pending(sy, q, err);
		if (rc == K_OK)
			rc = audit(sy, "questionnaire.uploaded", ver, err);
		if (rc == K_OK)
			rc = note_state(sy, &a, now, 0, err);
		break;
	case SYNC_PERMANENT:
		sy->failures = 0;
		rep->failed++;
		sync_log("questionnaire %s version %s: refused by the server (%s); not retried",
			 id, ver, a.why);
		rc = store_meta_set(sy->st, "questionnaire.failed", a.reason, err);
		if (rc == K_OK)
			rc = clear_pending(sy, q, err);
		if (rc == K_OK)
			rc = audit(sy, "questionnaire.failed", a.why, err);
		if (rc == K_OK)
			rc = note_state(sy, &a, now, 0, err);
		break;
	case SYNC_AUTH:
		rc = pause_for_auth(sy, "questionnaire", &a, rep, err);
		if (rc == K_OK)
			rc = note_state(sy, &a, now, 0, err);
		break;
	case SYNC_RETRY:
		rep->retry++;
		now = (int64_t)time(NULL); /* the hold counts from the answer, as for records */
		note_transient(sy, sy->failures + 1, &a, now);
		sync_log("questionnaire %s: %s; next try in %llds", id, a.why,
			 (long long)(sy->hold_until - now));
		rc = note_state(sy, &a, now, sy->hold_until, err);
		break;
	}
out:
	free(body);
	free(url);
	free(q);
	return rc;
}

/* K_EINVAL from the store: the record is no longer waiting (staff acted
 * on it meanwhile).  Not a reason to stop delivering the others. */
static krc changed_meanwhile(const char *id, krc rc, struct kerr *err)
{
	if (rc != K_EINVAL)
		return rc;
	sync_log("record %s: changed meanwhile (%s); left as it is", id, err ? err->msg : "");
	kerr_clear(err);
	return K_OK;
}

/* ---------------------------------------------------------------- records */

static void job_clear(struct job *j)
{
	store_outbox_item_free(j->it);
	free(j->body);
	j->it = NULL;
	j->body = NULL;
	j->step = JOB_RECORD;
	j->key[0] = '\0';
}

/* Make j's next request the record itself in form (sync.patient,
 * fhir_bundle_form; ref: the Patient for FHIR_FORM_LINKED, else "").
 * why: for FHIR_FORM_UNMATCHED, why the Patient is not linked (log). */
static krc job_form(sync_ctx *sy, struct job *j, enum fhir_form form, const char *ref,
		    const char *why, struct kerr *err)
{
	struct kerr e = { "" };
	char *body = NULL;
	krc rc;

	free(j->body);
	j->body = NULL;
	j->step = JOB_RECORD;
	if (form == FHIR_FORM_UNMATCHED)
		sync_log("record %s: patient not matched (%s); sent without a Patient link, "
			 "flagged for staff", j->it->id, why);
	rc = fhir_bundle_form(j->it->bundle, form, ref, &body, &e);
	if (rc == K_EINVAL || rc == K_ENOTFOUND) {
		/* Not a record this kiosk wrote: the server judges it as queued. */
		free(body);
		sync_log("record %s: %s; sent as queued", j->it->id, e.msg);
		return K_OK;
	}
	if (rc != K_OK)
		return kerr_set(err, rc, "%s", e.msg);
	j->body = body;
	if (form == FHIR_FORM_UNMATCHED)
		rc = audit(sy, "record.unmatched", j->it->id, err);
	return rc;
}

/* The first request for a record just read from the outbox, as this
 * server gets it under sync.patient (fhir_bundle_form).  In match mode the
 * Patient goes first, alone (JOB_MATCH), and j->key is its search. */
static krc job_prepare(sync_ctx *sy, struct job *j, struct kerr *err)
{
	enum fhir_patient_entry pe;
	struct kerr e = { "" };
	char *match = NULL;
	krc rc;

	j->step = JOB_RECORD;
	if (fhir_bundle_patient(j->it->bundle, &pe, &e) != K_OK || pe == FHIR_PE_NONE)
		return K_OK;
	if (!strcmp(sy->patient, "create"))
		return job_form(sy, j, FHIR_FORM_CREATE, "", "", err);
	if (!strcmp(sy->patient, "none"))
		return job_form(sy, j, FHIR_FORM_NONE, "", "", err);
	if (pe != FHIR_PE_MATCHABLE)
		return job_form(sy, j, FHIR_FORM_UNMATCHED, "", "name or date of birth incomplete", err);
	rc = fhir_bundle_form(j->it->bundle, FHIR_FORM_MATCH, NULL, &match, &e);
	if (rc == K_EINVAL || rc == K_ENOTFOUND) {
		/* As below: one record the kiosk did not write must not
		 * stop the ones after it. */
		free(match);
		sync_log("record %s: %s; sent as queued", j->it->id, e.msg);
		return K_OK;
	}
	if (rc != K_OK)
		return kerr_set(err, rc, "%s", e.msg);
	j->body = match;
	j->step = JOB_MATCH;
	/* The person's key: two intakes of one person never have their
	 * conditional creates in flight together (that could make two
	 * Patients).  Without a search to compare, "*" waits for every
	 * other match. */
	if (sync_json_string(match, strlen(match), "entry[].request.ifNoneExist", j->key,
			     sizeof j->key) != 0 || j->key[0] == '\0')
		snprintf(j->key, sizeof j->key, "*");
	return K_OK;
}

/* True when a record of the person key names is in a slot. */
static int key_busy(const sync_ctx *sy, const char *key)
{
	if (*key == '\0')
		return 0;
	for (int i = 0; i < sy->n_xf; i++) {
		const char *k = sy->xf[i].job.key;

		if (sy->xf[i].job.it && *k && (!strcmp(k, key) || *k == '*' || *key == '*'))
			return 1;
	}
	return 0;
}

/* Send the request of the record in slot x (x->job).  A Bundle whose
 * entries cannot be checked (not PUT Type/id, nor a conditional create)
 * is never sent: it is refused here as the server would never be able to
 * prove it stored it.  *decided: *a already holds the outcome (that, or
 * libcurl refused to start the request). */
static krc job_send(sync_ctx *sy, struct xfer *x, struct attempt *a, int *decided,
		    struct kerr *err)
{
	const char *body = x->job.body ? x->job.body : x->job.it->bundle;
	struct kerr why = { "" };
	CURLcode c;
	krc rc;

	*decided = 0;
	free(x->own_refs);
	x->own_refs = NULL;
	x->refs = NULL;
	x->n_refs = 0;
	rc = sync_bundle_refs(body, strlen(body), &x->own_refs, &x->n_refs, &why);
	if (rc == K_EINVAL) {
		memset(a, 0, sizeof *a);
		a->cls = SYNC_PERMANENT;
		snprintf(a->why, sizeof a->why, "not sent: %.140s", why.msg);
		snprintf(a->reason, sizeof a->reason, "%s", a->why);
		*decided = 1;
		return K_OK;
	}
	if (rc)
		return kerr_set(err, rc, "%s", why.msg);
	x->refs = x->own_refs;
	x->transaction = true;
	c = xfer_send(sy, x, "POST", sy->base, body, strlen(body));
	if (c == CURLE_OK)
		return K_OK;
	xfer_end(sy, x);
	*decided = 1;
	return xfer_judge(x, c, a, err);
}

/* Slot x's request ended with c: judge it.  After the Patient alone
 * (match mode), send the record itself: linked to the Patient the answer
 * names, or after a 412 ("several match") without a Patient link and with
 * a flag for staff, so an ambiguous match is delivered, never lost and
 * never retried for ever.  Any other answer decides the record.
 * *decided: *a is the record's outcome. */
static krc job_answer(sync_ctx *sy, struct xfer *x, CURLcode c, struct attempt *a, int *decided,
		      struct kerr *err)
{
	char ref[96];
	size_t n;
	krc rc = xfer_judge(x, c, a, err);

	xfer_end(sy, x);
	*decided = 1;
	if (rc != K_OK || x->job.step != JOB_MATCH)
		return rc;
	if (a->cls == SYNC_DELIVERED) {
		/* "Patient/<id>[/_history/<v>]": the Patient to link. */
		n = strcspn(a->location, "/");
		if (!strncmp(a->location, "Patient/", 8))
			n += 1 + strcspn(a->location + n + 1, "/?");
		if (strncmp(a->location, "Patient/", 8) || n <= 8 || n >= sizeof ref) {
			a->cls = SYNC_RETRY;
			snprintf(a->why, sizeof a->why, "HTTP %ld but the answer names no Patient",
				 a->status);
			snprintf(a->reason, sizeof a->reason, "%s", a->why);
			return K_OK;
		}
		memcpy(ref, a->location, n);
		ref[n] = '\0';
		rc = job_form(sy, &x->job, FHIR_FORM_LINKED, ref, "", err);
	} else if (a->status == 412) {
		rc = job_form(sy, &x->job, FHIR_FORM_UNMATCHED, "", "several match", err);
	} else {
		return K_OK;
	}
	if (rc == K_OK)
		rc = job_send(sy, x, a, decided, err);
	return rc;
}

/* Deliveries the server confirmed (sync_answer_judge said every entry is
 * held as sent) that the store has not recorded yet: recorded together,
 * in one transaction, by acks_flush.  Until then the records stay queued;
 * if the process dies first they are sent again, which the
 * kiosk-assigned ids make harmless (see the top of this file). */
struct acks {
	int n;
	int64_t since;               /* when the first was confirmed */
	struct attempt last;         /* the last confirmation, for the sync state */
	char id[ACK_BATCH][STORE_ID_LEN];
	char location[ACK_BATCH][sizeof ((struct attempt *)0)->location];
};

static krc acks_flush(sync_ctx *sy, struct acks *k, struct sync_report *rep, struct kerr *err)
{
	struct store_delivery v[ACK_BATCH];
	int64_t now = (int64_t)time(NULL);
	krc rc;

	if (k->n == 0)
		return K_OK;
	for (int i = 0; i < k->n; i++) {
		v[i].id = k->id[i];
		v[i].location = k->location[i];
	}
	rc = store_outbox_delivered_batch(sy->st, v, k->n, now, err);
	if (rc == K_OK) {
		rep->delivered += k->n;
		rc = note_state(sy, &k->last, now, 0, err);
	}
	k->n = 0;
	return rc;
}

/* What the answer a means for the record it: a delivery waits in acks
 * for acks_flush; anything else is written on its own, after the
 * deliveries confirmed before it. */
static krc record_outcome(sync_ctx *sy, const struct store_outbox_item *it, const struct attempt *a,
			  struct acks *acks, struct sync_report *rep, struct kerr *err)
{
	int64_t now = (int64_t)time(NULL), wait;
	krc rc;

	if (a->cls == SYNC_DELIVERED) {
		sy->failures = 0;
		sync_log("record %s: delivered (%s, try %d)", it->id, a->why, it->attempts + 1);
		if (acks->n == 0)
			acks->since = now;
		memcpy(acks->id[acks->n], it->id, STORE_ID_LEN);
		snprintf(acks->location[acks->n], sizeof acks->location[0], "%s", a->location);
		acks->last = *a;
		if (++acks->n == ACK_BATCH || now - acks->since >= ACK_WINDOW)
			return acks_flush(sy, acks, rep, err);
		return K_OK;
	}
	if ((rc = acks_flush(sy, acks, rep, err)) != K_OK)
		return rc;
	switch (a->cls) {
	case SYNC_DELIVERED:
		break;
	case SYNC_PERMANENT:
		sy->failures = 0;
		rep->failed++;
		/* The server's text stays in the store for staff; it is not
		 * logged because it may quote the record. */
		sync_log("record %s: refused by the server (%s); kept as failed, see kiosk status",
			 it->id, a->why);
		rc = store_outbox_failed(sy->st, it->id, a->reason, err);
		rc = changed_meanwhile(it->id, rc, err);
		if (rc == K_OK)
			rc = note_state(sy, a, now, 0, err);
		break;
	case SYNC_AUTH: {
		char what[64];

		if (rep->auth) {
			/* Another request in flight when the first refusal came:
			 * already paused; the record stays queued. */
			sync_log("record %s: credentials refused as well (%ld); left queued", it->id,
				 a->status);
			break;
		}
		snprintf(what, sizeof what, "record %s", it->id);
		rc = pause_for_auth(sy, what, a, rep, err);
		if (rc == K_OK)
			rc = note_state(sy, a, now, 0, err);
		break;
	}
	case SYNC_RETRY:
		rep->retry++;
		wait = note_transient(sy, it->attempts + 1, a, now);
		sync_log("record %s: %s; next try in %llds", it->id, a->why, (long long)wait);
		rc = store_outbox_retry(sy->st, it->id, now + wait, a->reason, err);
		rc = changed_meanwhile(it->id, rc, err);
		if (rc == K_OK)
			rc = note_state(sy, a, now, now + wait > sy->hold_until ? sy->hold_until : now + wait,
					err);
		break;
	}
	return rc;
}

/* Records read from the outbox and not started yet, oldest first:
 * j[head..n).  Taking the oldest moves nothing (head goes on); refill
 * moves what is left to the front. */
struct queue {
	struct job *j;
	int head, n, cap;
};

static int busy_slots(const sync_ctx *sy)
{
	int n = 0;

	for (int i = 0; i < sy->n_xf; i++)
		n += sy->xf[i].job.it != NULL;
	return n;
}

/* True when record id is on its way already: in a slot, in q, or
 * confirmed and waiting in k for acks_flush (the store still shows all of
 * these as due). */
static int held(const sync_ctx *sy, const struct queue *q, const struct acks *k, const char *id)
{
	for (int i = 0; i < sy->n_xf; i++)
		if (sy->xf[i].job.it && !strcmp(sy->xf[i].job.it->id, id))
			return 1;
	for (int i = q->head; i < q->n; i++)
		if (!strcmp(q->j[i].it->id, id))
			return 1;
	for (int i = 0; i < k->n; i++)
		if (!strcmp(k->id[i], id))
			return 1;
	return 0;
}

/* Read the records due now that are not held into q, as many as it has
 * room for.  *added: how many. */
static krc refill(sync_ctx *sy, struct queue *q, struct acks *k, int *added, struct kerr *err)
{
	struct store_outbox_item **items;
	struct kerr nf = { "" };
	int64_t next_due = 0;
	int want, n = 0, i;
	krc rc;

	*added = 0;
	if (q->head > 0) {
		memmove(q->j, q->j + q->head, (size_t)(q->n - q->head) * sizeof *q->j);
		q->n -= q->head;
		q->head = 0;
	}
	if (q->n >= q->cap)
		return K_OK;
	/* The held ones come back too: ask for enough to fill the room. */
	want = busy_slots(sy) + q->n + k->n + (q->cap - q->n);
	items = calloc((size_t)want, sizeof *items);
	if (items == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	rc = store_outbox_next_batch(sy->st, (int64_t)time(NULL), want, items, &n, &next_due, &nf);
	if (rc == K_ENOTFOUND) {
		rc = K_OK;
		n = 0;
	} else if (rc) {
		kerr_set(err, rc, "%s", nf.msg);
		n = 0;
	}
	for (i = 0; i < n; i++) {
		struct job *j = &q->j[q->n];

		if (rc != K_OK || q->n >= q->cap || held(sy, q, k, items[i]->id)) {
			store_outbox_item_free(items[i]);
			continue;
		}
		j->it = items[i];
		j->body = NULL;
		j->key[0] = '\0';
		rc = job_prepare(sy, j, err);
		if (rc != K_OK) {
			sync_log("record %s: not sent: %s", j->it->id, err->msg);
			job_clear(j);
			continue;
		}
		q->n++;
		(*added)++;
	}
	free(items);
	return rc;
}

/* The oldest record in q whose person has no record in a slot, -1 if
 * none. */
static int startable(const sync_ctx *sy, const struct queue *q)
{
	for (int i = q->head; i < q->n; i++)
		if (!key_busy(sy, q->j[i].key))
			return i;
	return -1;
}

/* A slot for the next record, while fewer than open are in flight. */
static struct xfer *free_slot(sync_ctx *sy, int open)
{
	if (busy_slots(sy) >= open)
		return NULL;
	for (int i = 0; i < sy->n_xf; i++)
		if (sy->xf[i].job.it == NULL)
			return &sy->xf[i];
	return NULL;
}

/* Deliver what is due, keeping up to sync.in_flight requests on their
 * way.  Once the server is in trouble (a retry), refuses the credentials,
 * or *stop is set, no new request starts; those in flight are answered
 * and judged as usual, so a delivery the server confirmed is recorded and
 * nothing unjudged is.  A store failure ends at once: the requests in
 * flight are dropped unjudged and their records stay queued.  One request
 * goes alone until the server answers one: a server that is down sees one
 * request per wait, not one per slot. */
static krc drain_records(sync_ctx *sy, const volatile sig_atomic_t *stop, struct acks *acks,
			 struct sync_report *rep, struct kerr *err)
{
	struct queue q;
	int need = 1, retries = rep->retry, open = 1;
	krc rc = K_OK;

	q.head = q.n = 0;
	q.cap = ACK_BATCH + sy->n_xf;
	q.j = calloc((size_t)q.cap, sizeof *q.j);
	if (q.j == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	while (rc == K_OK) {
		int halt = (stop && *stop) || rep->auth || rep->retry > retries;
		struct xfer *x = halt ? NULL : free_slot(sy, open);
		struct attempt a;
		CURLcode c = CURLE_OK;
		int decided = 0, i;

		a.why[0] = '\0';
		a.status = 0;
		i = x ? startable(sy, &q) : -1;
		if (x && i < 0 && need && q.n - q.head < q.cap) {
			int added = 0;

			rc = refill(sy, &q, acks, &added, err);
			if (rc == K_OK && added == 0 && acks->n && busy_slots(sy) == 0) {
				/* Only confirmed ones came back and none is in
				 * flight: record them, and look once more. */
				rc = acks_flush(sy, acks, rep, err);
				if (rc == K_OK)
					rc = refill(sy, &q, acks, &added, err);
			}
			need = added > 0;
			continue;
		}
		if (i >= 0) {
			/* A free slot takes the oldest record it may. */
			x->job = q.j[i];
			/* Those it passed (their person is on the way) move up. */
			memmove(&q.j[q.head + 1], &q.j[q.head], (size_t)(i - q.head) * sizeof *q.j);
			q.head++;
			rc = job_send(sy, x, &a, &decided, err);
		} else {
			/* Nothing to start: wait for an answer. */
			if (busy_slots(sy) == 0)
				break;
			rc = next_done(sy, &x, &c, err);
			if (rc != K_OK)
				break;
			need = 1;
			rc = job_answer(sy, x, c, &a, &decided, err);
			if (a.status > 0)
				open = sy->n_xf;
		}
		if (rc == K_OK && decided)
			rc = record_outcome(sy, x->job.it, &a, acks, rep, err);
		else if (rc != K_OK)
			sync_log("record %s: not sent: %s", x->job.it->id, a.why[0] ? a.why : err->msg);
		if (rc != K_OK || decided)
			job_clear(&x->job);
	}
	for (int k = 0; k < sy->n_xf; k++) {
		xfer_end(sy, &sy->xf[k]);
		job_clear(&sy->xf[k].job);
	}
	for (int k = q.head; k < q.n; k++)
		job_clear(&q.j[k]);
	free(q.j);
	return rc;
}

/* Every page read once a day (the kiosk does it only at its start, and a
 * kiosk runs for months), and the outcome kept for `kiosk status`.  Damage
 * is logged; delivery goes on from the pages that still read. */
static void check_daily(sync_ctx *sy, int64_t now)
{
	struct kerr err = { "" };
	char result[256];
	int64_t when = 0;

	if (store_integrity_last(sy->st, &when, result, sizeof result, &err) != K_OK || now - when < 86400)
		return;
	if (store_check_record(sy->st, now, &err) != K_OK)
		sync_log("%s; restore the latest backup (deploy/DEPLOY.md, Backups)", err.msg);
}

static krc paused(sync_ctx *sy, int *yes, struct kerr *err)
{
	char *p = NULL;
	krc rc = store_meta_get(sy->st, "sync.paused", &p, err);

	*yes = rc == K_OK && p != NULL && *p != '\0';
	free(p);
	return rc;
}

krc sync_drain(sync_ctx *sy, const volatile sig_atomic_t *stop, struct sync_report *rep,
	       struct kerr *err)
{
	struct acks *acks = NULL;
	int is_paused;
	krc rc;

	if (time(NULL) - sy->last_purge >= 3600) {
		/* Patient data kept for kiosk.retention_days, and interrupted
		 * sessions past kiosk.resume_minutes, are deleted here too, so
		 * they go even when the kiosk itself is not running. */
		sy->last_purge = (int64_t)time(NULL);
		rc = store_purge(sy->st, sy->last_purge, sy->retention, err);
		if (rc)
			return rc;
		check_daily(sy, sy->last_purge);
	}
	rc = paused(sy, &is_paused, err);
	if (rc || is_paused)
		return rc;
	if (sy->was_paused) {
		/* Staff cleared the pause from the kiosk: start afresh. */
		sync_log("delivery resumed (sync.paused was cleared)");
		sy->was_paused = 0;
		sy->failures = 0;
		sy->hold_until = 0;
	}
	if ((int64_t)time(NULL) < sy->hold_until)
		return K_OK;
	rc = load_headers(sy, err);
	if (rc == K_OK) {
		int retries = rep->retry;

		/* The Questionnaire goes before any record that refers to it. */
		rc = send_questionnaire(sy, rep, err);
		/* Server trouble ends this drain here too, as for a record
		 * below: the records wait for the next try. */
		if (rep->retry > retries)
			return rc;
	}
	acks = malloc(sizeof *acks);
	if (rc == K_OK && acks == NULL)
		rc = kerr_set(err, K_ENOMEM, "out of memory");
	if (acks)
		acks->n = 0;
	if (rc == K_OK && !rep->auth && !(stop && *stop))
		rc = drain_records(sy, stop, acks, rep, err);
	if (acks && acks->n) {
		/* Stopped by an error: still record what the server confirmed. */
		struct kerr ignore = { "" };
		krc r2 = acks_flush(sy, acks, rep, rc == K_OK ? err : &ignore);

		if (rc == K_OK)
			rc = r2;
	}
	free(acks);
	return rc;
}

/* Milliseconds until something may be due.  When only a new record (or
 * staff clearing a pause) can give work, the idle wake-up: it keeps the
 * hourly purge of kept patient data going. */
static krc next_wait(sync_ctx *sy, int *ms, struct kerr *err)
{
	struct store_outbox_item *it = NULL;
	struct kerr nf = { "" };
	int64_t now = (int64_t)time(NULL), next_due = 0, wake = -1;
	char *q = NULL;
	int is_paused;
	krc rc;

	*ms = IDLE_WAKE_MS;
	rc = paused(sy, &is_paused, err);
	if (rc || is_paused)
		return rc;
	rc = store_outbox_next(sy->st, now, &it, &next_due, &nf);
	if (rc == K_OK) {
		store_outbox_item_free(it);
		wake = now + 1 > sy->hold_until ? now + 1 : sy->hold_until;
	} else if (rc == K_ENOTFOUND) {
		rc = K_OK;
		if (next_due > 0)
			wake = next_due > sy->hold_until ? next_due : sy->hold_until;
	} else {
		return kerr_set(err, rc, "%s", nf.msg);
	}
	rc = store_meta_get(sy->st, "questionnaire.pending", &q, err);
	if (rc == K_OK && q && *q && (wake < 0 || wake > sy->hold_until))
		wake = sy->hold_until > now ? sy->hold_until : now + 1;
	free(q);
	if (wake >= 0) {
		int64_t d = (wake - now) * 1000;

		*ms = d < 0 ? 0 : d > IDLE_WAKE_MS ? IDLE_WAKE_MS : (int)d;
	} else {
		*ms = IDLE_WAKE_MS;
	}
	return rc;
}

/* True when an inotify event names the database or its WAL/journal: a
 * write by the kiosk (or by us, which costs one cheap extra look). */
static int db_event(int ifd, const char *base)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	size_t bl = strlen(base);
	int hit = 0;
	ssize_t n;

	while ((n = read(ifd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)(void *)p;

			if (ev->mask & IN_Q_OVERFLOW)
				hit = 1;
			if (ev->len && strncmp(ev->name, base, bl) == 0 &&
			    (ev->name[bl] == '\0' || !strcmp(ev->name + bl, "-wal") ||
			     !strcmp(ev->name + bl, "-journal")))
				hit = 1;
			p += sizeof *ev + ev->len;
		}
	}
	return hit;
}

krc sync_run(sync_ctx *sy, const volatile sig_atomic_t *stop, int wake_fd, struct kerr *err)
{
	char dir[PATH_MAX], *slash;
	const char *base;
	int ifd, need_drain = 1;
	krc rc = K_OK;

	snprintf(dir, sizeof dir, "%s", sy->db_path);
	slash = strrchr(dir, '/');
	if (slash == NULL) {
		snprintf(dir, sizeof dir, ".");
		base = sy->db_path;
	} else {
		base = sy->db_path + (slash - dir) + 1;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd >= 0 && inotify_add_watch(ifd, dir, IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE) < 0) {
		close(ifd);
		ifd = -1;
	}
	if (ifd < 0)
		/* Out of inotify watches, or a file system without them: a
		 * once-a-second look at the outbox is the next best thing. */
		sync_log("running: cannot watch %s (%s); looking for new records every second", dir,
			 strerror(errno));
	else
		sync_log("running: watching %s for new records", dir);
	while (!*stop) {
		struct pollfd pfd[2] = { { ifd, POLLIN, 0 }, { wake_fd, POLLIN, 0 } };
		int ms;

		if (need_drain) {
			struct sync_report rep = { 0, 0, 0, 0 };

			rc = sync_drain(sy, stop, &rep, err);
			if (rc || *stop)
				break;
		}
		need_drain = 0;
		rc = next_wait(sy, &ms, err);
		if (rc)
			break;
		if (ifd < 0 && (ms < 0 || ms > 1000))
			ms = 1000;
		if (poll(pfd, wake_fd >= 0 ? 2 : 1, ms) < 0) {
			if (errno == EINTR)
				continue;
			rc = kerr_set(err, K_EIO, "poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents & POLLIN) {
			char b[64];

			while (read(wake_fd, b, sizeof b) > 0)
				;
		}
		if ((pfd[0].revents & POLLIN) ? db_event(ifd, base) : 1)
			need_drain = 1;
	}
	if (ifd >= 0)
		close(ifd);
	return rc;
}

krc sync_resume(sync_ctx *sy, int requeue, struct kerr *err)
{
	char *p = NULL;
	krc rc;

	sy->failures = 0;
	sy->hold_until = 0;
	rc = store_meta_get(sy->st, "sync.paused", &p, err);
	if (rc == K_OK && p && *p) {
		sync_log("delivery resumed (it was paused: %s)", p);
		rc = store_meta_set(sy->st, "sync.paused", NULL, err);
		if (rc == K_OK)
			rc = audit(sy, "sync.resumed", p, err);
	}
	free(p);
	if (rc == K_OK && requeue) {
		int n = 0;
		char detail[32];

		rc = store_outbox_requeue(sy->st, &n, err);
		if (rc == K_OK) {
			sync_log("%d failed record(s) put back in the queue", n);
			snprintf(detail, sizeof detail, "%d", n);
			rc = audit(sy, "record.requeue", detail, err);
		}
	}
	return rc;
}

krc sync_new(sync_ctx **out, const config *cfg, struct kerr *err)
{
	char ca[PATH_MAX], cert[PATH_MAX], key[PATH_MAX], lock[PATH_MAX + 16];
	const char *server = config_str(cfg, "sync.server");
	const char *pin = config_str(cfg, "sync.pinned_pubkey");
	sync_ctx *sy;
	size_t n;
	krc rc = K_OK;

	*out = NULL;
	sy = calloc(1, sizeof *sy);
	if (sy == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	sy->lock_fd = -1;
	if (*server == '\0') {
		rc = kerr_set(err, K_ECONFIG, "sync.server is not set: there is no server to deliver to");
		goto out;
	}
	if (strncmp(server, "https://", 8) != 0) {
		rc = kerr_set(err, K_ECONFIG, "sync.server must be an https:// URL");
		goto out;
	}
	for (const char *p = server; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			rc = kerr_set(err, K_ECONFIG, "sync.server holds a space or control character");
			goto out;
		}
	sy->base = strdup(server);
	if (sy->base == NULL) {
		rc = kerr_set(err, K_ENOMEM, "out of memory");
		goto out;
	}
	n = strlen(sy->base);
	while (n > 8 && sy->base[n - 1] == '/')
		sy->base[--n] = '\0';
	{
		const char *proxy = config_str(cfg, "sync.proxy");

		if (*proxy && strncmp(proxy, "http://", 7) != 0 && strncmp(proxy, "https://", 8) != 0) {
			rc = kerr_set(err, K_ECONFIG, "sync.proxy must be an http:// or https:// URL");
			goto out;
		}
		for (const char *p = proxy; *p; p++)
			if ((unsigned char)*p <= ' ' || *p == 0x7f) {
				rc = kerr_set(err, K_ECONFIG, "sync.proxy holds a space or control character");
				goto out;
			}
	}
	if (*pin && strncmp(pin, "sha256//", 8) != 0) {
		rc = kerr_set(err, K_ECONFIG, "sync.pinned_pubkey must look like sha256//<base64>");
		goto out;
	}
	config_path(cfg, "sync.ca_file", ca, sizeof ca);
	config_path(cfg, "sync.client_cert", cert, sizeof cert);
	config_path(cfg, "sync.client_key", key, sizeof key);
	config_path(cfg, "sync.token_file", sy->token_file, sizeof sy->token_file);
	config_path(cfg, "kiosk.database", sy->db_path, sizeof sy->db_path);
	sy->backoff_max = config_int(cfg, "sync.backoff_max");
	snprintf(sy->patient, sizeof sy->patient, "%s", config_str(cfg, "sync.patient"));
	if (*ca && (rc = check_readable("sync.ca_file", ca, err)))
		goto out;
	if (!*cert != !*key) {
		rc = kerr_set(err, K_ECONFIG, "sync.client_cert and sync.client_key go together");
		goto out;
	}
	if (*cert && ((rc = check_readable("sync.client_cert", cert, err)) ||
		      (rc = check_private("sync.client_key", key, NULL, err))))
		goto out;
	if (*sy->token_file == '\0' && *cert == '\0')
		sync_log("note: no token_file or client_cert set; sending without credentials");
	rc = store_open(&sy->st, sy->db_path, err);
	if (rc)
		goto out;
	{
		/* Failing before a restart is still failing since then. */
		struct store_sync_state last;

		rc = store_sync_state_get(sy->st, &last, err);
		if (rc)
			goto out;
		sy->failing_since = last.failing_since;
	}
	sy->retention = (int64_t)config_int(cfg, "kiosk.retention_days") * 86400;
	store_set_retention(sy->st, sy->retention);
	store_set_resume_window(sy->st, (int64_t)config_int(cfg, "kiosk.resume_minutes") * 60);
	/* One sync per database: two would race on the same records. */
	snprintf(lock, sizeof lock, "%s.sync-lock", sy->db_path);
	sy->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (sy->lock_fd < 0) {
		rc = kerr_set(err, K_EIO, "%s: %s", lock, strerror(errno));
		goto out;
	}
	if (flock(sy->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		rc = kerr_set(err, K_EBUSY, "another kiosk-sync is running on %s", sy->db_path);
		goto out;
	}
	/* sync.in_flight requests at once, over one HTTP/2 connection when
	 * the server speaks it (multiplexed streams), else over up to
	 * H1_CONNECTIONS HTTP/1.1 connections (the others wait inside
	 * libcurl for one of them). */
	n = (size_t)config_int(cfg, "sync.in_flight");
	sy->multi = curl_multi_init();
	sy->xf = calloc(n ? n : 1, sizeof *sy->xf);
	if (sy->multi == NULL || sy->xf == NULL) {
		rc = kerr_set(err, K_ENOMEM, "libcurl could not start");
		goto out;
	}
	if (curl_multi_setopt(sy->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX) != CURLM_OK ||
	    curl_multi_setopt(sy->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
			      (long)(n < H1_CONNECTIONS ? n : H1_CONNECTIONS)) != CURLM_OK ||
	    curl_multi_setopt(sy->multi, CURLMOPT_MAXCONNECTS,
			      (long)(n < H1_CONNECTIONS ? n : H1_CONNECTIONS)) != CURLM_OK) {
		rc = kerr_set(err, K_ECONFIG, "libcurl refused the connection limits");
		goto out;
	}
	for (sy->n_xf = 0; rc == K_OK && sy->n_xf < (int)n; sy->n_xf++) {
		struct xfer *x = &sy->xf[sy->n_xf];

		x->h = curl_easy_init();
		if (x->h == NULL) {
			rc = kerr_set(err, K_ENOMEM, "libcurl could not start");
			break;
		}
		rc = setup_handle(x, cfg, ca, cert, key, sy->n_xf == 0, err);
	}
	if (rc == K_OK)
		rc = load_headers(sy, err);
out:
	if (rc) {
		sync_free(sy);
		return rc;
	}
	*out = sy;
	return K_OK;
}

store *sync_store(sync_ctx *sy)
{
	return sy->st;
}

void sync_free(sync_ctx *sy)
{
	if (sy == NULL)
		return;
	for (int i = 0; sy->xf && i < sy->n_xf; i++) {
		struct xfer *x = &sy->xf[i];

		if (x->h) {
			xfer_end(sy, x);
			curl_easy_cleanup(x->h);
		}
		job_clear(&x->job);
		free(x->own_refs);
		free(x->resp);
	}
	free(sy->xf);
	if (sy->multi)
		curl_multi_cleanup(sy->multi);
	curl_slist_free_all(sy->hdrs);
	store_close(sy->st);
	if (sy->lock_fd >= 0)
		close(sy->lock_fd);
	free(sy->base);
	free(sy);
}
