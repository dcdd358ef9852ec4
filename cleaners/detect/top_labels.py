"""Tag-like lines beside a removed dateline or label at the article's top: its category and tag line."""
from __future__ import annotations

import re

from .base import Detector
from .rule_engine import top_end

_TAG_LIKE = re.compile(r"^[\w][\w&/+.'’ -]{0,40}$")


class TopLabels(Detector):
    id = "metadata.top-labels"
    category = "metadata"
    why = "Short labels next to a dateline above the article are its category and tag line."
    extract = "tags"

    def detect(self, blocks, verdicts, context) -> None:
        end = top_end(blocks, verdicts)
        changed = True
        while changed:
            changed = False
            for index in range(end):
                if verdicts.is_removed(index) or not _is_tag_like(blocks[index]):
                    continue
                neighbours = [i for i in (index - 1, index + 1) if 0 <= i < len(blocks)]
                if any(verdicts.removed.get(i) and verdicts.removed[i].category == "metadata" for i in neighbours):
                    verdicts.remove_block(index, self.category, self.id, self.why)
                    changed = True


def _is_tag_like(block) -> bool:
    return block.words <= 3 and bool(_TAG_LIKE.match(block.text))
