"""The `cleaners` command line, run as a user would."""
import json
import subprocess
import sys

import pytest

from cleaners import RuleError, load_rules

from .helpers import FIXTURES

SEED = FIXTURES / "seeds" / "002_65eea8b01307b085.input.json"


def run(*args, stdin: bytes | None = None):
    return subprocess.run([sys.executable, "-m", "cleaners.cli", *args], input=stdin, capture_output=True)


@pytest.fixture
def seed_text(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(json.loads(SEED.read_text(encoding="utf-8"))["text"], encoding="utf-8")
    return path


def test_clean_prints_text(seed_text):
    done = run("clean", str(seed_text))
    assert done.returncode == 0
    out = done.stdout.decode()
    assert out.startswith("Demonstranten kritisieren")
    assert "ABONNIEREN" not in out


def test_json_is_the_whole_result(seed_text):
    data = json.loads(run("clean", "--json", str(seed_text)).stdout)
    assert data["metadata"]["published"] == "2023-10-08"
    assert {r["category"] for r in data["removals"]} >= {"newsletter", "author_bio", "metadata", "widget"}


def test_explain_lists_each_removal(seed_text):
    out = run("clean", "--explain", str(seed_text)).stdout.decode()
    assert "[newsletter] newsletter.de-subscribe-button (block)" in out
    assert "HEUTE ABONNIEREN" in out


def test_stdin_and_html_guess():
    page = (FIXTURES / "html" / "000_0489556c03c15c71.html").read_bytes()
    done = run("clean", "--json", "-", stdin=page)
    assert done.returncode == 0
    assert json.loads(done.stdout)["removals"][0]["scope"] == "element"


@pytest.mark.parametrize("content,message", [
    (b"", "empty input"),
    (b"caf\xe9 \xfa bad bytes", "not valid utf-8"),
    (b"\xff\xfe\x00\xd8 lone surrogate", "not valid utf-16-le"),  # a byte-order mark says UTF-16
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
])
def test_bad_input_fails_clearly(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    done = run("clean", str(path))
    assert done.returncode == 1
    assert message in done.stderr.decode()


def test_missing_file_does_not_stop_the_others(seed_text, tmp_path):
    done = run("clean", str(tmp_path / "missing.txt"), str(seed_text))
    assert done.returncode == 1
    assert "missing.txt" in done.stderr.decode()
    assert "Demonstranten" in done.stdout.decode()


def test_usage_error_exit_code():
    assert run("clean").returncode == 2


# A saved mind-verse.de page: its closing sentence is the site's self-promotion, which only the site's
# own pack removes, and the page says where it is from in its <head>.
SAVED_PAGE = """<!doctype html><html lang="de"><head><title>Neue KI-Modelle</title>{head}</head><body><article>
<h1>Neue KI-Modelle vorgestellt</h1>
<p>Mehrere Unternehmen haben in dieser Woche neue Sprachmodelle vorgestellt, die schneller und günstiger arbeiten sollen.</p>
<p>Fachleute erwarten, dass die Preise für die Nutzung solcher Modelle in den kommenden Monaten weiter sinken werden.</p>
<p>Die Hersteller betonen, dass die neuen Modelle auch auf kleineren Rechnern laufen und mehr Betrieben nützen.</p>
<p>Mindverse, als deutsche KI-Firma, beobachtet diese Entwicklungen mit großem Interesse.</p>
</article></body></html>"""


@pytest.mark.parametrize("head, url", [
    ('<link rel="canonical" href="https://www.mind-verse.de/news/neue-ki-modelle">',
     "https://www.mind-verse.de/news/neue-ki-modelle"),
    ('<meta property="og:url" content="https://mind-verse.de/news/neue-ki-modelle">',
     "https://mind-verse.de/news/neue-ki-modelle"),
    ('<link rel="canonical" href="/news/relative"><meta property="og:url" content="https://mind-verse.de/og">',
     "https://mind-verse.de/og"),  # a relative canonical link names no site: og:url does
    ("", None),
])
def test_a_saved_page_is_cleaned_as_its_own_url_says(tmp_path, head, url):
    page = tmp_path / "saved.html"
    page.write_text(SAVED_PAGE.format(head=head), encoding="utf-8")
    result = json.loads(run("clean", "--json", str(page)).stdout)
    assert result["url"] == url
    site_rule_fired = "promo.mindverse-self-plug" in {r["rule_id"] for r in result["removals"]}
    assert site_rule_fired == (url is not None)


def test_url_given_wins_over_the_page_and_names_one_file(tmp_path, seed_text):
    page = tmp_path / "saved.html"
    page.write_text(SAVED_PAGE.format(head='<link rel="canonical" href="https://www.mind-verse.de/x">'), encoding="utf-8")
    result = json.loads(run("clean", "--json", "--url", "https://www.example.de/a", str(page)).stdout)
    assert (result["url"], result["source"]) == ("https://www.example.de/a", "example.de")
    done = run("clean", "--url", "https://www.example.de/a", str(page), str(seed_text))
    assert done.returncode == 2 and done.stdout == b""
    assert "cleaners clean: error: --url is the address of one article: give it with one FILE" in done.stderr.decode()


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_encoding_utf_16_reads_a_file_with_its_byte_order_mark(tmp_path, seed_text, codec):
    path = tmp_path / "wide.txt"
    path.write_bytes(("\ufeff" + seed_text.read_text(encoding="utf-8")).encode(codec))
    done = run("clean", "--encoding", "utf-16", str(path))
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == run("clean", str(seed_text)).stdout


@pytest.mark.parametrize("args, message", [
    (["--encoding", "klingon"], "argument --encoding: unknown encoding 'klingon'"),
    (["--rules", ""], 'argument --rules: "" (empty): give a folder of .toml rule files'),
    (["--rules", "no-such-folder"], "argument --rules: no-such-folder: no such rule file or directory"),
])
def test_unusable_options_are_usage_errors_in_one_line(seed_text, args, message):
    done = run("clean", *args, str(seed_text))
    assert done.returncode == 2 and done.stdout == b""
    err = done.stderr.decode()
    assert err.splitlines()[-1] == f"cleaners clean: error: {message}" and "Traceback" not in err


def test_a_rules_folder_without_rule_files_is_said_once(tmp_path, seed_text):
    """An empty folder, or one whose .toml files are no rule packs (a project's pyproject.toml), is not
    quietly taken for "no extra rules": it is said once, not once per input."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    done = run("clean", "--rules", str(tmp_path / "empty"), str(seed_text), str(seed_text))
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr.decode() == (f"cleaners: {tmp_path / 'empty'}: no rule files in this folder "
                                    "(looked for *.toml and sites/*.toml)\n")
    done = run("clean", "--rules", str(tmp_path / "project"), str(seed_text))
    assert done.returncode == 1 and done.stderr.decode() == (
        f"cleaners: {tmp_path / 'project' / 'pyproject.toml'}: not a rule file (it has neither a [pack] table nor [[rules]])\n")
    assert run("rules", "check", "").returncode == 2
    with pytest.raises(RuleError, match=r'the rules directory is "" \(empty\)'):  # the library: "" is not the current folder
        load_rules("")


def test_a_missing_file_is_one_sentence(tmp_path):
    missing = tmp_path / "missing.html"
    done = run("clean", str(missing))
    assert done.returncode == 1 and done.stderr.decode() == f"cleaners: {missing}: no such file or directory\n"
