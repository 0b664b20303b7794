/* kiosk-sync: the delivery process.  Its own program so the patient-facing
 * kiosk holds no server credentials and never waits on the network; it sees
 * only the database file and the clinic's server.  main() owns the signal
 * flag and the wake-up pipe; sync.c does the work. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "kerr.h"
#include "store.h"
#include "sync.h"

enum {
	EXIT_DONE = 0,       /* everything due delivered, or nothing to do */
	EXIT_INTERNAL = 1,   /* database or internal error */
	EXIT_USAGE = 2,      /* bad command line or configuration */
	EXIT_RETRY = 3,      /* some records wait for a later try */
	EXIT_REFUSED = 4,    /* some records were refused for good */
	EXIT_AUTH = 5,       /* credentials refused: delivery paused */
	EXIT_RUNNING = 6,    /* another kiosk-sync works on this database */
};

static volatile sig_atomic_t stop_flag;
static int wake_pipe[2] = { -1, -1 };

static void on_signal(int sig)
{
	int saved = errno;
	char c = 1;

	(void)sig;
	stop_flag = 1;
	if (write(wake_pipe[1], &c, 1) < 0) {
		/* the pipe is full: a wake-up is already pending */
	}
	errno = saved;
}

static void usage(FILE *f)
{
	fputs("usage: kiosk-sync [--config FILE] [--once] [--retry-failed]\n"
	      "\n"
	      "Delivers completed intakes from the kiosk database to the clinic's FHIR\n"
	      "server ([sync] in kiosk.conf), oldest first, over HTTPS with the server\n"
	      "certificate always verified.\n"
	      "\n"
	      "  (no option)     run until SIGTERM: a new record is sent within a second;\n"
	      "                  failed tries are retried with backoff (sync.backoff_max)\n"
	      "  --once          send what is due now, then exit with the status below\n"
	      "  --retry-failed  first put records the server refused back in the queue\n"
	      "                  (staff fixed the cause)\n"
	      "  --config FILE   the configuration (default: kiosk.conf when present)\n"
	      "\n"
	      "Starting kiosk-sync also resumes delivery paused by refused credentials.\n"
	      "\n"
	      "Exit status (with --once; the highest that applies):\n"
	      "  0  every record due was delivered, or there was nothing to send\n"
	      "  1  database or internal error (nothing is lost)\n"
	      "  2  bad command line or configuration\n"
	      "  3  some records wait for a later try (server down, slow, busy, or its\n"
	      "     certificate was refused)\n"
	      "  4  the server refused some records for good; they stay for staff\n"
	      "     (kiosk status) and are sent again after --retry-failed\n"
	      "  5  the server refused the credentials (401/403); delivery is paused\n"
	      "  6  another kiosk-sync is already running on this database\n"
	      "Without --once the exit status is 0 after SIGTERM, else 1, 2 or 6.\n",
	      f);
}

static int exit_for(krc rc)
{
	switch (rc) {
	case K_OK:
		return EXIT_DONE;
	case K_ECONFIG:
		return EXIT_USAGE;
	case K_EBUSY:
		return EXIT_RUNNING;
	default:
		return EXIT_INTERNAL;
	}
}

int main(int argc, char **argv)
{
	const char *conf = NULL;
	int once = 0, requeue = 0, status = EXIT_INTERNAL;
	struct kerr err = { "" };
	struct sigaction sa;
	config *cfg = NULL;
	sync_ctx *sy = NULL;
	krc rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return EXIT_DONE;
		} else if (!strcmp(argv[i], "--once")) {
			once = 1;
		} else if (!strcmp(argv[i], "--retry-failed")) {
			requeue = 1;
		} else if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			conf = argv[++i];
		} else {
			fprintf(stderr, "kiosk-sync: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (conf == NULL && access("kiosk.conf", F_OK) == 0)
		conf = "kiosk.conf";

	if (pipe(wake_pipe) != 0 || fcntl(wake_pipe[0], F_SETFL, O_NONBLOCK) != 0 ||
	    fcntl(wake_pipe[1], F_SETFL, O_NONBLOCK) != 0) {
		fprintf(stderr, "kiosk-sync: pipe: %s\n", strerror(errno));
		return EXIT_INTERNAL;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "kiosk-sync: libcurl could not start\n");
		return EXIT_INTERNAL;
	}
	rc = config_load(&cfg, conf, stderr, &err);
	if (rc == K_OK)
		rc = sync_new(&sy, cfg, &err);
	if (rc == K_OK)
		rc = sync_resume(sy, requeue, &err);
	if (rc != K_OK) {
		fprintf(stderr, "kiosk-sync: %s\n", err.msg[0] ? err.msg : krc_str(rc));
		status = exit_for(rc);
		goto out;
	}
	if (once) {
		struct sync_report rep = { 0, 0, 0, 0 };
		struct store_status st = { 0 };

		rc = sync_drain(sy, &stop_flag, &rep, &err);
		/* Records not due yet (waiting out a backoff) also count as
		 * left for a later try. */
		if (rc == K_OK)
			rc = store_status_get(sync_store(sy), &st, &err);
		if (rc == K_OK && st.waiting > rep.retry)
			rep.retry = st.waiting;
		fprintf(stderr, "kiosk-sync: %d delivered, %d waiting for a later try, %d refused%s\n",
			rep.delivered, rep.retry, rep.failed,
			rep.auth ? ", credentials refused: paused" : "");
		if (rc != K_OK) {
			fprintf(stderr, "kiosk-sync: %s\n", err.msg[0] ? err.msg : krc_str(rc));
			status = exit_for(rc);
		} else if (rep.auth) {
			status = EXIT_AUTH;
		} else if (rep.failed) {
			status = EXIT_REFUSED;
		} else if (rep.retry || stop_flag) {
			status = EXIT_RETRY;
		} else {
			status = EXIT_DONE;
		}
		goto out;
	}
	rc = sync_run(sy, &stop_flag, wake_pipe[0], &err);
	if (rc != K_OK) {
		fprintf(stderr, "kiosk-sync: %s\n", err.msg[0] ? err.msg : krc_str(rc));
		status = exit_for(rc);
	} else {
		fprintf(stderr, "kiosk-sync: stopped\n");
		status = EXIT_DONE;
	}
out:
	sync_free(sy);
	config_free(cfg);
	curl_global_cleanup();
	return status;
}
