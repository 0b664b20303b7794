/* speech: owns the one espeak-ng synthesiser of the process.
 *
 * espeak-ng runs its own thread in AUDIO_OUTPUT_PLAYBACK and
 * AUDIO_OUTPUT_RETRIEVAL modes: espeak_Synth() queues the text and returns,
 * so the screen never waits for speech.  espeak_Cancel() stops the thread's
 * current utterance and waits until it has, which takes at most one audio
 * buffer (here 20 ms), so a key press cuts speech off at once.
 *
 * Production plays on the sound card (PLAYBACK).  With a sink file the
 * samples come back to synth_cb() (RETRIEVAL), which paces them as a sound
 * card would play them: that way an utterance lasts as long as it would be
 * heard, and a test can see a key cut it off.
 *
 * The library calls back with no context pointer and holds one synthesiser
 * per process, so the live speech object is a file-scope pointer here and
 * speech_new() refuses a second.  The synthesiser is started once and kept
 * until the process exits: libespeak-ng 1.51 cannot be started again after
 * espeak_Terminate() (its queue thread leaves a "command running" mark
 * behind, and the next espeak_Cancel() waits for it forever).
 *
 * It must never log or write what is spoken anywhere but the sink. */
#include "speech.h"

#include <espeak-ng/speak_lib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Audio buffer length in ms: the longest a stop waits for the thread. */
#define SPEECH_BUF_MS 20

struct speech {
	FILE *sink;
	int rate_hz;
	int wpm, volume;
	char lang[16];
	void (*on_start)(void *arg);
	void *arg;

	pthread_mutex_t mu;
	/* Under mu: the utterance being spoken (espeak's id; 0: none). */
	unsigned int uid;
	bool speaking;
	/* Written by the synthesiser thread, read by the caller. */
	atomic_bool started;
	atomic_long samples;
	/* Set while a stop is in progress: the sink pacing gives up at once. */
	atomic_bool stopping;
};

static speech *_Atomic live;
/* The output mode and sample rate of the started synthesiser (0: none). */
static int started_mode = -1, started_hz;

static void sink_line(speech *s, const char *kind, const char *lang, const char *text)
{
	if (s->sink == NULL)
		return;
	if (text) {
		fprintf(s->sink, "%s\t%s\t", kind, lang);
		/* One utterance per line: line breaks in the text become spaces. */
		for (const char *p = text; *p; p++)
			fputc(*p == '\n' || *p == '\r' || *p == '\t' ? ' ' : *p, s->sink);
		fputc('\n', s->sink);
	} else {
		fprintf(s->sink, "%s\t%ld\n", kind, atomic_load(&s->samples) * 1000 / s->rate_hz);
	}
	fflush(s->sink);
}

/* Sleep ms, in slices, giving up as soon as a stop begins. */
static bool pace(speech *s, long ms)
{
	while (ms > 0 && !atomic_load(&s->stopping)) {
		long step = ms < 5 ? ms : 5;
		struct timespec ts = { 0, step * 1000000L };

		nanosleep(&ts, NULL);
		ms -= step;
	}
	return !atomic_load(&s->stopping);
}

static void begin_audio(speech *s)
{
	if (!atomic_exchange(&s->started, true) && s->on_start)
		s->on_start(s->arg);
}

static int synth_cb(short *wav, int n, espeak_EVENT *ev)
{
	speech *s = live;

	if (s == NULL)
		return 1;
	if (wav && n > 0) {
		begin_audio(s);
		atomic_fetch_add(&s->samples, n);
		if (s->sink && !pace(s, (long)n * 1000 / s->rate_hz))
			return 1;
	}
	for (; ev && ev->type != espeakEVENT_LIST_TERMINATED; ev++) {
		if (ev->type == espeakEVENT_WORD || ev->type == espeakEVENT_SENTENCE)
			begin_audio(s); /* PLAYBACK: sent as the sound is played */
		if (ev->type != espeakEVENT_MSG_TERMINATED)
			continue;
		pthread_mutex_lock(&s->mu);
		if (s->speaking && ev->unique_identifier == s->uid && !atomic_load(&s->stopping)) {
			s->speaking = false;
			sink_line(s, "end", NULL, NULL);
		}
		pthread_mutex_unlock(&s->mu);
	}
	return atomic_load(&s->stopping) ? 1 : 0;
}

