#!/usr/bin/python3
"""`make bench`: the kiosk side by side with a browser kiosk (headless
Chromium on a local HTML form) and a shell script of `dialog` screens posting
records with `curl`, on this machine.  It prints a table and writes
bench/results.md.  A benchmark, not a test: it measures and prints, it does
not assert.

Usage: bench.py [--build DIR] [--quick] [--out FILE]
  --build DIR   folder with kiosk, kiosk-sync and libkiosk.a (default: $BUILD or build)
  --quick       fewer runs and records (a smoke run, about a minute)
  --out FILE    where to write the results (default: bench/results.md)

Every figure is min / median of several runs.  Times are wall clock; on a
shared machine the CPU time columns are the steadier figure.
"""
import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"
CHROMIUM = "/usr/lib/chromium/chromium"
# The flags a kiosk or test harness gives headless Chromium so it does not
# phone home or set up a profile's extras (Puppeteer's defaults, in short).
CHROMIUM_FLAGS = [
    "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
    "--no-default-browser-check", "--disable-background-networking",
    "--disable-component-update", "--disable-default-apps", "--disable-extensions",
    "--disable-sync", "--metrics-recording-only", "--mute-audio",
    "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
]
TERM_ENV = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
KEY_DOWN, KEY_UP = r"\eOB", r"\eOA"  # xterm cursor keys in keypad-transmit mode


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run(cmd, **kw)


def mm(samples):
    """(min, median) of the samples that exist, None when there are none."""
    s = [x for x in samples if x is not None]
    if not s:
        return None
    return (min(s), statistics.median(s))


# ---- the machine ----

def machine(work):
    info = {}
    info["nproc"] = os.cpu_count()
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    info["cpu"] = model or platform.processor()
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                info["mem"] = "%.1f GiB" % (int(line.split()[1]) / 1048576)
    df = run(["df", "-PT", work], capture_output=True, text=True).stdout.splitlines()[-1].split()
    dev, fstype, size = df[0], df[1], int(df[2]) * 1024
    rota = "?"
    base = os.path.basename(os.path.realpath(dev)) if dev.startswith("/dev/") else ""
    for cand in (base, re.sub(r"p?\d+$", "", base)):
        path = "/sys/block/%s/queue/rotational" % cand
        if cand and os.path.exists(path):
            rota = "rotational" if open(path).read().strip() == "1" else "non-rotational"
            break
    info["disk"] = "%s (%s, %.0f GB, %s), bench files in %s" % (dev, fstype, size / 1e9, rota,
                                                               os.path.dirname(work))
    info["kernel"] = platform.release()
    info["load"] = " ".join(open("/proc/loadavg").read().split()[:3])

    def version(cmd):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            text = (out.stdout or out.stderr).strip().splitlines()
            return text[0] if text else "?"
        except (OSError, subprocess.TimeoutExpired):
            return "absent"
    info["versions"] = "; ".join([
        version([CHROMIUM, "--version"]), "dialog " + version(["dialog", "--version"]).split()[-1],
        " ".join(version(["curl", "--version"]).split()[:2]),
        "SQLite " + version(["sqlite3", "--version"]).split()[0],
        "Node " + version(["node", "--version"]).lstrip("v") + " (test FHIR server)"])
    return info


# ---- helpers built here ----

def build_helpers(build, work):
    bindir = os.path.join(work, "bin")
    os.makedirs(bindir, exist_ok=True)
    run(["cc", "-O2", "-o", os.path.join(bindir, "ptyrun"), os.path.join(ROOT, "bench/ptyrun.c"),
         "-lutil"])
    # libespeak-ng and libpcaudio are opened at run time (kiosk/speech.c).
    libs = run(["pkg-config", "--libs", "sqlite3", "libsodium", "libfyaml", "zlib"], capture_output=True,
               text=True).stdout.split() + ["-ldl"]
    run(["cc", "-std=c11", "-O2", "-D_DEFAULT_SOURCE", "-I" + os.path.join(ROOT, "kiosk"), "-o",
         os.path.join(bindir, "kbench"), os.path.join(ROOT, "bench/kbench.c"),
         os.path.join(build, "libkiosk.a")] + libs)
    return bindir


def ptyrun(bindir, steps, cmd, cwd, quiet=60, timeout=20000):
    """Run cmd on an 80x24 pty through the steps; a list of step dicts and
    the memory figures (see bench/ptyrun.c)."""
    env = dict(os.environ)
    env.update(TERM_ENV)
    env.pop("LANGUAGE", None)
    out = subprocess.run([os.path.join(bindir, "ptyrun"), "-q", str(quiet), "-t", str(timeout)] +
                         steps + ["--"] + cmd, cwd=cwd, env=env, capture_output=True, text=True)
    res = {"steps": [], "ok": out.returncode == 0}
    for line in out.stdout.splitlines():
        kv = dict(p.split("=", 1) for p in line.split())
        if "step" in kv:
            res["steps"].append({k: int(v) for k, v in kv.items()})
        elif "hwm_kb" in kv:
            res["hwm_kb"] = int(kv["hwm_kb"])
            res["maxrss_kb"] = int(kv["maxrss_kb"])
    return res


def first_words(text, n=2):
    words = [w for w in re.split(r"\s+", text.strip()) if w]
    return " ".join(words[:n])


# ---- the same 20 screens for the alternatives ----

def questionnaire(build, content):
    out = run([os.path.join(build, "kiosk"), "export-fhir", content], capture_output=True,
              text=True, cwd=ROOT).stdout
    return json.loads(out)


def screens20(q):
    """The first 20 screens of the content, as (kind, text, options, repeats)."""
    out = []
    for it in q["item"][:20]:
        opts = [o["valueCoding"].get("display", o["valueCoding"]["code"])
                for o in it.get("answerOption", []) if "valueCoding" in o]
        kind = {"display": "info", "choice": "choice"}.get(it["type"], "text")
        out.append({"id": it["linkId"], "kind": kind, "text": it.get("text", it["linkId"]),
                    "options": opts, "repeats": bool(it.get("repeats"))})
    return out


def dialog_args(s, title):
    """One dialog invocation for screen s, sized for 80x24."""
    base = ["dialog", "--backtitle", title, "--title", s["id"]]
    if s["kind"] == "info":
        return base + ["--msgbox", s["text"], "16", "76"]
    if s["kind"] == "choice" and s["repeats"]:
        items = []
        for i, o in enumerate(s["options"]):
            items += [str(i + 1), o, "off"]
        return base + ["--checklist", s["text"], "20", "76", "12"] + items
    if s["kind"] == "choice":
        items = []
        for i, o in enumerate(s["options"]):
            items += [str(i + 1), o]
        return base + ["--menu", s["text"], "20", "76", "12"] + items
    return base + ["--inputbox", s["text"], "10", "76"]


def shell_quote(a):
    return "'" + a.replace("'", "'\\''") + "'"


