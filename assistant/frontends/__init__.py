"""Front ends: the command line, `filing ask`, the Textual app (tui/) and the browser server (serve)."""
