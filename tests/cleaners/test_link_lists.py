"""Lists of linked headlines (teaser boxes) are related-article boxes; lists that are article text
stay, links and all."""
import pytest

from cleaners import clean_html

PARAGRAPHS = "".join(
    f"<p>{s}</p>" for s in [
        "The council voted on Monday to repair the old bridge over the river before the summer starts.",
        "Engineers found cracks in two of the supporting arches during the spring inspection of the bridge.",
        "Traffic will be diverted through the northern district while the work goes on for several months.",
        "The repairs are expected to cost about four million euros, paid from the city's own reserves.",
        "Residents asked for a temporary footbridge, which the council promised to consider next week.",
    ])


PAGE_URL = "https://www.citynews.com/2024/bridge"


def _page(list_html: str) -> str:
    return (f"<html><head><title>Bridge repairs</title></head><body><main><article><h1>Bridge repairs</h1>"
            f"{PARAGRAPHS}{list_html}</article></main></body></html>")


def _card(n: int, subline: str) -> str:
    return (f"<li><a href='/news/story-{n}' class='thumb'><img src='/i/{n}.jpg'></a>"
            f"<div><h3><a href='/news/story-{n}'>Mayor opens the new harbour promenade number {n}</a></h3>"
            f"<h4>{subline}</h4></div></li>")


REMOVED = {
    "headline links": "<ul>" + "".join(
        f"<li><a href='/news/{n}'>Mayor opens the new harbour promenade number {n}</a></li>" for n in range(3)) + "</ul>",
    "teaser cards with sublines": "<ul>" + "".join(
        _card(n, "Thousands came to walk along the water on the first sunny day") for n in range(3)) + "</ul>",
    "teaser cards with dates": "<ul>" + "".join(_card(n, "20 Nov 2019, 9:42am") for n in range(3)) + "</ul>",
}

KEPT = {
    "a list of facts with a link in each": "<ul>" + "".join(
        f"<li>The <a href='/wiki/arch-{n}'>arch {n}</a> carries most of the load and was built in 1890 from local stone.</li>"
        for n in range(3)) + "</ul>",
    "cards whose text is long": "<ul>" + "".join(
        _card(n, " ".join(["The promenade runs along the whole harbour and took three years to build."] * 4))
        for n in range(3)) + "</ul>",
    "a table of contents": "<ul>" + "".join(
        f"<li><a href='#part-{n}'>What the engineers found in part {n}</a></li>" for n in range(3)) + "</ul>",
    "a single card": "<ul>" + _card(1, "Thousands came to walk along the water") + "</ul>",
    "an event's dates, each linking to its tickets": "<ul>" + "".join(
        f"<li><a href='/tickets/{n}'>Saturday, {n + 12} April, 7.30 pm at the harbour promenade</a></li>"
        for n in range(3)) + "</ul>",
    "a timetable in German": "<ul>" + "".join(
        f"<li><a href='/termine/{n}'>Führung am {n + 3}. Mai, 14 Uhr: die harbour promenade</a></li>"
        for n in range(3)) + "</ul>",
    "a changelog linking to another site": "<ul>" + "".join(
        f"<li><a href='https://code.example.org/pull/{n}'>Fix the harbour promenade renderer number {n}</a></li>"
        for n in range(3)) + "</ul>",
}


@pytest.mark.parametrize("case", REMOVED)
def test_teaser_lists_are_removed_as_related(case):
    result = clean_html(_page(REMOVED[case]), url=PAGE_URL)
    assert "harbour promenade" not in result.text
    assert "Residents asked for a temporary footbridge" in result.text
    assert any(r.rule_id == "related.link-list" and "harbour promenade" in r.text for r in result.removals)


@pytest.mark.parametrize("case", KEPT)
def test_lists_that_are_article_text_stay(case):
    result = clean_html(_page(KEPT[case]), url=PAGE_URL)
    assert not any(r.rule_id == "related.link-list" for r in result.removals)


def test_without_a_url_a_list_of_links_elsewhere_counts_as_teasers():
    result = clean_html(_page(KEPT["a changelog linking to another site"]))
    assert any(r.rule_id == "related.link-list" for r in result.removals)
