#!/usr/bin/python3
"""Turn a QR code drawn in a captured terminal screen into a PGM image.

Reads the text of a screen (tmux capture-pane -p) on stdin and writes a
binary PGM that zbarimg can decode.  Half blocks (U+2580 upper, U+2584
lower, U+2588 full) are one column per module and two module rows per
cell; in ASCII screens "##" is one dark module and a line is a module row.
Only the rectangle spanned by the code's dark cells is read, so text beside
the code is ignored; a white border is added in place of the quiet zone.

usage: screen2qr.py OUT.pgm [SCALE] < capture.txt   (exit 1: no code found)
"""
import sys

UPPER, LOWER, FULL = "\u2580", "\u2584", "\u2588"


def halfblock_modules(lines):
    rows = [i for i, l in enumerate(lines) if any(c in l for c in (UPPER, LOWER, FULL))]
    if not rows:
        return None
    top, bottom = rows[0], rows[-1]
    cols = [j for i in range(top, bottom + 1) for j, c in enumerate(lines[i])
            if c in (UPPER, LOWER, FULL)]
    left, right = min(cols), max(cols)
    grid = []
    for i in range(top, bottom + 1):
        line = lines[i].ljust(right + 1)
        up = [line[j] in (UPPER, FULL) for j in range(left, right + 1)]
        down = [line[j] in (LOWER, FULL) for j in range(left, right + 1)]
        grid += [up, down]
    return grid


def ascii_modules(lines):
    rows = [i for i, l in enumerate(lines) if "##" in l]
    if not rows:
        return None
    top, bottom = rows[0], rows[-1]
    left = min(lines[i].index("#") for i in range(top, bottom + 1) if "#" in lines[i])
    right = max(lines[i].rindex("#") for i in range(top, bottom + 1) if "#" in lines[i])
    grid = []
    for i in range(top, bottom + 1):
        line = lines[i].ljust(right + 2)
        grid.append([line[j] == "#" for j in range(left, right + 1, 2)])
    return grid


def main():
    out = sys.argv[1]
    scale = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    lines = sys.stdin.read().split("\n")
    grid = halfblock_modules(lines) or ascii_modules(lines)
    if not grid:
        print("screen2qr: no QR code on the screen", file=sys.stderr)
        return 1
    border = 4
    w = max(len(r) for r in grid) + 2 * border
    h = len(grid) + 2 * border
    pix = bytearray()
    for y in range(h):
        row = bytearray()
        for x in range(w):
            gy, gx = y - border, x - border
            d = 0 <= gy < len(grid) and 0 <= gx < len(grid[gy]) and grid[gy][gx]
            row += bytes([0 if d else 255]) * scale
        pix += bytes(row) * scale
    with open(out, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (w * scale, h * scale))
        f.write(bytes(pix))
    return 0


if __name__ == "__main__":
    sys.exit(main())
