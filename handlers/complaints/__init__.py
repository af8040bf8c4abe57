"""Complaints (pengaduan): intake, status checks, handling, directing, the reporter's answers,
lists, SLA clocks and data rights."""
