"""The .docx export read back with python-docx: labels, values, checkboxes, merges, appendices, fonts."""

from __future__ import annotations

import docx
import pytest
from conftest import make_session, sample_answers
from document_support import W, assert_in_order, cell_texts, form_labels, paragraphs

from assistant.interview.engine import Engine
from assistant.report.export import export_session
from assistant.report.model import CHECKED, MISSING, UNCHECKED, load_layout


def _export(session, tmp_path, name="out.docx", **kw):
    path = export_session(session, "docx", tmp_path / name, **kw)
    return docx.Document(str(path)), Engine.for_session(session)


def _row_of(doc, label: str):
    """The first table row whose first cell is exactly `label`."""
    for t in doc.tables:
        for row in t.rows:
            cells = cell_texts(row)
            if cells and cells[0].split("\n")[0] == label:
                return cells
    raise AssertionError(f"no row labelled {label!r}")


def test_every_label_of_the_form_in_order(annual_session, tmp_path):
    doc, engine = _export(annual_session, tmp_path)
    assert_in_order(paragraphs(doc), form_labels(engine))


def test_every_sample_value_in_its_cell(annual_session, tmp_path):
    doc, e = _export(annual_session, tmp_path)
    lay = load_layout("annual_report")
    checked = 0
    for spec in lay["parts"]:
        for item in spec.get("rows", []):
            if isinstance(item, dict) and "field" in item:
                qid = item["field"]
                cells = _row_of(doc, e.label(qid))
                expected = e.shown(qid, unit=False)
                assert cells[-1].startswith(expected), (qid, cells, expected)
                checked += 1
    assert checked >= 30
    # Cover lines, platforms with their names, the standards matrix, narratives, targets.
    texts = paragraphs(doc)
    answers = sample_answers()
    for qid in ("cluster_name", "operator_name", "contact_name", "leading_industry", "overview", "achievements",
                "key_work", "problems", "next_plan", "suggestions"):
        assert any(answers[qid].strip() in t for t in texts), qid
    plat = _row_of(doc, "创新平台建设情况")
    assert plat[-1].startswith("数量：1 个") and "国家智能传感器创新中心（示例）" in plat[-1]
    for target in answers["targets"]:
        row = next(cell_texts(r) for t in doc.tables for r in t.rows if target["target"] in cell_texts(r))
        assert target["indicator"] in row and target["actual"] in row
    assert any("李建国" in t for t in texts) and any("2024 年 4 月 8 日" in t for t in texts)


def test_checkbox_glyphs_follow_the_answers(store, tmp_path):
    answers = sample_answers()
    answers.update(operator_changed="是", operator_prev_name="上海旧运营有限公司", operator_change_date="2023-07-01",
                   waste_vs_industry="不适用", water_vs_industry="否", software_improving="否")
    session = make_session(store, "annual", answers)
    doc, e = _export(session, tmp_path)
    # The change details go to the 补充说明 appendix (the last one), and the row points to it.
    last = max(int(p[4:].split("：")[0]) for p in paragraphs(doc) if p.startswith("附件材料") and "：" in p)
    assert _row_of(doc, e.label("operator_changed"))[-1] == f"{CHECKED}是　{UNCHECKED}否　见附件材料 {last}"
    assert _row_of(doc, e.label("industry_changed"))[-1] == f"{UNCHECKED}是　{CHECKED}否"
    assert _row_of(doc, e.label("software_improving"))[-1] == f"{UNCHECKED}是　{CHECKED}否"
    rows = [cell_texts(r) for t in doc.tables for r in t.rows if cell_texts(r)[0] == "是否高于行业平均水平"]
    assert rows[0][-1] == f"{UNCHECKED}是　{UNCHECKED}否　{CHECKED}非工业集群，不适用"
    assert rows[1][-1] == f"{UNCHECKED}是　{CHECKED}否　{UNCHECKED}非工业集群，不适用"
    assert _row_of(doc, e.label("waste_utilization"))[-1] == "不适用"
    # The change details have no row on the form: they are kept in the 补充说明 appendix.
    notes = _row_of(doc, e.label("operator_prev_name"))
    assert notes[-1] == "上海旧运营有限公司"


