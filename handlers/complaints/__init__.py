"""Complaints (pengaduan): intake, status checks, handling, the reporter's answers, lists, SLA
clocks and data rights."""
