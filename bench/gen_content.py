#!/usr/bin/python3
"""Generate a large content folder for `make bench`.

Usage: gen_content.py SCREENS_DIR ASSETS_DIR OUT N [--chain]

OUT/screens gets the bundled screens (so identity, consent, review, outcome
and aftercare exist) plus N generated screens 800-g0000.yaml ... slotted in
before the consent screen: alternately yesno (with "not sure") and choice
(with an "unsure" option), each with a review flag, most shown only when
an earlier generated screen has a given answer, and some flags looking at
an earlier screen too.  With --chain every generated screen is a yesno
asked only when the one before it was not "yes" (one long chain of
follow-ups).  OUT/assets is a copy of the assets folder.
"""
import os
import shutil
import sys


def screen(i):
    sid = "g%04d" % i
    kind = "yesno" if i % 2 == 0 else "choice"
    lines = ["# Generated for the benchmark.", "id: %s" % sid, "kind: %s" % kind]
    if kind == "yesno":
        lines.append("not_sure: true")
    if i % 10:
        # Follow-up questions: an earlier screen of the same block of ten
        # decides whether this one is asked (chains stay short, as in
        # real content; see chain() for the long case).
        j = max(i - i % 10, i - 1 - i % 3)
        other = "yes" if j % 2 == 0 else "c"
        lines.append('when: {question: g%04d, not_equals: "%s"}' % (j, other))
    lines += [
        'title: {en: "Generated question %d", es: "Pregunta generada %d"}' % (i, i),
        "text:",
        '  en: "Is statement number %d true for you today?"' % i,
        '  es: "¿Es cierta hoy para usted la afirmación número %d?"' % i,
    ]
    if kind == "choice":
        lines += [
            "options:",
            '  - {id: a, label: {en: "Answer A", es: "Respuesta A"}}',
            '  - {id: b, label: {en: "Answer B", es: "Respuesta B"}}',
            '  - {id: c, label: {en: "Answer C", es: "Respuesta C"}}',
            '  - {id: unsure, unsure: true, label: {en: "I\'m not sure", es: "No estoy seguro/a"}}',
        ]
        when = "{equals: b}"
        if i >= 3:
            when = '{any: [{equals: b}, {question: g%04d, equals: "yes"}]}' % (i - 3)
    else:
        when = '{equals: "yes"}'
    lines += [
        "flags:",
        "  - code: GEN-%04d" % i,
        "    severity: review",
        "    when: %s" % when,
        "    staff: Generated flag %d for the benchmark." % i,
        "    patient:",
        '      en: "A clinician will look at answer %d with you."' % i,
        '      es: "Un profesional revisará la respuesta %d con usted."' % i,
    ]
    return "\n".join(lines) + "\n"


def chain(i):
    """A yesno screen asked only when the previous one was not "yes":
    every screen depends on all before it."""
    lines = ["# Generated for the benchmark.", "id: g%04d" % i, "kind: yesno", "not_sure: true"]
    if i:
        lines.append('when: {question: g%04d, not_equals: "yes"}' % (i - 1))
    lines += [
        'title: {en: "Generated question %d", es: "Pregunta generada %d"}' % (i, i),
        "text:",
        '  en: "Is statement number %d true for you today?"' % i,
        '  es: "¿Es cierta hoy para usted la afirmación número %d?"' % i,
        "flags:",
        "  - code: GEN-%04d" % i,
        "    severity: review",
        '    when: %s' % ('{any: [{equals: "yes"}, {question: g%04d, equals: "yes"}]}' % (i - 2)
                          if i >= 2 else '{equals: "yes"}'),
        "    staff: Generated flag %d for the benchmark." % i,
        "    patient:",
        '      en: "A clinician will look at answer %d with you."' % i,
        '      es: "Un profesional revisará la respuesta %d con usted."' % i,
    ]
    return "\n".join(lines) + "\n"


def main():
    src, assets, out, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    make = chain if len(sys.argv) > 5 and sys.argv[5] == "--chain" else screen
    if os.path.exists(out):
        shutil.rmtree(out)
    shutil.copytree(src, os.path.join(out, "screens"))
    shutil.copytree(assets, os.path.join(out, "assets"))
    for i in range(n):
        with open(os.path.join(out, "screens", "800-g%04d.yaml" % i), "w") as f:
            f.write(make(i))


if __name__ == "__main__":
    main()
