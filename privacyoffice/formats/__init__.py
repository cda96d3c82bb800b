"""Project date and number formats per language (settings.FORMAT_MODULE_PATH).

Only languages whose Django defaults we change have a module here; the others keep Django's.
"""
