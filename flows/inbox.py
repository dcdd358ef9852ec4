"""Reading an inbox: a folder of .html/.txt/.json/.jsonl files, a JSONL or Parquet file, or a table.

Reading happens in two steps so that batches can be read where they are cleaned: `scan` lists cheap
locators (a file, a line's byte offset, a row number, an id), `read` turns a batch of locators into
records. A record that cannot be read becomes a `BadRecord` with the reason; nothing is dropped.

`scan` also learns every input's id, so that ids shared by several inputs are found across the whole
inbox, not only inside one batch: an exact repeat (same id, same content) is read once; inputs that
share an id with different content all carry a `conflict` and are quarantined, none is published.
Inputs over the size limit (`cleaners.limits`, CLEANERS_MAX_INPUT_BYTES) are not read whole: they
become a `BadRecord` ("too_large") with the start of their payload.

A folder inbox never leads out of itself: a symbolic link whose target is outside it, and anything
that is not a regular file (a FIFO, a device, a socket), becomes a `BadRecord` ("refused: ...")
without being opened; links to folders are not walked. Files are opened from the inbox's own folder
down without following any link, so a link put in place of a file after the scan cannot lead out.
Ids are normalised to Unicode NFC, so that one id typed in two forms is one id.
"""
from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timezone
from pathlib import Path

from cleaners import guards, settings

FIELDS = ("id", "url", "source", "html", "text", "language", "fetched_at")
FILE_SUFFIXES = (".html", ".htm", ".txt", ".json", ".jsonl")
MAX_PAYLOAD_CHARS = 1_000_000  # what a quarantine entry keeps of an unreadable record
_TOO_LARGE_PAYLOAD = 65_536  # what is read of an input over the size limit, for its quarantine entry
_SLICE_BYTES = 2 << 20  # about what one slice of a Parquet row group holds once decoded
OUTSIDE = "refused: symbolic link leading outside the inbox"


@dataclass(frozen=True)
class Locator:
    kind: str  # file | line | parquet | table | refused
    path: str
    key: int | str = 0  # byte offset (line), row number (parquet), id (table), why (refused)
    label: str = ""  # for messages and derived ids: file name and line number
    id: str | None = None  # the id the record will have, as far as scan could tell
    conflict: str | None = None  # set when other inputs have the same id and different content
    root: str = ""  # a folder inbox's real path: `path` is opened from there without following links


@dataclass
class BadRecord:
    id: str
    reason: str
    payload: str


def scan(inbox: str, store_url: str | None = None) -> list[Locator]:
    """Every input of the inbox, in a stable order, with its id; repeats and id conflicts resolved."""
    return _resolve_duplicates(_scan(inbox, store_url), store_url)


def _scan(inbox: str, store_url: str | None) -> list[Locator]:
    if inbox.startswith("table:"):
        return _scan_table(inbox.removeprefix("table:"), store_url)
    path = Path(inbox)
    if path.is_dir():
        return _scan_folder(path.resolve())
    if not path.exists():
        raise FileNotFoundError(f"inbox {inbox!r} does not exist")
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):  # opening a FIFO would wait for a writer, a device would be read for ever
        raise ValueError(f"inbox {inbox!r} is not a folder or a regular file: it is {guards.file_kind(mode)}")
    if path.suffix.lower() == ".jsonl":
        return _scan_lines(path, _nfc(path.name))
    if path.suffix.lower() == ".parquet":
        return _scan_parquet(path)
    return [_file_locator(path, _nfc(path.name))]


def _scan_folder(root: Path) -> list[Locator]:
    locators: list[Locator] = []
    for path, target, refusal in _walk(root):
        label = _nfc(path.relative_to(root).as_posix())
        if refusal:  # the payload is where it is in the inbox, never its content
            locators.append(Locator("refused", str(path), refusal, label, label.rsplit(".", 1)[0]))
        elif path.suffix.lower() == ".jsonl":
            locators.extend(_scan_lines(target, label, root))
        else:
            locators.append(_file_locator(target, label, root))
    return locators


def _walk(root: Path):
    """(path, file to read, None) for each input under `root` (a real path), in sorted order, or (path,
    None, why it is refused). Nothing is opened. A link to a folder is never walked: inside the inbox
    it would only repeat files (or loop), one leading out is refused. The walk keeps its own stack,
    so that folders nested thousands deep do not exhaust Python's recursion limit."""
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
            out.append((loc, _read_line(loc)))
        elif loc.kind == "refused":
            out.append((loc, BadRecord(loc.id, str(loc.key), loc.label)))
        else:
            out.append((loc, _read_file(loc)))
    for path, locs in by_parquet.items():
        out.extend(_read_parquet(path, locs))
    for table, locs in by_table.items():
        out.extend(_read_table(table, locs, store_url))
    return out


