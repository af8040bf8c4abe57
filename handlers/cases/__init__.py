"""KPM cases (manajemen kasus): opening and updating them (`updates`), feedback relayed to the
pendamping (`feedback`), the daily digest (`digest`), the lists (`views`), quiet-case flags
(`clock`)."""
