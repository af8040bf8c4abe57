"""Success stories (most significant change): told by a pendamping, reviewed by their
supervisor, the selected ones read by the korkab and korwil."""
