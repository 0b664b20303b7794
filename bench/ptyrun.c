/* ptyrun: run a program on a pseudo-terminal and time what it draws.
 *
 * Usage: ptyrun [-c COLS] [-r ROWS] [-q QUIET_MS] [-t TIMEOUT_MS] [-o RAWFILE]
 *               STEP... -- PROGRAM [ARG...]
 *
 * Steps run in order once the program has been started:
 *   wait:TEXT      wait until TEXT appears in the program's output, then
 *                  until the output has been quiet for QUIET_MS
 *   key:BYTES      write BYTES (C escapes: \e \r \n \t \xHH) to the
 *                  terminal, then wait until quiet
 *   keywait:BYTES:TEXT   write BYTES, then wait for TEXT and quiet
 * The first step is timed from just before exec (the start-up time), the
 * others from just before their key is written.  For each step one line:
 *   step=N first_us=.. marker_us=.. last_us=.. bytes=.. cpu_us=.. uss_kb=.. pss_kb=..
 * first_us: first output byte; marker_us: TEXT seen; last_us: the last
 * byte before the quiet gap (the screen is drawn); bytes: written to the
 * terminal; cpu_us: CPU the program used (its /proc/PID/schedstat);
 * utick / stick: user / system CPU in clock ticks (coarse; sum many steps);
 * uss_kb / pss_kb: its private and proportional memory at the step's end.
 * At the end the program gets SIGTERM (SIGKILL a second later) and:
 *   hwm_kb=..   peak RSS read from /proc/PID/status before the signal
 *   maxrss_kb=..  ru_maxrss from wait4()
 * Exit status: 0 if every step completed, 1 on a timeout, 2 on usage. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define OUT_MAX (4 << 20)

static char out[OUT_MAX];

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t cpu_us(pid_t pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return (int64_t)(ns / 1000);
}

/* User and system CPU in clock ticks (/proc/PID/stat). */
static void ticks(pid_t pid, long long *ut, long long *st)
{
	char path[64], buf[1024], *p;
	FILE *f;
	size_t n;

	*ut = *st = 0;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	if (p && sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", ut, st) != 2)
		*ut = *st = 0;
}

static long hwm_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "VmHWM:", 6))
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

/* Memory the program holds now (/proc/PID/smaps_rollup): USS, the pages
 * only it uses (Private_Clean + Private_Dirty), and PSS, its share of
 * every page (shared library code divided among the processes mapping
 * it).  -1 when unreadable. */
static void rollup_kb(pid_t pid, long *uss, long *pss)
{
	char path[64], line[256];
	FILE *f;

	*uss = *pss = -1;
	snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	*uss = 0;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "Pss:", 4))
			*pss = strtol(line + 4, NULL, 10);
		else if (!strncmp(line, "Private_Clean:", 14))
			*uss += strtol(line + 14, NULL, 10);
		else if (!strncmp(line, "Private_Dirty:", 14))
			*uss += strtol(line + 14, NULL, 10);
	}
	fclose(f);
}

/* Decode C escapes in place; returns the length. */
static size_t unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (*r != '\\' || !r[1]) {
			*w++ = *r;
			continue;
		}
		r++;
		switch (*r) {
		case 'e': *w++ = 27; break;
		case 'r': *w++ = '\r'; break;
		case 'n': *w++ = '\n'; break;
		case 't': *w++ = '\t'; break;
		case 'x': {
			char hex[3] = { r[1], r[2], 0 };

			*w++ = (char)strtol(hex, NULL, 16);
			r += 2;
			break;
		}
		default: *w++ = *r;
		}
	}
	*w = 0;
	return (size_t)(w - s);
}

