#!/usr/bin/env python3
"""ptyfeed FIFO CMD...: run CMD on a pseudo-terminal of its own inside this
terminal (a tmux pane), passing the keys typed here through, and also
writing to it, byte for byte, whatever is written into FIFO.

tmux parses what send-keys sends (it drops bytes that are not UTF-8), so a
test that must deliver raw bytes (a Latin-1 terminal, random bytes) writes
them into the FIFO instead.  The exit status is CMD's."""
import fcntl
import os
import pty
import select
import sys
import termios
import tty


def main():
    fifo, cmd = sys.argv[1], sys.argv[2:]
    pid, master = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    try:
        ws = fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(master, termios.TIOCSWINSZ, ws)
    except OSError:
        pass
    saved = termios.tcgetattr(0)
    tty.setraw(0)
    rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    keep = os.open(fifo, os.O_WRONLY)  # no EOF when a writer closes
    try:
        while True:
            r, _, _ = select.select([0, master, rfd], [], [])
            if master in r:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    break
                if not data:
                    break
                os.write(1, data)
            for src in (0, rfd):
                if src in r:
                    data = os.read(src, 4096)
                    while data:
                        n = os.write(master, data)
                        data = data[n:]
    finally:
        termios.tcsetattr(0, termios.TCSANOW, saved)
        os.close(keep)
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status) if status >= 0 else 1)


main()
