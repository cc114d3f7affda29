"""Forms of the CPO Community, one module per concern. They parse input; the services decide
what is allowed."""
