"""The signees app's pages, one module per concern: signing, statements."""
