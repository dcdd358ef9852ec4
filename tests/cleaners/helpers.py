"""Shared checks for fixture tests: compare a CleanResult with an expected-output file."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

# A valid user rule, for tests of user rule directories.
GOOD_RULE = '''
[[rules]]
id = "promo.my-house-ad"
category = "promo"
kind = "block"
pattern = "^Unser Shop hat geöffnet"
why = "Our own house ad."
examples.remove = ["Unser Shop hat geöffnet!"]
examples.keep = ["Der Shop hat geöffnet."]
'''


# A user rule written far too wide: it matches nearly every German paragraph.
TOO_WIDE_RULE = '''
[[rules]]
id = "disclaimer.too-wide"
category = "disclaimer"
kind = "block"
pattern = '\\b(die|der)\\b'
why = "A pattern written far too wide."
[rules.examples]
remove = ["Die Angaben sind ohne Gewähr."]
keep = ["Alles gut."]
'''


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def words(text: str) -> Counter:
    return Counter(re.findall(r"\w+", text.lower()))


def squash(text: str) -> str:
    return " ".join(text.split())


def assert_matches_expected(result, expected: dict, *, every_removal_logged: bool = True) -> None:
    """Every word of the expected body kept, nothing else published, junk removed as labelled.

    For pages, junk that the extractor leaves out by itself (outside the article) is recorded as page
    furniture, whatever its label; what a rule or detector removed must carry the labelled category.
    """
    missing = words(expected["text"]) - words(result.text)
    extra = words(result.text) - words(expected["text"])
    assert not missing, f"article words lost: {dict(missing)}"
    assert not extra, f"junk words published: {dict(extra)}"
    assert result.text.split("\n\n") == expected["text"].split("\n\n"), "paragraphs differ"
    assert result.title == expected["title"]
    assert sorted(result.warnings) == sorted(expected["warnings"])
    meta = result.metadata
    want = expected["metadata"]
    assert meta.published == want.get("published")
    assert meta.author == want.get("author")
    assert meta.tags == want.get("tags", [])
    assert meta.sources == want.get("sources", [])
    for label in expected["removals"]:
        assert squash(label["text"]) not in squash(result.text)
        hits = [r for r in result.removals if squash(label["text"]) in squash(r.text)]
        if not every_removal_logged:
            assert hits, f"labelled junk left the page without a record: {label['text']!r}"
            hits = [r for r in hits if r.category != "furniture"]
            if not hits:
                continue
        assert hits, f"labelled junk not removed: {label['text']!r}"
        exact = [r for r in hits if squash(r.text) == squash(label["text"])]
        if not every_removal_logged and not exact:
            continue  # part of a larger page element pruned as a whole (a pop-up with its close button)
        assert any(r.category == label["category"] for r in exact or hits), (
            f"{label['text']!r} removed as {[r.category for r in hits]}, labelled {label['category']}")
        if label.get("scope") == "sentence":
            assert any(r.scope == "sentence" for r in hits)
    assert "\u00a0" not in result.text and "  " not in result.text
    assert not re.search(r"(^|\n)-\s*(\n|$)", result.text), "a lone list marker was published"
