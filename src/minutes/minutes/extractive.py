"""Minutes without a language model, in Cantonese, Mandarin and English.

Decisions and action items are found by what people say when they decide or commit
("we agreed", 「決定」, 「我會」, "can you … by Friday", 「麻煩你…聽日之前」); owners and
due dates only when they are said (a first-person commitment names its speaker, a
request names whoever accepts it in the next turn, or the person addressed). The
summary is the most central sentences (TF-IDF over character n-grams, which works
for text without spaces) chosen for coverage; topics come from where the vocabulary
shifts. Every item quotes the utterances it came from.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from minutes.assemble import join_words
from minutes.language import cjk_count
from minutes.types import Transcript, Utterance, Word

# -- cues -----------------------------------------------------------------------------
_EN_DECISION = re.compile(
    r"\b(we(?:'ve| have)? (?:all |now |also )?(?:agreed|decided)"
    r"(?= (?:to|that|on|upon)\b|\s*[.!,;]|$)"
    r"|(?:it|this) (?:is|was) (?:agreed|decided)"
    r"|the decision is|we(?:'ll| will) go (?:with|ahead)|let'?s go (?:with|ahead)"
    r"|(?:is|are|was|were) approved|we approve|motion (?:is )?(?:carried|passed)"
    r"|agreed to|decided to|we(?:'ll| will) (?:adopt|keep|postpone|cancel)|final answer)\b",
    re.IGNORECASE,
)
_ZH_DECISION = re.compile(
    r"(決定|决定|定咗|議決|议决|(?:通過|通过|批准)(?!的)|一致同意|一致認為|一致认为|拍板|就咁(?:話|决定|決定|做|定)"
    r"|就這樣(?:定|決定|做)|就这样(?:定|决定|做)|確定了|确定了|同意(?:採用|采用|按|用|延遲|延迟|取消))"
)
_AGREEMENT = re.compile(
    r"^\s*(agreed|i agree|we agree|yes,? agreed|sounds good"
    r"|ok(?:ay)?,? (?:agreed|let'?s do (?:it|that))"
    r"|同意|我同意|贊成|赞成|冇問題|沒問題|没问题|好，就咁|好，就這樣|好，就这样|得，就咁)\W*",
    re.IGNORECASE,
)
_PROPOSAL = re.compile(
    r"\b(we should|let'?s|i propose|i suggest|how about|why don'?t we|we could)\b"
    r"|(建議|建议|不如|應該|应该|我提議|我提议|可唔可以|我哋不如)",
    re.IGNORECASE,
)
_EN_COMMIT = re.compile(
    r"\b(?:i(?:'ll| will| shall| am going to|'m going to| can)|i'll make sure"
    r"|leave it (?:to|with) me)"
    r"\s+(?!not\b|never\b|be (?:there|here|late)\b|think\b|go with\b)(\w+)",
    re.IGNORECASE,
)
_EN_REQUEST = re.compile(
    r"\b(?:please|can you|could you|would you|will you|you need to|you should|make sure you"
    r"|(?:is|are) (?:responsible|in charge) for|take care of|follow up|action item)\b",
    re.IGNORECASE,
)
_ZH_COMMIT = re.compile(
    r"(?:我|我哋|我們|我们)(?:會|会|嚟|来|來|去|負責|负责|跟進|跟进|搞掂|處理|处理|安排|準備|准备)"
    r"(?!唔|不|係咪|是不是)"
)
_ZH_REQUEST = re.compile(
    r"(?:請|请|麻煩|麻烦|拜託|拜托|你(?:幫手|帮忙|幫忙|去|負責|负责|跟進|跟进|準備|准备|安排)"
    r"|由.{1,6}(?:負責|负责|跟進|跟进)|(?:負責|负责)跟進)"
)
_ACCEPT = re.compile(
    r"^\s*(?:ok(?:ay)?|sure|yes|yeah|no problem|will do|of course|(?:i )?will|i'll|i can|got it"
    r"|好|好呀|好的|冇問題|沒問題|没问题|得|可以|收到|明白|無問題|OK)",
    re.IGNORECASE,
)
_EN_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_EN_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_EN_ORDINAL = (
    r"(?:\d{1,2}(?:st|nd|rd|th)?|(?:twenty[- ]|thirty[- ])?(?:first|second|third|fourth|fifth"
    r"|sixth|seventh|eighth|ninth)|tenth|eleventh|twelfth|(?:thir|four|fif|six|seven|eigh|nine)"
    r"teenth|twentieth|thirtieth)"
)
_EN_DUE = re.compile(
    r"\b(?:(?:by|before|on|until|due|no later than)\s+)?(?:"
    rf"(?:next|this|coming)\s+(?:{_EN_WEEKDAY}|week|month)"
    rf"|{_EN_WEEKDAY}(?:\s+(?:morning|afternoon|noon))?"
    r"|tomorrow(?:\s+(?:morning|afternoon|noon))?|tonight|today"
    r"|(?:the )?end of (?:the )?(?:day|week|month|year)"
    rf"|(?:the\s+)?{_EN_ORDINAL}(?:\s+of)?\s+{_EN_MONTH}|{_EN_MONTH}\s+(?:the\s+)?{_EN_ORDINAL}"
    r"|\d{4}-\d{2}-\d{2}|in (?:two|three|\d+) (?:days|weeks))\b",
    re.IGNORECASE,
)
_ZH_NUM = "[0-9一二三四五六七八九十兩两]"
# No leading 喺/在/於: "due 在下週三" reads as a stray "at"; 之前 ("before") is kept.
_ZH_DUE = re.compile(
    r"(?:"
    r"聽日|听日|明天|明日|後日|后天|今日|今天|今晚|月底|年底|週末|周末|下(?:個|个)?月"
    r"|(?:下|今|本|呢|這|这)?(?:個|个)?(?:星期|禮拜|礼拜|週|周)[一二三四五六日天]?"
    rf"|{_ZH_NUM}{{1,2}}月{_ZH_NUM}{{1,3}}(?:日|號|号)"
    r")(?:之前|以前|前|或之前)?"
)
_BACKCHANNEL = re.compile(
    r"^\W*(?:ok(?:ay)?|yes|yeah|no|right|sure|thanks?|thank you|hmm+|uh+|um+|mm+|好|係|系|對|对"
    r"|嗯+|哦+|喂|係呀|是的|好的|OK)\W*$",
    re.IGNORECASE,
)
# Requests that are about the meeting's own talk, not work to do afterwards.
_MEETING_TALK = re.compile(
    r"\b(introduce|explain|present|share|tell us|go ahead|start|continue|repeat|speak|comment"
    r"|clarify|summari[sz]e|answer)\b|(介紹|介绍|解釋|解释|講下|讲下|說明|说明|補充|补充|發言|发言)",
    re.IGNORECASE,
)
_ENDS = re.compile(r"[。！？!?；;.]\s*$")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=[.])\s+")
_VOCATIVE_EN = re.compile(r"^\s*([A-Z][a-z]+(?: [A-Z][a-z]+)?),\s")
_TITLE_ZH = re.compile(
    r"([\u4e00-\u9fff]{1,3}?)(?:先生|小姐|女士|生|姐|經理|经理|主席|主任|博士|教授|秘書|秘书|Sir|sir)"
)


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    utterance: Utterance
    index: int  # position of the utterance in the transcript


@dataclass(frozen=True, slots=True)
class Found:
    """An item as the extractive pass found it (ids are grounded later)."""

    text: str
    ids: tuple[str, ...]
    owner: str | None = None
    due: str | None = None


@dataclass(frozen=True, slots=True)
class Extracted:
    summary: tuple[Found, ...]
    topics: tuple[tuple[Found, float, float], ...]
    decisions: tuple[Found, ...]
    actions: tuple[Found, ...]


PAUSE = 0.6  # seconds between words that end a sentence the recogniser left unpunctuated


def sentences(transcript: Transcript) -> list[Sentence]:
    """Sentences by punctuation and, where the recogniser gave none, by pauses.

    Chinese output often runs several sentences together without a mark; the word
    timestamps still show where the speaker stopped.
    """
    out: list[Sentence] = []
    for i, u in enumerate(transcript.utterances):
        words = u.words
        if not words or join_words(words) != u.text:  # no words, or the text was corrected
            out.extend(Sentence(part, u, i) for part in _split(u.text))
            continue
        group: list[Word] = []
        for k, w in enumerate(words):
            group.append(w)
            nxt = words[k + 1] if k + 1 < len(words) else None
            if nxt is None or _ENDS.search(w.text) or nxt.start - w.end >= PAUSE:
                text = join_words(group)
                out.extend(Sentence(part, u, i) for part in _split(text))
                group = []
    return out


def _size(text: str) -> int:
    """Length in 'words': CJK characters count ~1.5 to a word."""
    return len(re.findall(r"[A-Za-z0-9']+", text)) + cjk_count(text) * 2 // 3


def is_backchannel(text: str) -> bool:
    return bool(_BACKCHANNEL.match(text)) or _size(text) <= 1


def extract(transcript: Transcript) -> Extracted:
    sents = sentences(transcript)
    return Extracted(
        summary=tuple(summary_points(sents)),
        topics=tuple(topics(sents)),
        decisions=tuple(decisions(transcript, sents)),
        actions=tuple(action_items(transcript, sents)),
    )


# -- decisions ------------------------------------------------------------------------
def decisions(transcript: Transcript, sents: Sequence[Sentence]) -> list[Found]:
    found: list[Found] = []
    utts = transcript.utterances
    for s in sents:
        if _EN_DECISION.search(s.text) or _ZH_DECISION.search(s.text):
            found.append(Found(s.text, (s.utterance.id,)))
            continue
        # "Agreed." answers a proposal: the decision is what was proposed — by the
        # previous speaker, or just before it when the turns were not split apart.
        if _AGREEMENT.match(s.text):
            k = sents.index(s)
            before = sents[k - 1] if k > 0 else None
            if before is not None and _PROPOSAL.search(before.text):
                ids = tuple(dict.fromkeys((before.utterance.id, s.utterance.id)))
                found.append(Found(before.text, ids))
                continue
            prev = _previous_other_speaker(utts, s.index)
            if prev is not None and _PROPOSAL.search(prev.text):
                proposal = next(
                    (p for p in reversed(_split(prev.text)) if _PROPOSAL.search(p)), prev.text
                )
                found.append(Found(proposal, (prev.id, s.utterance.id)))
    return _dedupe(found)


def _previous_other_speaker(utts: Sequence[Utterance], index: int) -> Utterance | None:
    speaker = utts[index].speaker
    for j in range(index - 1, max(-1, index - 3), -1):
        if utts[j].speaker != speaker:
            return utts[j]
    return None


# Where a run-on Chinese sentence (the recogniser often leaves out the marks) is most
# likely to start a new clause: before a proposal, a decision, a commitment, thanks.
_CLAUSE = re.compile(
    r"(?=(?:我建議|我建议|我們決定|我们决定|我哋決定|我哋决定|我會|我会|請|请|麻煩|麻烦|謝謝|谢谢|唔該|好，))"
)
LONG_CJK = 25


# A clause that ended at a pause keeps the comma the speaker paused after; quoted as an
# item or a title it reads as cut off.
_TRAILING = ",，、:：-–— "


def _split(text: str) -> list[str]:
    parts: list[str] = []
    for piece in _SENTENCE_END.split(text):
        p = piece.strip()
        clauses = _CLAUSE.split(p) if cjk_count(p) > LONG_CJK else [p]
        parts.extend(c for c in (c.strip().rstrip(_TRAILING) for c in clauses) if c)
    return parts


# -- action items ---------------------------------------------------------------------
def action_items(transcript: Transcript, sents: Sequence[Sentence]) -> list[Found]:
    utts = transcript.utterances
    names = {s.id: s.name for s in transcript.speakers}
    found: list[Found] = []
    accepted: set[str] = set()  # replies already counted as accepting a request
    for s in sents:
        text = s.text
        if s.utterance.id in accepted:
            continue
        commit = _EN_COMMIT.search(text) or _ZH_COMMIT.search(text)
        request = _EN_REQUEST.search(text) or _ZH_REQUEST.search(text)
        if not commit and not request:
            continue
        due = _due(text)
        # "I'll take care of that" commits even though "take care of" can be a request.
        if commit and (not request or commit.start() <= request.start()):
            # "I will" about the past or a feeling is not a task; want a verb or a date.
            if not due and _size(text) < 4:
                continue
            found.append(Found(text, (s.utterance.id,), names.get(s.utterance.speaker), due))
            continue
        owner = _addressee(text, transcript)
        ids = [s.utterance.id]
        reply = _reply(utts, s.index)
        if reply is not None and _ACCEPT.match(reply.text):
            ids.append(reply.id)
            accepted.add(reply.id)
            owner = owner or names.get(reply.speaker)
            due = due or _due(reply.text)
        accepted_by_reply = len(ids) > 1
        if not due and not accepted_by_reply and (owner is None or _MEETING_TALK.search(text)):
            # "Mary, can you introduce it?": a turn of the meeting itself, not a task.
            continue
        found.append(Found(text, tuple(ids), owner, due))
    return _dedupe(found)


def _due(text: str) -> str | None:
    m = _EN_DUE.search(text) or _ZH_DUE.search(text)
    if m is None:
        return None
    due = m.group(0).strip(" ，,。.")
    return due or None


def _reply(utts: Sequence[Utterance], index: int) -> Utterance | None:
    speaker = utts[index].speaker
    for j in range(index + 1, min(len(utts), index + 3)):
        if utts[j].speaker != speaker:
            return utts[j]
    return None


def _addressee(text: str, transcript: Transcript) -> str | None:
    words = set(re.findall(r"[A-Za-z]+", text))
    for sp in transcript.speakers:
        # A renamed speaker ("Mary Wong") addressed by name, or by first name.
        if sp.name.startswith("Speaker ") or not sp.name:
            continue
        if sp.name in text or any(len(w) > 2 and w in words for w in sp.name.split()):
            return sp.name
    m = _VOCATIVE_EN.match(text)
    if m and m.group(1).lower() not in {"please", "okay", "ok", "yes", "so", "and", "now", "well"}:
        return m.group(1)
    m = _TITLE_ZH.search(text)
    if m:
        # The lazy name may still start at a request word: 「請王經理」 → 王經理.
        return m.group(0).lstrip("請请麻煩烦由叫同讓让你該该託托拜") or None
    return None


# -- summary and topics ---------------------------------------------------------------
def _vectors(texts: Sequence[str]) -> Any:
    """Sparse, row-normalised TF-IDF (a 3-hour meeting has thousands of sentences and
    tens of thousands of n-grams: a dense matrix would take gigabytes)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True, min_df=1, dtype=np.float32
    )
    return vec.fit_transform([t.lower() for t in texts]).tocsr()


