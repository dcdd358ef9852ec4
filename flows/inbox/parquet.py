"""A Parquet file: one record per row, located by its row number. Memory follows the rows read, not
the size of the row groups: only the wanted rows' columns are decoded, a slice of a few MB at a time."""
from __future__ import annotations

from bisect import bisect_left
from pathlib import Path

from .files import Unreadable, open_input
from .records import FIELDS, BadRecord, Locator, derive_id, make_record, nfc

_SLICE_BYTES = 2 << 20  # about what one slice of a Parquet row group holds once decoded


def scan(path: Path) -> list[Locator]:
    """One locator per row, with the row's id (only the id and url columns are read)."""
    name = nfc(path.name)
    with open_input(path, None) as handle:
        parquet = _parquet(handle)
        columns = [c for c in ("id", "url") if c in parquet.schema_arrow.names]
        return [Locator("parquet", str(path), number, f"{name}#{number}", derive_id(row, f"{name}#{number}"))
                for number, row in _rows(parquet, columns, range(parquet.metadata.num_rows))]


def read(path: str, locs: list[Locator]) -> list[tuple[Locator, dict | BadRecord]]:
    """The rows of `locs` (all of one file)."""
    wanted: dict[int, list[Locator]] = {}
    for loc in locs:
        wanted.setdefault(int(loc.key), []).append(loc)
    try:
        with open_input(Path(path), None) as handle:
            parquet = _parquet(handle)
            columns = [c for c in FIELDS if c in parquet.schema_arrow.names]  # not the other columns
            rows = dict(_rows(parquet, columns, sorted(wanted)))
    except Unreadable as exc:
        return [(loc, BadRecord(loc.id or loc.label, str(exc), "")) for loc in locs]
    return [(loc, make_record(rows[row], loc.label)) for row in sorted(wanted) for loc in wanted[row]]


def _parquet(handle):
    import pyarrow.parquet as pq

    # Not pre-buffered, and through a buffer: pyarrow would otherwise read whole column chunks at once.
    return pq.ParquetFile(handle, pre_buffer=False, buffer_size=1 << 20)


def _rows(parquet, columns: list[str], rows):
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
