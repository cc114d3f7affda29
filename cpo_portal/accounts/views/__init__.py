"""Pages of the accounts floor, one module per concern: `profile` (a person's own account),
`people` (a person's data on request, for the office) and `personnel` (the office's staff
and auditors, and the invitation link)."""
