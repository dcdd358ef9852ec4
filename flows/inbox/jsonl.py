"""A JSON Lines file: one record per line, located by the line's byte offset. A line over the size
limit is never held whole: it becomes a `BadRecord` ("too_large") with its start."""
from __future__ import annotations

from pathlib import Path

from .files import TOO_LARGE_PAYLOAD, TOO_LONG, Unreadable, lines, max_bytes, open_input, read_line, too_large
from .records import BadRecord, Locator, from_json_bytes, listed_id


def scan(path: Path, label: str, root: Path | None = None) -> list[Locator]:
    """A locator per non-blank line, labelled "<label>:<line number>", with the record's id (read from
    the line's start where it can be, records.listed_id)."""
    locators = []
    try:
        handle = open_input(path, root)
    except Unreadable as exc:
        return [Locator("refused", str(path), str(exc), label, label)]
    where, below = str(path), str(root or "")  # one string for all the file's locators
    with handle:
        for number, (start, line) in enumerate(lines(handle, max_bytes()), 1):
            if not line.isspace():  # isspace: no copy of the line, as strip would make
                line_label = f"{label}:{number}"
                article_id = line_label if line is TOO_LONG else listed_id(line, line_label)
                locators.append(Locator("line", where, start, line_label, article_id, root=below))
    return locators


def read(loc: Locator) -> dict | BadRecord:
    try:
        handle = open_input(Path(loc.path), Path(loc.root) if loc.root else None)
    except Unreadable as exc:
        return BadRecord(loc.label, str(exc), "")
    with handle:
        handle.seek(int(loc.key))
        raw, size = read_line(handle, max_bytes())
        if raw is TOO_LONG:
            handle.seek(int(loc.key))
            return too_large(loc.label, f"{size:,} bytes", handle.read(TOO_LARGE_PAYLOAD))
    return from_json_bytes(raw, loc.label)
