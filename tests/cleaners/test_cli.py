"""The `cleaners` command line, run as a user would."""
import json
import subprocess
import sys

import pytest

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
