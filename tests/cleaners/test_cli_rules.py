"""The `cleaners` subcommands beyond `clean`: rules list/test/check, explain, report, the progress bar."""
import json
import os
import pty
import subprocess
import sys

import pytest

from cleaners import load_rules
from cleaners.api import clean_text
from cleaners.cli import use_colour
from cleaners.render.explain import render_explain
from cleaners.rules.examples import example_failures

from .helpers import FIXTURES, GOOD_RULE

SEED = FIXTURES / "seeds" / "002_65eea8b01307b085.input.json"


def run(*args, env=None, **kwargs):
    return subprocess.run([sys.executable, "-m", "cleaners.cli", *args], capture_output=True,
                          env={**os.environ, **(env or {})}, **kwargs)


@pytest.fixture
def seed_text(tmp_path):
    path = tmp_path / "article.txt"
    path.write_text(json.loads(SEED.read_text(encoding="utf-8"))["text"], encoding="utf-8")
    return path


def rule_dir(tmp_path, body: str):
    folder = tmp_path / "my-rules"
    folder.mkdir(exist_ok=True)
    (folder / "mine.toml").write_text(body, encoding="utf-8")
    return folder


# --- rules -----------------------------------------------------------------------------------------

def test_rules_list_shows_ids_categories_kinds_and_why():
    done = run("rules", "list")
    assert done.returncode == 0
    line = next(l for l in done.stdout.decode().splitlines() if l.startswith("newsletter.de-subscribe-button "))
    assert "newsletter" in line and "block" in line
    rows = json.loads(run("rules", "list", "--json", "--category", "metadata").stdout)
    assert {row["category"] for row in rows} == {"metadata"}
    assert {"metadata.top-labels", "metadata.dateline"} <= {row["id"] for row in rows}
    assert all(row["why"] for row in rows)


def test_rules_test_passes_on_the_builtin_packs():
    done = run("rules", "test")
    assert done.returncode == 0, done.stdout.decode()
    assert "all pass" in done.stdout.decode()


def test_rules_test_reports_a_failing_example(tmp_path):
    folder = rule_dir(tmp_path, GOOD_RULE.replace('"Der Shop hat geöffnet."', '"Unser Shop hat geöffnet, juhu."'))
    done = run("rules", "test", "--rules", str(folder))
    assert done.returncode == 1
    assert "FAIL" in done.stdout.decode() and "promo.my-house-ad" in done.stdout.decode()
    assert "removes its examples.keep" in done.stdout.decode()


def test_rules_check_accepts_a_good_directory(tmp_path):
    done = run("rules", "check", str(rule_dir(tmp_path, GOOD_RULE)))
    assert done.returncode == 0, done.stderr.decode()
    assert "ok, 1 rule(s)" in done.stdout.decode()


@pytest.mark.parametrize("body,message", [
    (GOOD_RULE.replace('"^Unser Shop hat geöffnet"', '"(unclosed"'), "pattern does not compile"),
    (GOOD_RULE.replace('examples.keep = ["Der Shop hat geöffnet."]', ""), "has no examples.keep"),
    (GOOD_RULE.replace('["Unser Shop hat geöffnet!"]', '["Besuchen Sie unseren Shop"]'), "does not remove its examples.remove"),
    (GOOD_RULE.replace('["Unser Shop hat geöffnet!"]', '["Unser Shop hat geöffnet!\\n\\nZweiter Absatz."]'), "one block"),
])
def test_rules_check_names_file_rule_and_problem(tmp_path, body, message):
    done = run("rules", "check", str(rule_dir(tmp_path, body)))
    assert done.returncode == 1
    err = done.stderr.decode()
    assert "mine.toml" in err and "promo.my-house-ad" in err and message in err


def test_rules_check_exit_codes_for_missing_and_empty(tmp_path):
    assert run("rules", "check", str(tmp_path / "nowhere")).returncode == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    done = run("rules", "check", "--json", str(empty))
    assert done.returncode == 1
    assert json.loads(done.stdout)["ok"] is False


def test_example_failures_is_empty_for_the_builtin_rules():
    assert example_failures(load_rules().rules) == []


# --- conventions -----------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["--help"], ["clean", "--help"], ["explain", "--help"], ["report", "--help"],
                                  ["rules", "--help"], ["rules", "list", "--help"], ["rules", "check", "--help"]])
def test_help_everywhere(args):
    done = run(*args)
    assert done.returncode == 0 and done.stdout.startswith(b"usage: cleaners")


def test_version_and_usage_errors():
    assert run("--version").stdout.decode().startswith("cleaners ")
    assert run().returncode == 2
    assert run("rules").returncode == 2
    assert run("explain").returncode == 2


# --- explain ---------------------------------------------------------------------------------------

def test_explain_marks_removals_in_place_without_colour_when_piped(seed_text):
    done = run("explain", str(seed_text))
    assert done.returncode == 0
    out = done.stdout.decode()
    assert "\x1b[" not in out
    assert "[-HEUTE ABONNIEREN-] [newsletter newsletter.de-subscribe-button]" in out
    # in reading order: the dateline above the first paragraph, the newsletter box below the last
    assert out.index("[-Oktober 8, 2023-]") < out.index("Open-Source-KI, insbesondere") < out.index("[-HEUTE ABONNIEREN-]")


def test_explain_colours_struck_text_on_request():
    result = clean_text(json.loads(SEED.read_text(encoding="utf-8"))["text"])
    coloured = render_explain(None, result, colour=True)
    assert "\x1b[2;9;35mHEUTE ABONNIEREN\x1b[0m" in coloured  # dim, struck, the newsletter colour
    wrapped = render_explain(None, result, colour=False, width=60)
    assert max(len(line) for line in wrapped.splitlines()) <= 60


class _Terminal:
    def isatty(self):
        return True


def test_colour_only_on_a_terminal_without_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_colour("auto", _Terminal())
    assert not use_colour("auto", object())
    assert use_colour("always", object()) and not use_colour("never", _Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour("auto", _Terminal())


# --- report ----------------------------------------------------------------------------------------

def test_report_writes_one_html_file_and_lists_failures(seed_text, tmp_path):
    out = tmp_path / "out" / "report.html"
    page = FIXTURES / "html" / "000_0489556c03c15c71.html"
    done = run("report", str(seed_text), str(page), str(tmp_path / "missing.txt"), "-o", str(out))
    assert done.returncode == 1  # one input failed; the report is still written
    html = out.read_text(encoding="utf-8")
    assert html.count('<article class="doc"') == 2
    assert 'data-rule="newsletter.de-subscribe-button"' in html
    assert "missing.txt" in html and "Could not be cleaned" in html
    assert "wrote" in done.stderr.decode()


# --- progress --------------------------------------------------------------------------------------

def test_progress_bar_only_on_a_terminal(seed_text, tmp_path):
    quiet = run("clean", str(seed_text), str(seed_text))
    assert quiet.returncode == 0 and quiet.stderr == b""

    controller, terminal = pty.openpty()
    try:
        done = subprocess.run([sys.executable, "-m", "cleaners.cli", "clean", "--json", str(seed_text), str(seed_text)],
                              stdout=subprocess.PIPE, stderr=terminal, timeout=120)
        os.close(terminal)
        terminal = None
        seen = b""
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if terminal is not None:
            os.close(terminal)
        os.close(controller)
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 2  # the JSON output is untouched
    assert b"1/2" in seen and b"\r" in seen
