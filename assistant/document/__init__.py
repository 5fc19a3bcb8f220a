"""The finished document: Markdown preview, .docx faithful to the official form, JSON exchange file."""
