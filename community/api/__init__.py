"""The community API under /api/v1/community/, one module per concern (api/urls.py wires them)."""
