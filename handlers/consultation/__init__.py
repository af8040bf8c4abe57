"""Incidental consultations a pendamping asks of their supervisor: the request and its answers
(`requests`), the lists (`views`), the acknowledgement clock (`clock`)."""
