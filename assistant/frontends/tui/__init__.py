"""The Textual front end (imported only when the app runs; the core never imports textual)."""
