/* cmd_font: `kiosk font-check [--config FILE] [SECONDS]`, run on the
 * kiosk's own Linux console, checks larger text the way the kiosk does it:
 * it saves the console font, loads display.large_font through vtfont (the
 * same code the patient screen uses), shows the grid that gives and a line
 * of the letters and blocks the content needs, then puts the saved font
 * back and shows the grid again.  It says when display.large_grid does not
 * match the grid this panel really gives, so `kiosk check` fits the content
 * to the right size.  Admin-facing: messages in C are fine here. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "vtfont.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void grid(int fd, int *cols, int *lines)
{
	struct winsize ws;

	*cols = *lines = 0;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0) {
		*cols = ws.ws_col;
		*lines = ws.ws_row;
	}
}

int cmd_font_check(int argc, char **argv)
{
	const char *cfgpath = cmd_config_path(&argc, argv);
	config *cfg = NULL;
	struct vtfont_psf *f = NULL;
	vtfont *vt = NULL;
	struct kerr err = { "" };
	struct sigaction sa;
	char font[4096];
	int fd = -1, seconds = 5, c0, l0, c1, l1, c2, l2, want_c = 0, want_l = 0, status = 2;

	if (argc > 2 || (argc == 2 && (seconds = atoi(argv[1])) <= 0))
		return cmd_usage("font-check");
	if (config_load(&cfg, cfgpath, stderr, &err) != K_OK)
		return 2;
	config_path(cfg, "display.large_font", font, sizeof font);
	config_grid(cfg, "display.large_grid", &want_c, &want_l);
	if (vtfont_psf_load(&f, font, &err) != K_OK) {
		fprintf(stderr, "kiosk font-check: %s\n", err.msg);
		goto out;
	}
	fd = open("/dev/tty", O_RDWR | O_NOCTTY);
	if (fd < 0 || vtfont_open(&vt, fd, &err) != K_OK) {
		fprintf(stderr, "kiosk font-check: %s: run it on the kiosk's Linux console (tty1), "
			"not in a terminal window or over SSH\n", fd < 0 ? "no terminal" : err.msg);
		status = 1;
		goto out;
	}
	/* The saved font comes back even when the check is interrupted. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	grid(fd, &c0, &l0);
	if (vtfont_set(vt, f, &err) != K_OK) {
		fprintf(stderr, "kiosk font-check: %s\n", err.msg);
		status = 1;
		goto out;
	}
	grid(fd, &c1, &l1);
	printf("\nLarger text: %s (%dx%d pixels)\n", font, f->width, f->height);
	printf("grid %dx%d, was %dx%d\n", c1, l1, c0, l0);
	printf("Ñ ñ á é í ó ú ü ¿ ¡ « » “ ” … \xe2\x96\x80\xe2\x96\x84\xe2\x96\x88 (letters, QR blocks)\n");
	for (int i = 0; i < seconds * 10 && !interrupted; i++) {
		struct timespec ts = { 0, 100000000L };

		nanosleep(&ts, NULL);
	}
	if (vtfont_restore(vt) != 0) {
		fprintf(stderr, "kiosk font-check: the console refused the saved font\n");
		status = 1;
		goto out;
	}
	grid(fd, &c2, &l2);
	printf("font restored: grid %dx%d\n", c2, l2);
	status = 0;
	if (c2 != c0 || l2 != l0) {
		printf("the grid did not come back to %dx%d\n", c0, l0);
		status = 1;
	}
	if (c1 < 80 || l1 < 24) {
		printf("%dx%d is smaller than the 80x24 the patient screen needs: the kiosk keeps the "
		       "normal font; choose a smaller display.large_font\n", c1, l1);
		status = 1;
	} else if (c1 != want_c || l1 != want_l)
		printf("display.large_grid is %dx%d: set it to %dx%d for this screen, then run kiosk check\n",
		       want_c, want_l, c1, l1);
out:
	vtfont_free(vt);
	if (fd >= 0)
		close(fd);
	vtfont_psf_free(f);
	config_free(cfg);
	return status;
}
