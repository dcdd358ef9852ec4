"""A lone name line followed by a short biography that starts with that name: an author box.
The name line's removal carries the author into the metadata (`extract = "author"`)."""
from __future__ import annotations

import re

from ..text.words import words
from .base import Detector

_NAME = re.compile(r"^(?P<first>[A-ZÄÖÜ][a-zäöüß'’-]+)(?: (?:von|van|de|der|da|di|le|la) ?)?(?: [A-ZÄÖÜ][\w'’-]+){1,2}$")
_BIO_VERB = re.compile(r"^\s*(?:" + "|".join(map(re.escape, words("bio_verbs"))) + r")\b", re.I)
# A product or topic under its own heading reads the same ("Apache Spark" / "Apache Spark is a
# unified engine ..."): a biography names the person's writing, editing or reporting.
_BIO_ROLE = re.compile(r"\b(?:" + "|".join(map(re.escape, words("bio_roles"))) + ")", re.I)
MAX_BIO_WORDS = 120


class NameThenBio(Detector):
    id = "author_bio.name-then-bio"
    category = "author_bio"
    why = "A lone name line followed by a short text about that person is an author box."
    extract = "author"

    def detect(self, blocks, verdicts, context) -> None:
        for index in range(len(blocks) // 2, len(blocks) - 1):
            name, bio = blocks[index].text, blocks[index + 1].text
            match = _NAME.match(name)
            if not match or verdicts.is_removed(index) or blocks[index + 1].words > MAX_BIO_WORDS:
                continue
            for lead in (name, match["first"]):
                if bio.startswith(lead) and _BIO_VERB.match(bio[len(lead):]) and _BIO_ROLE.search(bio):
                    verdicts.remove_block(index, self.category, self.id, self.why)
                    verdicts.remove_block(index + 1, self.category, self.id, self.why)
                    return
