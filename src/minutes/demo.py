"""The demo meeting: a short trilingual Hong Kong meeting rendered with espeak-ng."""

from __future__ import annotations

from minutes.synth import Line, Voice

# Voices chosen by measuring CAM++ (the diarizer's speaker model) between espeak-ng
# variants and pitches: this triple is the most distinct (every pair of whole-part
# embeddings 0.56 or more apart in cosine distance), so the demo's speakers are told
# apart the way distinct people are, not at the edge of the merge threshold.
CHAIR = Voice("en+f5", rate=145, pitch=85)
FINANCE = Voice("yue+m6", rate=140, pitch=15)
OPS = Voice("cmn+f4", rate=145, pitch=15)

DEMO_SCRIPT: tuple[Line, ...] = (
    Line(
        "Chair",
        CHAIR,
        "en",
        "Good morning everyone. Let us start the budget meeting for next quarter.",
    ),
    Line("Finance", FINANCE, "yue", "早晨。我哋今日要傾下個季度嘅預算同埋人手安排。"),
    Line("Operations", OPS, "zh", "我同意，我们需要在下个月之前完成新系统的测试。"),
    Line("Chair", CHAIR, "en", "Thank you. Can finance send the revised budget by Friday?"),
    Line("Finance", FINANCE, "yue", "冇問題，我星期五之前會將預算寄俾大家。"),
    Line("Operations", OPS, "zh", "好的，测试报告我会在下周三提交。"),
    Line(
        "Chair", CHAIR, "en", "Great. We have decided to hire two more engineers. Meeting closed."
    ),
)
