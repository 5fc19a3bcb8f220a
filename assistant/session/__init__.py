"""A session: the stored model, its store (atomic, locked, backed up), its checks and migrations."""
