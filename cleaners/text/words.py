"""The word lists the code reads, per language: data in cleaners/rules/words/<language>.toml."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

WORDS_DIR = Path(__file__).resolve().parent.parent / "rules" / "words"


@lru_cache(maxsize=1)
def _all() -> dict[str, dict[str, tuple[str, ...]]]:
    return {path.stem: {name: tuple(words) for name, words in tomllib.loads(path.read_text("utf-8")).items()}
            for path in sorted(WORDS_DIR.glob("*.toml"))}


def languages() -> tuple[str, ...]:
    """The languages that have word lists: the ones the language guess knows."""
    return tuple(_all())


def words(name: str, language: str | None = None) -> tuple[str, ...]:
    """One list of one language, or of every language together (in the order of the files)."""
    found = _all()
    chosen = [found[language]] if language else list(found.values())
    return tuple(word for lists in chosen for word in lists.get(name, ()))
