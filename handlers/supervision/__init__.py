"""Supervision slots: agreements, sessions, planning and reminders, records, views, digests."""