def summary_points(sents: Sequence[Sentence], limit: int | None = None) -> list[Found]:
    """The most central, mutually different sentences, in meeting order (MMR), each
    weighted by how sure the recogniser was of it."""
    candidates = [s for s in sents if not is_backchannel(s.text) and _size(s.text) >= 5]
    if not candidates:
        return []
    k = limit or max(2, min(7, round(len(candidates) / 8)))
    chosen: list[int]
    if len(candidates) <= k:
        chosen = list(range(len(candidates)))
    else:
        x = _vectors([s.text for s in candidates])  # rows already unit length
        centroid = np.asarray(x.mean(axis=0)).ravel()
        # A line the recogniser was unsure of (mean word probability) is more likely
        # misheard: it may still be chosen, but a clear line of the same weight wins.
        sure = np.clip([s.utterance.confidence for s in candidates], 0.2, 1.0)
        relevance = np.asarray(x @ centroid).ravel() * sure
        chosen = []
        while len(chosen) < k:
            redundancy = (
                np.asarray((x @ x[chosen].T).max(axis=1).todense()).ravel()
                if chosen
                else np.zeros(len(candidates))
            )
            score = 0.7 * relevance - 0.3 * redundancy
            score[chosen] = -np.inf
            chosen.append(int(np.argmax(score)))
    return [
        Found(candidates[i].text, (candidates[i].utterance.id,))
        for i in sorted(chosen, key=lambda i: candidates[i].utterance.start)
    ]


