"""Hostile input straight into the library: a clear CleaningError (with its code) or TypeError, in
bounded time and memory; ftfy repairs mojibake; nothing is read because a page asked for it.

The big inputs run in a fresh process each (clean_case.py), killed after a timeout, so that a case
that runs away fails its test instead of hanging the suite. The limits themselves are in
cleaners/guards.py; the library calls them (see the README, "Limits and reliability")."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaners import CleaningError, clean_html, clean_text, guards, settings

CASE_SCRIPT = Path(__file__).resolve().parent / "clean_case.py"
PARA = ("Die Stadt hat am Montag beschlossen, die Brücke über den Fluss bis zum Sommer zu sanieren und "
        "dafür Geld bereitzustellen. ")
TEXT = "Brücke wird saniert\n\n" + PARA * 2 + "\n\nDer Bürgermeister bat die Anwohner um Geduld mit den Umleitungen."


def run_case(name: str, timeout: float = 20) -> dict:
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, str(CASE_SCRIPT), name], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name}: cleaning did not finish within {timeout} s (no limit stopped it)")
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["wall"] = time.monotonic() - start
    return report


# name, expected CleaningError code, seconds the cleaning may take, MB it may take beyond its input
BOUNDED = [
    ("page-50mb", "too_large", 2, 60),
    ("page-50mb-bytes", "too_large", 2, 60),
    ("text-50mb", "too_large", 2, 60),
    ("nested-100k", "too_many_elements", 2, 60),
    ("nested-1k", "too_deep", 5, 150),
    ("paragraphs-1m-page", "too_many_elements", 2, 60),
    ("paragraphs-1m-text", "too_many_blocks", 2, 60),
    ("blocks-20k-text", "too_many_blocks", 10, 200),
    ("blocks-20k-page", "too_many_blocks", 20, 400),
    ("time-budget", "time_budget", 5, 200),
    ("png-as-text", "binary_input", 2, 60),
    ("utf16-as-text", "binary_input", 2, 60),
]


@pytest.mark.parametrize("name,code,seconds,megabytes", BOUNDED, ids=[case[0] for case in BOUNDED])
def test_limits_stop_hostile_input(name, code, seconds, megabytes):
    report = run_case(name, timeout=20 + 2 * seconds)
    assert (report["outcome"], report["code"]) == ("CleaningError", code), report
    assert report["seconds"] < seconds, report
    assert report["extra_mb"] < megabytes, report


def test_billion_laughs_is_never_expanded():
    report = run_case("billion-laughs")
    assert "lol" * 100 not in report.get("text", ""), "entities were expanded"
    assert report["seconds"] < 5 and report["extra_mb"] < 200, report


@pytest.mark.parametrize("value", ["", " ", "\n\n\t \r\n", "\u00a0\u200b\u2060 \ufeff", "\x00\x00"])
def test_empty_and_whitespace_only(value):
    for clean in (clean_text, clean_html):
        with pytest.raises(CleaningError) as error:
            clean(value)
        assert error.value.code in ("empty_input", "binary_input", "not_html")


@pytest.mark.parametrize("value", [None, 42, 3.5, ["text"], {"text": "x"}, object()])
def test_wrong_types_raise_type_error(value):
    with pytest.raises(TypeError):
        clean_text(value)
    with pytest.raises(TypeError):
        clean_html(value)


def test_bytes_to_clean_text_is_a_type_error():
    with pytest.raises(TypeError, match="decode bytes first"):
        clean_text(TEXT.encode("utf-8"))


def test_image_bytes_as_a_page(corpus):
    with pytest.raises(CleaningError) as error:
        clean_html(corpus.png_bytes())
    assert error.value.code == "not_html"


def test_utf16_page_without_bom_is_decoded(corpus):
    page = corpus.page(corpus.ARTICLE_HTML_BODY).replace('<meta charset="utf-8">', "").encode("utf-16-le")
    result = clean_html(page)
    assert "Brücke" in result.text and "\x00" not in result.text


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_mojibake_is_repaired_by_ftfy(layers):
    broken = TEXT.replace("Brücke", "Brücke über die Straße, Größe")
    for _ in range(layers):  # UTF-8 read as Windows-1252, once, twice, three times
        broken = broken.encode("utf-8").decode("cp1252", "replace")
    assert "Ã" in broken
    result = clean_text(broken)
    assert "Brücke über die Straße, Größe" in (result.title or "") + result.text
    assert "Ã" not in result.text and "Â" not in result.text


def test_windows_1252_page_with_its_charset(corpus):
    page = corpus.page(f"<article><p>{PARA * 2}</p><p>Die Größe der Straße ist umstritten, sagten die Bürger.</p></article>")
    result = clean_html(page.replace("utf-8", "windows-1252").encode("cp1252"))
    assert "Größe der Straße" in result.text


@pytest.mark.parametrize("kind", ["script", "style", "template"])
def test_script_style_or_template_only_pages(corpus, kind):
    """Nothing a browser does not show is an article (a <template> is inert markup, never rendered)."""
    page = corpus.page(f"<{kind}>var SECRETMARK = '<p>{PARA}</p>';</{kind}>", head=f"<{kind}>x</{kind}>")
    with pytest.raises(CleaningError) as error:
        clean_html(page)
    assert error.value.code == "no_article"


def test_noscript_text_is_content_but_not_its_code(corpus):
    page = corpus.page(f"<noscript>var SECRETMARK = '<p>{PARA}</p>';</noscript>")
    try:
        text = clean_html(page).text
    except CleaningError as error:
        assert error.code == "no_article"
        return
    assert "SECRETMARK" not in text and "var " not in text and "<" not in text


def test_external_entities_are_never_resolved(corpus, tmp_path, listener):
    secret = tmp_path / "secret.txt"
    secret.write_text(corpus.SECRET_MARKER, encoding="utf-8")
    for target in (secret.resolve().as_uri(), "file:///etc/passwd", listener.url):
        page = corpus.xxe_page(target)
        for data in (page, page.encode("utf-8"), '<?xml version="1.0"?>\n' + page):
            try:
                result = json.dumps(clean_html(data).to_dict(), ensure_ascii=False)
            except CleaningError as error:
                result = str(error)
            assert corpus.SECRET_MARKER not in result and "root:x:0:0" not in result
    assert listener.connections == 0


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CLEANERS_MAX_INPUT_BYTES", "1_000")
    monkeypatch.setenv("CLEANERS_TIME_BUDGET_SECONDS", "0")
    current = settings.current()
    assert current.max_input_bytes == 1000 and current.time_budget == 0
    with pytest.raises(CleaningError) as error:
        guards.check_text("x" * 1001)
    assert error.value.code == "too_large" and "CLEANERS_MAX_INPUT_BYTES" in str(error.value)
    monkeypatch.setenv("CLEANERS_MAX_INPUT_BYTES", "0")  # 0 switches a limit off
    guards.check_text("x" * 100_000)
    monkeypatch.setenv("CLEANERS_MAX_BLOCKS", "ten")
    with pytest.raises(ValueError, match="CLEANERS_MAX_BLOCKS"):
        settings.current()


def test_limit_checks_directly(corpus):
    from lxml import html as lxml_html

    small = settings.Limits(max_input_bytes=1000, max_elements=50, max_depth=20, max_blocks=5)
    with pytest.raises(CleaningError, match="limit"):
        guards.check_html("<p>x</p>" * 60, small)
    with pytest.raises(CleaningError) as error:
        guards.check_tree(lxml_html.fromstring(corpus.nested(30)), small)
    assert error.value.code == "too_deep"
    with pytest.raises(CleaningError) as error:
        guards.check_tree(lxml_html.fromstring("<div>" + "<p>x</p>" * 60 + "</div>"), small)
    assert error.value.code == "too_many_elements"
    with pytest.raises(CleaningError) as error:
        guards.check_blocks([object()] * 6, small)
    assert error.value.code == "too_many_blocks"
    with pytest.raises(CleaningError) as error:
        guards.check_text("é" * 400, settings.Limits(max_input_bytes=500))  # 800 bytes in UTF-8
    assert error.value.code == "too_large"
    guards.check_text("Ein Satz mit einem verirrten \x00 Zeichen, sonst ganz normaler Text. " * 3)  # one stray NUL is no binary
    guards.check_html(corpus.page(corpus.ARTICLE_HTML_BODY))
    guards.check_tree(lxml_html.fromstring(corpus.page(corpus.ARTICLE_HTML_BODY)))


def test_time_budget_is_per_context_and_nests():
    with guards.time_budget(0.05):
        guards.check_time("start")
        time.sleep(0.08)
        with pytest.raises(CleaningError) as error:
            guards.check_time("late")
        assert error.value.code == "time_budget" and "late" in str(error.value)
        with guards.time_budget(10):  # an inner budget cannot extend the outer deadline
            with pytest.raises(CleaningError):
                guards.check_time()
    guards.check_time("outside any budget")  # no deadline: never raises


def test_defaults_leave_real_articles_alone(corpus):
    """The seed pages are far inside every limit: the same results with and without the checks."""
    root = Path(__file__).resolve().parents[2] / "fixtures" / "html"
    for page in sorted(root.glob("*.html")):
        data = page.read_bytes()
        guards.check_html(data)
        from trafilatura.utils import load_html

        guards.check_tree(load_html(data))
        result = clean_html(data)
        guards.check_blocks(result.text.split("\n\n"))
