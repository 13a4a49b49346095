"""Message catalogs of :mod:`aigov.i18n`, one JSON file per language."""
