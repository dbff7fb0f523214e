"""Accuracy, speed and memory harness (scripts, not tests)."""
