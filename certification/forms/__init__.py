"""Forms of certification, one module per concern. They shape the input; the services decide
what is allowed (and refuse it with a message the views put on the form)."""
