"""Minutes with evidence: summary, topics, decisions and action items, each pointing
at the utterances that support it. ``summarize(transcript, ...)`` is the entry point."""

from minutes.minutes.schema import ActionItem, Attendee, Evidence, Item, Minutes, Topic
from minutes.minutes.summarize import MinutesOptions, summarize

__all__ = [
    "ActionItem",
    "Attendee",
    "Evidence",
    "Item",
    "Minutes",
    "MinutesOptions",
    "Topic",
    "summarize",
]