def fingerprint(item: dict | BadRecord) -> str:
    """What makes two inputs the same input: their content (not when they were fetched)."""
    if isinstance(item, BadRecord):
        data = item.payload
    else:
        data = json.dumps({k: item.get(k) for k in ("html", "text", "url", "source", "language")},
                          sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8", "replace")).hexdigest()


def _resolve_duplicates(locators: list[Locator], store_url: str | None) -> list[Locator]:
    """Ids shared by several inputs: keep one of each distinct content; mark conflicting ones."""
    groups: dict[str, list[int]] = {}
    for index, loc in enumerate(locators):
        groups.setdefault(loc.id if loc.id is not None else f"\0{index}", []).append(index)
    drop: set[int] = set()
    marked: dict[int, str] = {}
    for article_id, members in groups.items():
        if len(members) < 2:
            continue
        first_of: dict[str, int] = {}
        for loc, item in read_pairs([locators[i] for i in members], store_url):
            index = next(i for i in members if locators[i] is loc)
            first_of.setdefault(fingerprint(item), index)
        keep = sorted(first_of.values())
        drop.update(i for i in members if i not in keep)
        if len(keep) > 1:
            labels = ", ".join(locators[i].label for i in keep[:10]) + (", ..." if len(keep) > 10 else "")
            for i in keep:
                marked[i] = f"duplicate_id: {len(keep)} inputs of the inbox have this id with different content ({labels})"
    return [replace(loc, conflict=marked[i]) if i in marked else loc
            for i, loc in enumerate(locators) if i not in drop]


def derive_id(record: dict, label: str) -> str:
    """The record's id; else one derived from its URL; else from where it was read. In Unicode NFC
    (as are the labels), so that "Café" typed with an accent or with a combining accent is one id."""
    if record.get("id") not in (None, ""):
        return _nfc(record["id"] if isinstance(record["id"], str) else json.dumps(record["id"]))
    if record.get("url"):
        return "u-" + hashlib.sha1(_nfc(str(record["url"])).encode("utf-8", "replace")).hexdigest()[:16]
    return _nfc(label)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _scan_lines(path: Path, label: str, root: Path | None = None) -> list[Locator]:
    locators, offset, number = [], 0, 0
    limit = _max_bytes()
    try:
        handle = _open(path, root)
    except _Unreadable as exc:
        return [Locator("refused", str(path), str(exc), label, label)]
    with handle:
        while True:
            start = offset
            line, size = _readline(handle, limit)
            if not size:
                break
            number += 1
            offset += size
            if line.strip():
                line_label = f"{label}:{number}"
                article_id = line_label if line is _TOO_LONG else _id_of(_from_json_bytes(line, line_label))
                locators.append(Locator("line", str(path), start, line_label, article_id, root=str(root or "")))
    return locators


_TOO_LONG = b"\0too long\0"  # stands for a line over the limit, which is never held whole


def _readline(handle, limit: int | None) -> tuple[bytes, int]:
    """The next line and its size in bytes; a line longer than `limit` is skipped in chunks (never
    held in memory) and comes back as _TOO_LONG."""
    if not limit:
        line = handle.readline()
        return line, len(line)
    line = handle.readline(limit + 2)  # room for the line end
    if len(line.rstrip(b"\r\n")) <= limit:
        return line, len(line)
    size = len(line)
    while not line.endswith(b"\n"):
        line = handle.readline(1 << 20)
        if not line:
            break
        size += len(line)
    return _TOO_LONG, size


def _file_locator(path: Path, label: str, root: Path | None = None) -> Locator:
    loc = Locator("file", str(path), 0, label, label.rsplit(".", 1)[0], root=str(root or ""))
    if label.lower().endswith(".json"):  # its id is inside
        loc = replace(loc, id=_id_of(_read_file(loc)))
    return loc


def _id_of(item: dict | BadRecord) -> str:
    return item.id if isinstance(item, BadRecord) else item["id"]


def _max_bytes() -> int | None:
    limit = settings.current().max_input_bytes
    return limit if limit and limit > 0 else None


def _too_large(label: str, size: str, head: bytes) -> BadRecord:
    return BadRecord(label, f"too_large: {size}, over the limit of {_max_bytes():,} bytes "
                            f"({settings.ENV['max_input_bytes']})", _payload(head))


def _read_line(loc: Locator) -> dict | BadRecord:
    try:
        handle = _open(Path(loc.path), Path(loc.root) if loc.root else None)
    except _Unreadable as exc:
        return BadRecord(loc.label, str(exc), "")
    with handle:
        handle.seek(int(loc.key))
        raw, size = _readline(handle, _max_bytes())
        if raw is _TOO_LONG:
            handle.seek(int(loc.key))
            return _too_large(loc.label, f"{size:,} bytes", handle.read(_TOO_LARGE_PAYLOAD))
    return _from_json_bytes(raw, loc.label)


def _read_file(loc: Locator) -> dict | BadRecord:
    stem = loc.label.rsplit(".", 1)[0]
    try:
        with _open(Path(loc.path), Path(loc.root) if loc.root else None) as handle:
            data, over = _read_limited(handle)
    except _Unreadable as exc:
        return BadRecord(stem, str(exc), "")
    if over:
        return _too_large(stem, over, data)
    suffix = Path(loc.label).suffix.lower()  # the name in the inbox (a link's target may have another)
    if suffix == ".json":
        return _from_json_bytes(data, stem)
    if suffix in (".html", ".htm"):
        return _record({"id": stem, "html": _decode_html(data)}, stem)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte-order mark says what it is
        try:
            return _record({"id": stem, "text": data.decode("utf-16")}, stem)
        except UnicodeDecodeError as exc:
            return BadRecord(stem, f"undecodable: not valid UTF-16 (byte offset {exc.start})", _payload(data))
    binary = _binary_reason(data)
    if binary:
        return BadRecord(stem, binary, _payload(data))
    try:
        return _record({"id": stem, "text": data.decode("utf-8").removeprefix("\ufeff")}, stem)
    except UnicodeDecodeError as exc:
        return BadRecord(stem, f"undecodable: not valid UTF-8 (byte offset {exc.start})", _payload(data))


class _Unreadable(OSError):
    """Why an input file was not read: its reason in the quarantine."""


def _open(path: Path, root: Path | None):
    """The file opened for reading, if it is a regular file. It is opened without blocking (opening
    a FIFO waits for a writer) and checked once open, so a file swapped since the scan is refused too.
    In a folder inbox it is opened from `root` down without following any link."""
    flags = os.O_RDONLY | os.O_NONBLOCK
    try:
        fd = os.open(path, flags) if root is None else _open_below(root, path.relative_to(root).parts, flags)
    except OSError as exc:
        if root is not None and exc.errno in (errno.ELOOP, errno.ENOTDIR):  # a link where the scan saw none
            raise _Unreadable("refused: symbolic link put in place of the file or its folder after the "
                              "inbox was listed") from None
        raise _Unreadable(f"unreadable: {exc.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _Unreadable(f"refused: not a regular file ({guards.file_kind(mode)})")
    return os.fdopen(fd, "rb")


def _open_below(root: Path, parts: tuple[str, ...], flags: int) -> int:
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder)
            os.close(folder)
            folder = inner
        return os.open(parts[-1], flags | os.O_NOFOLLOW, dir_fd=folder)
    finally:
        os.close(folder)


def _read_limited(handle) -> tuple[bytes, str | None]:
    """(the file's bytes, None), or for a file over the size limit (its start, how large it is). Never
    more than the limit is read: not from a file that grows while it is read, nor from one whose size
    says nothing (/proc files say 0)."""
    limit = _max_bytes()
    size = os.fstat(handle.fileno()).st_size
    if limit and size > limit:
        return handle.read(_TOO_LARGE_PAYLOAD), f"{size:,} bytes"
    data = handle.read(limit + 1) if limit else handle.read()
    if limit and len(data) > limit:
        return data[:_TOO_LARGE_PAYLOAD], f"more than {limit:,} bytes"
    return data, None


def _binary_reason(data: bytes) -> str | None:
    """Why a text file is not text: NUL bytes (UTF-16 without a byte-order mark, or binary data)."""
    sample = data[:65_536]
    nuls = sample.count(0)
    if not nuls:
        return None
    odd = sample[1::2].count(0)
    if nuls >= len(sample) // 4 and (odd >= 0.9 * nuls or odd <= 0.1 * nuls):
        return ("undecodable: looks like UTF-16 without a byte-order mark (NUL bytes at every other position); "
                "save it as UTF-8")
    return f"binary: {nuls:,} NUL bytes in the first {len(sample):,}: an image or other binary data, not text"


def _decode_html(data: bytes) -> str:
    from trafilatura.utils import decode_file  # honours <meta charset> and guesses the rest

    return decode_file(data)


def _from_json_bytes(raw: bytes, label: str) -> dict | BadRecord:
    try:
        record = json.loads(raw)
    except RecursionError:  # [[[[...]]]] nested deeper than the parser's stack
        return BadRecord(label, "malformed JSON: nested too deeply to read", _payload(raw))
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer of more than 4,300 digits
        return BadRecord(label, f"malformed JSON: {exc}", _payload(raw))
    if not isinstance(record, dict):
        return BadRecord(label, f"malformed record: a JSON {type(record).__name__}, not an object", _payload(raw))
    return _record(record, label)


def _record(record: dict, label: str) -> dict:
    clean = {field: record.get(field) for field in FIELDS}
    clean["id"] = derive_id(record, label)
    clean["fetched_at"] = _moment(clean["fetched_at"])
    return clean


def _moment(value):
    """A day without a time (Parquet date32/date64, an SQL DATE) as midnight UTC of that day: the
    pipeline takes moments, and a date alone would be refused as no date."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(), timezone.utc)
    return value


def _payload(data: bytes | str) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text[:MAX_PAYLOAD_CHARS]


def _scan_parquet(path: Path) -> list[Locator]:
    """One locator per row, with the row's id (only the id and url columns are read, a slice at a time)."""
    name = _nfc(path.name)
    with _open(path, None) as handle:
        parquet = _parquet(handle)
        columns = [c for c in ("id", "url") if c in parquet.schema_arrow.names]
        return [Locator("parquet", str(path), number, f"{name}#{number}", derive_id(row, f"{name}#{number}"))
                for number, row in _parquet_rows(parquet, columns, range(parquet.metadata.num_rows))]


def _read_parquet(path: str, locs: list[Locator]) -> list[tuple[Locator, dict | BadRecord]]:
    """Read only the wanted rows: memory follows the rows read, not the size of the row groups."""
    wanted: dict[int, list[Locator]] = {}
    for loc in locs:
        wanted.setdefault(int(loc.key), []).append(loc)
    try:
        with _open(Path(path), None) as handle:
            parquet = _parquet(handle)
            columns = [c for c in FIELDS if c in parquet.schema_arrow.names]  # not the other columns
            rows = dict(_parquet_rows(parquet, columns, sorted(wanted)))
    except _Unreadable as exc:
        return [(loc, BadRecord(loc.id or loc.label, str(exc), "")) for loc in locs]
    return [(loc, _record(rows[row], loc.label)) for row in sorted(wanted) for loc in wanted[row]]


def _parquet(handle):
    import pyarrow.parquet as pq

    # Not pre-buffered, and through a buffer: pyarrow would otherwise read whole column chunks at once.
    return pq.ParquetFile(handle, pre_buffer=False, buffer_size=1 << 20)


def _parquet_rows(parquet, columns: list[str], rows):
    """(row number, row) for each of `rows` (sorted row numbers of the file), read in slices of a few
    megabytes: only the row groups that hold one of them, each only up to the last one wanted."""
    end = 0
    for group in range(parquet.num_row_groups):
        start, end = end, end + parquet.metadata.row_group(group).num_rows
        here = rows[bisect_left(rows, start):bisect_left(rows, end)]
        if not here:
            continue
        slices = parquet.iter_batches(batch_size=_slice_rows(parquet, group, columns), row_groups=[group], columns=columns)
        for batch in slices:
            picked = here[bisect_left(here, start):bisect_left(here, start + batch.num_rows)]
            if picked:  # converted to Python from the first to the last row wanted, no further
                span = batch.slice(picked[0] - start, picked[-1] - picked[0] + 1).to_pylist()
                yield from ((row, span[row - picked[0]]) for row in picked)
            start += batch.num_rows
            if start > here[-1]:
                break


def _slice_rows(parquet, group: int, columns: list[str]) -> int:
    """How many rows of the row group make about _SLICE_BYTES of the columns read."""
    meta = parquet.metadata.row_group(group)
    size = sum(meta.column(i).total_uncompressed_size for i in range(meta.num_columns)
               if meta.column(i).path_in_schema in columns)
    return max(1, min(1024, _SLICE_BYTES * meta.num_rows // max(size, 1)))


def _scan_table(table: str, store_url: str | None) -> list[Locator]:
    import sqlalchemy as sa

    from .store import Store

    store = Store(store_url)
    # The table name is an identifier, quoted by SQLAlchemy; a name that is no table fails to reflect.
    source = sa.Table(table, sa.MetaData(), autoload_with=store.engine)
    with store.engine.connect() as conn:
        ids = [row[0] for row in conn.execute(sa.select(source.c.id).order_by(source.c.id))]
    return [Locator("table", table, str(i), f"{table}:{i}", derive_id({"id": i}, f"{table}:{i}")) for i in dict.fromkeys(ids)]


def _read_table(table: str, locs: list[Locator], store_url: str | None) -> list[tuple[Locator, dict]]:
    import sqlalchemy as sa

    from .store import Store

    store = Store(store_url)
    source = sa.Table(table, sa.MetaData(), autoload_with=store.engine)
    columns = [source.c[f] for f in FIELDS if f in source.c]
    by_key = {loc.key: loc for loc in locs}
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(*columns).where(source.c.id.in_(list(by_key)))).mappings().all()
    # A table may hold several rows with one id: each is read, and the duplicates are found by id.
    return [(by_key[str(row["id"])], _record(dict(row), f"{table}:{row['id']}")) for row in rows if str(row["id"]) in by_key]
