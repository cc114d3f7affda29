"""Every state change of the CPO Community, one module per concern.

- membership: prostep ivip membership declared, verified, lapsed
- elections: nomination, secret ballots, tallying, ties, results
- conference: the annual conference, registrations and the waitlist
- proposals: proposals for the CPO and their discussion
- reports: the annual CPO report, its frozen figures and its PDF
"""