def topics(
    sents: Sequence[Sentence], min_seconds: float = 120.0
) -> list[tuple[Found, float, float]]:
    """Stretches of the meeting with their own vocabulary, titled by their central line."""
    content = [s for s in sents if not is_backchannel(s.text)]
    if not content:
        return []
    bounds = [0, len(content)]
    duration = content[-1].utterance.end - content[0].utterance.start
    if len(content) >= 12 and duration >= 2 * min_seconds:
        x = _vectors([s.text for s in content])
        block = 4
        gaps = []
        for i in range(block, len(content) - block + 1):
            left = np.asarray(x[i - block : i].sum(axis=0)).ravel()
            right = np.asarray(x[i : i + block].sum(axis=0)).ravel()
            sim = float(left @ right / (np.linalg.norm(left) * np.linalg.norm(right) + 1e-9))
            gaps.append((sim, i))
        sims = np.array([g[0] for g in gaps])
        threshold = sims.mean() - 0.5 * sims.std()
        cuts: list[int] = []
        for sim, i in sorted(gaps):
            if sim > threshold:
                break
            t = content[i].utterance.start
            near = [content[c].utterance.start for c in (*cuts, 0)] + [content[-1].utterance.end]
            if all(abs(t - n) >= min_seconds for n in near):
                cuts.append(i)
        bounds = [0, *sorted(cuts), len(content)]
    out = []
    for a, b in itertools.pairwise(bounds):
        part = content[a:b]
        if not part:
            continue
        best = summary_points(part, limit=1)
        title = best[0] if best else Found(part[0].text, (part[0].utterance.id,))
        out.append((title, part[0].utterance.start, part[-1].utterance.end))
    return out


def _dedupe(items: Sequence[Found]) -> list[Found]:
    seen: set[tuple[str, ...]] = set()
    out = []
    for f in items:
        key = f.ids[:1]
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out