def test_standards_matrix_and_platform_rows_are_merged(annual_session, tmp_path):
    doc, e = _export(annual_session, tmp_path)
    table = next(t for t in doc.tables if any("类别" in c for r in t.rows for c in cell_texts(r)))
    trs = [r._tr for r in table.rows]
    head = next(i for i, tr in enumerate(trs) if "类别" in cell_texts(table.rows[i]))
    first_tc = trs[head].findall(f"{W}tc")[0]
    assert first_tc.find(f"{W}tcPr/{W}vMerge").get(f"{W}val") == "restart"
    assert e.label("standards") in cell_texts(table.rows[head])[0]
    assert cell_texts(table.rows[head])[1:] == ["类别", "主持数量", "参与数量"]
    stored = annual_session.answers["standards"]
    for k, r in enumerate(e.flow["standards"].rows, 1):
        tr = trs[head + k]
        vm = tr.findall(f"{W}tc")[0].find(f"{W}tcPr/{W}vMerge")
        assert vm is not None and vm.get(f"{W}val") in (None, "continue")
        assert cell_texts(table.rows[head + k])[1:] == [r.label, str(stored[r.id]["lead"]), str(stored[r.id]["participate"])]
    # The three platform rows: group label merged down, 数量 and 名称 spanning the last two columns.
    plat = next(i for i, tr in enumerate(trs) if cell_texts(table.rows[i])[0] == "创新平台建设情况")
    for k in range(3):
        tcs = trs[plat + k].findall(f"{W}tc")
        assert tcs[0].find(f"{W}tcPr/{W}vMerge") is not None
        assert tcs[2].find(f"{W}tcPr/{W}gridSpan").get(f"{W}val") == "2"


def test_appendix_lists_have_one_row_per_entry(annual_session, tmp_path):
    doc, e = _export(annual_session, tmp_path)
    lists = [t for t in doc.tables if cell_texts(t.rows[0])[0] == "序号"]
    lay = load_layout("annual_report")
    assert len(lists) == len(lay["appendix_lists"])
    for qid, table in zip(lay["appendix_lists"], lists, strict=True):
        stored = annual_session.answers[qid]
        assert len(table.rows) - 1 == len(stored), qid
        assert cell_texts(table.rows[0])[1:] == [c.label for c in e.flow[qid].columns]
        assert [cell_texts(r)[0] for r in table.rows[1:]] == [str(i) for i in range(1, len(stored) + 1)]
        assert cell_texts(table.rows[-1])[1] == str(stored[-1]["name"])
        # the header repeats on every page, rows never split
        assert table.rows[0]._tr.trPr.find(f"{W}tblHeader") is not None
        assert all(r._tr.trPr.find(f"{W}cantSplit") is not None for r in table.rows)
    texts = paragraphs(doc)
    assert any("计算佐证材料" in t for t in texts)
    for qid in ("cloud_rate", "iip_rate", "co2_intensity"):
        q = e.flow[qid]
        assert _row_of(doc, f"分子：{e.label(q.evidence[0])}")
        assert any(q.formula in t for t in texts)
    assert _row_of(doc, "分子：已上云企业数（家）")[-1] == "248"
    assert _row_of(doc, "分母：参与统计的集群企业总数（家）")[-1] == "326"


def test_layout_a4_page_breaks_and_chinese_fonts(annual_session, tmp_path):
    doc, e = _export(annual_session, tmp_path)
    sec = doc.sections[0]
    assert abs(sec.page_width.cm - 21.0) < 0.05 and abs(sec.page_height.cm - 29.7) < 0.05
    titles = [e.text(s.title) for s in e.flow.sections if s.id.startswith("part")]
    for p in doc.paragraphs:
        if p.text in titles[:6]:
            assert p.paragraph_format.page_break_before, p.text
    for t in doc.tables:
        for r in t.rows:
            assert r._tr.trPr.find(f"{W}cantSplit") is not None
    styles = doc.styles.element
    fonts = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert fonts.get(f"{W}eastAsia") == "宋体" and fonts.get(f"{W}eastAsiaTheme") is None
    assert styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang").get(f"{W}eastAsia") == "zh-CN"
    assert doc.settings.element.find(f"{W}themeFontLang").get(f"{W}eastAsia") == "zh-CN"
    assert doc.styles["Normal"].element.rPr.rFonts.get(f"{W}eastAsia") == "仿宋"
    runs = list(doc.element.body.iter(f"{W}r"))
    assert runs and all(r.find(f"{W}rPr/{W}rFonts").get(f"{W}eastAsia") in ("宋体", "仿宋", "黑体") for r in runs)


