"""The pages of certification, one module per concern; the audience (the organization, the
auditor, the office, the public) is in each view's name and guard."""
