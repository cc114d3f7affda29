"""The certification API under /api/v1/, one module per audience.

- company: /organizations/<org_slug>/applications/… (members read; owners and admins act)
- audit: /audits/… (only audits the caller is actively assigned to)
- office: /office/applications/… (the CPO office)

Every write calls a service; a refusal becomes a 400 with field errors, never a 500.
Whoever may not see an object gets 404, exactly like an id that was never used.
"""
