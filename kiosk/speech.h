/* speech: read-aloud through libespeak-ng, in the kiosk's own process.
 *
 * Speaking never blocks the caller: speech_say() hands the text to the
 * synthesiser's own thread and returns, so a key is handled while the
 * previous screen is still being read.  A new utterance or speech_stop()
 * cuts off whatever is being said within one 20 ms audio buffer (a key
 * press interrupts speech).
 *
 * The audio goes to the sound card (through libpcaudio: PulseAudio or
 * ALSA), or, when opts.sink names a file, to no device at all: the samples
 * are produced and paced as a sound card would play them, and what was
 * said is written to that file, one line per event (for tests and the
 * bench on machines without sound):
 *
 *   say<TAB>LANG<TAB>TEXT     an utterance starts (text on one line)
 *   end<TAB>MS                it was spoken to the end (MS of audio)
 *   cut<TAB>MS                it was cut off after MS of audio
 *
 * The sink holds what was spoken, so it is never set in production.
 *
 * This is the only module that includes <espeak-ng/speak_lib.h>.  The
 * library is one synthesiser per process, so only one speech object may
 * exist at a time. */
#ifndef KIOSK_SPEECH_H
#define KIOSK_SPEECH_H

#include <stdbool.h>

#include "kerr.h"

typedef struct speech speech;

struct speech_opts {
	int rate;          /* words per minute, 80..450 (espeak's normal is 175) */
	int volume;        /* 0..200; 100 is the voice's normal volume */
	const char *sink;  /* NULL or "": the sound card; else the file described above */
	/* Optional: called on the synthesiser's thread when the first audio of
	 * an utterance is ready (sink) or starts to play (sound card), with the
	 * value given here.  For measuring; it must not block. */
	void (*on_start)(void *arg);
	void *arg;
};

/* Start the synthesiser and its thread.  Fails with K_EIO when
 * libespeak-ng cannot start (no voice data), there is no sound output or
 * the sink cannot be opened, and K_EBUSY when a speech object already
 * exists.  *out owned by the caller (speech_free). */
krc speech_new(speech **out, const struct speech_opts *o, struct kerr *err);

/* Stop speaking, end the thread and shut the synthesiser down; NULL is a
 * no-op. */
void speech_free(speech *s);

/* Speak text (UTF-8) with the voice for language code lang ("en", "es"),
 * cutting off whatever is being said.  Returns at once.  K_ENOTFOUND when
 * there is no voice for lang (nothing is said), K_EIO when the sound card
 * could not be opened for an earlier text. */
krc speech_say(speech *s, const char *lang, const char *text, struct kerr *err);

/* Cut off what is being said; returns at once.  Does nothing when silent. */
void speech_stop(speech *s);

/* True while an utterance is being spoken. */
bool speech_speaking(speech *s);

/* Wait until the current utterance is over (for tests and the bench; the
 * kiosk never waits for speech). */
void speech_wait(speech *s);

#endif
