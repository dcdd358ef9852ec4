"""A JSON Lines file: one record per line, located by the line's byte offset. A line over the size
limit is never held whole: it becomes a `BadRecord` ("too_large") with its start."""
from __future__ import annotations

from pathlib import Path

from .files import TOO_LARGE_PAYLOAD, TOO_LONG, Unreadable, max_bytes, open_input, read_line, too_large
from .records import BadRecord, Locator, from_json_bytes, id_of


def scan(path: Path, label: str, root: Path | None = None) -> list[Locator]:
    """A locator per non-blank line, labelled "<label>:<line number>", with the record's id."""
    locators, offset, number = [], 0, 0
    limit = max_bytes()
    try:
        handle = open_input(path, root)
    except Unreadable as exc:
        return [Locator("refused", str(path), str(exc), label, label)]
    with handle:
        while True:
            start = offset
            line, size = read_line(handle, limit)
            if not size:
                break
            number += 1
            offset += size
            if line.strip():
                line_label = f"{label}:{number}"
                article_id = line_label if line is TOO_LONG else id_of(from_json_bytes(line, line_label))
                locators.append(Locator("line", str(path), start, line_label, article_id, root=str(root or "")))
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
