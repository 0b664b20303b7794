/* readaloud: the words the kiosk speaks for what the patient's screen shows.
 *
 * Pure: it reads the engine's screen and the content, and returns text.  No
 * ncurses, no synthesiser, no files.  Every word comes from the content (the
 * screens and the `say_*` interface messages of _content.yaml), in the
 * session's language, so a clinic edits what is spoken where it edits what
 * is shown, and `kiosk check` reports a missing translation.
 *
 * Privacy: answers the patient typed (name, date of birth, phone, the
 * signature...) are never read out with the screen; readaloud_spell() spells
 * one out when the patient asks for it.
 *
 * Each function returns K_OK and a string in *out that the caller owns
 * (free()); "" when there is nothing to say. */
#ifndef KIOSK_READALOUD_H
#define KIOSK_READALOUD_H

#include <stdbool.h>

#include "engine.h"
#include "kerr.h"

/* What the screen shows beyond the engine's state. */
struct readaloud_view {
	/* Multi screens: the options ticked on screen but not yet saved (n_marks
	 * entries).  NULL: as the engine's saved answer. */
	const bool *marks;
	int n_marks;
	/* Name of the key that spells a typed answer (filled into say_typed). */
	const char *spell_key;
};

/* The whole screen: "Question n of total", title, question, help, then each
 * option with its number ("1, Yes. 2, No. 3, I'm not sure."), or the review
 * list, the outcome with the patient's messages, the aftercare text; and
 * the validation error if the last answer was refused.  v may be NULL. */
krc readaloud_screen(const engine *e, const struct readaloud_view *v, char **out, struct kerr *err);

/* The item that focus moved to: option `item` ("2, No."), or on the review
 * screen the answer `item` in the review list (the last item is Finish). */
krc readaloud_focus(const engine *e, const struct readaloud_view *v, int item, char **out,
		    struct kerr *err);

/* What ticking or unticking option `option` of a multi screen did
 * ("Ticked: Cold sores"). */
krc readaloud_toggle(const engine *e, int option, bool on, char **out, struct kerr *err);

/* Why the last answer was refused ("" when it was not). */
krc readaloud_error(const engine *e, char **out, struct kerr *err);

/* Screen index of review item `item` (as readaloud_focus counts them), or
 * -1 for Finish or an item out of range. */
int readaloud_review_screen(const engine *e, int item);

/* Spell out the answer to screen `screen` on request: value, or the saved
 * answer when value is NULL ("Your name: A n a, R u i z.").  Empty when
 * there is no answer. */
krc readaloud_spell(const engine *e, int screen, const char *value, char **out, struct kerr *err);

#endif
