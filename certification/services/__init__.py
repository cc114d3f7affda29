"""Every state change of the certification workflow, one module per concern.

- applications: apply, office review, withdrawal, the four-eyes decision, and the
  application's state machine (`application_transition`, the only code that changes its status)
- auditors: qualifications, conflicts of interest, assignments
- self_assessment: the company's answers and evidence
- audits: scores with lost-update protection, findings, corrective actions, the report
- certificates: issuance on a grant, gapless numbers, the certificate lifecycle, expiry and
  surveillance reminders
"""
