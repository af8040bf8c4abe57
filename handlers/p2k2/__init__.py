"""P2K2 (FDS) group meetings: reports and coverage."""
