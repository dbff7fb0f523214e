"""Pipeline stages: one module per engine, each behind a small Protocol in ``base``."""
