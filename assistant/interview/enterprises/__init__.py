"""Member enterprises' data → the form's figures, with evidence; last year's report as the base.

Core logic only (no UI): columns (data next to the flow), the collection workbook, reading and
validating filled workbooks, aggregation into proposals, applying them with evidence, carry-forward.
"""

from __future__ import annotations

from assistant.form.catalog import package


def has_spec(form: str) -> bool:
    """Whether the form has an enterprise workbook (asked for every screen's keys: kept out of the heavy
    column vocabulary, which loads when the data is first used)."""
    return package(form).enterprises is not None
