"""Every rule against its own examples, and the catalogue's own invariants."""
import pytest
from lxml import html as lxml_html

from cleaners import RuleError, load_rules
from cleaners.model import CATEGORIES
from cleaners.rules.examples import fires, untested_alternatives
from cleaners.rules.selectors import SelectorSet, few_enough_words

from .helpers import GOOD_RULE

RULES = load_rules().rules
# Each case is named by its rule and its place in that rule's list: ids stay put when rules change.
EXAMPLES = [pytest.param(rule, text, should_fire, id=f"{rule.id}-{'remove' if should_fire else 'keep'}-{n}")
            for rule in RULES
            for should_fire, texts in ((True, rule.examples_remove), (False, rule.examples_keep))
            for n, text in enumerate(texts)]


def _fires(rule, text: str) -> bool:
    if rule.kind == "selector":  # the one-pass matcher must agree with lxml's own CSS (within max_words)
        root = lxml_html.fragment_fromstring(text, create_parent="div")
        css = [element for element in rule.selector(root) if few_enough_words(rule, element)]
        assert bool(SelectorSet([rule]).matches(root)) == bool(css)
    return fires(rule, text)


@pytest.mark.parametrize("rule,text,should_fire", EXAMPLES)
def test_rule_example(rule, text, should_fire):
    assert _fires(rule, text) is should_fire, f"{rule.id} on {text!r}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_has_examples_both_ways(rule):
    assert rule.examples_remove and rule.examples_keep, f"{rule.id} needs examples.remove and examples.keep"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_alternative_of_a_rule_is_needed_by_an_example(rule):
    """A branch no example needs could be deleted with every example passing: it is untested."""
    assert [str(failure) for failure in untested_alternatives([rule])] == []


def test_every_category_has_generic_rules():
    generic = {rule.category for rule in RULES if not rule.sites}
    assert generic >= set(CATEGORIES) - {"template", "furniture"}  # those two come from detectors only


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


ARRAY_RULE = '''
[pack]
languages = ["de"]

[[rules]]
id = "promo.shop-teaser"
category = "promo"
kind = "block"
pattern = [
  '^Unser Shop hat geöffnet',
  '^Jetzt im Shop',
]
why = "House ads for the publisher's shop."
[rules.examples]
remove = ["Unser Shop hat geöffnet!", "Jetzt im Shop: Tassen"]
keep = ["Der Shop des Vereins hat geöffnet."]

[[rules]]
id = "promo.shop-everywhere"
category = "promo"
kind = "block"
languages = ["*"]
pattern = '^Zum Shop$'
why = "A bare link to the shop."
[rules.examples]
remove = ["Zum Shop"]
keep = ["Zum Shop gehen wir morgen."]
'''


def test_a_pattern_may_be_a_list_of_alternatives(tmp_path):
    rule = load_rules(_write(tmp_path, ARRAY_RULE)).by_id["promo.shop-teaser"]
    assert rule.pattern == "^Unser Shop hat geöffnet|^Jetzt im Shop"
    assert [fires(rule, text) for text in rule.examples_remove + rule.examples_keep] == [True, True, False]


def test_a_pack_gives_its_rules_a_default_language(tmp_path):
    rules = load_rules(_write(tmp_path, ARRAY_RULE)).by_id
    assert rules["promo.shop-teaser"].languages == ("de",)
    assert rules["promo.shop-everywhere"].languages == ("*",)  # a rule's own list wins


@pytest.mark.parametrize("pattern,message", [
    ("[]", "as a list must hold non-empty strings"),
    ("['^a', '']", "as a list must hold non-empty strings"),
    ("['^a', 3]", "as a list must hold non-empty strings"),
    ("3", "must be a non-empty string or a list"),
])
def test_a_broken_pattern_list_is_refused(tmp_path, pattern, message):
    body = ARRAY_RULE.replace("pattern = [\n  '^Unser Shop hat geöffnet',\n  '^Jetzt im Shop',\n]", f"pattern = {pattern}")
    _write(tmp_path, body)
    with pytest.raises(RuleError, match=message):
        load_rules(tmp_path)


def test_an_untested_alternative_is_reported(tmp_path):
    body = ARRAY_RULE.replace('remove = ["Unser Shop hat geöffnet!", "Jetzt im Shop: Tassen"]',
                              'remove = ["Unser Shop hat geöffnet!"]')
    rule = load_rules(_write(tmp_path, body)).by_id["promo.shop-teaser"]
    assert [f.problem for f in untested_alternatives([rule])] == ["no examples.remove needs the alternative '^Jetzt im Shop'"]
