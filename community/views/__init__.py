"""Views of the CPO Community, one module per concern."""
