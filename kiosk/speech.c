/* speech: owns the one espeak-ng synthesiser of the process and the thread
 * that runs it.
 *
 * Every espeak-ng call after start-up happens on speech's own worker
 * thread, which runs the library in AUDIO_OUTPUT_SYNCHRONOUS mode: the
 * samples come back to synth_cb() on that thread, which plays them on the
 * sound card through libpcaudio (the library espeak-ng itself plays
 * through) or, with a sink, paces them as a card would play them.  The
 * caller only hands texts over under a mutex, so a key never waits for
 * speech.  A stop (or a new text) sets a flag that synth_cb() sees at the
 * next audio buffer (20 ms), which aborts the synthesis.
 *
 * Why not the library's own asynchronous modes: in libespeak-ng 1.51 a text
 * queued just after espeak_Cancel() or the end of an utterance waits up to
 * 150 ms in the caller (a lost wake-up in its queue thread's idle wait), so
 * each key that cuts speech would freeze the screen.
 *
 * The library is started once and kept until the process exits: 1.51
 * hangs in espeak_Terminate() or espeak_Cancel() once it has been started
 * a second time (its queue thread is not reset), so speech_free() stops
 * our thread but leaves the library loaded for a later speech_new().
 *
 * The library calls back with no context pointer and is one synthesiser
 * per process, so the live speech object is a file-scope pointer and
 * speech_new() refuses a second.  What is spoken is never logged or written
 * anywhere but the sink. */
#include "speech.h"

#include <espeak-ng/speak_lib.h>
#include <pcaudiolib/audio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lazylib.h"

/* Audio buffer length in ms: the longest a stop takes to cut in. */
#define SPEECH_BUF_MS 20
#define SPEECH_MAX_LANGS 512

struct speech {
	FILE *sink;
	struct audio_object *audio;
	int rate_hz, wpm, volume;
	void (*on_start)(void *arg);
	void *arg;
	/* Language codes the installed voices speak (set once in speech_new). */
	char **langs;
	int n_langs;
	pthread_t thread;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* Under mu. */
	char *pending;          /* next text to say (owned), or NULL */
	char pending_lang[16];
	bool busy;              /* the worker is saying something */
	bool speaking;          /* what speech_speaking() reports */
	bool quit;
	bool audio_failed;

	/* Worker only. */
	char voice[16];
	bool audio_open;
	bool aborted;

	atomic_bool stop;       /* cut the current utterance */
	atomic_bool started;
	atomic_long samples;
};

static speech *_Atomic live;
/* The library's sample rate once started (0: not yet). */
static int started_hz;

/* Sleep ms, in slices, giving up as soon as a stop comes. */
static bool pace(speech *s, long ms)
{
	while (ms > 0 && !atomic_load(&s->stop)) {
		long step = ms < 5 ? ms : 5;
		struct timespec ts = { 0, step * 1000000L };

		nanosleep(&ts, NULL);
		ms -= step;
	}
	return !atomic_load(&s->stop);
}

/* libespeak-ng and libpcaudio are opened the first time a patient turns
 * read-aloud on, not linked: with their sound and codec stacks (PulseAudio,
 * ALSA, X11, D-Bus, sndfile...) they are over thirty libraries, which every
 * start of the kiosk would load and relocate for a feature most patients
 * never use.  Opened once and kept, like the synthesiser itself. */
static struct {
	int (*initialize)(espeak_AUDIO_OUTPUT, int, const char *, int);
	void (*set_synth_callback)(t_espeak_callback *);
	espeak_ERROR (*set_parameter)(espeak_PARAMETER, int, int);
	espeak_ERROR (*set_voice)(espeak_VOICE *);
	const espeak_VOICE **(*list_voices)(espeak_VOICE *);
	espeak_ERROR (*synth)(const void *, size_t, unsigned int, espeak_POSITION_TYPE, unsigned int,
			      unsigned int, unsigned int *, void *);
	struct audio_object *(*audio_create)(const char *, const char *, const char *);
	int (*audio_open)(struct audio_object *, enum audio_object_format, uint32_t, uint8_t);
	int (*audio_write)(struct audio_object *, const void *, size_t);
	int (*audio_flush)(struct audio_object *);
	void (*audio_close)(struct audio_object *);
	void (*audio_destroy)(struct audio_object *);
} lib;

