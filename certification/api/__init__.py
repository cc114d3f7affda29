"""The certification API under /api/v1/, one module per concern (URLconf: api/urls.py).

Every write calls a service; a refusal becomes a 400 with field errors, never a 500.
Whoever may not see an object gets 404, exactly like an id that was never used.
"""
