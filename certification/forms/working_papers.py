"""Working papers: an auditor's notes and files per criterion (interview notes, test results), private to the audit team and the office."""