def html_form(screens, title, path):
    """The browser kiosk: one page, one section per screen, shown one at a
    time by a few lines of script (what a web intake form looks like)."""
    esc = lambda t: (t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                     .replace("\n", "<br>"))
    parts = ["<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
             "<meta name=viewport content='width=device-width'><title>%s</title>" % esc(title),
             "<style>body{font:20px sans-serif;margin:0;background:#fff}header{background:#1a4d8f;"
             "color:#fff;padding:8px 16px}section{display:none;padding:16px}section.on{display:block}"
             "label{display:block;margin:8px 0}button{font-size:20px;margin:16px 8px 0 0}</style>",
             "</head><body><header>%s</header><form id=f>" % esc(title)]
    for i, s in enumerate(screens):
        parts.append("<section id=s%d%s><h1>%s</h1><p>%s</p>" % (
            i, " class=on" if i == 0 else "", esc(s["id"]), esc(s["text"])))
        kind = "checkbox" if s["repeats"] else "radio"
        for j, o in enumerate(s["options"]):
            parts.append("<label><input type=%s name=%s value=%d> %s</label>" % (
                kind, s["id"], j, esc(o)))
        if s["kind"] == "text":
            parts.append("<input name=%s size=40>" % s["id"])
        parts.append("<button type=button onclick=go(%d)>Back</button>"
                     "<button type=button onclick=go(%d)>Continue</button></section>" % (i - 1, i + 1))
    parts.append("</form><script>function go(n){var s=document.querySelectorAll('section');"
                 "if(n<0||n>=s.length)return;for(var i=0;i<s.length;i++)"
                 "s[i].className=i==n?'on':'';}</script></body></html>")
    with open(path, "w") as f:
        f.write("\n".join(parts))


# ---- start-up ----

def kiosk_conf(work, name, content):
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    conf = os.path.join(d, "kiosk.conf")
    with open(conf, "w") as f:
        f.write("[kiosk]\ndatabase = %s/var/kiosk.db\ncontent = %s\npublished = %s/published\n"
                "pepper_file = %s/pepper\n" % (d, content, d, d))
    return conf


def bench_kiosk_start(build, bindir, work, conf, marker, runs):
    cmd = [os.path.join(build, "kiosk"), "--config", conf]
    # `kiosk init` is the one command that creates the database.
    run([os.path.join(build, "kiosk"), "init", "--config", conf], stdout=subprocess.DEVNULL)
    ptyrun(bindir, ["wait:" + marker], cmd, work)  # first start: schema and content queued
    t, cpu, rss, nbytes, uss, pss = [], [], [], [], [], []
    for _ in range(runs):
        r = ptyrun(bindir, ["wait:" + marker], cmd, work)
        if not r["ok"] or not r["steps"]:
            log("kiosk start-up: the first screen did not appear")
            continue
        s = r["steps"][0]
        t.append(s["last_us"] / 1000)
        cpu.append(s["cpu_us"] / 1000)
        rss.append(r["hwm_kb"] / 1024)
        nbytes.append(s["bytes"])
        if s.get("uss_kb", -1) > 0:
            uss.append(s["uss_kb"] / 1024)
            pss.append(s["pss_kb"] / 1024)
    return {"time": mm(t), "cpu": mm(cpu), "rss": mm(rss), "bytes": mm(nbytes),
            "uss": mm(uss), "pss": mm(pss)}


def bench_dialog_start(bindir, work, screens, title, runs):
    """dialog: the first screen (runs times), then each of the 20 screens."""
    first = {"time": [], "cpu": [], "rss": [], "uss": [], "pss": []}
    per = {"time": [], "rss": []}
    for k in range(runs):
        r = ptyrun(bindir, ["wait:" + first_words(screens[0]["text"]), r"key:\r"],
                   dialog_args(screens[0], title), work)
        if r["ok"]:
            s = r["steps"][0]
            first["time"].append(s["last_us"] / 1000)
            first["cpu"].append(s["cpu_us"] / 1000)
            first["rss"].append(r["maxrss_kb"] / 1024)
            if s.get("uss_kb", -1) > 0:
                first["uss"].append(s["uss_kb"] / 1024)
                first["pss"].append(s["pss_kb"] / 1024)
    for s in screens:
        r = ptyrun(bindir, ["wait:" + first_words(s["text"]), r"key:\r"], dialog_args(s, title),
                   work)
        if r["ok"]:
            per["time"].append(r["steps"][0]["last_us"] / 1000)
            per["rss"].append(r["maxrss_kb"] / 1024)
    return {"time": mm(first["time"]), "cpu": mm(first["cpu"]), "rss": mm(first["rss"]),
            "uss": mm(first["uss"]), "pss": mm(first["pss"]),
            "screen_time": mm(per["time"]), "screen_rss": mm(per["rss"]),
            "screens": len(per["time"])}


