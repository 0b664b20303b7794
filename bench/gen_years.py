#!/usr/bin/python3
"""gen_years.py DB DAYS PER_DAY: add DAYS days of PER_DAY purged receipts
(intakes delivered and then purged, as a clinic keeps them for years) before
today to an existing kiosk database (made by `kiosk init` or the store API).

Each receipt is what the store leaves after a delivery and the purge: a
completed session without name or birth date and without answers, an outbox
row marked delivered with the server's location and no bundle, and the two
audit entries (record.queued, record.delivered), plus one record.purge entry
a day.  The audit chain continues the database's own and stays verifiable
(`kiosk status --verify-audit`): the hashes are computed as kiosk/store.c
does.  Rows go in in time order, as the kiosk writes them.  Synthetic data,
no patient text at all."""
import hashlib
import os
import sqlite3
import sys
import time
import uuid


def u64(v):
    return (v & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")


def audit_hash(prev, aid, t, actor, action, detail):
    h = hashlib.sha256(prev)
    h.update(u64(aid))
    h.update(u64(t))
    for s in (actor, action, detail):
        b = s.encode()
        h.update(u64(len(b)))
        h.update(b)
    return h.digest()


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: gen_years.py DB DAYS PER_DAY\n")
        return 2
    db, days, per_day = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = OFF")
    cur = con.cursor()
    row = cur.execute("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    aid, prev = (row[0], bytes(row[1])) if row else (0, bytes(32))
    today0 = int(time.time()) // 86400 * 86400
    sessions, outbox, audit = [], [], []

    def add_audit(t, action, detail, actor="sync"):
        nonlocal aid, prev
        aid += 1
        prev = audit_hash(prev, aid, t, actor, action, detail)
        audit.append((aid, t, actor, action, detail, prev))

    def flush():
        cur.executemany("INSERT INTO sessions (id, state, lang, content_version, started, updated,"
                        " completed, outcome, flags, flag_details, purged)"
                        " VALUES (?, 'completed', ?, '2026-01-01.1', ?, ?, ?, ?, ?, ?, ?)", sessions)
        cur.executemany("INSERT INTO outbox (id, bundle, queued, state, attempts, next_attempt,"
                        " reason, delivered, location) VALUES (?, NULL, ?, 'delivered', 1, ?, '', ?, ?)",
                        outbox)
        cur.executemany("INSERT INTO audit (id, time, actor, action, detail, hash)"
                        " VALUES (?, ?, ?, ?, ?, ?)", audit)
        sessions.clear()
        outbox.clear()
        audit.clear()

    cur.execute("BEGIN")
    for d in range(days, 0, -1):
        day = today0 - d * 86400 + 8 * 3600      # opens at 08:00 UTC
        step = 10 * 3600 // per_day
        for i in range(per_day):
            sid = str(uuid.UUID(bytes=os.urandom(16), version=4))
            done = day + i * step
            flagged = i % 7 == 0
            outcome = "review" if flagged else "clear"
            sessions.append((sid, "es" if i % 5 == 0 else "en", done - 420, done, done, outcome,
                             "isotretinoin" if flagged else "",
                             "Isotretinoin in the last 6 months" if flagged else "", done + 2))
            qr = str(uuid.UUID(bytes=os.urandom(16), version=4))
            outbox.append((sid, done, done, done + 2,
                           "QuestionnaireResponse/%s/_history/1" % qr))
            add_audit(done, "record.queued", "%s %s" % (sid, outcome), actor="kiosk")
            add_audit(done + 2, "record.delivered", "%s QuestionnaireResponse/%s/_history/1" % (sid, qr))
        add_audit(day + 11 * 3600, "record.purge", "%d records" % per_day, actor="kiosk")
        if len(sessions) >= 20000:
            flush()
    flush()
    head = "%d:%s" % (aid, prev.hex())
    cur.execute("INSERT INTO meta (key, value) VALUES ('audit.head', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (head,))
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