def test_template_syntax_and_control_characters_are_printed_as_text(store, tmp_path):
    answers = sample_answers()
    answers["leading_industry"] = "{{ 7*7 }} 与 {% raw %} 智能传感器"
    session = make_session(store, "annual", answers)
    session.set_answer("problems", "第一行\x0b第二行\x07 {{ config }} | 管道")  # as if imported from a damaged file
    doc, e = _export(session, tmp_path)
    texts = paragraphs(doc)
    assert _row_of(doc, e.label("leading_industry"))[-1] == "{{ 7*7 }} 与 {% raw %} 智能传感器"
    assert any(t == "第一行第二行 {{ config }} | 管道" for t in texts)
    assert not any(t == "49" for t in texts)


def test_long_narrative_and_empty_optional_lists(store, tmp_path):
    answers = sample_answers()
    long_text = ("集群发展稳中有进，" * 400)[:2995]
    answers.update(overview=long_text, achievements="无", key_work="无", problems="无", next_plan="无", suggestions="无")
    answers.update(specialized_count="0", overseas_branch_count="0", export_growth="无")
    answers["champion_list"] = [{"name": "上海示例微纳测控股份有限公司", "credit_code": "9131087579K23GD5QT"}]
    for qid in ("specialized_list", "overseas_branch_list"):
        answers.pop(qid)
    session = make_session(store, "annual", answers)
    e = Engine.for_session(session)
    assert not [f for f in e.findings() if f.severity == "blocking"]
    doc, e = _export(session, tmp_path)
    texts = paragraphs(doc)
    assert long_text in texts
    assert _row_of(doc, e.label("specialized_count"))[-1] == "0　（注：需附名单）"
    assert _row_of(doc, e.label("export_growth"))[-1] == "无"
    headers = [cell_texts(t.rows[0]) for t in doc.tables if cell_texts(t.rows[0])[0] == "序号"]
    assert ["序号", "企业名称", "统一社会信用代码", "单项冠军产品"] in headers
    assert len(headers) == 4  # the two empty lists have no appendix
    champion = next(t for t in doc.tables if cell_texts(t.rows[0])[-1:] == ["单项冠军产品"])
    assert cell_texts(champion.rows[1])[-1] == ""


def test_draft_marks_every_page_and_lists_what_is_missing(store, tmp_path):
    session = make_session(store, "annual", {"cluster_name": "草稿集群", "no_accident": "否"})
    doc, e = _export(session, tmp_path, draft=True)
    header = " ".join(p.text for s in doc.sections for p in s.header.paragraphs)
    assert "草稿" in header
    texts = [t for t in paragraphs(doc) if t]
    assert texts[0].startswith("草稿：尚有")
    missing = [f for f in e.findings() if f.severity == "blocking"]
    assert any("“集群运营管理机构”尚未填写" in t for t in texts[1:len(missing) + 1])
    assert _row_of(doc, e.label("area_km2"))[-1] == MISSING


def test_district_summary_docx(district_session, tmp_path):
    doc, _ = _export(district_session, tmp_path)
    texts = [t for t in paragraphs(doc) if t]
    answers = sample_answers("district")
    assert texts[0] == "附件2"
    assert texts[1] == "浦江新区促进中小企业特色产业集群发展总结"
    assert_in_order(texts, ["一、总体情况", answers["overall"], "二、推进措施", answers["measures"], "三、典型案例",
                            answers["cases"], "四、存在问题", answers["problems"], "五、2024 年工作计划",
                            answers["next_plan"], "六、工作建议", answers["suggestions"],
                            "浦江新区经济委员会（公章）", "2024 年 4 月 9 日"])
    assert not doc.tables


