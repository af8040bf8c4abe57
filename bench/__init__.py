"""Benchmarks that print figures: inbound dialogs, the outbox dispatcher, the tick.

Run with `.venv/bin/python bench/run.py [--db sqlite|postgres|both] [--quick]`; nothing here is
a test and nothing asserts a time."""