def instructions(bindir, work, name, marker, cmd, extra_steps=()):
    """Instructions the program executes to draw its first screen and exit
    (valgrind's callgrind: a count that does not depend on the load of a
    shared machine)."""
    if not shutil.which("valgrind"):
        return None
    out = os.path.join(work, "callgrind-%s.out" % name)
    ptyrun(bindir, ["wait:" + marker] + list(extra_steps),
           ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + cmd, work,
           timeout=120000)
    try:
        with open(out) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def proc_children(pid):
    out = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def tree(pid):
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += proc_children(p)
    return seen


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_ns(pid):
    try:
        with open("/proc/%d/schedstat" % pid) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def bench_chromium(work, html, runs, budget):
    """Headless Chromium: exec to the DOM of the loaded form on stdout, and
    the peak of the summed RSS of all its processes until then."""
    t, rss, pss, cpu = [], [], [], []
    if not os.path.exists(CHROMIUM):
        log("chromium is not installed: skipped")
        return None
    start_all = time.monotonic()
    for k in range(runs):
        if time.monotonic() - start_all > budget and k >= 2:
            break
        prof = os.path.join(work, "chromium-profile-%d" % k)
        t0 = time.monotonic()
        p = subprocess.Popen([CHROMIUM] + CHROMIUM_FLAGS + ["--user-data-dir=" + prof,
                             "--dump-dom", "file://" + html], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
        os.set_blocking(p.stdout.fileno(), False)
        first, peak, peak_pss, used, got = None, 0, 0, 0, b""
        while True:
            try:
                chunk = os.read(p.stdout.fileno(), 65536)
            except BlockingIOError:
                chunk = None
            if chunk == b"":
                break
            if chunk:
                got += chunk
                if first is None:
                    first = time.monotonic() - t0
            procs = tree(p.pid)
            total = sum(rss_kb(x) for x in procs)
            peak = max(peak, total)
            if total >= peak:
                peak_pss = max(peak_pss, sum(pss_kb(x) for x in procs))
            if first is not None and b"</html>" in got:
                used = sum(cpu_ns(x) for x in procs)
                break
            if time.monotonic() - t0 > 120:
                log("chromium: no page after 120 s")
                break
            time.sleep(0.01)
        p.kill()
        p.wait()
        shutil.rmtree(prof, ignore_errors=True)
        if first is not None:
            t.append(first * 1000)
            rss.append(peak / 1024)
            pss.append(peak_pss / 1024)
            cpu.append(used / 1e6)
    return {"time": mm(t), "rss": mm(rss), "pss": mm(pss), "cpu": mm(cpu), "runs": len(t)}


# ---- per answer ----

def bench_kiosk_keys(build, bindir, work, conf, welcome, sessions):
    """Highlight moves and Enter (answer saved, next screen) on the
    language screen; Esc goes back to it for the next Enter."""
    # Keys are timed until the terminal is quiet: ncurses redraws only what
    # changed, so a screen's text may never appear whole in the output.
    steps = ["wait:" + welcome, r"key:\r"]
    kinds = ["start", "info-enter"]
    for _ in range(10):
        steps += ["key:" + KEY_DOWN, "key:" + KEY_UP]
        kinds += ["move", "move"]
    for _ in range(5):
        # Enter answers English (saved), Esc comes back, Down + Enter
        # answers Spanish: every Enter saves a changed answer.
        steps += [r"key:\r", r"key:\e", "key:" + KEY_DOWN, r"key:\r", r"key:\e", "key:" + KEY_UP]
        kinds += ["enter", "esc", "move", "enter", "esc", "move"]
    cmd = [os.path.join(build, "kiosk"), "--config", conf]
    got = {"move": [], "enter": []}
    for _ in range(sessions):
        r = ptyrun(bindir, steps, cmd, work)
        for kind, s in zip(kinds, r["steps"]):
            if kind in got and s["bytes"] > 0:
                got[kind].append(s)
        if not r["ok"]:
            log("kiosk keys: a screen did not appear (%d of %d steps)" % (len(r["steps"]),
                                                                        len(steps)))
    return {k: {"time": mm([s["last_us"] / 1000 for s in v]),
                "bytes": mm([s["bytes"] for s in v]),
                "cpu": mm([s["cpu_us"] / 1000 for s in v]), "n": len(v)}
            for k, v in got.items()}


def bench_dialog_keys(bindir, work, screens, title, sessions):
    """The dialog script: 20 dialog processes in a row; Enter on each
    draws the next; highlight moves on the language menu."""
    script = " && ".join(" ".join(shell_quote(a) for a in dialog_args(s, title)) + " 2>>answers"
                         for s in screens)
    steps = ["wait:" + first_words(screens[0]["text"])]
    kinds = ["start"]
    for i, s in enumerate(screens[1:], 1):
        steps.append(r"keywait:\r:" + first_words(s["text"]))
        kinds.append("enter")
        if s["kind"] == "choice" and not s["repeats"] and len([k for k in kinds if k == "move"]) == 0:
            for _ in range(10):
                steps += ["key:" + KEY_DOWN, "key:" + KEY_UP]
                kinds += ["move", "move"]
    steps.append(r"key:\r")
    kinds.append("end")
    got = {"move": [], "enter": []}
    for _ in range(sessions):
        r = ptyrun(bindir, steps, ["sh", "-c", script], work)
        for kind, s in zip(kinds, r["steps"]):
            if kind in got and s["bytes"] > 0:
                got[kind].append(s)
        if not r["ok"]:
            log("dialog script: a screen did not appear (%d of %d steps)" % (len(r["steps"]),
                                                                           len(steps)))
    return {k: {"time": mm([s["last_us"] / 1000 for s in v]),
                "bytes": mm([s["bytes"] for s in v]), "n": len(v)}
            for k, v in got.items()}


# ---- store and content ----

def kbench(bindir, *args):
    out = run([os.path.join(bindir, "kbench")] + [str(a) for a in args], capture_output=True,
              text=True)
    return [[float(x) for x in line.split()] for line in out.stdout.splitlines()]


def bench_store(bindir, work, quick):
    """Answer saves and intake completions paired with fdatasync probes in
    the same rounds, so a busy disk slows both alike."""
    d = os.path.join(work, "store")
    os.makedirs(d, exist_ok=True)
    out = run([os.path.join(bindir, "kbench"), "paired", d, "60" if quick else "450"],
              capture_output=True, text=True).stdout
    got = {}
    for line in out.splitlines():
        k, v = line.split()
        got.setdefault(k, []).append(float(v) / 1000)
    it = kbench(bindir, "intakes", os.path.join(d, "i.db"), 10 if quick else 30)
    res = {k: mm(got.get(k, [])) for k in ("fsync", "fsync_append", "answer", "complete")}
    res["intake"] = mm([r[1] / 1000 for r in it])
    return res


def bench_speech(bindir, quick):
    """Read-aloud start: a screen's text built and handed to espeak-ng until
    its first audio sample is ready (ms)."""
    rows = kbench(bindir, "speech", os.path.join(ROOT, "screens"), 20 if quick else 100)
    return {"first": mm([r[0] / 1000 for r in rows]), "text": mm([r[1] / 1000 for r in rows])}


def cpu_of(cmd, timeout=None):
    """Wall and CPU (user+sys) of one run of cmd, its output."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
    out = b""
    deadline = None if timeout is None else t0 + timeout
    os.set_blocking(p.stdout.fileno(), False)
    while True:
        try:
            chunk = os.read(p.stdout.fileno(), 65536)
        except BlockingIOError:
            chunk = None
        if chunk == b"":
            break
        if chunk:
            out += chunk
        if deadline and time.monotonic() > deadline:
            p.kill()
            _, status, ru = os.wait4(p.pid, 0)
            return {"wall": None, "cpu": ru.ru_utime + ru.ru_stime, "rc": None,
                    "out": out.decode(errors="replace"), "timeout": timeout}
        time.sleep(0.005)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rc": os.waitstatus_to_exitcode(status),
            "out": out.decode(errors="replace")}


def bench_content(build, bindir, work, big, chain, quick):
    res = {}
    kiosk = os.path.join(build, "kiosk")
    for name, d, n, nexec in (("bundled", os.path.join(ROOT, "screens"), 20 if not quick else 5, 5),
                              ("big", big, 5 if not quick else 2, 3 if not quick else 1)):
        rows = kbench(bindir, "content", d, n)
        runs = [cpu_of([kiosk, "check", d]) for _ in range(nexec)]
        m = re.search(r"ok, (\d+) screens", runs[-1]["out"]) if runs else None
        res[name] = {"load": mm([r[0] / 1000 for r in rows]), "check": mm([r[1] / 1000 for r in rows]),
                     "exec": mm([r["wall"] * 1000 for r in runs]),
                     "exec_cpu": mm([r["cpu"] * 1000 for r in runs]),
                     "screens": int(m.group(1)) if m else None,
                     "rc": runs[-1]["rc"] if runs else None}
    r = cpu_of([kiosk, "check", chain], timeout=60)
    errs = len(re.findall(r"can never fire", r["out"]))
    m = re.search(r"(\d+) error", r["out"])
    res["chain"] = {"wall": r["wall"], "cpu": r["cpu"], "false_errors": errs,
                    "errors": int(m.group(1)) if m else 0, "timeout": r.get("timeout")}
    return res


# ---- sync ----

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """tests/tools/fhir_server.js on a fresh port, without FHIR validation
    (both the kiosk and curl talk to the same server; validation would
    only measure the validator)."""

    def __init__(self, work, pki, token):
        self.port = free_port()
        ready = os.path.join(work, "ready-%d" % self.port)
        self.log = open(os.path.join(work, "server-%d.log" % self.port), "w")
        self.p = subprocess.Popen(["node", os.path.join(ROOT, "tests/tools/fhir_server.js"),
                                   "--port", str(self.port), "--cert", pki + "/server.pem",
                                   "--key", pki + "/server.key", "--token", token,
                                   "--ready", ready, "--no-validate"],
                                  stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            if os.path.exists(ready) and os.path.getsize(ready):
                break
            time.sleep(0.05)
        self.url = "https://127.0.0.1:%d/fhir" % self.port
        self.cpu0 = self.ticks()

    def ticks(self):
        """utime + stime of all the server's threads (schedstat is one
        thread only)."""
        try:
            with open("/proc/%d/stat" % self.p.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            return 0

    def cpu(self):
        return (self.ticks() - self.cpu0) / os.sysconf("SC_CLK_TCK")

    def stats(self, pki):
        out = run(["curl", "-sf", "--cacert", pki + "/ca.pem",
                   "https://127.0.0.1:%d/_dump" % self.port], capture_output=True, text=True,
                  check=False).stdout
        try:
            d = json.loads(out)
            return {"transactions": d["transactions"], "connections": d["connections"],
                    "h2": d.get("h2_connections"), "max_in_flight": d.get("max_in_flight")}
        except (ValueError, KeyError):
            return {"transactions": None, "connections": None, "h2": None, "max_in_flight": None}

    def stop(self):
        self.p.terminate()
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.log.close()


def sync_conf(d, server, pki, tokfile):
    conf = os.path.join(d, "kiosk.conf")
    with open(conf, "w") as f:
        f.write("[kiosk]\ndatabase = %s/var/kiosk.db\n[sync]\nserver = %s\nca_file = %s/ca.pem\n"
                "token_file = %s\n" % (d, server.url, pki, tokfile))
    return conf


def bench_sync(build, bindir, work, quick):
    pki = os.path.join(work, "pki")
    run(["sh", os.path.join(ROOT, "tests/tools/mkcerts.sh"), pki], stdout=subprocess.DEVNULL)
    token = "bench-token-%d" % os.getpid()
    tokfile = os.path.join(work, "token")
    with open(tokfile, "w") as f:
        f.write(token + "\n")
    os.chmod(tokfile, 0o600)
    n = 100 if quick else 1000
    n_curl = 50 if quick else 300
    backlog = 500 if quick else 10000
    recs = os.path.join(work, "records")
    os.makedirs(recs, exist_ok=True)
    res = {"n": n, "n_curl": n_curl, "backlog": backlog}

    def deliver(name, count, outdir=None, budget=600):
        """Queue count intakes, then time kiosk-sync --once delivering
        them; the server's count is sampled every second (progress), and
        the run is stopped after budget seconds."""
        d = os.path.join(work, name)
        os.makedirs(os.path.join(d, "var"), exist_ok=True)
        t0 = time.monotonic()
        run([os.path.join(bindir, "kbench"), "fill", os.path.join(d, "var/kiosk.db"), str(count)] +
            ([outdir] if outdir else []), stdout=subprocess.DEVNULL)
        fill = time.monotonic() - t0
        srv = Server(work, pki, token)
        conf = sync_conf(d, srv, pki, tokfile)
        logf = open(os.path.join(d, "sync.log"), "w")
        t0 = time.monotonic()
        p = subprocess.Popen([os.path.join(build, "kiosk-sync"), "--once", "--config", conf],
                             stdout=logf, stderr=subprocess.STDOUT)
        samples, stopped = [(0.0, 0)], False
        while True:
            try:
                pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                break
            time.sleep(1 if count > 2000 else 0.05)
            el = time.monotonic() - t0
            if count > 2000:
                samples.append((el, srv.stats(pki)["transactions"] or 0))
            if el > budget:
                p.terminate()
                pid, status, ru = os.wait4(p.pid, 0)
                stopped = True
                break
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        logf.close()
        st = srv.stats(pki)
        samples.append((wall, st["transactions"] or 0))
        scpu = srv.cpu()
        srv.stop()
        if p.returncode != 0 and not stopped:
            log("kiosk-sync --once exited %s (see %s/sync.log)" % (p.returncode, d))
        # Delivery rate in the first and the last 30 s.
        first = last = None
        if len(samples) > 3 and wall > 60:
            head = [x for x in samples if x[0] <= 30]
            tail = [x for x in samples if x[0] >= wall - 30]
            first = head[-1][1] / head[-1][0] if head[-1][0] else None
            if tail[-1][0] > tail[0][0]:
                last = (tail[-1][1] - tail[0][1]) / (tail[-1][0] - tail[0][0])
        return {"wall": None if stopped else wall, "elapsed": wall, "cpu": ru.ru_utime + ru.ru_stime,
                "server_cpu": scpu, "fill": fill, "rc": p.returncode, "stopped": stopped,
                "first_rate": first, "last_rate": last, **st}

    log("sync: kiosk-sync, %d records" % (n // 10))
    res["kiosk_small"] = deliver("sync0", n // 10)
    log("sync: kiosk-sync, %d records" % n)
    res["kiosk"] = deliver("sync1", n, recs)
    files = [os.path.join(recs, "%d.json" % i) for i in range(n)]
    common = ["--cacert", pki + "/ca.pem", "-H", "Authorization: Bearer " + token,
              "-H", "Content-Type: application/fhir+json"]

    log("sync: one curl process per record, %d records" % n_curl)
    srv = Server(work, pki, token)
    script = os.path.join(work, "curl-each.sh")
    with open(script, "w") as f:
        f.write("for f in \"$@\"; do curl -sS -o /dev/null --fail %s --data-binary @\"$f\" %s "
                "|| exit 1; done\n" % (" ".join(shell_quote(a) for a in common), srv.url))
    r = cpu_of(["sh", script] + files[:n_curl])
    res["curl_each"] = {"wall": r["wall"], "cpu": r["cpu"], "server_cpu": srv.cpu(), "rc": r["rc"],
                        **srv.stats(pki)}
    srv.stop()

    log("sync: one curl reusing its connection, %d records" % n)
    srv = Server(work, pki, token)
    cfg = os.path.join(work, "curl-reuse.cfg")
    with open(cfg, "w") as f:
        for i, path in enumerate(files):
            if i:
                f.write("next\n")
            f.write('url = "%s"\ncacert = "%s/ca.pem"\nheader = "Authorization: Bearer %s"\n'
                    'header = "Content-Type: application/fhir+json"\ndata-binary = "@%s"\n'
                    'output = "/dev/null"\nsilent\nfail\n' % (srv.url, pki, token, path))
    r = cpu_of(["curl", "-K", cfg])
    res["curl_reuse"] = {"wall": r["wall"], "cpu": r["cpu"], "server_cpu": srv.cpu(),
                         "rc": r["rc"], **srv.stats(pki)}
    srv.stop()

    log("sync: a day offline, %d records queued then drained" % backlog)
    res["backlog_run"] = deliver("sync2", backlog, budget=60 if quick else 150)
    res["commits"] = sync_commits(build, bindir, work, pki, token, tokfile, n)
    return res


def sync_commits(build, bindir, work, pki, token, tokfile, n):
    """Durable writes per record: kiosk-sync --once delivering n queued
    records under strace, counting fsync/fdatasync calls (a commit in WAL
    mode with synchronous=FULL is one; a WAL truncation two or three).  Not
    timed: strace slows every system call."""
    if not shutil.which("strace"):
        return None
    d = os.path.join(work, "sync-commits")
    os.makedirs(os.path.join(d, "var"), exist_ok=True)
    run([os.path.join(bindir, "kbench"), "fill", os.path.join(d, "var/kiosk.db"), str(n)],
        stdout=subprocess.DEVNULL)
    srv = Server(work, pki, token)
    conf = sync_conf(d, srv, pki, tokfile)
    out = os.path.join(d, "strace.txt")
    r = subprocess.run(["strace", "-f", "-c", "-o", out, "-e", "trace=fsync,fdatasync",
                        os.path.join(build, "kiosk-sync"), "--once", "--config", conf],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    st = srv.stats(pki)
    srv.stop()
    calls = 0
    with open(out) as f:
        for line in f:
            p = line.split()
            if len(p) >= 5 and p[-1] in ("fsync", "fdatasync"):
                calls += int(p[3])
    return {"fsyncs": calls, "records": st["transactions"], "rc": r.returncode,
            "connections": st["connections"]}


# ---- five years of receipts ----

def bench_years(build, bindir, work, welcome, quick):
    """The same day (125 intakes today, 30 of them still waiting) on an
    empty database and on one holding five years of purged receipts
    (bench/gen_years.py, 250 a day): start-up, kiosk status, the staff
    list, the purge, an hour's sync.  Ratios empty / years."""
    days, per_day = (200, 250) if quick else (1826, 250)
    pki = os.path.join(work, "pki-years")
    run(["sh", os.path.join(ROOT, "tests/tools/mkcerts.sh"), pki], stdout=subprocess.DEVNULL)
    token = "bench-token-years-%d" % os.getpid()
    tokfile = os.path.join(work, "token-years")
    with open(tokfile, "w") as f:
        f.write(token + "\n")
    os.chmod(tokfile, 0o600)
    kiosk, kb = os.path.join(build, "kiosk"), os.path.join(bindir, "kbench")
    res = {"days": days, "per_day": per_day}
    names = ("empty", "years")
    dbs, confs = {}, {}
    for name in names:
        d = os.path.join(work, "y-" + name)
        confs[name] = kiosk_conf(work, "y-" + name, os.path.join(ROOT, "screens"))
        db = dbs[name] = os.path.join(d, "var/kiosk.db")
        run([kiosk, "init", "--config", confs[name]], stdout=subprocess.DEVNULL)
        r = res[name] = {}
        if name == "years":
            log("five years: generating %d receipts" % (days * per_day))
            t0 = time.monotonic()
            run([PY, os.path.join(ROOT, "bench/gen_years.py"), db, str(days), str(per_day)])
            r["gen"] = time.monotonic() - t0
        run([kb, "today", db, "125", "30"], stdout=subprocess.DEVNULL)
        r["db_mib"] = os.path.getsize(db) / 1048576
        log("five years: %s database (%.0f MiB)" % (name, r["db_mib"]))
        n = 5 if quick else 20
        sl = kbench(bindir, "staff-list", db, n)
        r["staff_list"] = mm([x[0] / 1000 for x in sl[1:]])
        r["staff_rows"] = int(sl[-1][1]) if sl else 0
        r["status_q"] = mm([x[0] / 1000 for x in kbench(bindir, "status", db, n)[1:]])
        r["quick_check"] = mm([x[0] / 1000 for x in kbench(bindir, "quick-check", db, 3)[1:]])
    # The timed commands alternate between the two databases, so a burst
    # of load from elsewhere on the machine falls on both alike.
    walls, cpus_st, starts = ({k: [] for k in names} for _ in range(3))
    for _ in range(3 if quick else 5):
        for name in names:
            x = cpu_of([kiosk, "status", "--config", confs[name]])
            walls[name].append(x["wall"] * 1000)
            cpus_st[name].append(x["cpu"] * 1000)
            p = ptyrun(bindir, ["wait:" + welcome], [kiosk, "--config", confs[name]], work)
            if p["ok"] and p["steps"]:
                starts[name].append(p["steps"][0]["last_us"] / 1000)
    for name in names:
        r = res[name]
        r["status"] = mm(walls[name])
        r["status_cpu"] = mm(cpus_st[name])
        r["start"] = mm(starts[name])
        purge = kbench(bindir, "purge", dbs[name], 6)
        r["purge_first"] = purge[0][0] / 1000
        r["purge_hourly"] = mm([x[0] / 1000 for x in purge[1:]])
    # An hour's sync: the 30 waiting, then 60 more queued per run.
    rates, cpus = ({k: [] for k in names} for _ in range(2))
    for i in range(5):
        for name in names:
            db = dbs[name]
            if i:
                run([kb, "fill", db, "60"], stdout=subprocess.DEVNULL)
            cnt = 30 if i == 0 else 60
            srv = Server(work, pki, token)
            sconf = os.path.join(os.path.dirname(os.path.dirname(db)), "sync.conf")
            with open(sconf, "w") as f:
                f.write("[kiosk]\ndatabase = %s\n[sync]\nserver = %s\nca_file = %s/ca.pem\n"
                        "token_file = %s\n" % (db, srv.url, pki, tokfile))
            x = cpu_of([os.path.join(build, "kiosk-sync"), "--once", "--config", sconf])
            got = srv.stats(pki)["transactions"]
            srv.stop()
            if x["rc"] != 0 or got != cnt:
                log("five years: kiosk-sync delivered %s of %d (exit %s)" % (got, cnt, x["rc"]))
            rates[name].append(cnt / x["wall"])
            cpus[name].append(x["cpu"] * 1000 / cnt)
    for name in names:
        res[name]["sync_rate"] = mm(rates[name])
        res[name]["sync_cpu"] = mm(cpus[name])
    return res


