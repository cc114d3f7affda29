"""The read-only catalogue API, one module per concern: catalogue, schemes."""
