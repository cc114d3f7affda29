"""The signees API, one module per concern: signing, statements."""