static const struct lazylib_sym espeak_syms[] = {
	{ "espeak_Initialize", LAZYLIB_SLOT(lib.initialize) },
	{ "espeak_SetSynthCallback", LAZYLIB_SLOT(lib.set_synth_callback) },
	{ "espeak_SetParameter", LAZYLIB_SLOT(lib.set_parameter) },
	{ "espeak_SetVoiceByProperties", LAZYLIB_SLOT(lib.set_voice) },
	{ "espeak_ListVoices", LAZYLIB_SLOT(lib.list_voices) },
	{ "espeak_Synth", LAZYLIB_SLOT(lib.synth) },
	{ NULL, NULL },
};
static const struct lazylib_sym pcaudio_syms[] = {
	{ "create_audio_device_object", LAZYLIB_SLOT(lib.audio_create) },
	{ "audio_object_open", LAZYLIB_SLOT(lib.audio_open) },
	{ "audio_object_write", LAZYLIB_SLOT(lib.audio_write) },
	{ "audio_object_flush", LAZYLIB_SLOT(lib.audio_flush) },
	{ "audio_object_close", LAZYLIB_SLOT(lib.audio_close) },
	{ "audio_object_destroy", LAZYLIB_SLOT(lib.audio_destroy) },
	{ NULL, NULL },
};
static struct lazylib espeak_lib = { "libespeak-ng.so.1", "libespeak-ng1", espeak_syms, NULL };
static struct lazylib pcaudio_lib = { "libpcaudio.so.0", "libpcaudio0", pcaudio_syms, NULL };

/* The handles stay open for the life of the process (lazylib.h). */
static krc lib_load(struct kerr *err)
{
	if (lazylib_load(&espeak_lib, err) != K_OK || lazylib_load(&pcaudio_lib, err) != K_OK)
		return K_EIO;
	return K_OK;
}

static int synth_cb(short *wav, int n, espeak_EVENT *ev)
{
	speech *s = live;

	(void)ev;
	if (s == NULL || atomic_load(&s->stop)) {
		if (s)
			s->aborted = true;
		return 1;
	}
	if (wav == NULL || n <= 0)
		return 0;
	if (!atomic_exchange(&s->started, true) && s->on_start)
		s->on_start(s->arg);
	atomic_fetch_add(&s->samples, n);
	if (s->sink) {
		if (!pace(s, (long)n * 1000 / s->rate_hz)) {
			s->aborted = true;
			return 1;
		}
	} else if (s->audio_open) {
		/* Blocks while the card's buffer is full: that is the pace. */
		lib.audio_write(s->audio, wav, (size_t)n * sizeof *wav);
	}
	return 0;
}

static void sink_say(speech *s, const char *lang, const char *text)
{
	fprintf(s->sink, "say\t%s\t", lang);
	/* One utterance per line: line breaks in the text become spaces. */
	for (const char *p = text; *p; p++)
		fputc(*p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p, s->sink);
	fputc('\n', s->sink);
	fflush(s->sink);
}

static bool set_voice(speech *s, const char *lang)
{
	espeak_VOICE v;

	if (!strcmp(s->voice, lang))
		return true;
	memset(&v, 0, sizeof v);
	v.languages = lang;
	if (lib.set_voice(&v) != EE_OK) {
		s->voice[0] = '\0';
		return false;
	}
	/* A voice brings its own rate and volume: set ours after it. */
	lib.set_parameter(espeakRATE, s->wpm, 0);
	lib.set_parameter(espeakVOLUME, s->volume, 0);
	snprintf(s->voice, sizeof s->voice, "%s", lang);
	return true;
}

/* Say one text on the worker thread; returns when it is over or cut. */
static void say_now(speech *s, const char *lang, const char *text)
{
	bool failed = false;

	if (s->sink == NULL && !s->audio_open) {
		if (lib.audio_open(s->audio, AUDIO_OBJECT_FORMAT_S16LE, (uint32_t)s->rate_hz, 1) == 0)
			s->audio_open = true;
		else
			failed = true;
	}
	s->aborted = false;
	if (!failed && set_voice(s, lang)) {
		if (s->sink)
			sink_say(s, lang, text);
		lib.synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, NULL);
		/* Drop what the card still holds of a cut utterance. */
		if (s->aborted && s->audio_open)
			lib.audio_flush(s->audio);
		if (s->sink) {
			fprintf(s->sink, "%s\t%ld\n", s->aborted ? "cut" : "end",
				atomic_load(&s->samples) * 1000 / s->rate_hz);
			fflush(s->sink);
		}
	}
	pthread_mutex_lock(&s->mu);
	if (failed)
		s->audio_failed = true;
	pthread_mutex_unlock(&s->mu);
}

static void *worker(void *arg)
{
	speech *s = arg;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		char *text, lang[16];

		while (s->pending == NULL && !s->quit)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->quit)
			break;
		text = s->pending;
		s->pending = NULL;
		memcpy(lang, s->pending_lang, sizeof lang);
		s->busy = true;
		atomic_store(&s->stop, false);
		atomic_store(&s->started, false);
		atomic_store(&s->samples, 0);
		pthread_mutex_unlock(&s->mu);

		say_now(s, lang, text);
		free(text);

		pthread_mutex_lock(&s->mu);
		s->busy = false;
		if (s->pending == NULL)
			s->speaking = false;
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* The language codes of the installed voices, e.g. "en", "en-gb", "es". */
static bool list_langs(speech *s)
{
	const espeak_VOICE **v = lib.list_voices(NULL);

	s->langs = calloc(SPEECH_MAX_LANGS, sizeof *s->langs);
	if (s->langs == NULL)
		return false;
	for (int i = 0; v && v[i] && s->n_langs < SPEECH_MAX_LANGS; i++) {
		/* languages: (priority byte, code, NUL) pairs, then a NUL. */
		for (const char *p = v[i]->languages; p && *p && s->n_langs < SPEECH_MAX_LANGS;) {
			const char *code = p + 1;

			s->langs[s->n_langs] = strdup(code);
			if (s->langs[s->n_langs] == NULL)
				return false;
			s->n_langs++;
			p = code + strlen(code) + 1;
		}
	}
	return true;
}

