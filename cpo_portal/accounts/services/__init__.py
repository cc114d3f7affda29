"""State changes of the accounts floor, one module per concern: `profile` (a person's own
account: name, language, API token, sessions), `people` (the office's handling of a person's
data on request) and `personnel` (the office's staff and auditors: invitations, roles,
deactivation)."""