def years_rows(Y):
    fmt_rate = lambda v: "n/a" if v is None else "%.0f rec/s" % v
    e, y = Y["empty"], Y["years"]
    flat = "flat: 0.83-1.2x"
    rows = [("Five years", "database: %d receipts (%d days x %d) + today's 125 intakes" % (
        Y["days"] * Y["per_day"], Y["days"], Y["per_day"]), "%.0f MiB" % y["db_mib"],
        "empty database + today's", "%.1f MiB" % e["db_mib"], "", "")]
    for key, label, target in (
            ("start", "exec to first screen drawn", flat),
            ("quick_check", "page check (quick_check: kiosk start after its screen, kiosk-sync daily)",
             "grows with the file, off the patient's path"),
            ("status", "`kiosk status` (wall)", flat),
            ("status_q", "`kiosk status` queries (in process)", flat),
            ("staff_list", "staff list of today's intakes (%d)" % y["staff_rows"], flat),
            ("purge_hourly", "hourly purge, nothing due", flat)):
        rows.append(("", label, pair(y[key], f_ms), "empty", pair(e[key], f_ms),
                     ratio(e[key], y[key]), target))
    rows.append(("", "purge of today's 95 delivered", f_ms(y["purge_first"]), "empty",
                 f_ms(e["purge_first"]), ratio((0, e["purge_first"]), (0, y["purge_first"])), flat))
    rows.append(("", "an hour's sync (30-60 records, kiosk-sync --once, 5 runs)",
                 pair(y["sync_rate"], fmt_rate), "empty", pair(e["sync_rate"], fmt_rate),
                 ratio(e["sync_rate"], y["sync_rate"], better_low=False), flat))
    rows.append(("", "same: CPU per record", pair(y["sync_cpu"], lambda v: f_ms(v, 2)), "empty",
                 pair(e["sync_cpu"], lambda v: f_ms(v, 2)), ratio(e["sync_cpu"], y["sync_cpu"]),
                 flat))
    return rows


