"""Figure changes: figures matched by what they measure, looked up in the other edition's aligned sentence."""
from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from extractors.diff.comparable_text import NEW_FIGURE_RE, SCALES, contains_words, similarity, text_to_comparable, text_to_words, word_opcodes
from extractors.diff.editions import EditionData, change


def figure_label(figure: dict) -> str:
    """What the figure measures, for keys and the summary: its subject, else the words before it."""
    if figure.get("subject"):
        return figure["subject"]
    sentence, text = figure.get("sentence") or "", figure.get("text") or ""
    at = sentence.find(text)
    before = sentence[:at].split() if at > 0 else []
    lead = " ".join(before[-5:]).strip(" ,;:(\"'\u201c\u201d\u2018\u2019")
    return f"… {lead} ___" if lead else text


def figure_score(a: dict, b: dict, same_section: bool) -> float | None:
    """How surely two figures measure the same thing; None when they cannot be the same."""
    if a.get("unit") != b.get("unit") or a.get("kind") != b.get("kind"):
        return None
    same_value = a.get("value") == b.get("value") and a.get("value_high") == b.get("value_high")
    sentence_score = similarity(a.get("sentence"), b.get("sentence"))
    subject_score = None
    if a.get("subject") and b.get("subject"):
        subject_score = fuzz.token_set_ratio(text_to_words(a["subject"]), text_to_words(b["subject"])) / 100.0
    if same_value:
        ok = sentence_score >= 0.5 or (same_section and (subject_score is None or subject_score >= 0.5 or sentence_score >= 0.3))
    else:
        # a new value must be tied to the old one by what it measures, not only by its unit
        ok = sentence_score >= 0.75 or (same_section and subject_score is not None and subject_score >= 0.8 and sentence_score >= 0.3)
    if not ok:
        return None
    return sentence_score + (0.6 if same_value else 0.0) + (0.3 if same_section else 0.0) + 0.3 * (subject_score or 0.0)


def match_figures(old_rows: list[dict], new_rows: list[dict], section_map: dict[str, str]) -> list[tuple[int, int]]:
    candidates = []
    for i, a in enumerate(old_rows):
        for j, b in enumerate(new_rows):
            score = figure_score(a, b, section_map.get(a.get("section_id")) == b.get("section_id"))
            if score is not None:
                candidates.append((score, i, j))
    pairs, used_old, used_new = [], set(), set()
    for _, i, j in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        if i not in used_old and j not in used_new:
            pairs.append((i, j))
            used_old.add(i)
            used_new.add(j)
    return sorted(pairs)


def figure_value_phrase(text: str, kind: str) -> tuple[str, float] | None:
    """The first figure of ``kind`` printed in ``text`` (qualifier included) and its value."""
    for m in NEW_FIGURE_RE.finditer(text):
        is_money, is_percent = bool(m.group("dollar")), bool(m.group("percent"))
        if (kind == "money") != is_money or (kind == "percent") != is_percent:
            continue
        if kind not in ("money", "percent", "count"):
            continue
        value = float(m.group("number").replace(",", "")) * SCALES.get((m.group("scale") or "").lower(), 1.0)
        return m.group().strip(), value
    return None


def best_aligned_sentence(sentence: str, others: list[tuple[str, str]], threshold: float = 0.7) -> tuple[str, str] | None:
    """The other edition's sentence this one most likely became (same words mostly), or None."""
    best, best_score = None, threshold
    for section_id, other in others:
        score = similarity(sentence, other)
        if score >= best_score:
            best, best_score = (section_id, other), score
    return best


def figure_in_aligned_sentence(figure: dict, aligned: str) -> str | None:
    """'same' when the figure is still printed in the aligned sentence (the extractor missed it on
    the other side), the replacing figure phrase when the words around it were replaced by a
    figure of the same kind, None when it is simply gone."""
    sentence, text = figure.get("sentence") or "", figure.get("text") or ""
    if contains_words(text_to_words(aligned), text):
        return "same"
    at = sentence.find(text)
    if at < 0:
        return None
    opcodes, old_words, new_words = word_opcodes(sentence, aligned)
    touched = [op for op in opcodes if op[0] != "equal" and any(s < at + len(text) and e > at for _, s, e in old_words[op[1]:op[2]])]
    if len(touched) != 1 or touched[0][0] != "replace":
        return None
    _, _, _, j1, j2 = touched[0]
    found = figure_value_phrase(" ".join(w for w, _, _ in new_words[j1:j2]), figure.get("kind"))
    return found[0] if found else None


def printed_sentence(figure: dict, others: list[tuple[str, str]], threshold: float = 0.4) -> tuple[str, str] | None:
    """The first loosely similar sentence of the other edition that prints the figure's words: the
    extractor missed it there (or the sentence was reworded around it); the value did not change."""
    return next(
        ((section_id, other) for section_id, other in others
         if contains_words(text_to_words(other), figure.get("text")) and similarity(figure.get("sentence"), other) >= threshold),
        None,
    )


def with_full_sentences(figures: list[dict], edition: EditionData) -> list[dict]:
    """The extractor's sentence can be a fragment where the sentence splitter stopped at 'H.Rept.'
    ('-215 recommended $32 million ...'); use the section's whole sentence that contains it."""
    by_section: dict[str, list[str]] = {}
    for section_id, sentence in edition.sentences():
        by_section.setdefault(section_id, []).append(sentence)
    fixed = []
    for figure in figures:
        fragment = text_to_comparable(figure.get("sentence"))
        containing = [s for s in by_section.get(figure.get("section_id"), []) if fragment and fragment in text_to_comparable(s)]
        fixed.append({**figure, "sentence": min(containing, key=len)} if containing else figure)
    return fixed


