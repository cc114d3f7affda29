"""The catalogue's pages, one module per concern: catalogue, schemes."""
