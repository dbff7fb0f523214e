"""Scripted meetings with known decisions and action items, for the minutes benchmark.

Each meeting walks an agenda; every agenda item is discussed in a few lines, then
(usually) decided and given to someone with a deadline. The annotations say which
line carries each decision and each action item, who owns it and when it is due, so
the minutes can be scored after the whole pipeline (speech synthesis, recognition,
diarization, minutes) has run. Our own text, written for this benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScriptLine:
    speaker: str  # key into Meeting.voices
    text: str
    decision: bool = False
    action_owner: str | None = None  # speaker key of the owner when this line is a task
    action_due: str | None = None


@dataclass(frozen=True)
class Meeting:
    name: str
    language: str  # en | zh | yue | mixed
    voices: dict[str, tuple[str, int, int]]  # key -> (espeak variant, rate, pitch)
    lines: list[ScriptLine] = field(default_factory=list)


# -- English --------------------------------------------------------------------------
EN_TOPICS = [
    (
        "the new bus routes in Tuen Mun",
        "run a public consultation for six weeks",
        "draft the consultation paper",
        "next Friday",
    ),
    (
        "the library opening hours",
        "open the main library until ten at night",
        "update the notices on the website",
        "Monday",
    ),
    (
        "the school lunch contract",
        "renew the contract with the current supplier for one year",
        "send the renewal letter to the supplier",
        "the end of the month",
    ),
    (
        "the harbour clean up day",
        "hold the clean up day on the first Sunday of May",
        "book the boats and the volunteers",
        "April the tenth",
    ),
    (
        "the staff training budget",
        "keep the training budget at last year's level",
        "prepare a list of the courses",
        "next Wednesday",
    ),
    (
        "the new visitor system",
        "test the visitor system in the east wing first",
        "arrange a demonstration for the security team",
        "tomorrow",
    ),
    (
        "the air conditioning repairs",
        "replace the two oldest units this summer",
        "ask three contractors for quotations",
        "the fifteenth of June",
    ),
    (
        "the annual report",
        "publish the annual report online only",
        "collect the figures from every section",
        "next Thursday",
    ),
]
EN_FILLER = [
    "Let me give you some background on {topic}.",
    "We received a number of comments from the public about {topic}.",
    "The cost is within the budget we agreed last year.",
    "I am worried about the timing, because the summer is very busy for us.",
    "The team looked at three options and compared the costs carefully.",
    "Other districts have tried something similar with good results.",
]


def _english(
    name: str, topics: list[tuple[str, str, str, str]], speakers: list[str]
) -> list[ScriptLine]:
    chair, *others = speakers
    lines = [
        ScriptLine(
            chair, "Good morning everyone. Let us start the meeting. We have a few items today."
        )
    ]
    for i, (topic, decision, task, due) in enumerate(topics):
        a = others[i % len(others)]
        b = others[(i + 1) % len(others)]
        lines += [
            ScriptLine(chair, f"The next item is {topic}. {a.title()}, can you introduce it?"),
            ScriptLine(a, EN_FILLER[i % len(EN_FILLER)].format(topic=topic)),
            ScriptLine(a, EN_FILLER[(i + 2) % len(EN_FILLER)].format(topic=topic)),
            ScriptLine(b, EN_FILLER[(i + 3) % len(EN_FILLER)].format(topic=topic)),
            ScriptLine(b, f"I think we should {decision}."),
            ScriptLine(chair, f"Then we have decided to {decision}.", decision=True),
        ]
        if i % 2 == 0:
            lines += [
                ScriptLine(chair, f"Please {task} by {due}.", action_owner=a, action_due=due),
                ScriptLine(a, "Sure, no problem."),
            ]
        else:
            lines += [ScriptLine(b, f"I will {task} by {due}.", action_owner=b, action_due=due)]
        lines.append(ScriptLine(chair, "Thank you. Any other comments on this item?"))
        lines.append(ScriptLine(others[(i + 2) % len(others)], "No, that is clear to me."))
    lines.append(ScriptLine(chair, "That is all for today. Thank you for coming."))
    return lines


# -- Mandarin -------------------------------------------------------------------------
ZH_TOPICS = [
    ("新的巴士路線", "先進行六個星期的公眾諮詢", "起草諮詢文件", "下星期五"),
    ("圖書館的開放時間", "把總館的開放時間延長到晚上十點", "更新網站上的通知", "星期一"),
    ("學校午餐合約", "和現有的供應商續約一年", "把續約信寄給供應商", "月底"),
    ("海港清潔日", "在五月第一個星期日舉行清潔日", "預訂船隻和安排義工", "四月十日"),
    ("員工培訓預算", "培訓預算維持去年的水平", "準備課程清單", "下星期三"),
    ("新的訪客系統", "先在東翼測試訪客系統", "安排給保安部門的示範", "明天"),
    ("冷氣維修", "今年夏天更換兩部最舊的冷氣機", "向三間承辦商索取報價", "六月十五日"),
    ("年度報告", "年度報告只在網上發佈", "收集各部門的數字", "下星期四"),
]
ZH_FILLER = [
    "我先介紹一下{topic}的背景。",
    "關於{topic}，我們收到了不少市民的意見。",
    "費用在去年批准的預算之內。",
    "我擔心時間的問題，因為夏天我們特別忙。",
    "同事比較了三個方案，仔細計算了成本。",
    "其他地區做過類似的安排，效果不錯。",
]


def _mandarin(
    topics: list[tuple[str, str, str, str]], speakers: list[str], names: dict[str, str]
) -> list[ScriptLine]:
    chair, *others = speakers
    lines = [ScriptLine(chair, "大家早上好，我們開始開會，今天有幾個議題。")]
    for i, (topic, decision, task, due) in enumerate(topics):
        a = others[i % len(others)]
        b = others[(i + 1) % len(others)]
        lines += [
            ScriptLine(chair, f"下一個議題是{topic}，請{names[a]}介紹一下。"),
            ScriptLine(a, ZH_FILLER[i % len(ZH_FILLER)].format(topic=topic)),
            ScriptLine(a, ZH_FILLER[(i + 2) % len(ZH_FILLER)].format(topic=topic)),
            ScriptLine(b, ZH_FILLER[(i + 3) % len(ZH_FILLER)].format(topic=topic)),
            ScriptLine(b, f"我建議{decision}。"),
            ScriptLine(chair, f"好，我們決定{decision}。", decision=True),
        ]
        if i % 2 == 0:
            lines += [
                ScriptLine(
                    chair,
                    f"請{names[a]}負責{task}，{due}之前完成。",
                    action_owner=a,
                    action_due=due,
                ),
                ScriptLine(a, "好的，沒問題。"),
            ]
        else:
            lines += [ScriptLine(b, f"我會在{due}之前{task}。", action_owner=b, action_due=due)]
        lines.append(ScriptLine(chair, "謝謝。大家對這個議題還有意見嗎？"))
        lines.append(ScriptLine(others[(i + 2) % len(others)], "沒有了，很清楚。"))
    lines.append(ScriptLine(chair, "今天的會議到此結束，謝謝大家。"))
    return lines


# -- Cantonese ------------------------------------------------------------------------
YUE_FILLER = [
    "我講下{topic}嘅背景先。",
    "關於{topic}，我哋收到好多市民嘅意見。",
    "啲錢喺琴日批咗嘅預算入面。",
    "我擔心時間唔夠，因為夏天我哋好忙。",
    "同事比較咗三個方案，計清楚晒啲成本。",
    "其他地區試過類似嘅安排，效果唔錯。",
]


def _cantonese(
    topics: list[tuple[str, str, str, str]], speakers: list[str], names: dict[str, str]
) -> list[ScriptLine]:
    chair, *others = speakers
    lines = [ScriptLine(chair, "各位早晨，我哋開始開會，今日有幾個議題。")]
    for i, (topic, decision, task, due) in enumerate(topics):
        a = others[i % len(others)]
        b = others[(i + 1) % len(others)]
        lines += [
            ScriptLine(chair, f"下一個議題係{topic}，麻煩{names[a]}介紹下。"),
            ScriptLine(a, YUE_FILLER[i % len(YUE_FILLER)].format(topic=topic)),
            ScriptLine(a, YUE_FILLER[(i + 2) % len(YUE_FILLER)].format(topic=topic)),
            ScriptLine(b, YUE_FILLER[(i + 3) % len(YUE_FILLER)].format(topic=topic)),
            ScriptLine(b, f"我建議{decision}。"),
            ScriptLine(chair, f"好，我哋決定咗{decision}。", decision=True),
        ]
        if i % 2 == 0:
            lines += [
                ScriptLine(
                    chair,
                    f"麻煩{names[a]}負責{task}，{due}之前搞掂。",
                    action_owner=a,
                    action_due=due,
                ),
                ScriptLine(a, "好，冇問題。"),
            ]
        else:
            lines += [ScriptLine(b, f"我會喺{due}之前{task}。", action_owner=b, action_due=due)]
    lines.append(ScriptLine(chair, "今日嘅會開到呢度，唔該晒各位。"))
    return lines


def _mixed(speakers: list[str], names: dict[str, str]) -> list[ScriptLine]:
    """English and Mandarin agenda items alternating in one meeting."""
    en = _english("mixed", EN_TOPICS[:4], speakers)
    zh = _mandarin(ZH_TOPICS[4:8], speakers, names)

    # Interleave blocks: the English opening, then alternate topic blocks.
    def blocks(lines: list[ScriptLine]) -> list[list[ScriptLine]]:
        out: list[list[ScriptLine]] = []
        for line in lines[1:-1]:
            if line.speaker == speakers[0] and (
                line.text.startswith("The next item") or line.text.startswith("下一個議題")
            ):
                out.append([])
            out[-1].append(line)
        return out

    body: list[ScriptLine] = [en[0]]
    for x, y in zip(blocks(en), blocks(zh), strict=False):
        body += x + y
    return [*body, en[-1]]


# Each person keeps one voice variant and pitch; the line's language picks espeak's
# language (en, cmn, yue), so a bilingual speaker sounds like the same person.
VOICES = {
    "chair": ("m3", 150, 40),
    "mary": ("f4", 155, 80),
    "peter": ("m1", 145, 10),
    "susan": ("f2", 150, 60),
    "wang": ("f4", 155, 80),
    "li": ("m1", 145, 10),
    "chen": ("f2", 150, 60),
    "chan": ("f4", 155, 80),
    "wong": ("m1", 145, 10),
}
ZH_NAMES = {"chair": "主席", "wang": "王經理", "li": "李先生", "chen": "陳小姐"}
YUE_NAMES = {"chair": "主席", "chan": "陳小姐", "wong": "黃先生"}


def meetings() -> list[Meeting]:
    en_people = ["chair", "mary", "peter", "susan"]
    zh_people = ["chair", "wang", "li", "chen"]
    mixed_names = {"chair": "主席", "mary": "Mary", "peter": "Peter", "susan": "Susan"}
    return [
        Meeting("english-council", "en", VOICES, _english("en1", EN_TOPICS, en_people)),
        Meeting("english-school", "en", VOICES, _english("en2", EN_TOPICS[::-1], en_people[:3])),
        Meeting("mandarin-office", "zh", VOICES, _mandarin(ZH_TOPICS, zh_people, ZH_NAMES)),
        Meeting(
            "mandarin-school", "zh", VOICES, _mandarin(ZH_TOPICS[::-1], zh_people[:3], ZH_NAMES)
        ),
        Meeting("mixed-en-zh", "mixed", VOICES, _mixed(en_people, mixed_names)),
        Meeting(
            "cantonese-district",
            "yue",
            VOICES,
            _cantonese(ZH_TOPICS, ["chair", "chan", "wong"], YUE_NAMES),
        ),
    ]


def line_language(text: str) -> str:
    """espeak's language for a line: Chinese characters → cmn (or yue), else en."""
    return "cmn" if any("\u4e00" <= c <= "\u9fff" for c in text) else "en"
