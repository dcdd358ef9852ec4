"""The review as editors read it: titles without the site's name and told apart, and the removals in
Markdown (the Prefect UI's view of a run) struck through in place with their rule beside them."""
import json
import re

from cleaners import CleanResult, Metadata, Removal, clean_text
from cleaners.render.report import display_title, render_markdown, render_report

from .helpers import FIXTURES


def result(title, source=None, url=None, text="Ein Absatz.", removals=()):
    return CleanResult(text=text, title=title, language="de", metadata=Metadata(), removals=list(removals),
                       warnings=[], source=source, url=url)


def test_a_site_name_suffix_is_not_part_of_the_title():
    cases = [
        (("Merz kündigt an | DER SPIEGEL", "spiegel.de"), "Merz kündigt an"),
        (("Heizung: Was gilt? - ZEIT ONLINE", None, "https://www.zeit.de/x"), "Heizung: Was gilt?"),
        (("Bahnstreik – Süddeutsche Zeitung", "sueddeutsche.de"), "Bahnstreik"),
        (("Mein Beitrag | Alice schreibt", "alice.blogspot.com"), "Mein Beitrag"),
        (("Wahl in London | BBC News", "bbc.co.uk"), "Wahl in London"),
        (("A | B | heise online", "heise.de"), "A | B"),  # only the last part names the site
    ]
    for args, shown in cases:
        assert display_title(result(*args)) == shown, args


def test_a_suffix_that_does_not_name_the_site_stays():
    assert display_title(result("Krieg in Nahost - Was wir wissen", "spiegel.de")) == "Krieg in Nahost - Was wir wissen"
    assert display_title(result("Titel | Seite")) == "Titel | Seite"  # no site known: nothing to compare with
    assert display_title(result("Nur ein Titel", "spiegel.de")) == "Nur ein Titel"
    assert display_title(result(None, "spiegel.de")) is None


def test_two_articles_of_one_title_are_told_apart():
    items = [("a-1", result("Merz kündigt an | DER SPIEGEL", "spiegel.de", "https://www.spiegel.de/a-1")),
             ("b-2", result("Merz kündigt an | DER SPIEGEL", "spiegel.de", "https://www.spiegel.de/b-2"))]
    html = render_report(items)
    toc = re.search(r'<ol class="toc">(.*?)</ol>', html, re.S).group(1)
    assert toc.count(">Merz kündigt an</a>") == 2 and "DER SPIEGEL" not in toc
    assert '<span class="name">a-1</span>' in toc and '<span class="name">b-2</span>' in toc
    assert '<a href="https://www.spiegel.de/b-2">https://www.spiegel.de/b-2</a></div>' in html  # beside the title
    assert "<dt>page title</dt>" in html and "Merz kündigt an | DER SPIEGEL" in html  # the page's own title, kept


def test_different_titles_need_no_id_in_the_contents():
    html = render_report([("a-1", result("Eins", "x.de")), ("b-2", result("Zwei", "x.de"))])
    toc = re.search(r'<ol class="toc">(.*?)</ol>', html, re.S).group(1)
    assert '<span class="name">' not in toc and toc.count('<span class="site">x.de</span>') == 2


def test_markdown_strikes_the_removals_in_place_with_their_rule():
    seed = json.loads((FIXTURES / "seeds" / "002_65eea8b01307b085.input.json").read_text(encoding="utf-8"))
    cleaned = clean_text(seed["text"], source=seed["source"], language=seed["language"])
    text = render_markdown([(seed["id"], cleaned)])
    assert text.startswith("### Demonstranten kritisieren")
    assert f"`{seed['id']}` · dailyai.com" in text
    assert "~~HEUTE ABONNIEREN~~ _[newsletter · `newsletter.de-subscribe-button`]_" in text
    assert text.count("~~") == 2 * len(cleaned.removals)
    # In reading order: the dateline before the first kept paragraph, the newsletter box after the last.
    first = cleaned.text.split("\n\n")[0]
    assert text.index("metadata.dateline") < text.index(first[:40]) < text.index("newsletter.de-subscribe-button")
    assert re.search(r"_\[\d+ paragraph\(s\) kept\]_", text), "kept paragraphs away from the removals are summed up"


def test_markdown_shows_article_text_as_text():
    hostile = "<script>alert(1)</script> *fett* [Link](javascript:x) | ~~ # `code`"
    cut = Removal("ad", "ad.x", "# Anzeige <b>hier</b> ~~", "block", 1, "")  # between the two kept paragraphs
    text = render_markdown([("id`1", result(hostile, text=f"- {hostile}\n\n1. Liste", removals=[cut]))])
    assert not re.search(r"(?<!\\)[<>]", text), "no HTML"
    assert not re.search(r"(?<!\\)\]\(", text), "no link"
    assert "\\<script\\>alert(1)\\</script\\> \\*fett\\* \\[Link\\](javascript:x) \\| \\~\\~ # \\`code\\`" in text
    assert "~~\\# Anzeige \\<b\\>hier\\</b\\> \\~\\~~~ _[ad · `ad.x`]_" in text
    assert "`id'1`" in text  # an id cannot end its code span
    assert "\\1. Liste" in text and "\n1. Liste" not in text  # no list is made of a paragraph


def test_markdown_keeps_long_articles_short():
    removals = [Removal("ad", f"ad.r{i}", f"Anzeige {i}", "block", 2 * i, "") for i in range(60)]
    kept = "\n\n".join(f"Absatz {i} " + "Wort " * 100 for i in range(60))
    text = render_markdown([("long", result("Lang", text=kept, removals=removals))])
    assert text.count("~~") == 2 * 40 and "20 more paragraph(s) with removals" in text
    assert max(len(line) for line in text.splitlines()) < 400, "a kept paragraph beside a removal is cut short"
