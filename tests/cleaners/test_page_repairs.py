"""Pages are repaired before extraction: streamed parts put back in place, and an article whose
wrapper is named like page furniture kept."""
import pytest
from lxml import etree

from cleaners import clean_html
from cleaners.html import extract, parse
from cleaners.html.streamed import place_streamed_segments

SENTENCES = [
    "The council voted on Monday to repair the old bridge over the river before the summer.",
    "Engineers found cracks in two of the supporting arches during the spring inspection.",
    "Traffic will be diverted through the northern district while the work goes on.",
    "The repairs are expected to cost about four million euros, paid from the city's reserves.",
    "Residents asked for a temporary footbridge, which the council promised to consider.",
    "Work on the western arch starts first, because its cracks are the deepest.",
]
ARTICLE_PARAGRAPHS = "".join(f"<p>{s} {s}</p>" for s in SENTENCES)


def _words(text: str) -> str:
    return " ".join(text.split())


# --- React streaming: hidden segments at the end of the body belong in their holes

def _streamed_page(holes_html: str, segments_html: str) -> str:
    return (f"<html><head><title>Bridge repairs</title></head><body><header><a href='/'>Home</a></header>"
            f"<main><h1>Bridge repairs</h1><article>{holes_html}</article></main><footer>© City News</footer>"
            f"{segments_html}<script>$RC(\"B:0\",\"S:0\")</script></body></html>")


def test_a_streamed_segment_moves_into_its_hole_in_reading_order():
    page = _streamed_page(
        f"<p>{SENTENCES[0]}</p><template id='B:0'></template><div>Loading paragraph...</div><p>{SENTENCES[2]}</p>",
        f"<div hidden id='S:0'><p>{SENTENCES[1]}</p></div>")
    tree = parse.parse_page(page)
    assert place_streamed_segments(tree) == 1
    main_text = _words(tree.find(".//main").text_content())
    assert main_text.index(SENTENCES[0]) < main_text.index(SENTENCES[1]) < main_text.index(SENTENCES[2])
    assert not tree.xpath("//template") and not tree.xpath("//*[@hidden]")


def test_segments_holding_further_holes_are_placed_too():
    page = _streamed_page(
        "<template id='B:0'></template>",
        f"<div hidden id='S:0'><p>{SENTENCES[0]}</p><template id='P:1'></template></div>"
        f"<div hidden id='S:1'><p>{SENTENCES[1]}</p></div>")
    tree = parse.parse_page(page)
    assert place_streamed_segments(tree) == 2
    main_text = _words(tree.find(".//main").text_content())
    assert main_text.index(SENTENCES[0]) < main_text.index(SENTENCES[1])


@pytest.mark.parametrize("case, body", [
    ("a hole with no segment", "<main><template id='B:3'></template><p>text</p></main>"),
    ("a hidden div that is no segment", "<main><p>text</p></main><div hidden id='menu'>Menu</div>"),
    ("a segment holding its own hole", "<main><p>text</p></main><div hidden id='S:2'><template id='P:2'></template></div>"),
])
def test_pages_without_a_matching_pair_are_left_alone(case, body):
    tree = parse.parse_page(f"<html><body>{body}</body></html>")
    before = etree.tostring(tree)
    assert place_streamed_segments(tree) == 0, case
    assert etree.tostring(tree) == before, case


def test_clean_html_keeps_a_streamed_article_whole():
    segments = "".join(f"<div hidden id='S:{i}'><p>{s} {s}</p></div>" for i, s in enumerate(SENTENCES[1:]))
    holes = "".join(f"<template id='B:{i}'></template><div>Loading paragraph...</div>" for i in range(len(SENTENCES) - 1))
    lead = f"<p>{SENTENCES[0]} {SENTENCES[0]}</p>" * 3  # the extractor takes the <article>
    page = _streamed_page(lead + holes, segments)
    text = clean_html(page).text
    assert all(s in text for s in SENTENCES)
    assert [text.index(s) for s in SENTENCES] == sorted(text.index(s) for s in SENTENCES)


# --- wrappers the extractor would drop by name

# Text outside the wrapper, about a third of the page: the extractor drops a part by name only
# when enough text is left without it.
OTHER_TEXT = "".join(f"<p>{s}</p>" for s in (
    "The city also publishes its weekly events calendar on Fridays, with concerts and markets.",
    "Opening hours of the town hall change in December because of the holidays and the fair.",
    "The local football club won its third match in a row on Saturday in front of a full stadium."))


def _page_with_wrapper(attributes: str, extra: str = "") -> str:
    return (f"<html><head><title>Bridge repairs</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<h1>Bridge repairs</h1><div class='intro'>{OTHER_TEXT}</div>"
            f"<div {attributes}>{ARTICLE_PARAGRAPHS}</div>{extra}"
            f"<div class='comments'><div class='comment'><p>Great news, finally!</p></div></div></body></html>")


@pytest.mark.parametrize("attributes", [
    "class='commentOnSelection'",   # a "comment on selection" feature around the article
    "class='page1-footer'",         # a layout block named footer
])
def test_an_article_wrapped_in_a_part_named_like_furniture_is_kept(attributes):
    result = clean_html(_page_with_wrapper(attributes))
    assert all(s in result.text for s in SENTENCES), attributes


