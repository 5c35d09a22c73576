"""Interface strings: the marker for messages defined before any request.

Labels kept in module-level tables (facet titles, freshness states, sort orders...) are
marked with ``N_`` so that Babel extracts them (setup.cfg, babel.cfg: README
"Languages"), and translated where they are shown, with ``tk._(label)``. Data (vocabulary
labels) is translated as data in vocabularies/*.yaml, not here.
"""


def N_(message: str) -> str:  # noqa: N802 (the gettext convention)
    """``message`` unchanged; marks it for extraction into the .pot."""
    return message
