"""A form is data: a copied edition works end to end with no Python change, and no module of the
program names a form's id, question id or printed label."""

from __future__ import annotations

import ast
import io
import json
import re
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import docx
import pytest
import yaml
from conftest import sample_answers

from assistant.files.yamlio import yaml_load
from assistant.form import catalog
from assistant.form.catalog import load_flow
from assistant.frontends.cli import main
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine
from assistant.paths import data_dir
from assistant.report.model import load_layout
from assistant.session.store import SessionFormMissing

NEW_ID, NEW_KEY = "annual_report_2025", "annual2025"
NEW_TITLE = "中小企业特色产业集群年度发展情况报告（2025 版试行）"
ADDED = "ecommerce_growth"
ADDED_LABEL = "集群企业跨境电商销售额增长率（%）"
CHANGED = "area_km2"
CHANGED_LABEL = "集群规划面积（平方公里）"


def _edition(root: Path) -> Path:
    """The annual form's files copied under a new id and title: one question added, one label changed."""
    for sub in ("flows", "prompts", "templates", "examples"):
        (root / sub).mkdir(parents=True)
    src = data_dir("flows").parent
    flow = (src / "flows" / "annual_report.yaml").read_text(encoding="utf-8")
    flow = flow.replace("  id: annual_report\n  key: annual\n", f"  id: {NEW_ID}\n  key: {NEW_KEY}\n", 1)
    flow = flow.replace("  title: 中小企业特色产业集群年度发展情况报告\n", f"  title: {NEW_TITLE}\n", 1)
    flow = flow.replace("  sample: annual_answers.yaml\n", "  sample: answers_2025.yaml\n", 1)
    anchor = "      - {id: export_growth, type: percent, min: -100, change: growth, max: 100000, plausible_max: 200}\n"
    assert anchor in flow
    flow = flow.replace(anchor, anchor + f"      - {{id: {ADDED}, type: percent, min: -100}}\n", 1)
    (root / "flows" / f"{NEW_ID}.yaml").write_text(flow, encoding="utf-8")

    prompts = yaml_load((src / "prompts" / "annual_report.yaml").read_text(encoding="utf-8"))
    prompts["questions"][CHANGED]["label"] = CHANGED_LABEL
    prompts["questions"][ADDED] = {"label": ADDED_LABEL, "ask": "{year} 年集群企业跨境电商销售额比上年增长了百分之几？",
                                   "hint": "填百分数，例如 12.5；下降填负数。"}
    (root / "prompts" / f"{NEW_ID}.yaml").write_text(yaml.safe_dump(prompts, allow_unicode=True), encoding="utf-8")

    layout = (src / "templates" / "annual_report.layout.yaml").read_text(encoding="utf-8")
    row = "      - field: export_growth\n"
    assert layout.count(row) == 1
    (root / "templates" / f"{NEW_ID}.layout.yaml").write_text(layout.replace(row, row + f"      - field: {ADDED}\n"),
                                                             encoding="utf-8")
    for name in ("annual_report.md.j2", "annual_report.drafts.yaml"):
        shutil.copy(src / "templates" / name, root / "templates" / name.replace("annual_report", NEW_ID))
    shutil.copy(src / "examples" / "annual_answers.yaml", root / "examples" / "answers_2025.yaml")
    return root


def _filing(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(argv))
    return code, out.getvalue()


@pytest.fixture
def edition(tmp_path, monkeypatch):
    root = _edition(tmp_path / "forms-2025")
    monkeypatch.delenv(catalog.ENV, raising=False)
    yield root
    catalog.use_forms([])  # this process goes back to the packaged forms only
    catalog._chosen = None


def test_copied_edition_runs_end_to_end_with_forms_dir(edition, tmp_path, store):
    root = str(edition)
    code, out = _filing("--forms", root, "forms")
    assert code == 0 and NEW_KEY in out and NEW_TITLE in out and root in out
    code, out = _filing("new", "--forms", root, "--form", NEW_KEY, "--title", "试行版")
    assert code == 0
    sid = out.strip()
    session = store.load(sid)
    assert session.form == NEW_ID

    # Every sample answer but the added question, as a file; then the added question is asked next.
    answers = sample_answers("annual")
    answer_file = tmp_path / "answers.yaml"
    answer_file.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
    assert _filing("--forms", root, "answers", sid, "--from-file", str(answer_file))[0] == 0
    assert _filing("--forms", root, "check", sid)[0] == 1  # the added question is required and unanswered

    with store.open(sid) as handle:
        conv = Conversation(Engine.for_session(handle.session), save=handle.save)
        conv.start()
        assert conv.engine.current().id == ADDED
        asked = conv.question_text(conv.engine.current())
        assert "跨境电商" in asked
        conv.handle("-3.5%")
        assert handle.session.answers[ADDED] == "-3.50"
    assert _filing("--forms", root, "check", sid)[0] == 0

    outs = {}
    for fmt in ("docx", "md", "json"):
        code, out = _filing("--forms", root, "export", sid, "--format", fmt, "-o", str(tmp_path / f"r.{fmt}"))
        assert code == 0, fmt
        outs[fmt] = Path(out.strip())

    doc = docx.Document(str(outs["docx"]))
    texts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert any(NEW_TITLE in t for t in texts)
    assert any(ADDED_LABEL in t for t in texts) and any(t.startswith("-3.50") for t in texts)
    assert any(CHANGED_LABEL in t for t in texts)
    assert not any(load_flow("annual")[CHANGED].label in t for t in texts)  # the old label is gone
    md = outs["md"].read_text(encoding="utf-8")
    assert NEW_TITLE in md and ADDED_LABEL in md and CHANGED_LABEL in md and "-3.50" in md
    data = json.loads(outs["json"].read_text(encoding="utf-8"))
    assert data["form"] == NEW_ID and data["answers"][ADDED] == "-3.50" and data["labels"][CHANGED] == CHANGED_LABEL

    # Without the folder the session's form is unknown: said in words, never a traceback.
    catalog.use_forms([])
    catalog._chosen = None
    proc_code, _ = _filing("check", sid)
    assert proc_code == 3
    with pytest.raises(SessionFormMissing, match="--forms"):  # not "damaged": the file is intact
        store.load(sid)


