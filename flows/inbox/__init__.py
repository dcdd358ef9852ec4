"""Reading an inbox: a folder of .html/.txt/.json/.jsonl files, a JSONL or Parquet file, or a table.
One module per kind (`folder`, `jsonl`, `parquet`, `table`); `records` and `files` are theirs in common.

Reading happens in two steps so that batches can be read where they are cleaned: `scan` lists cheap
locators (a file, a line's byte offset, a row number, an id), `read` turns a batch of locators into
records. A record that cannot be read becomes a `BadRecord` with the reason; nothing is dropped.

`scan` also learns every input's id, so that ids shared by several inputs are found across the whole
inbox, not only inside one batch: an exact repeat (same id, same content) is read once; inputs that
share an id with different content all carry a `conflict` and are quarantined, none is published.
Inputs over the size limit (`cleaners.limits`, CLEANERS_MAX_INPUT_BYTES) are not read whole: they
become a `BadRecord` ("too_large") with the start of their payload. Ids are normalised to Unicode
NFC, so that one id typed in two forms is one id.
"""
from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

from cleaners import guards

from ..store import resolve_url
from . import folder, jsonl, parquet, table
from .folder import FILE_SUFFIXES, OUTSIDE
from .records import FIELDS, MAX_PAYLOAD_CHARS, BadRecord, Locator, derive_id, id_of, input_hash, nfc

__all__ = ["FIELDS", "FILE_SUFFIXES", "MAX_PAYLOAD_CHARS", "OUTSIDE", "BadRecord", "Locator", "derive_id",
           "input_hash", "read", "read_pairs", "scan"]


def scan(inbox: str, store_url: str | None = None) -> list[Locator]:
    """Every input of the inbox, in a stable order, with its id; repeats and id conflicts resolved.
    `store_url` is needed for a table inbox only."""
    return _resolve_duplicates(_scan(inbox, store_url), store_url)


def read(locators: list[Locator], store_url: str | None = None) -> list[dict | BadRecord]:
    return [item for _, item in read_pairs(locators, store_url)]


def read_pairs(locators: list[Locator], store_url: str | None = None) -> list[tuple[Locator, dict | BadRecord]]:
    """Each locator with what was read from it (a record or a BadRecord)."""
    out: list[tuple[Locator, dict | BadRecord]] = []
    by_parquet: dict[str, list[Locator]] = {}
    by_table: dict[str, list[Locator]] = {}
    for loc in locators:
        if loc.kind == "parquet":
            by_parquet.setdefault(loc.path, []).append(loc)
        elif loc.kind == "table":
            by_table.setdefault(loc.path, []).append(loc)
        elif loc.kind == "line":
            out.append((loc, jsonl.read(loc)))
        elif loc.kind == "refused":
            out.append((loc, BadRecord(loc.id, str(loc.key), loc.label)))
        else:
            out.append((loc, folder.read(loc)))
    for path, locs in by_parquet.items():
        out.extend(parquet.read(path, locs))
    for name, locs in by_table.items():
        out.extend(table.read(name, locs, resolve_url(store_url)))
    return out


def _scan(inbox: str, store_url: str | None) -> list[Locator]:
    if inbox.startswith("table:"):
        return table.scan(inbox.removeprefix("table:"), resolve_url(store_url))
    path = Path(inbox)
    if path.is_dir():
        return folder.scan(path.resolve())
    if not path.exists():
        raise FileNotFoundError(f"inbox {inbox!r} does not exist")
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):  # opening a FIFO would wait for a writer, a device would be read for ever
        raise ValueError(f"inbox {inbox!r} is not a folder or a regular file: it is {guards.file_kind(mode)}")
    name = nfc(path.name)
    if path.suffix.lower() == ".jsonl":
        return jsonl.scan(path, name)
    if path.suffix.lower() == ".parquet":
        return parquet.scan(path)
    return [folder.file_locator(path, name)]


def _resolve_duplicates(locators: list[Locator], store_url: str | None) -> list[Locator]:
    """Ids shared by several inputs: keep one of each distinct content; mark conflicting ones."""
    groups: dict[str, list[int]] = {}
    for index, loc in enumerate(locators):
        groups.setdefault(loc.id if loc.id is not None else f"\0{index}", []).append(index)
    drop: set[int] = set()
    marked: dict[int, str] = {}
    relisted: dict[int, str] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        first_of: dict[str, int] = {}
        for loc, item in read_pairs([locators[i] for i in members], store_url):
            index = next(i for i in members if locators[i] is loc)
            if id_of(item) != loc.id:  # listed under the id its start gave, but it reads as another (broken)
                relisted[index] = id_of(item)
                continue
            first_of.setdefault(input_hash(item), index)
        members = [i for i in members if i not in relisted]
        keep = sorted(first_of.values())
        drop.update(i for i in members if i not in keep)
        if len(keep) > 1:
            labels = ", ".join(locators[i].label for i in keep[:10]) + (", ..." if len(keep) > 10 else "")
            for i in keep:
                marked[i] = f"duplicate_id: {len(keep)} inputs of the inbox have this id with different content ({labels})"
    return [replace(loc, conflict=marked[i]) if i in marked else replace(loc, id=relisted[i]) if i in relisted else loc
            for i, loc in enumerate(locators) if i not in drop]
