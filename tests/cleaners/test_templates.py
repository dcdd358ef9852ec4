"""Template memory in the library: fingerprints and stripping a known template."""
from cleaners import clean_text, fingerprints, strip_templates
from cleaners.boilerplate import fingerprint

BOILER = "Dieser Beitrag entstand im Rahmen unserer Reihe Zukunft der Arbeit, gefördert von einer Stiftung."


def article(n: int) -> str:
    return (f"Titel {n}\n\nDie Stadt Nummer {n} hat am Montag beschlossen, die Brücke über den Fluss zu sanieren und Geld bereitzustellen.\n\n"
            f"Der Bürgermeister sagte, die Arbeiten würden etwa {n} Monate dauern, und bat die Anwohner um Geduld.\n\n{BOILER}")


def test_fingerprint_ignores_case_spacing_and_punctuation():
    assert fingerprint("Hallo, Welt!") == fingerprint("hallo   welt")
    assert fingerprint("Hallo Welt") != fingerprint("Welt Hallo")


def test_strip_known_template_logs_it():
    result = clean_text(article(1))
    assert fingerprint(BOILER) in fingerprints(result)
    stripped = strip_templates(result, {fingerprint(BOILER)})
    assert BOILER not in stripped.text and "Brücke" in stripped.text
    removal = [r for r in stripped.removals if r.category == "template"]
    assert removal and removal[0].rule_id == "template.recurring-paragraph" and removal[0].text == BOILER
    assert removal[0].position == 2


def test_a_mostly_recurring_article_is_left_alone():
    result = clean_text(article(1))
    everything = set(fingerprints(result))
    assert strip_templates(result, everything).text == result.text
