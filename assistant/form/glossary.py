"""The glossary (prompts/glossary.yaml) and a forgiving lookup for questions like "什么是从业人员"."""

from __future__ import annotations

import re

from msgspec import Struct, field

from assistant.form.catalog import default_form, package
from assistant.form.parse import normalize

# "什么是X" / "X是什么" / "X包括哪些" / "解释一下X" ... -> X
_ASK_PATTERNS = (
    re.compile(r"^(?:请问|请|帮我)?(?:解释一下|解释|说明一下|说明|什么叫做?|什么是|啥是|何为|介绍一下)(?P<t>.+?)[?？。!！]*$"),
    re.compile(r"^(?P<t>.+?)(?:是什么意思|是什么|指什么|是啥|包括哪些内容|包括哪些|包括什么|包含哪些|怎么算|怎么计算|如何计算|怎么填|的口径|口径)[?？。!！]*$"),
)


class Term(Struct):
    id: str
    term: str
    text: str
    aliases: list[str] = field(default_factory=list)
    source: str = ""
    confirmed: bool = True

    def render(self) -> str:
        out = f"【{self.term}】\n{self.text.strip()}"
        if self.source:
            out += f"\n（依据：{self.source}）"
        if not self.confirmed:
            out += "\n（注：此口径未见官方明文，仅供参考，请以主管部门解释为准。）"
        return out


class Glossary:
    def __init__(self, terms: list[Term]):
        self.terms = terms
        self.by_id = {t.id: t for t in terms}
        self._keys: list[tuple[str, Term]] = sorted(
            ((normalize(k).lower(), t) for t in terms for k in (t.term, *t.aliases) if k),
            key=lambda kt: -len(kt[0]),
        )

    def __contains__(self, tid: object) -> bool:
        return tid in self.by_id

    def __getitem__(self, tid: str) -> Term:
        return self.by_id[tid]

    def lookup(self, query: str) -> Term | None:
        """Best term for a free-text query: longest term/alias inside it, else a close spelling."""
        q = normalize(query).lower()
        q = re.sub(r"[“”\"'《》]", "", q)
        if not q:
            return None
        for key, term in self._keys:
            if key and key in q:
                return term
        for key, term in self._keys:
            if len(q) >= 2 and q in key:
                return term
        import difflib  # only for misspelt queries: keep it off the start-up path

        close = difflib.get_close_matches(q, [k for k, _ in self._keys], n=1, cutoff=0.6)
        if close:
            return next(t for k, t in self._keys if k == close[0])
        return None

    def suggestions(self, limit: int = 8) -> list[str]:
        return [t.term for t in self.terms[:limit]]


def asked_term(text: str) -> str | None:
    """The X in "什么是X" / "X包括哪些" / "X是什么", or None when the text is not such a question."""
    s = normalize(text)
    for pat in _ASK_PATTERNS:
        m = pat.match(s)
        if m and m.group("t").strip():
            return m.group("t").strip()
    return None


def load_glossary(form: str | None = None) -> Glossary:
    """The glossary of the form's package (its folder's prompts/glossary.yaml, else the packaged one, checked
    with the package); no form: the first form's (the packaged glossary)."""
    pkg = package(form or default_form())
    return pkg.memo("glossary", lambda: Glossary([Term(**t) for t in pkg.glossary.get("terms") or []]))
