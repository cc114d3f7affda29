"""Every change to signees, one module per concern: signing, statements."""