krc speech_new(speech **out, const struct speech_opts *o, struct kerr *err)
{
	speech *s;
	bool to_sink = o->sink && *o->sink;

	*out = NULL;
	if (live)
		return kerr_set(err, K_EBUSY, "speech: the synthesiser is already in use");
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return kerr_set(err, K_ENOMEM, "out of memory");
	pthread_mutex_init(&s->mu, NULL);
	s->wpm = o->rate < espeakRATE_MINIMUM ? espeakRATE_MINIMUM
		 : o->rate > espeakRATE_MAXIMUM ? espeakRATE_MAXIMUM : o->rate;
	s->volume = o->volume < 0 ? 0 : o->volume > 200 ? 200 : o->volume;
	s->on_start = o->on_start;
	s->arg = o->arg;
	if (to_sink && (s->sink = fopen(o->sink, "a")) == NULL) {
		pthread_mutex_destroy(&s->mu);
		free(s);
		return kerr_set(err, K_EIO, "speech: cannot open the sink file");
	}
	if (started_mode < 0) {
		started_mode = to_sink ? AUDIO_OUTPUT_RETRIEVAL : AUDIO_OUTPUT_PLAYBACK;
		/* espeakINITIALIZE_DONT_EXIT: without voice data the library
		 * would otherwise exit() the whole kiosk. */
		started_hz = espeak_Initialize(started_mode, SPEECH_BUF_MS, NULL, espeakINITIALIZE_DONT_EXIT);
		if (started_hz > 0)
			espeak_SetSynthCallback(synth_cb);
	}
	if (started_hz <= 0 || started_mode != (to_sink ? AUDIO_OUTPUT_RETRIEVAL : AUDIO_OUTPUT_PLAYBACK)) {
		if (s->sink)
			fclose(s->sink);
		pthread_mutex_destroy(&s->mu);
		free(s);
		if (started_hz <= 0)
			return kerr_set(err, K_EIO, "speech: espeak-ng did not start (is espeak-ng-data installed?)");
		return kerr_set(err, K_EBUSY, "speech: the synthesiser already plays to another output");
	}
	s->rate_hz = started_hz;
	live = s;
	*out = s;
	return K_OK;
}

void speech_free(speech *s)
{
	if (s == NULL)
		return;
	speech_stop(s);
	live = NULL;
	if (s->sink)
		fclose(s->sink);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

void speech_stop(speech *s)
{
	bool was;

	pthread_mutex_lock(&s->mu);
	was = s->speaking;
	s->speaking = false;
	atomic_store(&s->stopping, true);
	if (was)
		sink_line(s, "cut", NULL, NULL);
	pthread_mutex_unlock(&s->mu);
	/* Waits for the thread to leave the utterance (one buffer at most). */
	espeak_Cancel();
	atomic_store(&s->stopping, false);
}

static krc set_voice(speech *s, const char *lang, struct kerr *err)
{
	espeak_VOICE v;

	if (!strcmp(s->lang, lang))
		return K_OK;
	memset(&v, 0, sizeof v);
	v.languages = lang;
	if (espeak_SetVoiceByProperties(&v) != EE_OK) {
		s->lang[0] = '\0';
		return kerr_set(err, K_ENOTFOUND, "speech: no voice for language '%.16s'", lang);
	}
	/* A voice brings its own rate and volume: set ours after it. */
	espeak_SetParameter(espeakRATE, s->wpm, 0);
	espeak_SetParameter(espeakVOLUME, s->volume, 0);
	snprintf(s->lang, sizeof s->lang, "%s", lang);
	return K_OK;
}

krc speech_say(speech *s, const char *lang, const char *text, struct kerr *err)
{
	unsigned int uid = 0;
	krc rc;

	speech_stop(s);
	rc = set_voice(s, lang, err);
	if (rc != K_OK)
		return rc;
	pthread_mutex_lock(&s->mu);
	atomic_store(&s->started, false);
	atomic_store(&s->samples, 0);
	s->speaking = true;
	sink_line(s, "say", lang, text);
	/* Under mu, so that the end of this utterance cannot be reported
	 * before its id is known. */
	if (espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, &uid, s) != EE_OK) {
		s->speaking = false;
		pthread_mutex_unlock(&s->mu);
		return kerr_set(err, K_EIO, "speech: the synthesiser refused the text");
	}
	s->uid = uid;
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
	(void)s;
	espeak_Synchronize();
}
