"""The interview: engine, computed figures, checks, drafts, enterprise data and the conversation."""