# ---- report ----

def f_ms(v, digits=1):
    if v is None:
        return "n/a"
    if v >= 1000:
        return "%.2f s" % (v / 1000)
    if v < 1:
        return "%.0f us" % (v * 1000)
    return ("%." + str(digits) + "f ms") % v


def pair(m, f):
    return "n/a" if m is None else "%s / %s" % (f(m[0]), f(m[1]))


def ratio(alt, kiosk, better_low=True):
    if alt is None or kiosk is None or not alt[1] or not kiosk[1]:
        return "n/a"
    r = alt[1] / kiosk[1] if better_low else kiosk[1] / alt[1]
    return "%.1fx" % r if r >= 1 else "%.2fx" % r


def rate(count, wall):
    return None if not wall else count / wall


def report(info, R, quick):
    rows = []  # (group, measure, kiosk, alternative, alt value, ratio, target)
    mib = lambda v: "%.1f MiB" % v
    byt = lambda v: "%d B" % v
    ks, ds, ch = R["kiosk_start"], R["dialog_start"], R["chromium"]
    rows.append(("Start-up", "exec to first screen drawn", pair(ks["time"], f_ms),
                 "dialog (1st screen)", pair(ds["time"], f_ms), ratio(ds["time"], ks["time"]),
                 ">= 1.5x dialog"))
    if ch:
        rows.append(("", "", "", "Chromium (form loaded)", pair(ch["time"], f_ms),
                     ratio(ch["time"], ks["time"]), ""))
    rows.append(("", "CPU time to first screen", pair(ks["cpu"], f_ms), "dialog",
                 pair(ds["cpu"], f_ms), ratio(ds["cpu"], ks["cpu"]), ""))
    if ch:
        rows.append(("", "", "", "Chromium (all processes)", pair(ch["cpu"], f_ms),
                     ratio(ch["cpu"], ks["cpu"]), ""))
    ins = R.get("instr") or {}
    if ins.get("kiosk") and ins.get("dialog"):
        rows.append(("", "instructions: start, first screen, exit", "%.1f M" % (ins["kiosk"] / 1e6),
                     "dialog", "%.1f M" % (ins["dialog"] / 1e6),
                     ratio((0, ins["dialog"]), (0, ins["kiosk"])), "<= dialog"))
    rows.append(("", "peak RSS", pair(ks["rss"], mib), "dialog (one screen)",
                 pair(ds["screen_rss"], mib), ratio(ds["screen_rss"], ks["rss"]), "<= 4 MiB"))
    if ks.get("uss") and ds.get("uss"):
        rows.append(("", "private memory (USS), screen drawn and store open", pair(ks["uss"], mib),
                     "dialog", pair(ds["uss"], mib), ratio(ds["uss"], ks["uss"]), ""))
        rows.append(("", "proportional memory (PSS), same", pair(ks["pss"], mib),
                     "dialog", pair(ds["pss"], mib), ratio(ds["pss"], ks["pss"]), ""))
    if ch:
        rows.append(("", "", "", "Chromium (sum of processes)", pair(ch["rss"], mib),
                     ratio(ch["rss"], ks["rss"]), ""))
        rows.append(("", "", "", "Chromium (sum of PSS)", pair(ch["pss"], mib),
                     ratio(ch["pss"], ks["rss"]), ""))
    rows.append(("", "each of the 20 screens, start to drawn", "", "dialog",
                 pair(ds["screen_time"], f_ms), "", ""))
    kb = R["kiosk_start_big"]
    rows.append(("", "first screen, %s-screen content" % (R["content"]["big"]["screens"] or "1,000"),
                 pair(kb["time"], f_ms), "", "", "", ""))
    rows.append(("", "peak RSS, same", pair(kb["rss"], mib), "", "", "", ""))
    kk, dk = R["kiosk_keys"], R["dialog_keys"]
    rows.append(("Per answer", "key moving the highlight: bytes to terminal",
                 pair(kk["move"]["bytes"], byt), "dialog", pair(dk["move"]["bytes"], byt),
                 ratio(dk["move"]["bytes"], kk["move"]["bytes"]), "< 200 B"))
    rows.append(("", "key moving the highlight: key to screen updated",
                 pair(kk["move"]["time"], f_ms), "dialog", pair(dk["move"]["time"], f_ms),
                 ratio(dk["move"]["time"], kk["move"]["time"]), ""))
    rows.append(("", "key moving the highlight: CPU", pair(kk["move"]["cpu"], f_ms), "", "", "",
                 "< 1 ms"))
    rows.append(("", "Enter: answer saved, next screen drawn", pair(kk["enter"]["time"], f_ms),
                 "dialog (next process)", pair(dk["enter"]["time"], f_ms),
                 ratio(dk["enter"]["time"], kk["enter"]["time"]), "1 ms CPU + 1 commit"))
    rows.append(("", "Enter: CPU", pair(kk["enter"]["cpu"], f_ms), "", "", "", "< 1 ms"))
    rows.append(("", "Enter: bytes to terminal", pair(kk["enter"]["bytes"], byt), "dialog",
                 pair(dk["enter"]["bytes"], byt), ratio(dk["enter"]["bytes"], kk["enter"]["bytes"]),
                 ""))
    st = R["store"]
    rows.append(("Store", "save one answer (synchronous=FULL)", pair(st["answer"], f_ms),
                 "fdatasync floor", pair(st["fsync"], f_ms),
                 "%.1fx fsync" % (st["answer"][1] / st["fsync"][1]), "< 2x fsync"))
    rows.append(("", "", "", "fdatasync, file growing", pair(st["fsync_append"], f_ms),
                 "%.1fx" % (st["answer"][1] / st["fsync_append"][1]), ""))
    rows.append(("", "complete one intake (record + outbox)", pair(st["complete"], f_ms),
                 "", "", "%.1fx fsync" % (st["complete"][1] / st["fsync"][1]), ""))
    rows.append(("", "whole intake: start, 15 answers, complete", pair(st["intake"], f_ms), "", "",
                 "", ""))
    rows.append(("", "durable commits per second (median)", "%.0f/s" % (1000 / st["answer"][1]),
                 "fsync floor", "%.0f/s" % (1000 / st["fsync"][1]), "", ""))
    sp = R["speech"]
    rows.append(("Read-aloud", "key to first speech sample (text built, espeak-ng)", pair(sp["first"], f_ms),
                 "", "", "", "< 100 ms"))
    rows.append(("", "of which: building the screen's text", pair(sp["text"], f_ms), "", "", "", ""))
    c = R["content"]
    for name, label in (("bundled", "bundled"), ("big", "generated")):
        x = c[name]
        rows.append(("Content" if name == "bundled" else "",
                     "%s, %s screens: load / check (in process)" % (label, x["screens"]),
                     "%s / %s" % (f_ms(x["load"][1] if x["load"] else None),
                                  f_ms(x["check"][1] if x["check"] else None)),
                     "", "", "", ""))
        rows.append(("", "%s: `kiosk check` (wall, CPU)" % label,
                     "%s, %s" % (pair(x["exec"], f_ms), f_ms(x["exec_cpu"][1] if x["exec_cpu"] else None)),
                     "", "", "", ""))
    b, g = c["bundled"], c["big"]
    if b["load"] and g["load"] and b["screens"] and g["screens"]:
        for what in ("load", "check"):
            per_b = b[what][1] / b["screens"]
            per_g = g[what][1] / g["screens"]
            rows.append(("", "%s per screen: generated vs bundled (growth)" % what,
                         "%s vs %s" % (f_ms(per_g, 3), f_ms(per_b, 3)), "", "",
                         "%.1fx per screen" % (per_g / per_b), "linear: ~1x"))
    ci = c["chain"]
    rows.append(("", "`kiosk check`, %d follow-ups in one chain" % R["chain_n"],
                 ("> %d s (stopped)" % ci["timeout"]) if ci["wall"] is None else
                 "%s (CPU %s), %d false 'can never fire'" % (f_ms(ci["wall"] * 1000),
                                                            f_ms(ci["cpu"] * 1000),
                                                            ci["false_errors"]),
                 "", "", "", "0 errors"))
    sy = R["sync"]
    k = sy["kiosk"]
    kr = rate(sy["n"], k["wall"])
    ce = rate(sy["n_curl"], sy["curl_each"]["wall"])
    cr = rate(sy["n"], sy["curl_reuse"]["wall"])
    fmt_rate = lambda v: "n/a" if v is None else "%.0f rec/s" % v
    rows.append(("Sync", "%d queued intakes to HTTPS FHIR (kiosk-sync --once)" % sy["n"],
                 fmt_rate(kr), "curl, one process per record", fmt_rate(ce),
                 "n/a" if not (kr and ce) else "%.1fx" % (kr / ce), ">= 10x"))
    rows.append(("", "", "", "curl, one reused connection", fmt_rate(cr),
                 "n/a" if not (kr and cr) else "%.2fx" % (kr / cr), ">= 1x"))
    conns = lambda r: "%s (%s HTTP/2), up to %s in flight / %s" % (
        r["connections"], r.get("h2"), r.get("max_in_flight"), r["transactions"])
    rows.append(("", "connections / records the server stored",
                 conns(k), "curl reused", conns(sy["curl_reuse"]), "", ""))
    rows.append(("", "CPU per record: sender / test server",
                 "%s / %s" % (f_ms(k["cpu"] * 1000 / sy["n"], 2), f_ms(k["server_cpu"] * 1000 / sy["n"], 2)),
                 "curl per record / reused",
                 "%s / %s" % (f_ms(sy["curl_each"]["cpu"] * 1000 / sy["n_curl"], 2),
                              f_ms(sy["curl_reuse"]["cpu"] * 1000 / sy["n"], 2)), "", ""))
    cm = sy.get("commits")
    if cm and cm.get("records"):
        rows.append(("", "fsync calls per record (durable commits, WAL truncations)",
                     "%.3f (%d for %d records)" % (cm["fsyncs"] / cm["records"], cm["fsyncs"],
                                                   cm["records"]),
                     "curl (writes nothing durable)", "0", "", "<= 0.1"))
    bl = sy["backlog_run"]
    if bl["stopped"]:
        drained = "stopped after %.0f s: %s of %d delivered" % (bl["elapsed"], bl["transactions"],
                                                               sy["backlog"])
    else:
        drained = "%.1f s (%s)" % (bl["wall"], fmt_rate(rate(sy["backlog"], bl["wall"])))
    rows.append(("", "a day offline: drain %d queued" % sy["backlog"], drained,
                 "curl reused, at its rate", "n/a" if not cr else "%.1f s" % (sy["backlog"] / cr),
                 "n/a" if not (cr and bl["transactions"]) else "%.2fx" % (
                     (bl["transactions"] / bl["elapsed"]) / cr), ">= 1x"))
    sm = sy.get("kiosk_small")
    if sm and sm.get("wall"):
        big_rate = bl["transactions"] / bl["elapsed"] if bl["transactions"] else None
        rows.append(("", "kiosk-sync rate by queue length: %d / %d / %d queued" % (
                         sy["n"] // 10, sy["n"], sy["backlog"]),
                     "%s / %s / %s" % (fmt_rate(rate(sy["n"] // 10, sm["wall"])), fmt_rate(kr),
                                       fmt_rate(big_rate)),
                     "", "", "", "flat"))
    if bl.get("first_rate") or bl.get("last_rate"):
        rows.append(("", "delivery rate: first 30 s / last 30 s of the drain",
                     "%s / %s" % (fmt_rate(bl.get("first_rate")), fmt_rate(bl.get("last_rate"))),
                     "", "", "", ""))
    rows.append(("", "filling that backlog (one durable commit per intake)",
                 "%.1f s (%.0f intakes/s)" % (bl["fill"], sy["backlog"] / bl["fill"]), "", "", "",
                 ""))

    if R.get("years"):
        rows += years_rows(R["years"])

    head = ("group", "measure", "kiosk (min / median)", "alternative", "alternative (min / median)",
            "kiosk ahead by", "target")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    text = []
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths))
    text.append(line)
    text.append("-" * len(line))
    for r in rows:
        text.append("  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip())
    table = "\n".join(text)

    md = ["# Benchmark results", "",
          "Written by `make bench` (bench/bench.py) on %s%s." % (
              time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              " (quick run: fewer samples)" if quick else ""), "",
          "## Machine", "",
          "- CPUs: %s x %s" % (info["nproc"], info["cpu"]),
          "- memory: %s" % info["mem"],
          "- disk: %s" % info["disk"],
          "- kernel: %s" % info["kernel"],
          "- load average at start / end: %s / %s" % (info["load"], info["load_end"]),
          "- versions: %s" % info["versions"], "",
          "## Figures", "",
          "Each cell is min / median.  \"kiosk ahead by\" is alternative / kiosk for times, sizes",
          "and bytes, and kiosk / alternative for throughput (above 1: the kiosk is ahead).", "",
          "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        md.append("| " + " | ".join(str(x).replace("|", "\\|") for x in r) + " |")
    md += ["", "## How it was measured", "", METHOD]
    return table, "\n".join(md) + "\n"


METHOD = """\
- Start-up: bench/ptyrun.c forks the program on an 80x24 pseudo-terminal
  (TERM=xterm-256color, C.UTF-8) and times from just before exec to the last
  byte of the burst that draws the first screen (its text seen, then 60 ms
  of quiet).  CPU is the program's /proc/PID/schedstat run time; peak RSS is
  VmHWM (kiosk) or ru_maxrss from wait4 (dialog); USS (private pages) and
  PSS from /proc/PID/smaps_rollup once the screen is drawn and quiet (for
  the kiosk: its store opened too).  The kiosk runs with the bundled
  content and a database that already exists, after one start that wrote
  its compiled content (DATABASE.content), as on every start but the first
  after a content change.
- dialog: the first 20 screens of the bundled content (from `kiosk
  export-fhir`) as msgbox / menu / checklist / inputbox, one process each,
  chained with && in `sh -c` for the per-answer figures.
- Instructions: the same start-up under valgrind --tool=callgrind, from
  exec to exit after the first screen (SIGTERM for the kiosk, Enter for
  dialog); unlike times, the count does not depend on the machine's load.
- Chromium: /usr/lib/chromium/chromium --headless --dump-dom on a local HTML
  form of the same 20 screens, with the usual automation flags (no
  background networking, extensions, sync, first-run); timed from exec to
  the loaded DOM arriving on stdout; RSS is the peak of the sum of VmRSS
  over all its processes, sampled every 10 ms.
- Per answer: on the language screen, Down/Up (bytes and time until the
  terminal is quiet again, CPU of the kiosk) and Enter (the answer is saved
  with one durable commit and the next screen drawn); Esc brings it back and
  the next Enter saves the other language, so every save changes data.
  dialog: the same keys on its menu, Enter ends one dialog and the script
  starts the next.
- Store: bench/kbench.c against libkiosk.a on a fresh database in the bench
  folder (same disk): store_answer_save with a new value each time,
  store_session_complete with a 4 KB FHIR bundle; the floor is a 512-byte
  pwrite + fdatasync on a file in the same folder.
- Read-aloud: kbench against libkiosk.a walks the bundled screens; per
  screen, the time from the key's work starting (readaloud_screen builds
  the text) to speech's callback holding the first audio sample from
  espeak-ng, with output to a sink paced like a sound card (the bench
  machine has none; a real card adds its own output latency).  Each
  utterance is then cut, as the next key would.
- Content: content_load + check_content in process (kbench), and the
  `kiosk check` command; the generated folder is the bundled content plus
  1,000 yesno/choice screens (bench/gen_content.py) with flags and `when`
  conditions on earlier screens of the same block of ten.  The chain row
  uses follow-ups that each depend on the one before.
- Sync: the test FHIR server (tests/tools/fhir_server.js, Medplum's engine, TLS with
  a test CA from tests/tools/mkcerts.sh, validation off, HTTP/2 and
  HTTP/1.1 on one port) on 127.0.0.1, a fresh instance per run.
  kiosk-sync --once delivers ~4 KB transaction Bundles queued by kbench,
  with the default sync.in_flight = 8: libcurl's multi interface keeps up
  to 8 requests on their way as HTTP/2 streams over one TLS connection,
  and each record is acknowledged only after its own answer is judged.
  curl posts the same-sized records, either one process per record from a
  shell loop or all in one `curl -K` (one connection, one request at a
  time; curl negotiates HTTP/2 too).  The server reports the connections
  that carried records, how many spoke HTTP/2 and the most requests it
  held unanswered at once.  The test server is a single-threaded Node
  process: its CPU per record is shown, as it bounds every sender here;
  several in flight let kiosk-sync's own work, TLS and the round trip
  overlap the server's.  kiosk-sync records the deliveries of a window (64
  records or about a second) in one store transaction; fsync calls per
  record are counted in a separate, untimed run of the 1,000 records under
  `strace -f -c -e trace=fsync,fdatasync`.
- Five years: bench/gen_years.py writes 456,500 purged receipts (250 a
  day for 1,826 days: session without name, birth date or answers;
  outbox row delivered, no bundle; audit entries with a valid hash
  chain) into a database made by `kiosk init`; `kbench today` then adds a
  normal day (125 intakes, 95 delivered with their data kept, 30 waiting).
  The same day on an empty database is the comparison.  Start-up is the
  ptyrun time to the first screen; `kiosk status` the command's wall time
  (it reports the page check kept by the kiosk's start; the check itself,
  PRAGMA quick_check, is timed alone by `kbench quick-check`: the kiosk
  runs it after drawing its first screen, kiosk-sync once a day, `kiosk
  status --check` on request); the
  staff list, the status queries and the purge are timed in process by
  kbench; the hour's sync is kiosk-sync --once delivering the 30 waiting
  records, then twice 60 more.
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("BUILD") or os.path.join(ROOT, "build"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=os.path.join(ROOT, "bench/results.md"))
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--only", choices=["years", "sync", "start"], help="run one group, print it, write nothing")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    for f in ("kiosk", "kiosk-sync", "libkiosk.a"):
        if not os.path.exists(os.path.join(build, f)):
            sys.exit("bench: %s/%s is missing (make all first)" % (build, f))
    # /var/tmp is on disk on Debian (/tmp may be tmpfs, where fsync is free).
    work = tempfile.mkdtemp(prefix="kiosk-bench.", dir="/var/tmp")
    t_start = time.monotonic()
    R = {}
    try:
        info = machine(work)
        log("machine: %s x %s, %s, load %s" % (info["nproc"], info["cpu"], info["mem"], info["load"]))
        bindir = build_helpers(build, work)
        q = questionnaire(build, os.path.join(ROOT, "screens"))
        title = q.get("publisher") or q.get("title") or "Clinic"
        screens = screens20(q)
        welcome = first_words(screens[0]["text"])
        big = os.path.join(work, "big")
        run([PY, os.path.join(ROOT, "bench/gen_content.py"), os.path.join(ROOT, "screens"),
             os.path.join(ROOT, "screens", "assets"), big, "1000"])
        R["chain_n"] = 200
        chain = os.path.join(work, "chain")
        run([PY, os.path.join(ROOT, "bench/gen_content.py"), os.path.join(ROOT, "screens"),
             os.path.join(ROOT, "screens", "assets"), chain, str(R["chain_n"]), "--chain"])
        runs = 3 if a.quick else 9
        if a.only == "sync":
            sy = bench_sync(build, bindir, work, a.quick)
            for k in ("kiosk_small", "kiosk", "curl_reuse", "backlog_run"):
                x = sy[k]
                cnt = {"kiosk_small": sy["n"] // 10, "kiosk": sy["n"], "curl_reuse": sy["n"],
                       "backlog_run": sy["backlog"]}[k]
                print("%s: %s records, %.0f rec/s, cpu %.0f us/rec, server cpu %.0f us/rec, "
                      "connections %s (%s HTTP/2), up to %s in flight" % (
                          k, x.get("transactions"),
                          (x.get("transactions") or 0) / (x.get("elapsed") or x["wall"]),
                          x["cpu"] * 1e6 / cnt, x["server_cpu"] * 1e6 / cnt, x.get("connections"),
                          x.get("h2"), x.get("max_in_flight")))
            kr, cr = (sy[k]["transactions"] / (sy[k].get("elapsed") or sy[k]["wall"])
                      for k in ("kiosk", "curl_reuse"))
            bl = sy["backlog_run"]
            print("ratio to curl reused: %d records %.2fx, %d records %.2fx" % (
                sy["n"], kr / cr, sy["backlog"], (bl["transactions"] / bl["elapsed"]) / cr))
            print("commits:", sy["commits"])
            return
        if a.only == "start":
            conf = kiosk_conf(work, "k1", os.path.join(ROOT, "screens"))
            k = bench_kiosk_start(build, bindir, work, conf, welcome, runs)
            d = bench_dialog_start(bindir, work, screens, title, runs)
            ki = instructions(bindir, work, "kiosk", welcome,
                              [os.path.join(build, "kiosk"), "--config", conf])
            di = instructions(bindir, work, "dialog", welcome, dialog_args(screens[0], title),
                              [r"key:\r"])
            for name, x in (("kiosk", k), ("dialog", d)):
                print("%s: first screen %s ms, cpu %s ms, rss %s MiB, uss %s MiB, pss %s MiB" % (
                    name, x["time"], x["cpu"], x["rss"], x["uss"], x["pss"]))
            print("instructions: kiosk %s, dialog %s" % (ki, di))
            return
        if a.only == "years":
            Y = bench_years(build, bindir, work, welcome, a.quick)
            for r in years_rows(Y):
                print(" | ".join(str(x) for x in r))
            return

        log("start-up: kiosk")
        conf = kiosk_conf(work, "k1", os.path.join(ROOT, "screens"))
        R["kiosk_start"] = bench_kiosk_start(build, bindir, work, conf, welcome, runs)
        conf_big = kiosk_conf(work, "k2", os.path.join(big, "screens"))
        R["kiosk_start_big"] = bench_kiosk_start(build, bindir, work, conf_big, welcome,
                                                 3 if a.quick else 5)
        log("start-up: dialog")
        R["dialog_start"] = bench_dialog_start(bindir, work, screens, title, runs)
        log("start-up: instruction counts (valgrind)")
        R["instr"] = {
            "kiosk": instructions(bindir, work, "kiosk", welcome,
                                  [os.path.join(build, "kiosk"), "--config", conf]),
            "dialog": instructions(bindir, work, "dialog", welcome,
                                   dialog_args(screens[0], title), [r"key:\r"]),
        }
        log("start-up: Chromium")
        html = os.path.join(work, "form.html")
        html_form(screens, title, html)
        R["chromium"] = bench_chromium(work, html, 2 if a.quick else 5, 90)

        log("per answer: kiosk")
        R["kiosk_keys"] = bench_kiosk_keys(build, bindir, work, conf, welcome, 1 if a.quick else 3)
        log("per answer: dialog")
        R["dialog_keys"] = bench_dialog_keys(bindir, work, screens, title, 1 if a.quick else 3)

        log("store")
        R["store"] = bench_store(bindir, work, a.quick)
        log("read-aloud")
        R["speech"] = bench_speech(bindir, a.quick)
        log("content")
        R["content"] = bench_content(build, bindir, work, os.path.join(big, "screens"),
                                     os.path.join(chain, "screens"), a.quick)
        log("sync")
        R["sync"] = bench_sync(build, bindir, work, a.quick)
        log("five years of receipts")
        R["years"] = bench_years(build, bindir, work, welcome, a.quick)
        info["load_end"] = " ".join(open("/proc/loadavg").read().split()[:3])
        table, md = report(info, R, a.quick)
        md += "\nThe whole run took %.0f s.\n" % (time.monotonic() - t_start)
        with open(a.out, "w") as f:
            f.write(md)
        with open(os.path.join(work, "raw.json"), "w") as f:
            json.dump(R, f, indent=1, default=str)
        print()
        print("Machine: %s x %s, %s; %s; load %s -> %s" % (
            info["nproc"], info["cpu"], info["mem"], info["disk"], info["load"], info["load_end"]))
        print()
        print(table)
        print()
        print("Written to %s (%.0f s)." % (os.path.relpath(a.out, os.getcwd()),
                                          time.monotonic() - t_start))
    finally:
        if a.keep:
            log("work folder kept: " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
