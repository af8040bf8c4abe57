"""Who is who: the roster and its import, places, phones, time zones, and the access policy."""
