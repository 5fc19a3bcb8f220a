"""Module-level patterns compile on first use (text/patterns.py) and answer as re.compile's do."""

import re

from assistant.text.patterns import pattern


def test_a_pattern_compiles_when_first_used_and_answers_as_re_does():
    source, text = r"(\d+)\s*(万元|亿元)", "产值 128 亿元，研发 3200万元"
    lazy, real = pattern(source, re.IGNORECASE), re.compile(source, re.IGNORECASE)
    assert "compiled" not in vars(lazy)  # defining it compiled nothing
    assert lazy.search(text)[0] == real.search(text)[0] == "128 亿元"
    assert "compiled" in vars(lazy) and lazy.compiled is lazy.compiled
    assert lazy.match(text) is None and lazy.fullmatch("7万元")[2] == "万元"
    assert lazy.findall(text) == real.findall(text) == [("128", "亿元"), ("3200", "万元")]
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]
    assert lazy.sub(r"<\1>", text) == real.sub(r"<\1>", text)
    assert lazy.subn(lambda m: m[2], text, 1) == real.subn(lambda m: m[2], text, 1)
    assert lazy.split(text) == real.split(text)
    assert lazy.search(text, 5) is not None and lazy.search(text, 5, 8) is None
    assert (lazy.pattern, lazy.flags) == (source, re.IGNORECASE)