static bool have_voice(const speech *s, const char *lang)
{
	for (int i = 0; i < s->n_langs; i++)
		if (!strcmp(s->langs[i], lang))
			return true;
	return false;
}

static void release(speech *s)
{
	if (s->audio)
		lib.audio_destroy(s->audio);
	if (s->sink)
		fclose(s->sink);
	for (int i = 0; i < s->n_langs; i++)
		free(s->langs[i]);
	free(s->langs);
	free(s->pending);
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

krc speech_new(speech **out, const struct speech_opts *o, struct kerr *err)
{
	speech *s;
	krc rc;

	*out = NULL;
	if (live)
		return kerr_set(err, K_EBUSY, "speech: the synthesiser is already in use");
	if ((rc = lib_load(err)) != K_OK)
		return rc;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	s->wpm = o->rate < espeakRATE_MINIMUM ? espeakRATE_MINIMUM
		 : o->rate > espeakRATE_MAXIMUM ? espeakRATE_MAXIMUM : o->rate;
	s->volume = o->volume < 0 ? 0 : o->volume > 200 ? 200 : o->volume;
	s->on_start = o->on_start;
	s->arg = o->arg;
	if (o->sink && *o->sink) {
		if ((s->sink = fopen(o->sink, "a")) == NULL) {
			release(s);
			return kerr_set(err, K_EIO, "speech: cannot open the sink file");
		}
	} else if ((s->audio = lib.audio_create(NULL, "kiosk", "Read aloud")) == NULL) {
		release(s);
		return kerr_set(err, K_EIO, "speech: no sound output");
	}
	/* espeakINITIALIZE_DONT_EXIT: without voice data the library would
	 * otherwise exit() the whole kiosk. */
	if (started_hz <= 0)
		started_hz = lib.initialize(AUDIO_OUTPUT_SYNCHRONOUS, SPEECH_BUF_MS, NULL,
					       espeakINITIALIZE_DONT_EXIT);
	s->rate_hz = started_hz;
	if (s->rate_hz <= 0) {
		release(s);
		return kerr_set(err, K_EIO, "speech: espeak-ng did not start (is espeak-ng-data installed?)");
	}
	lib.set_synth_callback(synth_cb);
	if (!list_langs(s)) {
		rc = kerr_set(err, K_ENOMEM, "out of memory");
		goto fail;
	}
	live = s;
	if (pthread_create(&s->thread, NULL, worker, s) != 0) {
		live = NULL;
		rc = kerr_set(err, K_EIO, "speech: cannot start its thread");
		goto fail;
	}
	*out = s;
	return K_OK;
fail:
	release(s);
	return rc;
}

void speech_free(speech *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->quit = true;
	atomic_store(&s->stop, true);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	live = NULL;
	if (s->audio_open)
		lib.audio_close(s->audio);
	release(s);
}

void speech_stop(speech *s)
{
	pthread_mutex_lock(&s->mu);
	free(s->pending);
	s->pending = NULL;
	s->speaking = false;
	if (s->busy)
		atomic_store(&s->stop, true);
	pthread_mutex_unlock(&s->mu);
}

krc speech_say(speech *s, const char *lang, const char *text, struct kerr *err)
{
	char *copy;

	if (!have_voice(s, lang))
		return kerr_set(err, K_ENOTFOUND, "speech: no voice for language '%.16s'", lang);
	copy = strdup(text);
	if (copy == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	pthread_mutex_lock(&s->mu);
	if (s->audio_failed) {
		pthread_mutex_unlock(&s->mu);
		free(copy);
		return kerr_set(err, K_EIO, "speech: the sound output cannot be opened");
	}
	free(s->pending);
	s->pending = copy;
	snprintf(s->pending_lang, sizeof s->pending_lang, "%s", lang);
	s->speaking = true;
	if (s->busy)
		atomic_store(&s->stop, true); /* cut what is being said */
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	return K_OK;
}

bool speech_speaking(speech *s)
{
	bool b;

	pthread_mutex_lock(&s->mu);
	b = s->speaking;
	pthread_mutex_unlock(&s->mu);
	return b;
}

void speech_wait(speech *s)
{
	pthread_mutex_lock(&s->mu);
	while (s->busy || s->pending)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
}
