"""The portal's own date and time formats (FORMAT_MODULE_PATH), over Django's per language."""
