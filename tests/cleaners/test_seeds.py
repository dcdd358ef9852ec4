"""One test per seed article (text as scraped) and per HTML rendering of it."""
import pytest

from cleaners import clean_html, clean_text

from .helpers import FIXTURES, assert_matches_expected, load_json

SEEDS = sorted(FIXTURES.glob("seeds/*.input.json"))
PAGES = sorted(FIXTURES.glob("html/*.html"))
# These must come out clean on the generic rules alone, with no source given.
GENERIC_ONLY = ("000_", "001_", "002_", "003_")


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name.split(".")[0])
def test_seed_text(path):
    record = load_json(path)
    expected = load_json(path.with_name(path.name.replace(".input.", ".expected.")))
    source = None if record["id"].startswith(GENERIC_ONLY) else record["source"]
    result = clean_text(record["text"], source=source)
    assert result.language == record["language"]
    assert_matches_expected(result, expected)


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_seed_html(path):
    expected = load_json(path.with_suffix(".expected.json"))
    source = None if path.stem.startswith(GENERIC_ONLY) else expected["source"]
    expected = {**expected, "text": expected["expected_body"]}
    result = clean_html(path.read_bytes(), url=expected["url"], source=source)
    assert result.language == expected["language"]
    assert_matches_expected(result, expected, every_removal_logged=False)
