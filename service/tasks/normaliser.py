"""The free-text normaliser: what a consultant types, ranked against the catalogue's tasks.

Pure code over a prepared catalogue (no database, no web layer). Text is folded the Danish way
(case, æ/ø/å and ae/oe/aa alike, accents, punctuation), filler words are dropped and common
endings are cut, so "vaske op", "opvasken" and "Opvask" meet. Each query word is compared with
every catalogue word by rapidfuzz (plain ratio, and partial ratio for compound words such as
"toiletrengøring"); a task's score is the best of its name and synonyms, mixing how much of the
query the phrase covers and how much of the phrase the query covers, with rare words weighing
more than common ones. ``prepare`` does the catalogue-side work once per catalogue version.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

DEFAULT_THRESHOLD = 60.0
DEFAULT_LIMIT = 5
# How much of the score comes from covering the query, the rest from covering the phrase.
QUERY_COVERAGE_WEIGHT = 0.6
# A word pair below this similarity (0-1) counts as no match at all.
WORD_FLOOR = 0.72
# Compound words: a word found inside a longer one ("toilet" in "toiletrengoering") counts a
# little less than an equal word; only near-exact inclusions of words of 4+ letters count.
PARTIAL_FACTOR = 0.88
PARTIAL_MIN_LENGTH = 4
PARTIAL_MIN_RATIO = 90.0
# A small lift for tasks of the sector the caller names (a company's sector), on 0-100.
SECTOR_BONUS = 4.0

_FOLDS = {"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss"}
# Words that carry no task meaning in a consultant's note (Danish and English fillers).
STOPWORDS = frozenset(
    [
        "af",
        "alle",
        "at",
        "de",
        "den",
        "der",
        "det",
        "dem",
        "en",
        "et",
        "eller",
        "efter",
        "for",
        "fra",
        "hos",
        "i",
        "ind",
        "jo",
        "kan",
        "lidt",
        "man",
        "med",
        "mv",
        "noget",
        "nogle",
        "og",
        "om",
        "pa",
        "paa",
        "sig",
        "skal",
        "som",
        "til",
        "ud",
        "under",
        "ved",
        "vil",
        "gerne",
        "lave",
        "lav",
        "evt",
        "fx",
        "bl",
        "mere",
        "meget",
        "hver",
        "dag",
        "dagligt",
        "ugen",
        "gang",
        "gange",
        "mellem",
        "nogen",
        "andre",
        "sin",
        "sine",
        "sit",
        "a",
        "an",
        "and",
        "at",
        "for",
        "from",
        "in",
        "of",
        "on",
        "or",
        "some",
        "the",
        "to",
        "with",
    ]
)
# Endings cut from a folded word, longest first; the stem keeps at least three letters.
SUFFIXES = (
    "ningerne",
    "ingerne",
    "ninger",
    "inger",
    "erne",
    "ende",
    "ning",
    "ing",
    "ene",
    "er",
    "en",
    "et",
    "e",
)
MIN_STEM = 3
# Danish particle verbs have a compound noun: "vaske op" is "opvask", "rydde op" "oprydning",
# "pakke ud" "udpakning", "fylde på" "påfyldning". A particle after a word adds the compound
# as an optional query word (it counts when the catalogue has it and never counts against).
PARTICLES = frozenset({"op", "ud", "af", "ind", "ned", "om", "paa", "til"})
PARTICLE_REACH = 2  # the particle may stand after the object: "fylde varer op"
_NON_WORD = re.compile(r"[^a-z0-9]+")
_DOUBLE_END = re.compile(r"([bcdfghjklmnpqrstvwxz])\1$")


def fold(text: str) -> str:
    """Lower-case ASCII text: æ/ø/å spelt ae/oe/aa, accents and punctuation removed."""
    lowered = text.casefold()
    for letter, spelling in _FOLDS.items():
        lowered = lowered.replace(letter, spelling)
    decomposed = unicodedata.normalize("NFKD", lowered)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", ascii_only).strip()


def stem(word: str) -> str:
    """Cut common Danish (and English plural) endings from a folded word until none is left.

    Cutting to the end makes stacked endings meet their base: "rengoeringen", "rengoering" and
    "rengoere" give one stem, as do "toiletterne", "toiletter" and "toilet".
    """
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    while True:
        cut = next(
            (s for s in SUFFIXES if word.endswith(s) and len(word) - len(s) >= MIN_STEM), None
        )
        if cut is None:
            return word
        # "toilett" -> "toilet", "pakk" -> "pak"
        word = _DOUBLE_END.sub(r"\1", word[: -len(cut)])


def words(text: str) -> list[tuple[str, str]]:
    """The meaningful words of a text as (folded word, stem), fillers left out."""
    return [(w, stem(w)) for w in fold(text).split() if w not in STOPWORDS and len(w) > 1]


def particle_compounds(text: str) -> list[str]:
    """Compound stems a particle verb suggests: "vaske op efter frokost" gives ["opvask"].

    A particle ends its clause or stands before a filler word; before a content word it is a
    preposition ("rengøring af toiletter") and suggests nothing.
    """
    folded = fold(text).split()
    compounds: list[str] = []
    previous: list[str] = []
    for position, word in enumerate(folded):
        following = folded[position + 1] if position + 1 < len(folded) else None
        if word in PARTICLES and (following is None or following in STOPWORDS):
            compounds.extend(stem(word + p) for p in previous[-PARTICLE_REACH:])
        elif word not in STOPWORDS and len(word) > 1:
            previous.append(word)
    return list(dict.fromkeys(compounds))


@dataclass(frozen=True)
class CatalogueTask:
    """What the normaliser needs to know about one active task."""

    task_id: str
    name: str
    sector: str
    card: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    """One ranked task for a text."""

    task_id: str
    name: str
    sector: str
    card: str
    score: float
    matched_phrase: str


@dataclass(frozen=True)
class Normalised:
    """The answer for one text: ranked candidates, whether the best passed the threshold."""

    text: str
    folded_words: list[str]
    matched: bool
    threshold: float
    candidates: list[Candidate]
    unmatched_words: list[str] = field(default_factory=list)

    @property
    def best(self) -> Candidate | None:
        """The best candidate when it passed the threshold."""
        return self.candidates[0] if self.matched and self.candidates else None


FloatMatrix = npt.NDArray[np.float64]
IntMatrix = npt.NDArray[np.int64]


class PreparedCatalogue:
    """The catalogue's phrases folded, stemmed and indexed once, ready for many queries."""

    def __init__(self, tasks: Sequence[CatalogueTask]) -> None:
        self.tasks = list(tasks)
        phrases: list[str] = []
        phrase_task: list[int] = []
        phrase_stems: list[list[str]] = []
        for index, task in enumerate(self.tasks):
            seen: set[tuple[str, ...]] = set()
            for phrase in (task.name, *task.synonyms):
                stems = [s for _, s in words(phrase)]
                if not stems or tuple(stems) in seen:
                    continue
                seen.add(tuple(stems))
                phrases.append(phrase)
                phrase_task.append(index)
                phrase_stems.append(stems)
        self.phrases = phrases
        self.phrase_task = np.asarray(phrase_task, dtype=np.int64)
        self.vocabulary = sorted({s for stems in phrase_stems for s in stems})
        position = {s: i for i, s in enumerate(self.vocabulary)}
        # Inverse document frequency over tasks: a word on few tasks tells more.
        tasks_with = np.zeros(len(self.vocabulary))
        for index in range(len(self.tasks)):
            own = {
                position[s]
                for p, stems in enumerate(phrase_stems)
                if phrase_task[p] == index
                for s in stems
            }
            tasks_with[list(own)] += 1
        self.idf = np.log1p(max(len(self.tasks), 1) / np.maximum(tasks_with, 1.0))
        width = max((len(s) for s in phrase_stems), default=1)
        padding = len(self.vocabulary)  # points at an all-zero similarity column
        self.phrase_words: IntMatrix = np.full((len(phrases), width), padding, dtype=np.int64)
        self.phrase_weights: FloatMatrix = np.zeros((len(phrases), width))
        for p, stems in enumerate(phrase_stems):
            for k, s in enumerate(stems):
                self.phrase_words[p, k] = position[s]
                self.phrase_weights[p, k] = self.idf[position[s]]
        self._lengths = np.array([len(s) for s in self.vocabulary], dtype=np.int64)

    def _similarity(self, stems: list[str]) -> FloatMatrix:
        """Similarity 0-1 of each query stem to each vocabulary stem, plus a zero column."""
        ratio = process.cdist(stems, self.vocabulary, scorer=fuzz.ratio, dtype=np.float64) / 100
        partial = process.cdist(stems, self.vocabulary, scorer=fuzz.partial_ratio, dtype=np.float64)
        query_lengths = np.array([len(s) for s in stems])[:, None]
        counts = (np.minimum(query_lengths, self._lengths[None, :]) >= PARTIAL_MIN_LENGTH) & (
            partial >= PARTIAL_MIN_RATIO
        )
        # A catalogue word inside a longer query word leaves the rest of the query word
        # unexplained ("pleje" in "sygeplejerske"): it counts by the share it covers.
        covered = np.minimum(1.0, self._lengths[None, :] / query_lengths)
        partial_similarity = partial / 100 * PARTIAL_FACTOR * np.sqrt(covered)
        similarity = np.maximum(ratio, np.where(counts, partial_similarity, 0))
        similarity[similarity < WORD_FLOOR] = 0.0
        return np.hstack([similarity, np.zeros((len(stems), 1))])

    def normalise(
        self,
        text: str,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        limit: int = DEFAULT_LIMIT,
        sector: str | None = None,
    ) -> Normalised:
        """Rank the catalogue's tasks for a free text; near misses are listed when none passes."""
        query = words(text)
        folded = [w for w, _ in query]
        if not query or not self.tasks:
            return Normalised(text, folded, False, threshold, [], folded)
        stems = [s for _, s in query]
        compounds = [c for c in particle_compounds(text) if c not in stems]
        similarity = self._similarity(stems + compounds)
        best_word = similarity[:, :-1].argmax(axis=1)
        known = similarity[:, :-1].max(axis=1) > 0
        # A word the catalogue does not know weighs like a typical word, so it lowers the score;
        # an optional compound it does not know weighs nothing.
        unknown_weight = np.r_[np.full(len(stems), np.median(self.idf)), np.zeros(len(compounds))]
        query_weights = np.where(known, self.idf[best_word], unknown_weight)
        known = known[: len(stems)]
        gathered = similarity[:, self.phrase_words]  # (query words, phrases, phrase words)
        query_cover = query_weights @ gathered.max(axis=2) / query_weights.sum()
        phrase_cover = (gathered.max(axis=0) * self.phrase_weights).sum(
            axis=1
        ) / self.phrase_weights.sum(axis=1)
        phrase_scores = 100 * (
            QUERY_COVERAGE_WEIGHT * query_cover + (1 - QUERY_COVERAGE_WEIGHT) * phrase_cover
        )
        task_scores = np.zeros(len(self.tasks))
        np.maximum.at(task_scores, self.phrase_task, phrase_scores)
        if sector is not None:
            in_sector = np.array([t.sector == sector for t in self.tasks])
            task_scores = np.where(
                in_sector & (task_scores > 0), task_scores + SECTOR_BONUS, task_scores
            )
            task_scores = np.minimum(task_scores, 100.0)
        order = np.argsort(-task_scores, kind="stable")[:limit]
        candidates = []
        for index in order:
            if task_scores[index] <= 0:
                break
            phrases = np.flatnonzero(self.phrase_task == index)
            best_phrase = int(phrases[np.argmax(phrase_scores[phrases])])
            task = self.tasks[int(index)]
            candidates.append(
                Candidate(
                    task_id=task.task_id,
                    name=task.name,
                    sector=task.sector,
                    card=task.card,
                    score=round(float(task_scores[index]), 1),
                    matched_phrase=self.phrases[best_phrase],
                )
            )
        matched = bool(candidates) and candidates[0].score >= threshold
        unmatched = [w for w, ok in zip(folded, known, strict=True) if not ok]
        return Normalised(text, folded, matched, threshold, candidates, unmatched)


