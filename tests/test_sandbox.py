"""A form folder may come from anyone: its templates run in one bounded sandbox (assistant/form/sandbox.py)
and its expressions are bounded when it loads. Each case on a copied form folder in tmp: nothing runs,
nothing hangs, the refusal names the file and the key, and the other forms keep working."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pytest
from conftest import sample_answers
from form_support import copy_form, edit

from assistant.form import catalog, sandbox
from assistant.form.catalog import load_flow
from assistant.form.flow import FlowError
from assistant.frontends.cli import main
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine

PAYLOAD = '{{{{ cycler.__init__.__globals__.os.popen("id > {marker}").read() }}}}'
NESTED_LOOPS = ("{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}"
                "企业数量不一致。")


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.delenv(catalog.ENV, raising=False)
    yield tmp_path / "forms-new"
    catalog.use_forms([])
    catalog._chosen = None


def filing(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse refused an argument (exit 2)
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def new_session(root, key: str, answers: dict | None = None) -> str:
    code, out, err = filing("--forms", str(root), "new", "--form", key)
    assert code == 0, err
    sid = out.strip()
    if answers is not None:
        path = root.parent / "answers.json"
        path.write_text(json.dumps(answers, ensure_ascii=False), encoding="utf-8")
        code, _, err = filing("--forms", str(root), "answers", sid, "--from-file", str(path))
        assert code == 0, err
    return sid


# -- templates ---------------------------------------------------------------------------------
def test_markdown_template_of_a_copied_form_cannot_run_code(folder, tmp_path, store):
    root = copy_form(folder, "annual_hostile", "hostile")
    marker = tmp_path / "ran"
    md = root / "templates" / "annual_hostile.md.j2"
    md.write_text(PAYLOAD.format(marker=marker), encoding="utf-8")
    sid = new_session(root, "hostile")
    out = tmp_path / "报告.md"
    code, _, err = filing("--forms", str(root), "export", sid, "--format", "md", "--draft", "-o", str(out))
    assert code == 1
    assert not marker.exists()
    assert str(md) in err and "“__init__”" in err and "不允许" in err
    assert not out.exists()


def test_draft_template_of_a_copied_form_cannot_run_code(folder, tmp_path, store):
    root = copy_form(folder, "annual_hostile", "hostile")
    marker = tmp_path / "ran"
    drafts = root / "templates" / "annual_hostile.drafts.yaml"
    edit(drafts, "  problems: |\n", "  problems: |\n    " + PAYLOAD.format(marker=marker) + "\n")
    catalog.use_forms([root])
    sid = new_session(root, "hostile", {k: v for k, v in sample_answers().items() if k != "problems"})
    with store.open(sid) as handle:
        conv = Conversation(Engine.for_session(handle.session), save=handle.save)
        conv.start()
        conv.handle("跳到 存在的问题")
        reply = conv.handle("起草")
    said = "\n".join(reply.messages)
    assert reply.refused
    assert not marker.exists()
    assert "无法起草" in said and str(drafts) in said and "drafts.problems" in said


def test_district_draft_template_of_a_copied_form_cannot_run_code(folder, tmp_path, store, annual_session):
    root = copy_form(folder, "district_hostile", "hostiled", source="district_summary")
    marker = tmp_path / "ran"
    (root / "templates" / "district_draft_overall.txt.j2").write_text(PAYLOAD.format(marker=marker), encoding="utf-8")
    report = tmp_path / "集群.json"
    assert filing("export", annual_session.id, "--format", "json", "-o", str(report))[0] == 0
    code, _, err = filing("--forms", str(root), "new", "--form", "hostiled", "--from-reports", str(report))
    assert code == 1
    assert not marker.exists()
    assert str(root / "templates" / "district_draft_overall.txt.j2") in err and "不允许" in err
    assert [s.id for s in store.all()] == [annual_session.id]  # no district session was created


def test_a_rule_message_that_runs_away_is_refused_when_the_form_loads(folder, store):
    root = copy_form(folder, "annual_hostile", "hostile")
    flow_file = root / "flows" / "annual_hostile.yaml"
    edit(flow_file, 'message: "集群中小企业数量（{{ sme_count }}）不能多于集群企业数量（{{ enterprise_count }}）。"',
         f'message: "{NESTED_LOOPS}"')
    with pytest.raises(FlowError) as exc:
        catalog.use_forms([root])
        load_flow("annual_hostile")
    assert str(flow_file) in str(exc.value) and "规则 sme_le_enterprises（message）" in str(exc.value)
    assert "计算步骤" in str(exc.value)
    # `filing forms` lists it as broken with the reason; the packaged forms still work
    code, out, _ = filing("--forms", str(root), "forms")
    assert code == 0
    assert "（无法使用）" in out and "annual_hostile" in out and "规则 sme_le_enterprises（message）" in out
    assert "annual " in out and "district " in out
    code, out, err = filing("--forms", str(root), "new", "--form", "annual")
    assert code == 0, err
    code, _, err = filing("--forms", str(root), "new", "--form", "annual_hostile")
    assert code == 1 and "规则 sme_le_enterprises（message）" in err


def test_a_rule_message_that_loops_over_an_answer_stops_at_its_bound(folder, store):
    root = copy_form(folder, "annual_hostile", "hostile")
    flow_file = root / "flows" / "annual_hostile.yaml"
    loops = "{% for i in range(sme_count) %}{% for j in range(sme_count) %}{% endfor %}{% endfor %}"
    edit(flow_file, 'message: "集群中小企业数量（{{ sme_count }}）不能多于集群企业数量（{{ enterprise_count }}）。"',
         f'message: "{loops}中小企业数量不对。"')
    sid = new_session(root, "hostile", {"enterprise_count": 10, "sme_count": 99999})
    code, out, err = filing("--forms", str(root), "check", sid)
    assert code == 1
    assert f"{flow_file} 的规则 sme_le_enterprises（message）" in out + err and "计算步骤" in out + err


@pytest.mark.parametrize("expr,why", [
    ("(" * 5000 + "enterprise_count > 0" + ")" * 5000, "太长"),
    ("not " * 20000 + "enterprise_count", "太长"),
    ("(" * 40 + "enterprise_count > 0" + ")" * 40, "嵌套过深"),
    ("not " * 40 + "enterprise_count", "嵌套过深"),
], ids=["brackets_5000", "not_20000", "brackets_40", "not_40"])
def test_a_runaway_condition_leaves_the_other_forms_usable(folder, store, expr, why):
    root = copy_form(folder, "annual_hostile", "hostile")
    flow_file = root / "flows" / "annual_hostile.yaml"
    edit(flow_file, 'relevant: "specialized_count > 0"', f'relevant: "{expr}"')
    code, out, _ = filing("--forms", str(root), "forms")
    assert code == 0
    line = next(x for x in out.splitlines() if "annual_hostile" in x)
    assert "（无法使用）" in line and str(flow_file) in line and "问题 specialized_list：relevant" in line and why in line
    assert "maximum recursion" not in out
    assert "annual " in out and "district " in out
    code, out, err = filing("--forms", str(root), "new", "--form", "district")
    assert code == 0, err
    code, _, err = filing("--forms", str(root), "new", "--form", "hostile")
    assert code == 2 and "无法使用的表单" in err and "annual_hostile" in err


# -- the sandbox itself --------------------------------------------------------------------------
ATTACKS = {
    "dunder": ("{{ cycler.__init__.__globals__ }}", "不允许"),
    "format": ('{{ "{:>999999999}".format(1) }}', "不允许"),
    "center": ('{{ "x".center(1000000000) }}', "不允许"),
    "append": ("{% set l = [] %}{% set _ = l.append(1) %}", "不允许"),
    "nested_loops": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "计算步骤"),
    "huge_range": ("{{ range(10**9)|length }}", "range"),
    "string_times": ('{{ "a" * 100000000 }}', "上限"),
    "percent_width": ('{{ "%0999999999d" % 1 }}', "宽度"),
    "power": ("{{ 2 ** 100000 }}", "整数过大"),
    "squaring": ("{% set ns = namespace(x=3) %}{% for i in range(40) %}{% set ns.x = ns.x * ns.x %}{% endfor %}",
                 "整数过大"),
    "doubling": ('{% set ns = namespace(s="x") %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}',
                 "上限"),
    "replace_empty": ('{{ "ab"|replace("", "x" * 1000000) }}', "上限"),
    "map_many": ('{{ (range(100000)|map("replace", "", "x" * 15000)|list)|length }}', "上限"),
    "join_many": ('{{ (range(100000)|list)|join("x" * 1000) }}', "上限"),
    "sum_lists": ("{{ [[1], [2]]|sum(start=[]) }}", "sum"),
    "recursion": ("{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}", "递归"),
    "deep_brackets": ("{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}", "嵌套"),
    "lipsum": ("{{ lipsum(100000) }}", "lipsum"),
}


@pytest.mark.parametrize("case", list(ATTACKS))
def test_each_attack_is_refused_naming_the_place(case):
    source, why = ATTACKS[case]
    env = sandbox.environment()
    with pytest.raises(sandbox.TemplateRefused) as exc:
        sandbox.render_string(env, source, {}, where="flows/x.yaml 的规则 r（message）", limits=sandbox.DOCUMENT)
    assert str(exc.value).startswith("表单文件 flows/x.yaml 的规则 r（message）：") and why in str(exc.value)


def test_ordinary_templates_still_work():
    env = sandbox.environment(exact=True)
    ok = ('{% set ns = namespace(items=[]) %}{% for x in xs if x %}{% set ns.items = ns.items + [x ~ "家"] %}{% endfor %}'
          '{{ ns.items|join("、") }}；{{ 3 / 200 * 100 }}；{% for r in rows %}{{ loop.index }}/{{ loop.length }} {% endfor %}')
    out = sandbox.render_string(env, ok, {"xs": ["甲", "", "乙"], "rows": [1, 2]}, where="w")
    assert out == "甲家、乙家；1.500；1/2 2/2 "


def test_the_bounds_grow_with_the_report(store):
    """A 3 000-row list renders to Markdown; the same template without the data room would stop."""
    from assistant.report.model import build_report
    from assistant.report.preview import _cells, markdown_of

    answers = sample_answers()
    rows = [{"name": f"一种方法{i}", "number": f"ZL 2021 1 {i:07d}.1", "kind": "发明专利", "holder": "甲公司"}
            for i in range(3000)]
    session = store.create("annual_report", "大名单", 2023)
    engine = Engine.for_session(session)
    assert not engine.apply_many({**answers, "patent_list": rows, "patent_count": 3000})
    report = build_report(engine)
    assert _cells(report) > 12_000
    md = markdown_of(report)
    assert "ZL 2021 1 0002999.1" in md


def test_the_home_screen_says_which_form_cannot_be_used_and_why(folder, store):
    """`filing forms` named a broken form; the home screen of the chat app left it out without a word."""
    import asyncio

    from assistant.frontends.tui.app import FilingApp
    from assistant.frontends.tui.widgets.cjk import WrapStatic

    root = copy_form(folder, "annual_hostile", "hostile")
    edit(root / "flows" / "annual_hostile.yaml",
         'message: "集群中小企业数量（{{ sme_count }}）不能多于集群企业数量（{{ enterprise_count }}）。"',
         f'message: "{NESTED_LOOPS}"')
    catalog.use_forms([root])

    async def run() -> tuple[str, list[str]]:
        app = FilingApp(None, store=store)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            said = str(app.screen.query_one("#home-broken", WrapStatic).render())
            actions = [str(o.prompt) for o in app.screen.query_one("#home-actions").options]
            return said, actions

    said, actions = asyncio.run(run())
    assert "1 个表单无法使用" in said and "annual_hostile" in said and "sme_le_enterprises" in said
    assert any("新建" in a and "年度" in a for a in actions)  # the packaged forms are still offered
