"""Forms of the catalogue, one module per concern: catalogue, schemes."""
