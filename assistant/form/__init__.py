"""A form: its data (flow, wording, glossary, expressions, sandboxed templates) and the rules of one value."""
