"""Forgiving input, strict results."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import InputError
from assistant.form.catalog import load_flow
from assistant.form.parse import Unsure, credit_check_char, parse
from assistant.interview.engine import Engine

FLOW = load_flow("annual")


def p(qid, raw):
    return parse(FLOW[qid], raw)


@pytest.mark.parametrize("qid, raw, value", [
    ("total_output", "12.5亿", "12.50"),
    ("total_output", "１２．５", "12.50"),
    ("total_output", "3,560万", "0.36"),
    ("rd_expense", "12.5亿", "125000.00"),
    ("rd_expense", "3,560万", "3560.00"),
    ("rd_expense", "3，560.456", "3560.46"),
    ("rd_expense", "2.345", "2.35"),  # half-up, not banker's rounding
    ("rd_expense", "2.335", "2.34"),
    ("rd_expense", "无", "无"),
    ("sme_output_share", "15%", "15.00"),
    ("sme_output_share", "15", "15.00"),
    ("sme_output_share", "８５．５％", "85.50"),
    ("leading_output_growth", "-3.2%", "-3.20"),
    ("leading_output_growth", "下降3.2%", "-3.20"),
    ("leading_output_growth", "负3.2", "-3.20"),
    ("leading_output_growth", "250%", "250.00"),
    ("enterprise_count", "1,234", 1234),
    ("enterprise_count", "326家", 326),
    ("enterprise_count", "无", 0),
    ("sme_employees", "1.2万", 12000),
    ("area_km2", "1500亩", "1.00"),
    ("area_km2", "1.2万亩", "8.00"),
    ("area_km2", "380公顷", "3.80"),
    ("operator_changed", "是", True),
    ("operator_changed", "对", True),
    ("operator_changed", "Y", True),
    ("operator_changed", "不是", False),
    ("operator_changed", "n", False),
    ("waste_vs_industry", "非工业集群，不适用", "na"),
    ("waste_vs_industry", "不适用", "na"),
    ("waste_vs_industry", "3", "na"),
    ("waste_vs_industry", "否", "no"),
    ("declaration_date", "2024年4月8日", "2024-04-08"),
    ("declaration_date", "2024/4/8", "2024-04-08"),
    ("declaration_date", "２０２４－０４－０８", "2024-04-08"),
    ("contact_phone", "021-2311 7616", "021-23117616"),
    ("contact_phone", "13912345678", "13912345678"),
    ("cluster_name", "  某某集群 ", "某某集群"),
    ("cluster_name", "没有", "无"),
])
def test_accepts_forgiving_input(qid, raw, value):
    assert p(qid, raw).value == value


def test_conversion_is_shown_back_for_confirmation():
    parsed = p("rd_expense", "1.2亿")
    assert parsed.value == "12000.00" and parsed.confirm and "12000.00 万元" in parsed.note
    assert not p("rd_expense", "1.2万").confirm


@pytest.mark.parametrize("qid, raw, confirm", [
    ("rd_expense", "2.345", False),  # rounding is said, not asked
    ("sme_output_share", "0.5", True),  # a fraction that may have meant 50 %
    ("sme_output_share", "50", False),
    ("sme_employees", "1.2万", True),
    ("sme_employees", "约1.2万", True),
    ("area_km2", "3.8平方千米", False),  # the question's own unit, spelled another way
    ("total_output", "12,50", True),  # decimal comma
    ("standards", "无", False),  # all zero: nothing to misread
    ("standards", {"国家": {"主持": 1}}, False),  # structured data from a file
])
def test_confirm_is_set_by_the_parser(qid, raw, confirm):
    assert p(qid, raw).confirm is confirm


def test_approximate_cells_from_files_are_refused_not_guessed():
    with pytest.raises(InputError, match=r"国家·主持数量.*约数"):
        parse(FLOW["standards"], {"国家": {"主持": "约3"}})
    with pytest.raises(InputError, match=r"第 1 行.*约数"):
        parse(FLOW["standards_list"], [["甲标准", "T/X 1-2022", "团体", "主持", "约2"]])


def test_unsure_words_on_every_figure_type():
    for qid in ("enterprise_count", "total_output", "sme_output_share", "declaration_date", "contact_phone",
                "operator_changed", "waste_vs_industry", "standards"):
        with pytest.raises(Unsure):
            p(qid, "这个我还不知道")
    assert p("cluster_name", "不清楚").value == "不清楚"  # free text stays text


def test_matrix_aliases_come_from_the_prompts():
    q = FLOW["standards"]
    assert {"国标", "国家标准"} <= set(q.rows[1].aliases) and "主持" in q.cols[0].aliases
    assert p("standards", "国标 牵头 2 参编 1").value["national"] == {"lead": 2, "participate": 1}


@pytest.mark.parametrize("qid, raw, reason", [
    ("enterprise_count", "12.5", "整数"),
    ("enterprise_count", "-3", "负数"),
    ("enterprise_count", "很多", "不是一个数字"),
    ("sme_output_share", "120%", "最大为 100"),
    ("sme_output_share", "-1", "负数"),
    ("total_output", "12.5美元", "单位"),
    ("total_output", "1" + "0" * 26, "太大"),  # found by hypothesis: more digits than Decimal keeps
    ("area_km2", "0", "大于 0"),
    ("operator_changed", "也许", "是"),
    ("waste_vs_industry", "大概", "可选项"),
    ("declaration_date", "2024-02-30", "存在的日期"),
    ("declaration_date", "2024年4月", "具体哪一天"),
    ("contact_phone", "12345", "电话"),
    ("contact_phone", "021-5555 012", "8 位"),
    ("contact_phone", "23117616", "区号"),
    ("cluster_name", "   ", "不能为空"),
    ("cloud_rate", "45", "自动计算"),
    ("operator_changed", "", "请填写"),
])
def test_refuses_with_a_reason(qid, raw, reason):
    with pytest.raises(InputError) as info:
        p(qid, raw)
    assert reason in str(info.value)


def test_credit_code_check_digit():
    body = "91310115MA1K3YJ5X"
    good = body + credit_check_char(body)
    assert parse(FLOW["specialized_list"], [{"name": "甲", "credit_code": good.lower()}]).value == [
        {"name": "甲", "credit_code": good}]
    bad = body + ("0" if good[-1] != "0" else "1")
    with pytest.raises(InputError, match=r"第 1 行.*校验位"):
        parse(FLOW["specialized_list"], [{"name": "甲", "credit_code": bad}])


def test_list_rows_from_pasted_text_labels_and_lists():
    q = FLOW["overseas_branch_list"]
    assert parse(q, "A公司\t德国\n\nB公司\t新加坡\t甲公司").value == [
        {"name": "A公司", "region": "德国", "owner": ""}, {"name": "B公司", "region": "新加坡", "owner": "甲公司"}]
    assert parse(q, [{"分支机构名称": "A", "所在国家（地区）": "德国"}]).value[0]["region"] == "德国"
    assert parse(q, [["A", "德国"]]).value == [{"name": "A", "region": "德国", "owner": ""}]
    assert parse(q, "无").value == []
    with pytest.raises(InputError, match="第 2 行"):
        parse(q, [["A", "德国"], ["", "法国"]])


def test_matrix_from_text_and_dict():
    q = FLOW["standards"]
    assert parse(q, "0 1 2 3 1 2 2 1").value == {
        "international": {"lead": 0, "participate": 1}, "national": {"lead": 2, "participate": 3},
        "industry": {"lead": 1, "participate": 2}, "group": {"lead": 2, "participate": 1}}
    assert parse(q, "无").value["group"] == {"lead": 0, "participate": 0}
    with pytest.raises(InputError, match="需要 8 个"):
        parse(q, "1 2 3")
    with pytest.raises(InputError, match="国际"):
        parse(q, {"国际": {"主持数量": -1}})


# -- properties --------------------------------------------------------------------------------
SCALAR_IDS = [q.id for q in FLOW.questions if q.type not in ("list", "matrix") and not q.calculated]
ALL_IDS = [q.id for q in FLOW.questions if not q.calculated]
TRICKY_CHARS = "0123456789.,，%％-+万亿元吨亩是否无 \t\n\x0b０１２３４５６７８９．年月日/:"
tricky = st.text(alphabet=st.sampled_from(list(TRICKY_CHARS)), max_size=20)
# Words the readers look for: approximations, category and column names, separators, unsure words.
wordy = st.lists(st.sampled_from(["约", "大约", "左右", "近", "多", "余", "以上", "不清楚", "还没统计", "国家", "国际", "行业",
                                  "团体", "主持", "参与", "无", "、", "；", ";", "，", ",", " ", "1", "2", "3,200", "12,5",
                                  "30,00", "021-", "5555", "0123", "转", "(", "）", "亿", "人", "平方公里", "%", "\t", "\n"]),
                 max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(qid=st.sampled_from(SCALAR_IDS), raw=st.one_of(st.text(max_size=30), tricky))
def test_parser_never_crashes(qid, raw):
    try:
        parsed = parse(FLOW[qid], raw)
    except InputError as exc:
        assert str(exc)  # a reason is always given
    else:
        json.dumps(parsed.value, ensure_ascii=False)  # always storable


@settings(max_examples=600, deadline=None)
@given(qid=st.sampled_from(ALL_IDS), raw=st.one_of(st.text(max_size=40), tricky, wordy))
def test_every_question_type_only_refuses_with_input_error(qid, raw):
    """Whatever is typed at any question: a value (with its confirmation flag), or InputError / Unsure."""
    try:
        parsed = parse(FLOW[qid], raw)
    except InputError as exc:  # Unsure is an InputError
        assert str(exc).strip()
    else:
        json.dumps(parsed.value, ensure_ascii=False)
        assert isinstance(parsed.confirm, bool)
        if parsed.echo is not None:
            assert all(isinstance(c, str) for row in parsed.echo for c in row)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(qid=st.sampled_from(ALL_IDS), raw=st.one_of(st.text(max_size=30), tricky, wordy))
def test_refused_input_never_changes_the_session(annual_session, qid, raw):
    engine = Engine.for_session(annual_session)
    before = copy.deepcopy(annual_session.answers), annual_session.cursor
    outcome = engine.answer(qid, raw)
    if not outcome.ok:
        assert (annual_session.answers, annual_session.cursor) == before
        assert outcome.message
    else:
        annual_session.answers.clear()
        annual_session.answers.update(before[0])
        annual_session.cursor = before[1]


@pytest.mark.parametrize("qid, raw, value", [
    ("energy_reduction", "下降3.2%", "3.20"),  # the form asks how much it fell: a fall is positive
    ("energy_reduction", "降低 1.5%", "1.50"),
    ("energy_reduction", "上升1.5%", "-1.50"),  # 不降反升
    ("energy_reduction", "3.2", "3.20"),
    ("rd_growth", "下降3%", "-3.00"),  # a growth rate: a fall is negative
    ("rd_growth", "增长12.5%", "12.50"),
])
def test_change_words_follow_what_the_question_measures(qid, raw, value):
    assert p(qid, raw).value == value


@pytest.mark.parametrize("qid, raw", [
    ("rd_intensity", "增长3%"),  # a level: the rate itself or its change? refused, never guessed
    ("sme_output_share", "下降2%"),
    ("energy_reduction", "下降-3%"),  # word and sign both: which one counts?
])
def test_change_words_that_could_mean_two_things_are_refused(qid, raw):
    with pytest.raises(InputError):
        p(qid, raw)


def test_the_format_line_says_which_way_a_reduction_counts(store):
    from conftest import make_session

    from assistant.interview.conversation import Conversation

    conv = Conversation(Engine.for_session(make_session(store, answers={})))
    conv.engine.jump("energy_reduction")
    assert "降低填正数" in conv.view().format and "-3" not in conv.view().format
    conv.engine.jump("waste_utilization")
    assert "下降" not in conv.view().format


def test_the_rows_the_form_prints_cannot_be_changed_or_dropped():
    rows = [dict(r, target="10%", actual="12%") for r in FLOW["targets"].preset_rows]
    assert len(p("targets", [*rows, {"direction": "other", "indicator": "新增指标", "target": "1", "actual": "1"}]).value) == 10
    changed = copy.deepcopy(rows)
    changed[0]["indicator"] = "产值增速"
    with pytest.raises(InputError) as exc:
        p("targets", changed)
    assert "主导产业｜集群产值年均增速" in str(exc.value) and "不能修改" in str(exc.value)
    with pytest.raises(InputError):
        p("targets", rows[1:])


def test_names_joined_by_dunhao_in_a_wider_list_are_refused_with_how_to_give_them():
    with pytest.raises(InputError) as exc:
        p("specialized_list", "上海甲科技有限公司、上海乙传感有限公司")
    said = str(exc.value)
    assert "统一社会信用代码" in said and "整行都作为“企业名称”" in said and "每行只写一项" in said
    with pytest.raises(InputError) as exc:  # an ASCII comma is a column separator the person chose: no such hint
        p("specialized_list", "上海甲科技有限公司,123")
    assert "整行都作为" not in str(exc.value)


TARGET_TEXT = "推动甲、乙两家企业出海；完成境外展会3场，超额完成"


@pytest.mark.parametrize("line", [
    f"开放合作\t定性描述\t走出去\t{TARGET_TEXT}",  # pasted from Excel
    f"开放合作, 定性描述, 走出去, {TARGET_TEXT}",  # typed at a row prompt (filing ask), ASCII commas between cells
    f"开放合作|定性描述|走出去|{TARGET_TEXT}",
])
def test_chinese_punctuation_in_a_cell_is_text_not_a_column_separator(line):
    """A 定性描述 cell holds any text: ，、； never split a row into columns (was “第 8 行：有 6 列”)."""
    q = FLOW["targets"]
    rows = [dict(r) for r in q.preset_rows]
    lines = [f"{o.label}\t{r['indicator']}\t10%\t12%" for r in rows for o in q.column("direction").options
             if o.id == r["direction"]]
    lines[7] = line
    got = parse(q, "\n".join(lines)).value
    assert got[7]["actual"] == TARGET_TEXT and got[7]["target"] == "走出去" and len(got) == len(rows)


def test_a_cell_with_chinese_punctuation_alone_on_a_line_is_one_cell():
    q = FLOW["overseas_branch_list"]
    with pytest.raises(InputError) as exc:  # one cell: 名称 holds the text, 所在国家 is missing, and says why
        parse(q, "A公司，德国")
    assert "所在国家" in str(exc.value) and "中文的“，、；”" in str(exc.value)
    assert parse(q, "A公司（德国、法国），欧洲总部\t德国").value[0]["name"] == "A公司（德国、法国），欧洲总部"


@pytest.mark.parametrize("qid", ["cluster_name", "leading_industry", "overview", "accident_detail"])
def test_chinese_punctuation_in_free_text_is_stored_as_typed(qid):
    typed = "只收回8家企业的采集表，以统计年报为准；另见：附件（一）、（二）？！"
    assert p(qid, typed).value == typed


def test_chinese_punctuation_is_kept_through_the_conversation(store):
    from conftest import make_session

    from assistant.interview.conversation import Conversation

    session = make_session(store, answers={})
    conv = Conversation(Engine.for_session(session))
    typed = "智能装备，含工业机器人；核心零部件、系统集成（上海）"
    conv.engine.jump("leading_industry")
    conv.handle(typed)
    assert session.answers["leading_industry"] == typed
    conv.engine.jump("patents_per_10k")
    conv.handle("45.2 依据：只收回8家企业的采集表，以统计年报为准")
    assert session.answers["patents_per_10k"]["basis"] == "只收回8家企业的采集表，以统计年报为准"
    conv.engine.jump("targets")
    labels = {o.id: o.label for o in FLOW["targets"].column("direction").options}
    rows = [[labels[r["direction"]], r["indicator"], "10%", "12%"] for r in FLOW["targets"].preset_rows]
    rows[7][3] = TARGET_TEXT
    reply = conv.submit("targets", rows, "（提交名单）")
    assert not reply.refused and session.answers["targets"][7]["actual"] == TARGET_TEXT


# -- invisible characters and absurd figures (issue 23) -------------------------------------------
GOOD_CODE = "91310115MA1K3YJ5X" + credit_check_char("91310115MA1K3YJ5X")


@pytest.mark.parametrize("junk", ["\u200b", "\ufeff", "\u200d", "\u00ad", "\u2060", "\u200e", "\u00a0"])
def test_invisible_characters_in_a_code_or_a_figure_are_read_as_what_is_seen(junk):
    """A zero-width space pasted from a web page made "是 19 位" with nothing visible to fix."""
    code = GOOD_CODE[:6] + junk + GOOD_CODE[6:]
    assert parse(FLOW["specialized_list"], [{"name": "甲", "credit_code": code}]).value[0]["credit_code"] == GOOD_CODE
    assert p("enterprise_count", junk + "326" + junk).value == 326
    assert p("total_output", "12" + junk.strip("\u00a0") + ".5").value == "12.50"
    assert p("sme_output_share", junk + "15%").value == "15.00"


def test_a_code_with_invisible_characters_counts_only_what_is_seen():
    with pytest.raises(InputError, match="是 17 位"):
        p_code = GOOD_CODE[:-1] + "\u200b\u200b"
        parse(FLOW["specialized_list"], [{"name": "甲", "credit_code": p_code}])


@pytest.mark.parametrize("qid", ["enterprise_count", "total_output", "cluster_name"])
def test_only_invisible_characters_is_no_answer(qid):
    with pytest.raises(InputError, match="看不见的字符"):
        p(qid, "\u200b\ufeff")


@pytest.mark.parametrize("qid, raw, reason", [
    ("total_output", "100000000000000.1", "位数和单位"),  # was adopted by `--yes` and passed the check
    ("total_output", "1" + "0" * 30, "31 位整数"),
    ("total_output", "9" * 199, "199 位整数"),
    ("enterprise_count", "1" + "0" * 18, "位整数"),
    ("rd_expense", "10000000000", "本题最大为 10000000万元"),
    ("leading_output_growth", "1e308", "看不懂"),
    ("standards", "国家 100000 0", "本题最大为 10000"),
])
def test_absurd_figures_are_refused_before_any_arithmetic(qid, raw, reason):
    with pytest.raises(InputError, match=reason):
        p(qid, raw)


def test_every_numeric_question_has_a_range_and_a_plausible_one():
    """The form says for each figure what no report can hold and what a real one holds (flows/*.yaml)."""
    for q in FLOW.questions:
        if q.type in ("integer", "decimal", "percent") and not q.calculated:
            assert q.max is not None, q.id
            assert q.plausible_max is not None or (q.max <= 100 and q.type == "percent"), q.id


@settings(max_examples=300, deadline=None)
@given(qid=st.sampled_from([q.id for q in FLOW.questions if q.type in ("integer", "decimal", "percent")
                            and not q.calculated]),
       digits=st.text(alphabet="0123456789", min_size=1, max_size=200), tail=st.sampled_from(["", "万", "亿", "%", "‰"]))
def test_long_figures_never_raise_anything_but_a_reason(qid, digits, tail):
    """No Decimal operation (quantize, conversion, comparison) raises on a figure of any length."""
    try:
        parsed = parse(FLOW[qid], digits + tail)
    except InputError as exc:
        assert str(exc)
    else:
        json.dumps(parsed.value, ensure_ascii=False)


@pytest.mark.parametrize("qid, raw, value, said", [
    ("total_output", "128.6097", "128.61", "您填写的 128.6097 按表格保留两位小数（四舍五入），记录为 128.61 亿元。"),
    ("total_output", "128.6097亿", "128.61", "您填写的 128.6097 按表格保留两位小数（四舍五入），记录为 128.61 亿元。"),
    ("rd_expense", "1.2345678亿", "12345.68",
     "已将“1.2345678亿”换算为 12345.678 万元，按表格保留两位小数（四舍五入），记录为 12345.68 万元。"),
    ("rd_intensity", "4.805%", "4.81", "您填写的 4.805% 按表格保留两位小数（四舍五入），记录为 4.81%。"),
])
def test_a_figure_with_more_decimals_than_the_form_keeps_says_the_rounding(qid, raw, value, said):
    parsed = p(qid, raw)
    assert parsed.value == value and said in parsed.note


def test_rounding_is_said_in_the_conversation_reply(annual_session):
    from assistant.interview.conversation import Conversation

    conv = Conversation(Engine.for_session(annual_session))
    conv.handle("跳到 集群总产值")
    reply = conv.handle("128.6097")
    assert any("记录为 128.61 亿元" in m for m in reply.messages)
    assert annual_session.answers["total_output"] == "128.61"