int main(int argc, char **argv)
{
	int cols = 80, rows = 24, quiet_ms = 60, timeout_ms = 20000, opt, nsteps, status = 0, fd;
	const char *rawfile = NULL;
	FILE *raw = NULL;
	char **steps;
	struct winsize ws;
	struct rusage ru;
	pid_t pid;
	int64_t t0;
	long hwm;
	int ws_status;

	while ((opt = getopt(argc, argv, "+c:r:q:t:o:")) != -1) {
		switch (opt) {
		case 'c': cols = atoi(optarg); break;
		case 'r': rows = atoi(optarg); break;
		case 'q': quiet_ms = atoi(optarg); break;
		case 't': timeout_ms = atoi(optarg); break;
		case 'o': rawfile = optarg; break;
		default: return 2;
		}
	}
	steps = argv + optind;
	for (nsteps = 0; optind + nsteps < argc && strcmp(steps[nsteps], "--"); nsteps++)
		;
	if (optind + nsteps >= argc - 1) {
		fprintf(stderr, "usage: ptyrun [options] STEP... -- PROGRAM [ARG...]\n");
		return 2;
	}
	if (rawfile && !(raw = fopen(rawfile, "w"))) {
		perror(rawfile);
		return 2;
	}
	memset(&ws, 0, sizeof ws);
	ws.ws_col = (unsigned short)cols;
	ws.ws_row = (unsigned short)rows;
	t0 = now_us();
	pid = forkpty(&fd, NULL, NULL, &ws);
	if (pid < 0) {
		perror("forkpty");
		return 2;
	}
	if (pid == 0) {
		char **prog = steps + nsteps + 1;

		execvp(prog[0], prog);
		_exit(127);
	}
	for (int i = 0; i < nsteps; i++) {
		char *spec = strdup(steps[i]), *arg = strchr(spec, ':'), *text = NULL;
		size_t len = 0, textlen = 0, have = 0;
		int64_t start, first = -1, marker = -1, last = -1, deadline, cpu0 = cpu_us(pid);
		long uss, pss;
		long long ut0, st0, ut1, st1;

		if (!arg) {
			fprintf(stderr, "ptyrun: bad step '%s'\n", spec);
			return 2;
		}
		*arg++ = 0;
		if (!strcmp(spec, "wait")) {
			text = arg;
		} else if (!strcmp(spec, "keywait")) {
			char *sep = strrchr(arg, ':');

			if (!sep) {
				fprintf(stderr, "ptyrun: bad step '%s'\n", steps[i]);
				return 2;
			}
			*sep = 0;
			text = sep + 1;
		} else if (strcmp(spec, "key")) {
			fprintf(stderr, "ptyrun: bad step '%s'\n", steps[i]);
			return 2;
		}
		if (text)
			textlen = unescape(text);
		ticks(pid, &ut0, &st0);
		start = i == 0 && !strcmp(spec, "wait") ? t0 : now_us();
		if (strcmp(spec, "wait")) {
			len = unescape(arg);
			if (write(fd, arg, len) != (ssize_t)len) {
				perror("write");
				return 2;
			}
		}
		deadline = start + (int64_t)timeout_ms * 1000;
		for (;;) {
			struct pollfd p = { fd, POLLIN, 0 };
			int64_t t = now_us(), wait_until;
			int n;

			if (last >= 0 && (!text || marker >= 0))
				wait_until = last + quiet_ms * 1000;
			else if (!text && first < 0)
				wait_until = start + quiet_ms * 1000 * 4;
			else
				wait_until = deadline;
			if (t >= wait_until)
				break;
			n = poll(&p, 1, (int)((wait_until - t + 999) / 1000));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				continue;
			{
				ssize_t r;
				size_t room = OUT_MAX - have - 1;
				char tmp[65536];

				r = read(fd, tmp, sizeof tmp);
				t = now_us();
				if (r <= 0) {
					if (text && marker < 0)
						status = 1;
					goto done_step;
				}
				if (raw)
					fwrite(tmp, 1, (size_t)r, raw);
				if ((size_t)r > room)
					r = (ssize_t)room;
				memcpy(out + have, tmp, (size_t)r);
				if (first < 0)
					first = t;
				last = t;
				have += (size_t)r;
				out[have] = 0;
				if (text && marker < 0 && memmem(out, have, text, textlen))
					marker = t;
			}
		}
		if (text && marker < 0)
			status = 1;
done_step:
		ticks(pid, &ut1, &st1);
		rollup_kb(pid, &uss, &pss);
		printf("step=%d first_us=%lld marker_us=%lld last_us=%lld bytes=%zu cpu_us=%lld "
		       "utick=%lld stick=%lld uss_kb=%ld pss_kb=%ld\n", i,
		       (long long)(first < 0 ? -1 : first - start),
		       (long long)(marker < 0 ? -1 : marker - start),
		       (long long)(last < 0 ? -1 : last - start), have,
		       (long long)(cpu_us(pid) - cpu0), ut1 - ut0, st1 - st0, uss, pss);
		if (raw)
			fprintf(raw, "\n=== end of step %d ===\n", i);
		free(spec);
		if (status)
			break;
	}
	hwm = hwm_kb(pid);
	kill(pid, SIGTERM);
	memset(&ru, 0, sizeof ru);
	for (int i = 0; i < 100; i++) {
		char buf[4096];

		if (wait4(pid, &ws_status, WNOHANG, &ru) == pid)
			goto reaped;
		/* keep the terminal drained so the program can finish its exit */
		while (poll(&(struct pollfd){ fd, POLLIN, 0 }, 1, 0) > 0 &&
		       read(fd, buf, sizeof buf) > 0)
			;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	wait4(pid, &ws_status, 0, &ru);
reaped:
	printf("hwm_kb=%ld maxrss_kb=%ld\n", hwm, ru.ru_maxrss);
	if (raw)
		fclose(raw);
	close(fd);
	return status;
}
