"""The review report as a browser shows it: what was removed is struck through, coloured, explained."""
import json

import pytest

from cleaners import clean_html, clean_text
from cleaners.render.report import write_report

from .conftest import OUTPUT, ROOT

pytestmark = pytest.mark.browser  # needs Chromium (installed by .ci/run)

FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="module")
def report_file():
    page = FIXTURES / "html" / "000_0489556c03c15c71.html"
    seed = json.loads((FIXTURES / "seeds" / "002_65eea8b01307b085.input.json").read_text(encoding="utf-8"))
    items = [(seed["id"], clean_text(seed["text"], source=seed["source"], language=seed["language"])),
             (page.name, clean_html(page.read_bytes()))]
    return write_report(OUTPUT / "report.html", items, title="Review report · seed fixtures")


def test_report_shows_removals_in_place(page, report_file, screenshot):
    page.goto(report_file.as_uri())
    assert page.title() == "Review report · seed fixtures"
    assert page.locator("article.doc").count() == 2

    subscribe = page.locator('del[data-rule="newsletter.de-subscribe-button"]')
    assert subscribe.inner_text() == "HEUTE ABONNIEREN"
    assert "cat-newsletter" in subscribe.get_attribute("class")
    title = subscribe.get_attribute("title")
    assert title.startswith("newsletter · newsletter.de-subscribe-button (block) — ") and len(title) > 60

    style = subscribe.evaluate("e => { const s = getComputedStyle(e); return [s.textDecorationLine, s.backgroundColor] }")
    assert "line-through" in style[0]
    dateline = page.locator('del[data-rule="metadata.dateline"]')
    assert dateline.evaluate("e => getComputedStyle(e).backgroundColor") != style[1], "categories have their own colour"

    # removed blocks sit where they were: the dateline above the first paragraph, the newsletter box below the last
    body = page.locator("article.doc").first.locator(".body")
    text = body.inner_text()
    assert text.index("Oktober 8, 2023") < text.index("Open-Source-KI, insbesondere") < text.index("HEUTE ABONNIEREN")

    # the page's pruned elements are listed above its article text
    pruned = page.locator("article.doc").nth(1).locator("section.pruned del.rm")
    assert pruned.count() >= 5
    assert {"ad", "widget"} <= {pruned.nth(i).get_attribute("class").split()[1].removeprefix("cat-") for i in range(pruned.count())}

    legend = page.locator('.legend li[data-category="newsletter"]').inner_text()
    removed_newsletter = page.locator("del.rm.cat-newsletter").count()
    assert legend == f"newsletter {removed_newsletter}"
    meta = page.locator("article.doc").first.locator("dl.meta")
    assert "2023-10-08" in meta.inner_text() and "Sam Jeans" in meta.inner_text()

    screenshot(page, "report")  # the top: legend, contents, the first article's metadata and removed dateline
    subscribe.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(300)  # let the scroll paint
    screenshot(page, "report-in-place")  # the newsletter box and author box struck through below the article
