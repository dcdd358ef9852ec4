"""Template memory: the pipeline learns a source's boilerplate it has no rule for, across runs."""
import json

from flows import inbox
from flows.options import RunOptions
from flows.pipeline import process_batch
from flows.store import Store, articles, removals

BOILER = ("Dieser Beitrag entstand im Rahmen unserer Reihe Zukunft der Arbeit, die von der Beispiel-Stiftung "
          "gefördert wird; die Stiftung hatte keinen Einfluss auf den Inhalt.")
TOPICS = ["die Brücke über den Fluss", "das neue Schwimmbad", "die Schule am Markt", "den Radweg zum Bahnhof",
          "das Rathausdach"]


def write_inbox(path, numbers):
    with path.open("w", encoding="utf-8") as out:
        for n in numbers:
            text = (f"Neuigkeiten aus der Stadt {n}\n\nDie Stadt hat am Montag beschlossen, {TOPICS[n]} bis zum Sommer zu "
                    f"sanieren und dafür {n + 2} Millionen Euro bereitzustellen.\n\nDer Bürgermeister sagte, die Arbeiten "
                    f"würden etwa {n + 3} Monate dauern, und bat alle Anwohner um Geduld mit den Umleitungen.\n\n{BOILER}")
            out.write(json.dumps({"id": f"story-{n}", "url": f"https://www.example-news.de/a/{n}", "text": text}) + "\n")
    return str(path)


def run(store_url, path, run_id, **options):
    batch = process_batch(inbox.scan(path), RunOptions(store_url=store_url, **options))
    Store(store_url).publish(run_id, batch)  # one run id per call, as the flow does
    return batch


def test_learns_a_recurring_disclaimer_across_runs(store_url, tmp_path):
    first = run(store_url, write_inbox(tmp_path / "day1.jsonl", [0, 1]), "day-1")
    assert all(BOILER in a["text"] for a in first["published"])  # seen twice: not yet a template

    second = run(store_url, write_inbox(tmp_path / "day2.jsonl", [2, 3]), "day-2")
    assert len(second["published"]) == 2
    assert all(BOILER not in a["text"] and "Bürgermeister" in a["text"] for a in second["published"])
    logged = [r for r in second["removals"] if r["category"] == "template"]
    assert len(logged) == 2 and {r["rule_id"] for r in logged} == {"template.recurring-paragraph"}

    again = run(store_url, write_inbox(tmp_path / "day1.jsonl", [0, 1]), "day-1-again", force=True)  # re-clean the first day
    assert all(BOILER not in a["text"] for a in again["published"])
    store = Store(store_url)
    assert all(BOILER not in row["text"] for row in store.rows(articles))
    assert store.count(removals, category="template") == 4


def test_other_sources_do_not_share_templates(store_url, tmp_path):
    run(store_url, write_inbox(tmp_path / "a.jsonl", [0, 1, 2]), "run-a")
    other = tmp_path / "b.jsonl"
    other.write_text((tmp_path / "a.jsonl").read_text(encoding="utf-8").replace("example-news.de", "other-paper.de")
                     .replace('"story-', '"other-'), encoding="utf-8")
    batch = run(store_url, str(other), "run-b")
    assert sum(BOILER not in a["text"] for a in batch["published"]) == 3  # three in one batch: learned there
    assert {r["category"] for r in batch["removals"]} == {"template"}
