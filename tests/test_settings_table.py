"""The README's settings table lists every environment variable the code reads, with the code's own
defaults and meanings: it cannot drift. (On a failure, the expected table is printed: paste it.)"""
import re
from pathlib import Path

from cleaners.settings import SETTINGS

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- settings table start -->", "<!-- settings table end -->"


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def expected_table() -> str:
    from flows.settings import env_vars  # pydantic-settings only: no Prefect

    rows = [(s.env, _number(s.default), s.meaning) for s in SETTINGS] + env_vars()
    return "\n".join(["| variable | default | meaning |", "|---|---|---|"]
                     + [f"| `{name}` | {default} | {meaning} |" for name, default, meaning in rows])


def test_the_readme_settings_table_is_the_code_s():
    text = README.read_text(encoding="utf-8")
    table = text[text.index(START) + len(START):text.index(END)].strip()
    assert table == expected_table(), "README settings table is stale; expected:\n" + expected_table()


def test_every_cleaners_variable_in_the_code_is_in_the_table():
    """A CLEANERS_* name written anywhere in the code must be a setting (or the tests' own)."""
    root = README.parent
    named = {name for folder in ("cleaners", "flows", "schemas") for path in (root / folder).rglob("*.py")
             for name in re.findall(r"\bCLEANERS_[A-Z_]+[A-Z]\b", path.read_text(encoding="utf-8"))}
    table = README.read_text(encoding="utf-8")
    listed = set(re.findall(r"`(CLEANERS_[A-Z_]+)`", table[table.index(START):table.index(END)]))
    assert named - {"CLEANERS_"} <= listed, f"not in the README table: {sorted(named - listed)}"