@dataclass(frozen=True)
class FigureLookup:
    """A figure found on one side only, looked up in the other edition's sentences."""

    index: int                               # its position in its edition's figure rows
    aligned: tuple[str, str] | None          # (section_id, sentence) it most likely became
    outcome: str | None                      # 'same', the replacing figure phrase, or None
    printed: tuple[str, str] | None = None   # a loosely similar sentence that still prints it

    @property
    def kept(self) -> bool:
        """Still printed on the other side (only the extractor missed it): no change."""
        return self.outcome == "same" or (self.outcome is None and self.printed is not None)


@dataclass(frozen=True)
class FigureMatch:
    """How the figures of two editions correspond (indices into the old and new figure rows)."""

    pairs: list[tuple[int, int]]
    old_only: list[FigureLookup]        # old figures in no pair, in order
    new_only: list[FigureLookup]        # new figures in no pair and replacing no old phrase, in order
    replacements: dict[int, int]        # new index -> old index whose replacing phrase it prints


def lookup_figure(index: int, figure: dict, others: list[tuple[str, str]]) -> FigureLookup:
    aligned = best_aligned_sentence(figure.get("sentence") or "", others)
    outcome = figure_in_aligned_sentence(figure, aligned[1]) if aligned else None
    printed = printed_sentence(figure, others) if outcome is None else None
    return FigureLookup(index, aligned, outcome, printed)


def replaced_phrase_index(figure: dict, replaced: list[tuple[int, str, str]]) -> int | None:
    """The old figure whose replacing phrase this new figure is (it is the same change, not an
    addition), from (old index, aligned sentence, phrase) of the old figures that were replaced."""
    for old_index, sentence, phrase in replaced:
        if similarity(sentence, figure.get("sentence")) < 0.9:
            continue
        if sentence == figure.get("sentence") and text_to_words(figure["text"]) in text_to_words(phrase) or text_to_words(phrase) in text_to_words(figure["text"]):
            return old_index
    return None


def match_figure_rows(old_rows: list[dict], new_rows: list[dict], old_sentences: list[tuple[str, str]],
                      new_sentences: list[tuple[str, str]], section_map: dict[str, str]) -> FigureMatch:
    """Pairs by what the figures measure, then each figure left over looked up in the other
    edition's sentences (see ``figure_in_aligned_sentence`` and ``printed_sentence``)."""
    pairs = match_figures(old_rows, new_rows, section_map)
    matched_old, matched_new = {i for i, _ in pairs}, {j for _, j in pairs}
    old_only = [lookup_figure(i, a, new_sentences) for i, a in enumerate(old_rows) if i not in matched_old]
    replaced = [(lookup.index, lookup.aligned[1], lookup.outcome) for lookup in old_only if lookup.outcome and lookup.outcome != "same"]
    new_only, replacements = [], {}
    for j, b in enumerate(new_rows):
        if j in matched_new:
            continue
        old_index = replaced_phrase_index(b, replaced)
        if old_index is not None:
            replacements[j] = old_index
        else:
            new_only.append(lookup_figure(j, b, old_sentences))
    return FigureMatch(pairs, old_only, new_only, replacements)


def figure_change_field(a: dict, b: dict) -> str | None:
    """What differs between two matched figures (value, qualifier, year), or None when nothing."""
    if a.get("value") != b.get("value") or a.get("value_high") != b.get("value_high"):
        return "value"
    if (a.get("qualifier") or "") != (b.get("qualifier") or ""):
        return "qualifier"
    if a.get("year") is not None and b.get("year") is not None and a.get("year") != b.get("year"):
        return "year"
    return None


def figures_to_changes(old: EditionData, new: EditionData, section_map: dict[str, str]) -> list[dict]:
    old_rows, new_rows = with_full_sentences(old.records("figures"), old), with_full_sentences(new.records("figures"), new)
    old_headings, new_headings = old.headings(), new.headings()
    match = match_figure_rows(old_rows, new_rows, old.sentences(), new.sentences(), section_map)
    rows: list[dict] = []
    for i, j in match.pairs:
        a, b = old_rows[i], new_rows[j]
        name = figure_change_field(a, b)
        if name is not None:
            rows.append(change("figures", "changed", figure_label(b if b.get("subject") else a), name, a["text"], b["text"],
                               a.get("sentence"), b.get("sentence"), new_headings.get(b.get("section_id"))))
    for lookup in match.old_only:
        a, aligned = old_rows[lookup.index], lookup.aligned
        if lookup.kept:
            continue
        if lookup.outcome:
            rows.append(change("figures", "changed", figure_label(a), "value", a["text"], lookup.outcome, a.get("sentence"), aligned[1], new_headings.get(aligned[0])))
        else:
            rows.append(change("figures", "removed", figure_label(a), "value", a["text"], None, a.get("sentence"), aligned[1] if aligned else None, old_headings.get(a.get("section_id"))))
    for lookup in match.new_only:
        b, aligned = new_rows[lookup.index], lookup.aligned
        if lookup.kept:
            continue
        if lookup.outcome:
            rows.append(change("figures", "changed", figure_label(b), "value", lookup.outcome, b["text"], aligned[1], b.get("sentence"), new_headings.get(b.get("section_id"))))
        else:
            rows.append(change("figures", "added", figure_label(b), "value", None, b["text"], aligned[1] if aligned else None, b.get("sentence"), new_headings.get(b.get("section_id"))))
    return rows
