"""A folder inbox (.html, .htm, .txt, .json and .jsonl files, in sorted order, subfolders too), or one
such file given as the inbox.

A folder inbox never leads out of itself: a symbolic link whose target is outside it, and anything
that is not a regular file (a FIFO, a device, a socket), becomes a refused locator (read as a
`BadRecord`, "refused: ...") without being opened; links to folders are not walked. Bytes become text
through the library's decoder: pages as a browser would read them, text files by their byte-order
mark, else as UTF-8.
"""
from __future__ import annotations

import os
import stat
from dataclasses import replace
from pathlib import Path

from cleaners import CleaningError, guards
from cleaners.text.decode import decode_page, decode_text

from . import jsonl
from .files import Unreadable, open_input, read_limited, too_large
from .records import BadRecord, Locator, from_json_bytes, listed_id, make_record, nfc, undecodable

FILE_SUFFIXES = (".html", ".htm", ".txt", ".json", ".jsonl")
OUTSIDE = "refused: symbolic link leading outside the inbox"


def scan(root: Path) -> list[Locator]:
    """Every input under `root` (a real path)."""
    locators: list[Locator] = []
    for path, target, refusal in _walk(root):
        label = nfc(path.relative_to(root).as_posix())
        if refusal:  # the payload is where it is in the inbox, never its content
            locators.append(Locator("refused", str(path), refusal, label, label.rsplit(".", 1)[0]))
        elif path.suffix.lower() == ".jsonl":
            locators.extend(jsonl.scan(target, label, root))
        else:
            locators.append(file_locator(target, label, root))
    return locators


def file_locator(path: Path, label: str, root: Path | None = None) -> Locator:
    loc = Locator("file", str(path), 0, label, label.rsplit(".", 1)[0], root=str(root or ""))
    if label.lower().endswith(".json"):  # its id is inside
        loc = replace(loc, id=_json_file_id(loc))
    return loc


def _json_file_id(loc: Locator) -> str:
    """The id a .json file's record will have (as `read` would give it), without decoding the record
    where its start says it (records.listed_id)."""
    try:
        with open_input(Path(loc.path), Path(loc.root) if loc.root else None) as handle:
            data, over = read_limited(handle)
    except Unreadable:
        return loc.id
    return loc.id if over else listed_id(data, loc.id)


def read(loc: Locator) -> dict | BadRecord:
    stem = loc.label.rsplit(".", 1)[0]
    try:
        with open_input(Path(loc.path), Path(loc.root) if loc.root else None) as handle:
            data, over = read_limited(handle)
    except Unreadable as exc:
        return BadRecord(stem, str(exc), "")
    if over:
        return too_large(stem, over, data)
    suffix = Path(loc.label).suffix.lower()  # the name in the inbox (a link's target may have another)
    if suffix == ".json":
        return from_json_bytes(data, stem)
    try:
        if suffix in (".html", ".htm"):
            return make_record({"id": stem, "html": decode_page(data)}, stem)
        return make_record({"id": stem, "text": decode_text(data, "utf-8")}, stem)
    except CleaningError as exc:
        return undecodable(stem, exc, data)


def _walk(root: Path):
    """(path, file to read, None) for each input under `root`, in sorted order, or (path, None, why
    it is refused). Nothing is opened. A link to a folder is never walked: inside the inbox it would
    only repeat files (or loop), one leading out is refused. The walk keeps its own stack, so that
    folders nested thousands deep do not exhaust Python's recursion limit."""
    stack = [iter(_entries(root))]
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            try:
                stack.append(iter(_entries(path)))
            except OSError as exc:
                yield path, None, f"refused: the folder cannot be read ({exc.strerror})"
            continue
        is_input = path.suffix.lower() in FILE_SUFFIXES
        target = Path(os.path.realpath(path)) if entry.is_symlink() else path
        if not target.is_relative_to(root):
            if is_input or target.is_dir():  # what would have been read or walked
                yield path, None, OUTSIDE
        elif is_input and not target.is_dir():
            why = _not_regular(target)
            yield path, None if why else target, why


def _entries(folder: Path) -> list[os.DirEntry]:
    with os.scandir(folder) as entries:
        return sorted(entries, key=lambda entry: entry.name)


def _not_regular(path: Path) -> str | None:
    """Why the file cannot be read as an input, from its status alone (a FIFO must not even be opened)."""
    try:
        mode = os.stat(path, follow_symlinks=False).st_mode
    except OSError as exc:
        return f"unreadable: {exc.strerror}"
    return None if stat.S_ISREG(mode) else f"refused: not a regular file ({guards.file_kind(mode)})"