@pytest.mark.parametrize("attributes", [
    "class='commentOnSelection'", "class='page1-footer'", "class='w-embed'", "style='display:none'",
    "aria-hidden='true'", "class='teaser-text'", "id='comments-anchor'",
])
def test_a_wrapper_named_like_furniture_holding_the_article_is_a_suspect(attributes):
    parts = extract.misnamed_article_parts(parse.parse_page(_page_with_wrapper(attributes)))
    assert len(parts) == 1 and SENTENCES[0] in parts[0].text_content(), attributes


def test_listicle_slides_count_together():
    slides = "".join(f"<div class='listicle-slide'><h2>{i}. Arch</h2><p>{s} {s}</p></div>" for i, s in enumerate(SENTENCES))
    tree = parse.parse_page(f"<html><body><h1>Six things</h1><div class='intro'>{OTHER_TEXT}</div>{slides}</body></html>")
    assert len(extract.misnamed_article_parts(tree)) == len(SENTENCES)  # each alone is under the share


def test_a_real_comment_section_is_no_suspect():
    comments = "".join(f"<div class='comment'><p class='comment-text'>{s} {s}</p></div>" for s in SENTENCES)
    page = (f"<html><body><h1>Bridge</h1><article><p>{SENTENCES[0]}</p><p>{SENTENCES[1]}</p></article>"
            f"<div id='comments'>{comments}</div></body></html>")
    assert extract.misnamed_article_parts(parse.parse_page(page)) == []


def test_a_small_part_named_like_furniture_is_no_suspect():
    page = _page_with_wrapper("class='article'", extra="<div class='share-bar'><p>Share this</p></div>")
    assert extract.misnamed_article_parts(parse.parse_page(page)) == []


@pytest.mark.parametrize("attributes, renamed", [
    ("class='commentOnSelection'", True),   # the extractor drops it: names off, extracted again
    ("class='elementor-widget elementor-widget-theme-post-content'", False),  # kept anyway: untouched
])
def test_names_come_off_only_when_the_extraction_missed_the_suspects(attributes, renamed):
    tree = parse.parse_page(_page_with_wrapper(attributes))
    assert extract.misnamed_article_parts(tree), "the wrapper is a suspect either way"
    document = extract.extract_article(tree, None)
    assert bool(tree.xpath("//*[@data-cleaners-name]")) is renamed
    assert SENTENCES[3] in extract.body_text(document.body)


# --- the headline above the article, and the byline under its lead

@pytest.mark.parametrize("first_lines", [
    ["Bridge repairs"],
    ["Bridge repairs | City News"],
    ["Bridge repairs – City News", "Bridge repairs"],
])
def test_headline_lines_above_the_article_are_recorded_as_the_title(first_lines):
    heads = "".join(f"<p>{line}</p>" for line in first_lines)
    page = (f"<html><head><title>Bridge repairs | City News</title><meta property='og:title' content='Bridge repairs'>"
            f"</head><body><article>{heads}{ARTICLE_PARAGRAPHS}</article></body></html>")
    result = clean_html(page)
    assert result.title == "Bridge repairs"
    assert result.text.startswith(SENTENCES[0])
    repeats = [r.text for r in result.removals if r.rule_id == "metadata.title-repeat"]
    assert repeats == first_lines


def test_a_heading_that_only_starts_like_the_title_stays():
    page = ("<html><head><meta property='og:title' content='Bridge repairs'></head><body><article>"
            f"<h2>Bridge repairs: what changes for drivers</h2>{ARTICLE_PARAGRAPHS}</article></body></html>")
    result = clean_html(page)
    assert "Bridge repairs: what changes for drivers" in result.text
    assert not [r for r in result.removals if r.rule_id == "metadata.title-repeat"]


@pytest.mark.parametrize("first_lines, title", [
    (["Bridge works Repairs start on Monday"], "Bridge works: Repairs start on Monday"),  # kicker run into it
    (["Traffic", "Repairs start on Monday"], "Repairs start on Monday | City News"),      # kicker line above it
])
def test_headline_with_its_kicker_is_recorded_as_the_title(first_lines, title):
    heads = "".join(f"<p>{line}</p>" for line in first_lines)
    page = (f"<html><head><title>{title}</title></head><body><article>{heads}{ARTICLE_PARAGRAPHS}</article></body></html>")
    result = clean_html(page)
    assert result.text.startswith(SENTENCES[0])
    assert [r.text for r in result.removals if r.rule_id == "metadata.title-repeat"] == first_lines


def test_a_short_first_line_before_prose_is_no_kicker():
    page = ("<html><head><title>Repairs start on Monday</title></head><body><article><p>Traffic</p>"
            f"{ARTICLE_PARAGRAPHS}</article></body></html>")
    result = clean_html(page)
    assert not [r for r in result.removals if r.rule_id == "metadata.title-repeat"]


# --- the extractor's recall mode, asked when the result lacks most of the page's paragraphs

