"""Template memory, the pipeline half: count recurring paragraphs per source, in the store.

A paragraph (by fingerprint) that appears in `threshold` (CLEANERS_TEMPLATE_MIN_ARTICLES, default 3)
or more different articles of one source, counting this batch and every earlier run, is that
source's boilerplate: it is taken out of the articles being published now (logged as category
`template`). Articles published before the count reached the threshold keep it until they are
cleaned again (a rerun with `force`).

Only articles that are published count, so an input that is quarantined cannot make its paragraphs
another article's boilerplate: the pipeline hands over the articles that pass validation as cleaned,
and the store keeps the fingerprints of the articles it publishes. (One that passes as cleaned but
fails once its template paragraphs are out, too short then, did count in its own batch: those
paragraphs did recur in it.)
"""
from __future__ import annotations

from collections import defaultdict

from cleaners import fingerprints, strip_templates


def apply_template_memory(accepted: list[tuple], store, batch, threshold: int) -> list[tuple]:
    """accepted: (record, input_hash, result) triples of one batch, valid as cleaned. Returns them with
    known templates stripped, and records every article's fingerprints in `batch.templates` for the
    store (which keeps those of the articles it publishes)."""
    by_source: dict[str, list[int]] = defaultdict(list)
    prints: list[list[str]] = []
    for index, (record, _, result) in enumerate(accepted):
        prints.append(sorted(set(fingerprints(result))))
        if record["source"]:
            by_source[record["source"]].append(index)
    out = list(accepted)
    for source, indexes in by_source.items():
        counts: dict[str, set[str]] = defaultdict(set)
        for i in indexes:
            for fp in prints[i]:
                counts[fp].add(accepted[i][0]["id"])
        ids = [accepted[i][0]["id"] for i in indexes]
        stored = store.template_counts(source, list(counts), exclude_ids=ids)
        templates = {fp for fp, articles in counts.items() if len(articles) + stored.get(fp, 0) >= threshold}
        for i in indexes:
            record, input_hash, result = accepted[i]
            batch.templates.extend({"source": source, "fingerprint": fp, "article_id": record["id"]} for fp in prints[i])
            if templates:
                out[i] = (record, input_hash, strip_templates(result, templates))
    return out
