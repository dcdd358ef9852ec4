"""Reading an inbox: a folder of .html/.txt/.json/.jsonl files, a JSONL or Parquet file, or a table.

Reading happens in two steps so that batches can be read where they are cleaned: `scan` lists cheap
locators (a file, a line's byte offset, a row number, an id), `read` turns a batch of locators into
records. A record that cannot be read becomes a `BadRecord` with the reason; nothing is dropped.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

FIELDS = ("id", "url", "source", "html", "text", "language", "fetched_at")
FILE_SUFFIXES = (".html", ".htm", ".txt", ".json", ".jsonl")
MAX_PAYLOAD_CHARS = 1_000_000  # what a quarantine entry keeps of an unreadable record


@dataclass(frozen=True)
class Locator:
    kind: str  # file | line | parquet | table
    path: str
    key: int | str = 0  # byte offset (line), row number (parquet), id (table)
    label: str = ""  # for messages and derived ids: file name and line number


@dataclass
class BadRecord:
    id: str
    reason: str
    payload: str


def scan(inbox: str, store_url: str | None = None) -> list[Locator]:
    """Every input of the inbox, in a stable order."""
    if inbox.startswith("table:"):
        return _scan_table(inbox.removeprefix("table:"), store_url)
    path = Path(inbox)
    if path.is_dir():
        locators: list[Locator] = []
        for file in sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FILE_SUFFIXES):
            rel = file.relative_to(path).as_posix()
            locators.extend(_scan_lines(file, rel) if file.suffix.lower() == ".jsonl" else [Locator("file", str(file), 0, rel)])
        return locators
    if not path.exists():
        raise FileNotFoundError(f"inbox {inbox!r} does not exist")
    if path.suffix.lower() == ".jsonl":
        return _scan_lines(path, path.name)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.ParquetFile(path).metadata.num_rows
        return [Locator("parquet", str(path), row, f"{path.name}#{row}") for row in range(rows)]
    return [Locator("file", str(path), 0, path.name)]


def read(locators: list[Locator], store_url: str | None = None) -> list[dict | BadRecord]:
    out: list[dict | BadRecord] = []
    by_parquet: dict[str, list[Locator]] = {}
    by_table: dict[str, list[Locator]] = {}
    for loc in locators:
        if loc.kind == "parquet":
            by_parquet.setdefault(loc.path, []).append(loc)
        elif loc.kind == "table":
            by_table.setdefault(loc.path, []).append(loc)
        elif loc.kind == "line":
            out.append(_read_line(loc))
        else:
            out.append(_read_file(loc))
    for path, locs in by_parquet.items():
        out.extend(_read_parquet(path, locs))
    for table, locs in by_table.items():
        out.extend(_read_table(table, locs, store_url))
    return out


def derive_id(record: dict, label: str) -> str:
    """The record's id; else one derived from its URL; else from where it was read."""
    if record.get("id") not in (None, ""):
        return record["id"] if isinstance(record["id"], str) else json.dumps(record["id"])
    if record.get("url"):
        return "u-" + hashlib.sha1(str(record["url"]).encode("utf-8", "replace")).hexdigest()[:16]
    return label


def _scan_lines(path: Path, label: str) -> list[Locator]:
    locators, offset = [], 0
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                locators.append(Locator("line", str(path), offset, f"{label}:{number}"))
            offset += len(line)
    return locators


def _read_line(loc: Locator) -> dict | BadRecord:
    with open(loc.path, "rb") as handle:
        handle.seek(int(loc.key))
        raw = handle.readline()
    return _from_json_bytes(raw, loc.label)


def _read_file(loc: Locator) -> dict | BadRecord:
    path = Path(loc.path)
    data = path.read_bytes()
    stem = loc.label.rsplit(".", 1)[0]
    suffix = path.suffix.lower()
    if suffix == ".json":
        return _from_json_bytes(data, stem)
    if suffix in (".html", ".htm"):
        return {"id": stem, "html": _decode_html(data)}
    try:
        return {"id": stem, "text": data.decode("utf-8").removeprefix("\ufeff")}
    except UnicodeDecodeError as exc:
        return BadRecord(stem, f"undecodable: not valid UTF-8 (byte offset {exc.start})", _payload(data))


def _decode_html(data: bytes) -> str:
    from trafilatura.utils import decode_file  # honours <meta charset> and guesses the rest

    return decode_file(data)


def _from_json_bytes(raw: bytes, label: str) -> dict | BadRecord:
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
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


def _read_parquet(path: str, locs: list[Locator]) -> list[dict]:
    """Read only the row groups that hold the wanted rows."""
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    wanted = {int(loc.key): loc for loc in locs}
    out, first = [], 0
    for group in range(parquet.num_row_groups):
        size = parquet.metadata.row_group(group).num_rows
        rows_here = [row for row in wanted if first <= row < first + size]
        if rows_here:
            rows = parquet.read_row_group(group).to_pylist()
            out.extend(_record(rows[row - first], wanted[row].label) for row in sorted(rows_here))
        first += size
    return out


def _scan_table(table: str, store_url: str | None) -> list[Locator]:
    import sqlalchemy as sa

    from .store import Store

    store = Store(store_url)
    source = sa.Table(table, sa.MetaData(), autoload_with=store.engine)
    with store.engine.connect() as conn:
        ids = [row[0] for row in conn.execute(sa.select(source.c.id).order_by(source.c.id))]
    return [Locator("table", table, str(i), f"{table}:{i}") for i in ids]


def _read_table(table: str, locs: list[Locator], store_url: str | None) -> list[dict]:
    import sqlalchemy as sa

    from .store import Store

    store = Store(store_url)
    source = sa.Table(table, sa.MetaData(), autoload_with=store.engine)
    columns = [source.c[f] for f in FIELDS if f in source.c]
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(*columns).where(source.c.id.in_([loc.key for loc in locs]))).mappings().all()
    return [_record(dict(row), f"{table}:{row['id']}") for row in rows]
