"""Every change to the catalogue, one module per concern: catalogue, schemes."""
