"""P2K2 (FDS) group meetings: the reports (`reports`) and the coverage staff see (`views`)."""
