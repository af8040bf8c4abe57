"""KPM cases (manajemen kasus): updates, feedback, digests, quiet-case flags."""
