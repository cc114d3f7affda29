"""Reads of the CPO Community, one module per concern, each read named for who it serves."""
