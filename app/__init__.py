"""Mend: practice support for couples counselors."""

from app import routing  # noqa: F401  (registers the {name:id} path convertor before any route)
