"""Every rule against its own examples, and the catalogue's own invariants."""
import pytest
from lxml import html as lxml_html

from cleaners import RuleError, load_rules
from cleaners.model import CATEGORIES
from cleaners.rules.examples import fires
from cleaners.rules.selectors import SelectorSet

from .helpers import GOOD_RULE

RULES = load_rules().rules
EXAMPLES = [(rule, text, True) for rule in RULES for text in rule.examples_remove] + [
    (rule, text, False) for rule in RULES for text in rule.examples_keep
]


def _fires(rule, text: str) -> bool:
    if rule.kind == "selector":  # the one-pass matcher must agree with lxml's own CSS
        root = lxml_html.fragment_fromstring(text, create_parent="div")
        assert bool(SelectorSet([rule]).matches(root)) == bool(rule.selector(root))
    return fires(rule, text)


@pytest.mark.parametrize(
    "rule,text,should_fire", EXAMPLES,
    ids=[f"{r.id}-{'remove' if fire else 'keep'}-{i}" for i, (r, _, fire) in enumerate(EXAMPLES)],
)
def test_rule_example(rule, text, should_fire):
    assert _fires(rule, text) is should_fire, f"{rule.id} on {text!r}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_is_complete(rule):
    assert rule.examples_remove, f"{rule.id} has no examples.remove"
    assert rule.examples_keep, f"{rule.id} has no examples.keep"
    assert rule.category in CATEGORIES and rule.id.startswith(rule.category + ".")
    assert rule.why and len(rule.why.splitlines()) == 1


def test_rule_ids_are_unique():
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))


def test_every_category_has_generic_rules():
    generic = {rule.category for rule in RULES if not rule.sites}
    assert generic >= set(CATEGORIES) - {"template"}


def test_generic_rules_name_no_seed_site():
    for rule in RULES:
        if not rule.sites:
            for name in ("youhodler", "beincrypto", "dailyai", "mindverse", "mind-verse"):
                assert name not in rule.pattern.lower(), f"{rule.id} names {name}"


def _write(tmp_path, body: str):
    (tmp_path / "mine.toml").write_text(body, encoding="utf-8")
    return tmp_path




def test_user_rule_directory_adds_rules(tmp_path):
    from cleaners import clean_text

    rules = load_rules(_write(tmp_path, GOOD_RULE))
    assert "promo.my-house-ad" in rules.by_id
    text = "Titel\n\nEin langer erster Absatz über die Lage in der Stadt, der viele Wörter enthält.\n\nUnser Shop hat geöffnet!"
    result = clean_text(text, rules=tmp_path)
    assert [r.rule_id for r in result.removals] == ["promo.my-house-ad"]
    assert "Shop" not in result.text


@pytest.mark.parametrize("body,message", [
    ('[[rules]]\nid = "x"\n', "rule 'x'"),
    (GOOD_RULE.replace('category = "promo"', 'category = "spam"'), "category 'spam'"),
    (GOOD_RULE.replace('"^Unser Shop hat geöffnet"', '"(unclosed"'), "does not compile"),
    (GOOD_RULE.replace('kind = "block"', 'kind = "script"'), "kind 'script'"),
    (GOOD_RULE + GOOD_RULE, "duplicate id"),
    (GOOD_RULE.replace('id = "promo.my-house-ad"', 'id = "ad.lorem-ipsum"'), "must start with its category"),
    ("this is = not toml [", "not a valid TOML file"),
])
def test_broken_user_rules_name_file_and_rule(tmp_path, body, message):
    _write(tmp_path, body)
    with pytest.raises(RuleError) as error:
        load_rules(tmp_path)
    assert "mine.toml" in str(error.value)
    assert message in str(error.value)


def test_user_rule_cannot_take_a_builtin_id(tmp_path):
    _write(tmp_path, GOOD_RULE.replace("promo.my-house-ad", "widget.close-button").replace('category = "promo"', 'category = "widget"'))
    with pytest.raises(RuleError, match="duplicate id"):
        load_rules(tmp_path)
