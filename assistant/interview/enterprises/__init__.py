"""Member enterprises' data → the form's figures, with evidence; last year's report as the base.

Core logic only (no UI): columns (data next to the flow), the collection workbook, reading and
validating filled workbooks, aggregation into proposals, applying them with evidence, carry-forward.
"""
