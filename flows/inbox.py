"""Reading an inbox: a folder of .html/.txt/.json/.jsonl files, a JSONL or Parquet file, or a table.

Reading happens in two steps so that batches can be read where they are cleaned: `scan` lists cheap
locators (a file, a line's byte offset, a row number, an id), `read` turns a batch of locators into
records. A record that cannot be read becomes a `BadRecord` with the reason; nothing is dropped.

`scan` also learns every input's id, so that ids shared by several inputs are found across the whole
inbox, not only inside one batch: an exact repeat (same id, same content) is read once; inputs that
share an id with different content all carry a `conflict` and are quarantined, none is published.
Inputs over the size limit (`cleaners.limits`, CLEANERS_MAX_INPUT_BYTES) are not read whole: they
become a `BadRecord` ("too_large") with the start of their payload.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

from cleaners import limits

FIELDS = ("id", "url", "source", "html", "text", "language", "fetched_at")
FILE_SUFFIXES = (".html", ".htm", ".txt", ".json", ".jsonl")
MAX_PAYLOAD_CHARS = 1_000_000  # what a quarantine entry keeps of an unreadable record
_TOO_LARGE_PAYLOAD = 65_536  # what is read of an input over the size limit, for its quarantine entry


@dataclass(frozen=True)
class Locator:
    kind: str  # file | line | parquet | table
    path: str
    key: int | str = 0  # byte offset (line), row number (parquet), id (table)
    label: str = ""  # for messages and derived ids: file name and line number
    id: str | None = None  # the id the record will have, as far as scan could tell
    conflict: str | None = None  # set when other inputs have the same id and different content


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
        locators: list[Locator] = []
        for file in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FILE_SUFFIXES):
            rel = file.relative_to(path).as_posix()
            locators.extend(_scan_lines(file, rel) if file.suffix.lower() == ".jsonl" else [_file_locator(file, rel)])
        return locators
    if not path.exists():
        raise FileNotFoundError(f"inbox {inbox!r} does not exist")
    if path.suffix.lower() == ".jsonl":
        return _scan_lines(path, path.name)
    if path.suffix.lower() == ".parquet":
        return _scan_parquet(path)
    return [_file_locator(path, path.name)]


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
    """The record's id; else one derived from its URL; else from where it was read."""
    if record.get("id") not in (None, ""):
        return record["id"] if isinstance(record["id"], str) else json.dumps(record["id"])
    if record.get("url"):
        return "u-" + hashlib.sha1(str(record["url"]).encode("utf-8", "replace")).hexdigest()[:16]
    return label


def _scan_lines(path: Path, label: str) -> list[Locator]:
    locators, offset, number = [], 0, 0
    limit = _max_bytes()
    with path.open("rb") as handle:
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
                locators.append(Locator("line", str(path), start, line_label, article_id))
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


def _file_locator(path: Path, label: str) -> Locator:
    stem = label.rsplit(".", 1)[0]
    article_id = stem
    if path.suffix.lower() == ".json":
        limit = _max_bytes()
        if not (limit and path.stat().st_size > limit):
            article_id = _id_of(_from_json_bytes(path.read_bytes(), stem))
    return Locator("file", str(path), 0, label, article_id)


def _id_of(item: dict | BadRecord) -> str:
    return item.id if isinstance(item, BadRecord) else item["id"]


def _max_bytes() -> int | None:
    limit = limits.current().max_input_bytes
    return limit if limit and limit > 0 else None


def _too_large(label: str, size: int, head: bytes) -> BadRecord:
    return BadRecord(label, f"too_large: {size:,} bytes, over the limit of {_max_bytes():,} bytes "
                            f"({limits.ENV['max_input_bytes']})", _payload(head))


def _read_line(loc: Locator) -> dict | BadRecord:
    with open(loc.path, "rb") as handle:
        handle.seek(int(loc.key))
        raw, size = _readline(handle, _max_bytes())
        if raw is _TOO_LONG:
            handle.seek(int(loc.key))
            return _too_large(loc.label, size, handle.read(_TOO_LARGE_PAYLOAD))
    return _from_json_bytes(raw, loc.label)


def _read_file(loc: Locator) -> dict | BadRecord:
    path = Path(loc.path)
    stem = loc.label.rsplit(".", 1)[0]
    limit = _max_bytes()
    size = path.stat().st_size
    if limit and size > limit:  # not read whole: only its start, for the quarantine entry
        with path.open("rb") as handle:
            return _too_large(stem, size, handle.read(_TOO_LARGE_PAYLOAD))
    data = path.read_bytes()
    suffix = path.suffix.lower()
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
    return clean


def _payload(data: bytes | str) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return text[:MAX_PAYLOAD_CHARS]


def _scan_parquet(path: Path) -> list[Locator]:
    """One locator per row, with the row's id (only the id and url columns are read)."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    columns = [c for c in ("id", "url") if c in parquet.schema_arrow.names]
    rows = parquet.read(columns=columns).to_pylist() if columns else [{}] * parquet.metadata.num_rows
    return [Locator("parquet", str(path), number, f"{path.name}#{number}", derive_id(row, f"{path.name}#{number}"))
            for number, row in enumerate(rows)]


def _read_parquet(path: str, locs: list[Locator]) -> list[tuple[Locator, dict]]:
    """Read only the row groups that hold the wanted rows."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    wanted: dict[int, list[Locator]] = {}
    for loc in locs:
        wanted.setdefault(int(loc.key), []).append(loc)
    out, first = [], 0
    for group in range(parquet.num_row_groups):
        size = parquet.metadata.row_group(group).num_rows
        rows_here = [row for row in wanted if first <= row < first + size]
        if rows_here:
            rows = parquet.read_row_group(group).to_pylist()
            out.extend((loc, _record(rows[row - first], loc.label)) for row in sorted(rows_here) for loc in wanted[row])
        first += size
    return out


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
