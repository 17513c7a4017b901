"""Section changes: sections matched by heading then content, sentences aligned, changed words excerpted."""
from __future__ import annotations

import difflib
import re

from rapidfuzz import fuzz

from extractors.diff.comparable_text import changed_words, similarity, text_to_comparable, text_to_sentences, text_to_tokens, text_to_words
from extractors.diff.editions import EditionData, change


def match_sections(old_sections: list[dict], new_sections: list[dict]) -> dict[str, str]:
    """old section_id -> new section_id: same heading first (in order), then the most similar
    content among the rest (a renamed heading), greedy on a combined score."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for a in old_sections:
        for b in new_sections:
            if b["section_id"] not in used and text_to_comparable(a.get("heading")) == text_to_comparable(b.get("heading")):
                mapping[a["section_id"]] = b["section_id"]
                used.add(b["section_id"])
                break
    candidates = []
    for a in old_sections:
        if a["section_id"] in mapping:
            continue
        for b in new_sections:
            if b["section_id"] in used:
                continue
            heading_score = fuzz.token_set_ratio(text_to_words(a.get("heading")), text_to_words(b.get("heading"))) / 100.0
            text_score = fuzz.token_set_ratio(text_to_words(a.get("text")), text_to_words(b.get("text"))) / 100.0
            if not text_to_words(a.get("text")) or not text_to_words(b.get("text")):
                text_score = 0.0
            # a renamed heading keeps some of its words or most of its content
            if (heading_score >= 0.6 and text_score >= 0.4) or text_score >= 0.7 or (heading_score >= 0.9 and a.get("level") == b.get("level")):
                candidates.append((heading_score * 0.4 + text_score * 0.6, a["section_id"], b["section_id"]))
    for _, a_id, b_id in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if a_id not in mapping and b_id not in used:
            mapping[a_id] = b_id
            used.add(b_id)
    return mapping


def pair_sentences(old_block: list[str], new_block: list[str], threshold: float = 0.5) -> list[tuple[int, int]]:
    """One-to-one pairs (old index, new index) of similar sentences in a replaced block."""
    scored = sorted(
        ((similarity(a, b), i, j) for i, a in enumerate(old_block) for j, b in enumerate(new_block)),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    pairs, used_old, used_new = [], set(), set()
    for score, i, j in scored:
        if score < threshold:
            break
        if i not in used_old and j not in used_new:
            pairs.append((i, j))
            used_old.add(i)
            used_new.add(j)
    return sorted(pairs)


LABEL_RE = re.compile(r"^\s*(?:sources?|notes?)\s*:\s*", re.I)


def printed_in(text: str, other_comparable: str) -> bool:
    """The text (without a 'Source:'/'Notes:' label) is printed somewhere in the other edition."""
    comparable = text_to_comparable(LABEL_RE.sub("", text))
    return not comparable or comparable in other_comparable


def is_marker_only(words: str) -> bool:
    return all(len(token) <= 1 for token in text_to_tokens(words))


def section_text_changes(old_text: str, new_text: str, heading: str, old_all: str, new_all: str) -> list[dict]:
    """Sentence-level changes inside one matched section. ``old_all``/``new_all`` are the editions'
    comparable texts: a sentence printed anywhere in the other edition only moved (or a reader put
    it elsewhere); a block whose joined text is equal was only split differently."""
    old_sents, new_sents = text_to_sentences(old_text), text_to_sentences(new_text)
    sm = difflib.SequenceMatcher(None, [text_to_comparable(s) for s in old_sents], [text_to_comparable(s) for s in new_sents], autojunk=False)
    rows = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        old_block, new_block = old_sents[i1:i2], new_sents[j1:j2]
        if text_to_comparable(" ".join(old_block)) == text_to_comparable(" ".join(new_block)):
            continue
        pairs = pair_sentences(old_block, new_block)
        paired_old, paired_new = {i for i, _ in pairs}, {j for _, j in pairs}
        events = []
        for i, j in pairs:
            a, b = old_block[i], new_block[j]
            old_words, new_words = changed_words(a, b)
            if is_marker_only(old_words) and is_marker_only(new_words):
                continue  # only footnote letters ("a.", "b.") moved around
            events.append((i, j, change("sections", "changed", heading, "sentence", old_words, new_words, a, b, heading)))
        # one sentence split into several (or several merged into one) and reworded
        left_old = [i for i in range(len(old_block)) if i not in paired_old and not printed_in(old_block[i], new_all)]
        left_new = [j for j in range(len(new_block)) if j not in paired_new and not printed_in(new_block[j], old_all)]
        if left_old and left_new and (len(left_old) == 1 or len(left_new) == 1):
            a, b = " ".join(old_block[i] for i in left_old), " ".join(new_block[j] for j in left_new)
            if similarity(a, b) >= 0.5:
                old_words, new_words = changed_words(a, b)
                events.append((left_old[0], left_new[0], change("sections", "changed", heading, "sentence", old_words, new_words, a, b, heading)))
                paired_old.update(left_old)
                paired_new.update(left_new)
        for i, a in enumerate(old_block):
            if i not in paired_old and not printed_in(a, new_all):
                events.append((i, -1, change("sections", "removed", heading, "sentence", a, None, a, None, heading)))
        for j, b in enumerate(new_block):
            if j not in paired_new and not printed_in(b, old_all):
                events.append((len(old_block), j, change("sections", "added", heading, "sentence", None, b, None, b, heading)))
        rows.extend(row for _, _, row in sorted(events, key=lambda e: (e[0], e[1])))
    return rows


def sections_to_changes(old: EditionData, new: EditionData, mapping: dict[str, str]) -> list[dict]:
    old_sections, new_sections = old.content_sections(), new.content_sections()
    new_by_id = {s["section_id"]: s for s in new_sections}
    old_all, new_all = old.comparable_text(), new.comparable_text()
    matched_new = set(mapping.values())
    rows: list[dict] = []
    for a in old_sections:
        b = new_by_id.get(mapping.get(a["section_id"], ""))
        if b is None:
            if section_printed_in(a, new_all):
                continue
            rows.append(change("sections", "removed", a.get("heading") or "(untitled)", "section", a.get("heading") or "(untitled)", None,
                               section=a.get("heading"), old_context=first_words(a.get("text"))))
            continue
        heading = b.get("heading") or a.get("heading") or "(untitled)"
        if text_to_comparable(a.get("heading")) != text_to_comparable(b.get("heading")):
            rows.append(change("sections", "changed", a.get("heading") or "(untitled)", "heading", a.get("heading"), b.get("heading"), section=heading))
        if text_to_comparable(a.get("text")) != text_to_comparable(b.get("text")):
            rows.extend(section_text_changes(a.get("text") or "", b.get("text") or "", heading, old_all, new_all))
    for b in new_sections:
        if b["section_id"] not in matched_new and not section_printed_in(b, old_all):
            rows.append(change("sections", "added", b.get("heading") or "(untitled)", "section", None, b.get("heading") or "(untitled)",
                               section=b.get("heading"), new_context=first_words(b.get("text"))))
    return rows


def section_printed_in(section: dict, other_comparable: str) -> bool:
    """A whole section whose heading and sentences the other edition prints elsewhere (a sidebar
    box read as a section in one format, inline in another) was not added or removed."""
    texts = [section.get("heading") or ""] + text_to_sentences(section.get("text"))
    return all(printed_in(t, other_comparable) for t in texts)


def first_words(text: str | None, limit: int = 40) -> str | None:
    words = (text or "").split()
    if not words:
        return None
    return " ".join(words[:limit]) + (" …" if len(words) > limit else "")
