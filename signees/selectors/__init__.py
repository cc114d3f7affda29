"""Reads of signees, one module per concern: signing, statements."""
