"""What a run did, counted in one place: the flow's return value, its row in the store's `runs` table,
its Prefect artifacts and what `python -m flows run` prints."""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

TOP_RULES = 15  # rules listed in the summary; the store's removal log has them all
LISTED_IDS = 500  # ids kept of the inputs a filter left out: what the outcomes table can show
SHOWN_IDS = 20  # unmatched ids named in a message; the summary keeps them all


@dataclass
class Counts:
    """What published batches held, added up batch by batch (`+=`)."""

    read: int = 0
    published: int = 0
    unchanged: int = 0
    filtered: int = 0
    categories: Counter = field(default_factory=Counter)
    rules: Counter = field(default_factory=Counter)
    quarantine: list[tuple[str, str]] = field(default_factory=list)  # (article id, first reason)
    filtered_ids: list[str] = field(default_factory=list)  # the first LISTED_IDS inputs a filter left out
    unmatched_ids: list[str] = field(default_factory=list)  # ids asked for (`article_ids`) that no input has

    @classmethod
    def of_batch(cls, batch: dict) -> Counts:
        """A batch as the store published it (what another run had written moved to `unchanged`)."""
        return cls(read=len(batch["ledger"]) + batch["filtered"], published=len(batch["published"]),
                   unchanged=batch["unchanged"], filtered=batch["filtered"], categories=Counter(batch["categories"]),
                   rules=Counter(batch["rules"]),
                   quarantine=[(entry["article_id"], entry["reason"]) for entry in batch["quarantined"]],
                   filtered_ids=batch.get("filtered_ids", [])[:LISTED_IDS])

    def __iadd__(self, other: Counts) -> Counts:
        self.read += other.read
        self.published += other.published
        self.unchanged += other.unchanged
        self.filtered += other.filtered
        self.categories.update(other.categories)
        self.rules.update(other.rules)
        self.quarantine.extend(other.quarantine)
        self.filtered_ids.extend(other.filtered_ids[:LISTED_IDS - len(self.filtered_ids)])
        self.unmatched_ids.extend(other.unmatched_ids)
        return self


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    inputs: int
    read: int
    published: int
    quarantined: int
    unchanged: int
    filtered: int
    removals_by_category: dict[str, int]
    top_rules: dict[str, int]
    quarantine: list[tuple[str, str]]
    rules_version: str
    store: str  # the URL with its secrets masked
    exported: int | None = None  # articles written by `export`, when asked for
    unmatched_ids: list[str] = field(default_factory=list)  # ids of `article_ids` that no input of the inbox has
    filter_matched_nothing: bool = False  # the run's filters left out every input of a non-empty inbox
    filters: str = ""  # the run's filters as set, for messages ("source='x', article_ids=2 ids")
    report: str | None = None  # the review report's file, when one was written

    @classmethod
    def of(cls, counts: Counts, *, run_id: str, inputs: int, rules_version: str, store: str,
           exported: int | None = None, filters: str = "") -> RunSummary:
        """`filters`: the run's filters as shown in messages; empty when it had none."""
        return cls(run_id=run_id, inputs=inputs, read=counts.read, published=counts.published,
                   quarantined=len(counts.quarantine), unchanged=counts.unchanged, filtered=counts.filtered,
                   removals_by_category=dict(counts.categories.most_common()),
                   top_rules=dict(counts.rules.most_common(TOP_RULES)), quarantine=counts.quarantine,
                   rules_version=rules_version, store=store, exported=exported, unmatched_ids=counts.unmatched_ids,
                   filter_matched_nothing=bool(filters) and counts.read > 0 and counts.filtered == counts.read,
                   filters=filters)

    def as_dict(self) -> dict:
        """For JSON (`--json`, the runs table); `exported` and `report` only when there is one."""
        data = asdict(self)
        for key in ("exported", "report"):
            if data[key] is None:
                del data[key]
        return data

    def warnings(self) -> list[str]:
        """What an editor must hear about this run's filters: an id or a filter that matched nothing
        (a typo in `article_ids` or `source` would otherwise be a silent "published 0")."""
        out = []
        if self.unmatched_ids:
            shown = ", ".join(repr(i) for i in self.unmatched_ids[:SHOWN_IDS])
            more = len(self.unmatched_ids) - SHOWN_IDS
            out.append(f"{len(self.unmatched_ids)} id(s) of article_ids match no input of the inbox: {shown}"
                       + (f" and {more} more" if more > 0 else ""))
        if self.filter_matched_nothing:
            out.append(f"the filters ({self.filters}) matched none of the inbox's {self.read} input(s): nothing was cleaned")
        return out

    def as_text(self) -> str:
        lines = [
            f"run {self.run_id}  store {self.store}  rules {self.rules_version}",
            f"inputs {self.inputs}: published {self.published}, quarantined {self.quarantined}, "
            f"unchanged {self.unchanged}, filtered out {self.filtered}",
            "removed by category: " + (", ".join(f"{c} {n}" for c, n in self.removals_by_category.items()) or "nothing"),
            "top rules: " + (", ".join(f"{r} {n}" for r, n in list(self.top_rules.items())[:8]) or "none"),
        ]
        lines.extend(f"warning: {warning}" for warning in self.warnings())
        if self.quarantine:
            lines.append("quarantined:")
            lines.extend(f"  {article}: {reason}" for article, reason in self.quarantine)
        if self.exported is not None:
            lines.append(f"exported {self.exported} article(s)")
        if self.report:
            lines.append(f"review report: {self.report}")
        return "\n".join(lines)

    def count_rows(self) -> list[dict]:
        """How many inputs went where, and how many removals of each category: the summary table."""
        rows = [{"what": key, "count": getattr(self, key)}
                for key in ("inputs", "published", "quarantined", "unchanged", "filtered")]
        return rows + [{"what": f"removed: {category}", "count": n} for category, n in self.removals_by_category.items()]
