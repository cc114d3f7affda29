"""Forms of the signees app, one module per concern: signing, statements."""
