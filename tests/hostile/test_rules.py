"""Rules written by users: a catastrophic-backtracking pattern cannot hang a run (every pattern call
has a timeout, and a call that runs out is reported by rule id), and a rule file is data: nothing in
it runs."""
from __future__ import annotations

import re
import textwrap
import time
from pathlib import Path

import pytest

from cleaners import RuleError, clean_text, load_rules

# Patterns that backtrack badly on `re`, each with a block that makes it do so: rules are data users
# write, so each must still leave clean_text in bounded time (the built-in URL list pattern as it was,
# overlapping alternations under a repeat, bounded nested repeats, nested repeats in a lookahead, a
# chain of .*).
SLOW = [
    (r"^(https?://\S+[\s,;]*){2,}$", " ".join(f"https://example.com/{n}" for n in range(40)) + " Wort"),
    (r"^(\w|\d)+$", "1" * 60 + "!"),
    (r"^(a{1,10}){1,10}$", "a" * 90 + "!"),
    (r"^(?=(a+)+$)", "a" * 60 + "!"),
    (r"a.*b.*c.*d.*e", "a" + "b" * 150 + "c" * 150 + "d" * 150),
    (r"(a+)+$", "a" * 60 + "!"),
    (r"^(\w+\s?)*$", "abc " * 40 + "!"),
]
ARTICLE = ("Brücke wird saniert\n\nDie Stadt hat am Montag beschlossen, die Brücke über den Fluss bis zum Sommer zu "
           "sanieren und dafür Geld bereitzustellen.\n\n{block}\n\nDer Bürgermeister bat um Geduld.")


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


@pytest.mark.parametrize("pattern, block", SLOW, ids=[f"slow-{n}" for n in range(len(SLOW))])
def test_a_slow_user_pattern_cannot_hold_clean_text(tmp_path, monkeypatch, pattern, block):
    """Each pattern call has a timeout: a call that runs out counts as no match and is reported."""
    monkeypatch.setenv("CLEANERS_MATCH_SECONDS", "0.2")
    rules = load_rules(rule_file(tmp_path / "rules", pattern, rule_id="promo.slow-rule").parent)
    start = time.monotonic()
    result = clean_text(ARTICLE.format(block=block), rules=rules)
    assert time.monotonic() - start < 5
    assert "Der Bürgermeister bat um Geduld." in result.text
    if result.timed_out:
        assert result.timed_out == ["promo.slow-rule"] and "rule_timeout" in result.warnings


def test_a_timed_out_rule_is_reported_by_id(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEANERS_MATCH_SECONDS", "0.1")
    rules = load_rules(rule_file(tmp_path / "rules", r"^(a{1,10}){1,10}$", rule_id="promo.slow-rule").parent)
    result = clean_text(ARTICLE.format(block="a" * 90 + "!"), rules=rules)
    assert result.timed_out == ["promo.slow-rule"] and "rule_timeout" in result.warnings
    assert "a" * 90 + "!" in result.text  # no match: the block stays


def test_no_built_in_pattern_times_out_on_blocks_made_to_make_it_backtrack():
    """Built-in patterns are linear by construction, not saved by the timeout: each meets runs of its
    own examples' words, glued and spaced, with a failing tail, and must not run out of time."""
    for rule in [r for r in load_rules().rules if r.kind != "selector"]:
        rule.matches_block("§ warm-up")  # compiled, and the confusables table built, before timing
        for example in (*rule.examples_remove, *rule.examples_keep):
            for word in example.split()[:4]:
                for block in ((word + " ") * 2000 + "§", word * 2000 + "§", (word + "-") * 2000):
                    start = time.monotonic()
                    rule.matches_block(block)
                    assert time.monotonic() - start < 0.2, (rule.id, block[:40])


def test_a_url_list_followed_by_a_word_is_fast_and_kept():
    block = " ".join(f"https://example.com/{n}" for n in range(40)) + " Wort"
    start = time.monotonic()
    result = clean_text(ARTICLE.format(block=block))
    assert time.monotonic() - start < 2 and not result.timed_out
    assert block in result.text


def test_a_deeply_nested_toml_array_is_a_rule_error(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "deep.toml").write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(RuleError, match="deep.toml: not a valid TOML file"):
        load_rules(folder)


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
    result = clean_text(ARTICLE.format(block=payload), rules=ruleset)
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
    from flows.pipeline import RunOptions, process_batch
    from flows.store import Store, articles, quarantine

    long_id = "promo." + "x" * 130
    rules = rule_file(tmp_path / "rules", r"^Hausmitteilung:", rule_id=long_id).parent
    path = tmp_path / "inbox.jsonl"
    body = ("Die Stadt hat am Montag beschlossen, die Brücke über den Fluss bis zum Sommer zu sanieren und dafür "
            "Geld bereitzustellen. Der Bürgermeister bat die Anwohner um Geduld mit den Umleitungen.")
    path.write_text(json.dumps({"id": "hit", "text": f"Titel\n\n{body}\n\nHausmitteilung: bitte spenden"}) + "\n"
                    + json.dumps({"id": "miss", "text": f"Titel\n\n{body}"}) + "\n", encoding="utf-8")
    batch = process_batch(inbox.scan(str(path)), RunOptions(store_url=store_url, rules_dir=str(rules)))
    Store(store_url).publish("run", batch)
    assert [a["id"] for a in Store(store_url).rows(articles)] == ["miss"]
    assert "rule id longer than 120" in Store(store_url).rows(quarantine, article_id="hit")[0]["reason"]
