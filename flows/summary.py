"""What a run did, counted in one place: the flow's return value, its row in the store's `runs` table,
its Prefect artifacts and what `python -m flows run` prints."""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

TOP_RULES = 15  # rules listed in the summary; the store's removal log has them all


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

    @classmethod
    def of_batch(cls, batch: dict) -> Counts:
        """A batch as the store published it (what another run had written moved to `unchanged`)."""
        return cls(read=len(batch["ledger"]) + batch["filtered"], published=len(batch["published"]),
                   unchanged=batch["unchanged"], filtered=batch["filtered"], categories=Counter(batch["categories"]),
                   rules=Counter(batch["rules"]),
                   quarantine=[(entry["article_id"], entry["reason"]) for entry in batch["quarantined"]])

    def __iadd__(self, other: Counts) -> Counts:
        self.read += other.read
        self.published += other.published
        self.unchanged += other.unchanged
        self.filtered += other.filtered
        self.categories.update(other.categories)
        self.rules.update(other.rules)
        self.quarantine.extend(other.quarantine)
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

    @classmethod
    def of(cls, counts: Counts, *, run_id: str, inputs: int, rules_version: str, store: str,
           exported: int | None = None) -> RunSummary:
        return cls(run_id=run_id, inputs=inputs, read=counts.read, published=counts.published,
                   quarantined=len(counts.quarantine), unchanged=counts.unchanged, filtered=counts.filtered,
                   removals_by_category=dict(counts.categories.most_common()),
                   top_rules=dict(counts.rules.most_common(TOP_RULES)), quarantine=counts.quarantine,
                   rules_version=rules_version, store=store, exported=exported)

    def as_dict(self) -> dict:
        """For JSON (`--json`, the runs table); `exported` only when the run exported."""
        data = asdict(self)
        if self.exported is None:
            del data["exported"]
        return data

    def as_text(self) -> str:
        lines = [
            f"run {self.run_id}  store {self.store}  rules {self.rules_version}",
            f"inputs {self.inputs}: published {self.published}, quarantined {self.quarantined}, "
            f"unchanged {self.unchanged}, filtered out {self.filtered}",
            "removed by category: " + (", ".join(f"{c} {n}" for c, n in self.removals_by_category.items()) or "nothing"),
            "top rules: " + (", ".join(f"{r} {n}" for r, n in list(self.top_rules.items())[:8]) or "none"),
        ]
        if self.quarantine:
            lines.append("quarantined:")
            lines.extend(f"  {article}: {reason}" for article, reason in self.quarantine)
        if self.exported is not None:
            lines.append(f"exported {self.exported} article(s)")
        return "\n".join(lines)

    def count_rows(self) -> list[dict]:
        """How many inputs went where, and how many removals of each category: the summary table."""
        rows = [{"what": key, "count": getattr(self, key)}
                for key in ("inputs", "published", "quarantined", "unchanged", "filtered")]
        return rows + [{"what": f"removed: {category}", "count": n} for category, n in self.removals_by_category.items()]
