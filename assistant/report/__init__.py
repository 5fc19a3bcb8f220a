"""The report: document model, Word/PDF/Markdown, export, submission package, overview and roll-up."""
