"""Opening an input file safely and reading no more of it than the size limit.

A file is opened without blocking (opening a FIFO waits for a writer) and checked once open, so a
file swapped since the scan is refused too; in a folder inbox it is opened from the inbox's own folder
down without following any link. Never more than the limit (`cleaners` settings,
CLEANERS_MAX_INPUT_BYTES) is read: not from a file that grows while it is read, nor from one whose
size says nothing (/proc files say 0), nor from one JSONL line.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from cleaners import guards, settings

from .records import BadRecord, payload

TOO_LARGE_PAYLOAD = 65_536  # what is read of an input over the size limit, for its quarantine entry
TOO_LONG = b"\0too long\0"  # stands for a line over the limit, which is never held whole


class Unreadable(OSError):
    """Why an input file was not read: its reason in the quarantine."""


def open_input(path: Path, root: Path | None):
    """The file opened for reading, if it is a regular file; in a folder inbox (`root`) opened from
    there down without following any link."""
    flags = os.O_RDONLY | os.O_NONBLOCK
    try:
        fd = os.open(path, flags) if root is None else _open_below(root, path.relative_to(root).parts, flags)
    except OSError as exc:
        if root is not None and exc.errno in (errno.ELOOP, errno.ENOTDIR):  # a link where the scan saw none
            raise Unreadable("refused: symbolic link put in place of the file or its folder after the "
                             "inbox was listed") from None
        raise Unreadable(f"unreadable: {exc.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise Unreadable(f"refused: not a regular file ({guards.file_kind(mode)})")
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


def max_bytes() -> int | None:
    limit = settings.current().max_input_bytes
    return limit if limit and limit > 0 else None


def read_limited(handle) -> tuple[bytes, str | None]:
    """(the file's bytes, None), or for a file over the size limit (its start, how large it is)."""
    limit = max_bytes()
    size = os.fstat(handle.fileno()).st_size
    if limit and size > limit:
        return handle.read(TOO_LARGE_PAYLOAD), f"{size:,} bytes"
    data = handle.read(limit + 1) if limit else handle.read()
    if limit and len(data) > limit:
        return data[:TOO_LARGE_PAYLOAD], f"more than {limit:,} bytes"
    return data, None


def read_line(handle, limit: int | None) -> tuple[bytes, int]:
    """The next line and its size in bytes; a line longer than `limit` is skipped in chunks (never
    held in memory) and comes back as TOO_LONG."""
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
    return TOO_LONG, size


_CHUNK = 1 << 22  # what `lines` reads at a time


def lines(handle, limit: int | None):
    """(offset, line) of each line to the end of the file, as read_line gives them (TOO_LONG
    for a line over `limit`, whose bytes are dropped as they are read). Read in large chunks: a
    line at a time costs listing a large inbox more than finding its records' ids."""
    position = start = 0  # the file offsets of the chunk and of the current line
    carry = b""  # the current line's bytes from earlier chunks
    too_long = False
    while chunk := handle.read(_CHUNK):
        begin = 0
        while (newline := chunk.find(b"\n", begin)) >= 0:
            end = newline + 1
            line = TOO_LONG if too_long else carry + chunk[begin:end] if carry else chunk[begin:end]
            yield start, TOO_LONG if line is not TOO_LONG and _over(line, limit) else line
            carry, too_long, start, begin = b"", False, position + end, end
        if not too_long and begin < len(chunk):
            carry += chunk[begin:]
            too_long = bool(limit) and len(carry) > limit + 2  # room for the line end
            carry = b"" if too_long else carry
        position += len(chunk)
    if too_long or carry:
        yield start, TOO_LONG if too_long or _over(carry, limit) else carry


def _over(line: bytes, limit: int | None) -> bool:
    """Over the limit: more than `limit` bytes without its line end, more than `limit` + 2 with it."""
    if not limit or len(line) <= limit:  # the usual case: no copy of the line
        return False
    return len(line) > limit + 2 or len(line.rstrip(b"\r\n")) > limit


def too_large(label: str, size: str, head: bytes) -> BadRecord:
    return BadRecord(label, f"too_large: {size}, over the limit of {max_bytes():,} bytes "
                            f"({settings.ENV['max_input_bytes']})", payload(head))