class _Document:
    def __init__(self, body_xml: str):
        self.body = etree.fromstring(f"<body>{body_xml}</body>")


@pytest.mark.parametrize("first_result, recall_asked", [
    ("<p>Only a teaser line.</p>", True),                              # most paragraphs missing
    ("".join(f"<p>{s} {s}</p>" for s in SENTENCES), False),            # the article: nothing to ask
])
def test_recall_mode_is_asked_only_when_most_paragraph_text_is_missing(monkeypatch, first_result, recall_asked):
    import trafilatura
    asked = []
    original = trafilatura.bare_extraction

    def recording(*args, **kwargs):
        asked.append(kwargs.get("favor_recall", False))
        return original(*args, **kwargs)

    monkeypatch.setattr(extract, "cascade", lambda tree, url: _Document(first_result))
    monkeypatch.setattr(trafilatura, "bare_extraction", recording)
    tree = parse.parse_page(f"<html><body><article>{ARTICLE_PARAGRAPHS}</article></body></html>")
    document = extract.extract_article(tree, None)
    assert (True in asked) is recall_asked
    assert SENTENCES[3] in extract.body_text(document.body)


def test_a_kicker_glued_to_the_headline_is_part_of_the_title_line():
    page = ("<html><head><title>Repairs on the old bridge start on Monday</title></head><body><article>"
            f"<p>Traffic newsRepairs on the old bridge start on Monday</p>{ARTICLE_PARAGRAPHS}</article></body></html>")
    result = clean_html(page)
    assert [r.text for r in result.removals if r.rule_id == "metadata.title-repeat"] == [
        "Traffic newsRepairs on the old bridge start on Monday"]


# --- the recall mode, asked when list items the result lacks add up to over half its length

STEPS = [f"Step {n}: check that the {part} of the bridge is free of cracks before the work goes on."
         for n, part in enumerate(["western arch", "eastern arch", "deck", "railing", "pillars", "drainage"], 1)]


def _list_page(items_html: str) -> str:
    return (f"<html><body><article><p>{SENTENCES[0]}</p><p>{SENTENCES[1]}</p><ul>{items_html}</ul>"
            f"</article></body></html>")


@pytest.mark.parametrize("case, items, recall_kept", [
    ("list items missing", "".join(f"<li>{s}</li>" for s in STEPS), True),
    ("slides with pictures", "".join(f"<li><img src='/{n}.jpg'>{s}</li>" for n, s in enumerate(STEPS)), False),
    ("short menu items", "".join(f"<li>Topic {n}</li>" for n in range(20)), False),
])
def test_recall_mode_is_asked_when_list_items_are_missing(monkeypatch, case, items, recall_kept):
    import trafilatura
    asked = []
    original = trafilatura.bare_extraction

    def recording(*args, **kwargs):
        asked.append(kwargs.get("favor_recall", False))
        return original(*args, **kwargs)

    first = "".join(f"<p>{s}</p>" for s in SENTENCES[:2])  # the paragraphs only: the list was left out
    monkeypatch.setattr(extract, "paragraph_chars", lambda tree: 1)  # the result holds the paragraphs
    monkeypatch.setattr(extract, "cascade", lambda tree, url: _Document(first))
    monkeypatch.setattr(trafilatura, "bare_extraction", recording)
    document = extract.extract_article(parse.parse_page(_list_page(items)), None)
    assert (True in asked) is recall_kept
    assert (STEPS[2] in extract.body_text(document.body)) is recall_kept


def test_a_recall_result_only_a_little_longer_is_not_taken(monkeypatch):
    first = "".join(f"<p>{s}</p>" for s in SENTENCES[:2])
    retry = first + "<p>One more short line.</p>"
    monkeypatch.setattr(extract, "paragraph_chars", lambda tree: 1)
    monkeypatch.setattr(extract, "cascade", lambda tree, url: _Document(first))
    monkeypatch.setattr(extract, "recall", lambda tree, url, fast=False: _Document(retry))
    document = extract.extract_article(parse.parse_page(_list_page("".join(f"<li>{s}</li>" for s in STEPS))), None)
    assert "One more short line" not in extract.body_text(document.body)


# --- a no-break space double-encoded in the page's own markup ("Â" + no-break space)

@pytest.mark.parametrize("space", ["\xa0", "&nbsp;", "&#160;", "&#xA0;"])
def test_a_double_encoded_no_break_space_leaves_no_a_circumflex(space):
    paragraphs = "".join(f"<p>{s}Â{space}</p>" for s in SENTENCES)
    page = f"<html><head><title>Bridge repairs</title></head><body><article><h1>Bridge repairs</h1>{paragraphs}</article></body></html>"
    result = clean_html(page)
    assert "Â" not in result.text and SENTENCES[2] in result.text


def test_a_circumflex_of_its_own_stays():
    page = ("<html><body><article><h1>Mots en français</h1>"
            + "".join(f"<p>{s} Le mot âme s'écrit avec un Â majuscule.</p>" for s in SENTENCES) + "</article></body></html>")
    assert "un Â majuscule" in clean_html(page).text
