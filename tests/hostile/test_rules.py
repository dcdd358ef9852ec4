"""Rules written by users: a catastrophic-backtracking pattern cannot hang a run (it is refused when
loaded, with a message naming the file and the rule), and a rule file is data: nothing in it runs."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from cleaners import RuleError, clean_text, limits, load_rules

CATASTROPHIC = [r"(a+)+$", r"^(\w+\s?)*$", r"(a|aa)+$", r"(x+x+)+y", r"^(\d+)*$", r"(\w+)*@", r".*.*.*=.*x",
                r"^Lesen Sie (\w+\s?)+!$", r"([a-z]+-?)*[a-z]$"]
SAFE = [r"\bfoo\b", r"^Lesen Sie auch:", r"(?:ab)+c", r"(a++)+$", r"^(?:[A-Z]\w+\s+){0,3}ist\b", r"\s*\S+\s*foo",
        r"^(https?://\S+[\s,;]*){2,}$", r"\b(sicher(e|n)\s+dir)\b[^.!?]{0,80}\bbonus\b"]
ARTICLE = ("Brücke wird saniert\n\nDie Stadt hat am Montag beschlossen, die Brücke über den Fluss bis zum Sommer zu "
           "sanieren und dafür Geld bereitzustellen.\n\n" + "a" * 40 + "!\n\nDer Bürgermeister bat um Geduld.")


def rule_file(folder: Path, pattern: str, rule_id: str = "promo.user-rule", **extra) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = "".join(f"{key} = {value}\n" for key, value in extra.items())
    path = folder / "mine.toml"
    path.write_text(textwrap.dedent(f"""\
        [[rules]]
        id = "{rule_id}"
        category = "promo"
        kind = "block"
        pattern = '''{pattern}'''
        why = "A user's rule."
        {lines}examples.remove = ["x"]
        examples.keep = ["y"]
        """), encoding="utf-8")
    return path


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_patterns_are_found(pattern):
    start = time.monotonic()
    problem = limits.pattern_problem(pattern)
    assert problem and "backtrack catastrophically" in problem, problem
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_patterns_pass(pattern):
    assert limits.pattern_problem(pattern) is None


def test_every_built_in_rule_passes_the_check():
    rules = [r for r in load_rules().rules if r.kind != "selector"]
    assert rules
    for rule in rules:
        assert limits.pattern_problem(rule.pattern, rule.case_sensitive) is None, rule.id


def test_a_catastrophic_user_rule_is_refused_at_load_time(tmp_path):
    """Needs the call in cleaners/rules.py _parse_rule (see the README, "Limits and reliability")."""
    path = rule_file(tmp_path / "rules", r"(a+)+$", rule_id="promo.slow-rule")
    start = time.monotonic()
    with pytest.raises(RuleError) as error:
        load_rules(path.parent)
    message = str(error.value)
    assert "mine.toml" in message and "promo.slow-rule" in message and "backtrack" in message, message
    assert time.monotonic() - start < 10


def test_a_catastrophic_rule_cannot_hang_a_run(tmp_path):
    """A whole pipeline batch with such a rule and a block that would make it backtrack for hours:
    the run fails at once, naming the rule (in a child process, killed if it hangs)."""
    rules = rule_file(tmp_path / "rules", r"(a+)+$", rule_id="promo.slow-rule").parent
    inbox = tmp_path / "inbox.jsonl"
    inbox.write_text('{"id": "a", "text": %s}\n' % __import__("json").dumps(ARTICLE), encoding="utf-8")
    code = (
        "import sys\n"
        "from flows import inbox\n"
        "from flows.pipeline import Options, process_batch\n"
        f"process_batch(inbox.scan({str(inbox)!r}), Options(store_url={'sqlite:///' + str(tmp_path / 's.db')!r}, rules_dir={str(rules)!r}))\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("the run hung on a catastrophic rule")
    assert done.returncode != 0 and "promo.slow-rule" in done.stderr and "RuleError" in done.stderr, done.stderr[-1500:]


def test_a_rule_file_is_data_nothing_in_it_runs(tmp_path):
    marker = tmp_path / "pwned"
    folder = tmp_path / "rules"
    payload = f"__import__('os').system('touch {marker}')"
    rule_file(folder, re.escape(payload), rule_id="promo.looks-like-python",
              max_words=40, position='"anywhere"')
    text = (folder / "mine.toml").read_text(encoding="utf-8").replace('why = "A user\'s rule."', f'why = "{payload}"')
    (folder / "mine.toml").write_text(text, encoding="utf-8")
    # Files next to it that would run if anything imported or evaluated them:
    (folder / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('imported')\n", encoding="utf-8")
    (folder / "__init__.py").write_text(f"open({str(marker)!r}, 'w').write('imported')\n", encoding="utf-8")
    (folder / "evil.yaml").write_text(f"!!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    (folder / "evil.pkl").write_bytes(b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR.")
    ruleset = load_rules(folder)
    rule = ruleset.by_id["promo.looks-like-python"]
    assert rule.why == payload and rule.pattern == re.escape(payload)  # just text
    result = clean_text(ARTICLE.replace("Der Bürgermeister", payload + "\n\nDer Bürgermeister"), rules=ruleset)
    assert "promo.looks-like-python" in [r.rule_id for r in result.removals]  # the pattern matched the text, as text
    assert not marker.exists(), "something in the rule folder was executed"


def test_a_rule_file_that_is_not_toml_is_refused(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "bad.toml").write_text("import os\nos.system('true')\n", encoding="utf-8")
    with pytest.raises(RuleError, match="bad.toml: not a valid TOML file"):
        load_rules(folder)


def test_a_rule_id_too_long_for_the_store_does_not_break_the_batch(store_url, tmp_path):
    """The store's removal log holds rule ids of up to 120 characters (PostgreSQL enforces it): an
    article one such rule fired on is quarantined with the reason; the rest of the batch publishes."""
    import json

    from flows import inbox
    from flows.pipeline import Options, process_batch
    from flows.store import Store, articles, quarantine

    long_id = "promo." + "x" * 130
    rules = rule_file(tmp_path / "rules", r"^Hausmitteilung:", rule_id=long_id).parent
    path = tmp_path / "inbox.jsonl"
    body = ("Die Stadt hat am Montag beschlossen, die Brücke über den Fluss bis zum Sommer zu sanieren und dafür "
            "Geld bereitzustellen. Der Bürgermeister bat die Anwohner um Geduld mit den Umleitungen.")
    path.write_text(json.dumps({"id": "hit", "text": f"Titel\n\n{body}\n\nHausmitteilung: bitte spenden"}) + "\n"
                    + json.dumps({"id": "miss", "text": f"Titel\n\n{body}"}) + "\n", encoding="utf-8")
    batch = process_batch(inbox.scan(str(path)), Options(store_url=store_url, rules_dir=str(rules)))
    Store(store_url).publish("run", batch)
    assert [a["id"] for a in Store(store_url).rows(articles)] == ["miss"]
    assert "rule id longer than 120" in Store(store_url).rows(quarantine, article_id="hit")[0]["reason"]