def test_same_form_id_in_two_folders_is_refused(tmp_path):
    root = tmp_path / "dup"
    (root / "flows").mkdir(parents=True)
    shutil.copy(data_dir("flows") / "district_summary.yaml", root / "flows")
    catalog.use_forms([root])
    try:
        with pytest.raises(catalog.FlowError, match="同时出现"):
            load_flow("district_summary")
    finally:
        catalog.use_forms([])
        catalog._chosen = None


def test_forms_folder_that_is_not_one_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--forms", str(tmp_path / "nowhere"), "list"])
    assert exc.value.code == 2 and "不存在" in capsys.readouterr().err


# -- nothing of a form in the program ------------------------------------------------------------
def _chinese_strings(node: object, into: set[str]) -> None:
    """Every Chinese text in a layout (printed words: cover labels, instructions, declaration)."""
    if isinstance(node, dict):
        for v in node.values():
            _chinese_strings(v, into)
    elif isinstance(node, list):
        for v in node:
            _chinese_strings(v, into)
    elif isinstance(node, str) and re.search(r"[\u4e00-\u9fff]", node):
        into.add(node)


def _form_words() -> tuple[set[str], set[str], set[str]]:
    """(compound ids, one-word ids, printed labels) of every packaged form.

    Compound ids (with _ or a digit: `cluster_name`, `part3`, `annual_report`) are unmistakable
    and may appear nowhere. One-word ids (`standards`, `overview`) are also English words: they may
    not appear in a string literal. Labels are what the form prints (question labels, part titles,
    the title, names, the layout's own printed words), four characters or longer: shorter ones such
    as 名称 or 是 are the vocabulary of the types themselves, and a short name such as 年度报告 is an
    ordinary word too.
    """
    compound: set[str] = set()
    single: set[str] = set()
    labels: set[str] = set()

    def ident(i: str) -> None:
        (compound if re.search(r"[_0-9]", i) else single).add(i)

    for fid in catalog.form_ids():
        flow = load_flow(fid)
        ident(fid)
        ident(flow.key)
        labels |= {flow.title, flow.attachment}  # short names (年度报告) are ordinary words as well
        for s in flow.sections:
            ident(s.id)
            labels.add(s.title)
        for q in flow.questions:
            ident(q.id)
            labels.add(q.label)
        for r in flow.rules:
            ident(r.id)

        _chinese_strings(load_layout(fid), labels)
    labels = {lab.split("{")[0].strip() for lab in labels}  # the fixed words before a {year}
    return compound, single, {lab for lab in labels if len(lab) >= 4}


# The program's own words that happen to be ids of a form too: the layout's key for the cover lines
# (Report.cover, also a section id), the `filing overview` command and the enterprise spec's
# `measures` (both also question ids).
LAYOUT_WORDS = {"cover", "overview", "measures"}


def _string_literals(source: str) -> list[str]:
    """String constants of a module (f-string parts included), docstrings left out: they describe."""
    tree = ast.parse(source)
    docs = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs]


def test_no_form_id_question_id_or_label_in_the_program():
    compound, single, labels = _form_words()
    assert {"cluster_name", "annual_report", "part7"} <= compound and "standards" in single
    assert "集群名称" in labels and "三、创新能力情况" in labels
    found = []
    package = Path(catalog.__file__).parent
    for path in sorted(package.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(package.parent)
        for word in compound:
            if re.search(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])", text):
                found.append(f"{rel}: id {word}")
        for label in labels:
            if label in text:
                found.append(f"{rel}: label {label}")
        strings = _string_literals(text)
        for word in single - LAYOUT_WORDS:
            if any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(word)}(?![A-Za-z0-9_])", s) for s in strings):
                found.append(f"{rel}: id {word} in a string")
    assert not found, "\n".join(found)


def test_the_check_would_see_a_form_word(tmp_path):
    """The scan above can fail: a module naming a question is caught."""
    compound, _, labels = _form_words()
    text = 'name = engine.value("cluster_name")  # 集群名称\n'
    assert any(re.search(rf"(?<![A-Za-z0-9_]){w}(?![A-Za-z0-9_])", text) for w in compound)
    assert any(lab in text for lab in labels)


def test_packaged_forms_are_discovered_with_their_samples():
    listed = catalog.available()
    assert len(listed) >= 2
    for fid, key, desc in listed:
        flow = load_flow(key)
        assert flow.form == fid and desc and flow.meta.sample
        sample = catalog.file_of(fid, "examples", flow.meta.sample)
        assert isinstance(yaml_load(sample.read_text(encoding="utf-8")), dict)