@pytest.mark.parametrize("rows", [0, 1, 250])
def test_patent_list_sizes(store, tmp_path, rows):
    answers = sample_answers()
    answers["patent_list"] = [{"name": f"专利{i}", "number": f"ZL{i:08d}", "kind": "发明专利", "holder": "上海示例有限公司"}
                              for i in range(1, rows + 1)]
    answers["patent_count"] = str(rows)
    if not rows:
        answers.pop("patent_list")
    session = make_session(store, "annual", answers)
    doc, _ = _export(session, tmp_path)
    tables = [t for t in doc.tables if cell_texts(t.rows[0])[:2] == ["序号", "名称"]]
    assert len(tables) == (1 if rows else 0)
    if rows:
        assert len(tables[0].rows) == rows + 1
        assert cell_texts(tables[0].rows[-1]) == [str(rows), f"专利{rows}", f"ZL{rows:08d}", "发明专利", "上海示例有限公司"]


def test_file_properties_say_what_and_who_not_the_library(annual_session, district_session, tmp_path):
    import zipfile
    from datetime import datetime, timedelta, timezone

    for session, author, subject in ((annual_session, "上海浦江示例园区发展有限公司", "上海浦江示例智能传感器特色产业集群"),
                                     (district_session, None, None)):
        path = export_session(session, "docx", tmp_path / f"{session.form}.docx")
        props = docx.Document(str(path)).core_properties
        assert props.title and "python-docx" not in (props.comments or "") + (props.author or "")
        if author:
            assert props.author == author and props.subject == f"{subject} 2023 年度"
        assert abs(datetime.now(timezone.utc) - props.created.replace(tzinfo=timezone.utc)) < timedelta(minutes=5)
        fonts = zipfile.ZipFile(path).read("word/fontTable.xml").decode("utf-8")
        assert all(f'w:name="{name}"' in fonts for name in ("宋体", "仿宋", "黑体")) and "ＭＳ" not in fonts


FORM_TARGET_ROWS = [  # 附件1 七、二 as printed: (方向, 指标); "" is the empty row for the cluster's own indicator
    ("主导产业", "集群产值年均增速"), ("", "优质中小企业数量"), ("", ""),
    ("创新", "研发经费投入"), ("", "有效发明专利数量"), ("", ""),
    ("数字化", "工业互联网普及率"), ("", ""),
    ("绿色化", "二氧化碳排放量"), ("", "单位工业产值能耗"), ("", ""),
    ("开放合作", "定性描述"), ("治理和服务", "定性描述"), ("其它", ""),
]


def _targets_rows(doc) -> list[tuple[str, str]]:
    table = next(t for t in doc.tables if cell_texts(t.rows[0])[:2] == ["方向", "指标"])
    return [tuple(cell_texts(r)[:2]) for r in table.rows[1:]]


def test_targets_table_has_the_form_shape_when_empty(store, tmp_path):
    doc, _ = _export(make_session(store, "annual", answers={}), tmp_path, draft=True)
    assert _targets_rows(doc) == FORM_TARGET_ROWS


def test_targets_rows_the_operator_adds_fill_the_empty_rows(annual_session, tmp_path):
    rows = _targets_rows(_export(annual_session, tmp_path)[0])
    # The sample adds only an 其它 row (人才引进): the other empty rows stay, 其它 holds the added row.
    assert rows == [*FORM_TARGET_ROWS[:-1], ("其它", "人才引进")]


def test_notes_point_to_their_numbered_appendix(annual_session, tmp_path):
    doc, e = _export(annual_session, tmp_path)
    titles = {p.split("：", 1)[1]: int(p[4:].split("：")[0]) for p in paragraphs(doc)
              if p.startswith("附件材料") and "：" in p}
    evidence = titles["计算佐证材料"]
    assert _row_of(doc, e.label("cloud_rate"))[-1].endswith(f"（注：需提供计算佐证材料）　见附件材料 {evidence}")
    little = titles[e.label("little_giant_list")]
    assert _row_of(doc, e.label("little_giant_count"))[-1].endswith(f"（注：需附名单）　见附件材料 {little}")


def test_a_count_whose_names_are_not_entered_prints_missing_in_a_draft(store, tmp_path):
    answers = {k: v for k, v in sample_answers().items() if k != "platform_municipal_names"}
    doc, e = _export(make_session(store, "annual", answers), tmp_path, draft=True)
    label = e.label("platform_municipal_count")
    row = next(cell_texts(r) for t in doc.tables for r in t.rows if label in cell_texts(r))
    assert row[-1].endswith("名称：【未填】"), row