# Sector-level wishes (issue 14): words that name a kind of workplace rather than a task. A
# folded wish word counts when it starts with one of these ("aeldrepleje", "omsorgsarbejde",
# "lagerarbejde"), so Danish compounds are caught; the sector slugs are service/sectors.py's.
SECTOR_WISH_WORDS: dict[str, tuple[str, ...]] = {
    "sociale_institutioner": (
        "aeldre",
        "omsorg",
        "pleje",
        "hjemmehjaelp",
        "handicap",
        "botilbud",
        "care",
        "elderly",
    ),
    "hoteller_restauranter": ("koekken", "kantine", "restaurant", "cafe", "hotel", "kitchen"),
    "detailhandel": ("butik", "supermarked", "kiosk", "detailhandel", "shop", "retail"),
    "andre_brancher": ("lager", "warehouse", "pakkeri"),
    "landbrug": ("udendoers", "udeliv", "gartne", "landbrug", "skovbrug", "outdoor", "dyrehold"),
    "foreninger_kultur_renovation": ("udendoers", "genbrug", "renovation", "outdoor"),
    "industri": ("vaerksted", "produktion", "fabrik", "factory"),
    "offentlig_adm_undervisning_sundhed": ("kontor", "sygehus", "hospital", "skole"),
}


def sector_wishes(text: str) -> list[str]:
    """The sectors a free-text wish names as a kind of workplace, in catalogue order."""
    folded = fold(text).split()
    return [
        sector
        for sector, prefixes in SECTOR_WISH_WORDS.items()
        if any(word.startswith(prefix) for word in folded for prefix in prefixes)
    ]
