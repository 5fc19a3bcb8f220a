"""Files from outside, read bounded and written atomically: answer files, tables, .xlsx scan, staging."""
