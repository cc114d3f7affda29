"""Reads of the accounts floor, one module per concern: `people` (a person's data for the
office) and `personnel` (the office's staff, auditors and invitations)."""
