"""Incidental consultations a pendamping asks of their supervisor."""
