"""Forgiving input, strict results — on a tiny form that has one question of each kind the parser reads
(the shipped form's own data: tests/test_form_annual.py)."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tiny_forms import tiny_flow

from assistant.errors import InputError
from assistant.form import catalog
from assistant.form.parse import Unsure, credit_check_char, parse
from assistant.interview.conversation import Conversation
from assistant.interview.engine import Engine
from assistant.session.store import Session

PARSE_FORM = """
questions:
  - {id: name, type: text, max_chars: 100}
  - {id: industry, type: text, max_chars: 200}
  - {id: summary, type: longtext, max_chars: 3000}
  - {id: detail, type: longtext, max_chars: 1000}
  - {id: phone, type: phone}
  - {id: day, type: date}
  - id: changed
    type: yesno
    options:
      - {id: "yes", label: 是, aliases: [是, 是的, 对, 有, "y", "yes"]}
      - {id: "no", label: 否, aliases: [否, 不是, 没有, "n", "no"]}
  - {id: area, type: decimal, unit: 平方公里, min: 0, min_exclusive: true, max: 10000, plausible_max: 500}
  - {id: output, type: decimal, unit: 亿元, min: 0, max: 10000, plausible_max: 2000}
  - {id: expense, type: decimal, unit: 万元, min: 0, max: 10000000, plausible_max: 1000000}
  - {id: share, type: percent, min: 0, max: 100}
  - {id: intensity, type: percent, min: 0, max: 100, plausible_max: 30}
  - {id: growth, type: percent, min: -100, change: growth, max: 1000, plausible_max: 100}
  - {id: reduction, type: percent, min: -100, max: 100, change: reduction, plausible_min: -50, plausible_max: 50}
  - {id: count, type: integer, min: 0, max: 100000, plausible_max: 5000}
  - {id: employees, type: integer, min: 0, max: 10000000, plausible_max: 500000}
  - {id: users, type: integer, min: 0, max: 100000}
  - {id: rate, type: percent, calculate: "users / employees * 100", evidence: [users, employees]}
  - {id: per_10k, type: decimal, min: 0, max: 100000, plausible_max: 1000, calculate: "users * 10000 / employees",
     evidence: [users, employees], override: true}
  - id: industrial
    type: choice
    options:
      - {id: "yes", label: 是, aliases: [是, 是的, 对, 高于, "y", "yes"]}
      - {id: "no", label: 否, aliases: [否, 不, 不是, 低于, "n", "no"]}
      - {id: na, label: 非工业集群，不适用, aliases: [不适用, 非工业集群, na]}
  - {id: utilization, type: percent, min: 0, max: 100, relevant: "industrial != 'na'", not_applicable: "industrial == 'na'"}
  - id: firms
    type: list
    columns:
      - {id: name, type: text, label: 企业名称, aliases: [名称, 企业]}
      - {id: credit_code, type: uscc, label: 统一社会信用代码, aliases: [信用代码]}
  - id: branches
    type: list
    columns:
      - {id: name, type: text, label: 分支机构名称, aliases: [机构名称, 名称]}
      - {id: region, type: text, label: 所在国家或地区, aliases: [国家或地区, 所在国家（地区）, 所在国家, 国家]}
      - {id: owner, type: text, required: false, label: 设立企业}
  - id: norms
    type: matrix
    max: 10000
    rows:
      - {id: international, label: 国际, aliases: [国际标准]}
      - {id: national, label: 国家, aliases: [国家标准, 国标]}
      - {id: industry, label: 行业, aliases: [行业标准, 行标]}
      - {id: group, label: 团体, aliases: [团体标准, 团标]}
    cols:
      - {id: lead, label: 主持数量, aliases: [主持, 牵头, 主导]}
      - {id: participate, label: 参与数量, aliases: [参与, 参加, 参编]}
  - id: norm_list
    type: list
    columns:
      - {id: name, type: text, label: 标准名称}
      - {id: number, type: text, label: 标准号}
      - {id: category, type: choice, label: 类别, options: [{id: international, label: 国际}, {id: national, label: 国家},
                                                             {id: industry, label: 行业}, {id: group, label: 团体}]}
      - {id: role, type: choice, label: 主持/参与, options: [{id: lead, label: 主持}, {id: participate, label: 参与}]}
      - {id: rank, type: integer, required: false, min: 1, max: 1000}
"""
FLOW = tiny_flow(PARSE_FORM)


def p(qid, raw):
    return parse(FLOW[qid], raw)


@pytest.mark.parametrize("qid, raw, value", [
    ("output", "12.5亿", "12.50"),
    ("output", "１２．５", "12.50"),
    ("output", "3,560万", "0.36"),
    ("expense", "12.5亿", "125000.00"),
    ("expense", "3,560万", "3560.00"),
    ("expense", "3，560.456", "3560.46"),
    ("expense", "2.345", "2.35"),  # half-up, not banker's rounding
    ("expense", "2.335", "2.34"),
    ("expense", "无", "无"),
    ("share", "15%", "15.00"),
    ("share", "15", "15.00"),
    ("share", "８５．５％", "85.50"),
    ("growth", "-3.2%", "-3.20"),
    ("growth", "下降3.2%", "-3.20"),
    ("growth", "负3.2", "-3.20"),
    ("growth", "250%", "250.00"),
    ("count", "1,234", 1234),
    ("count", "326家", 326),
    ("count", "无", 0),
    ("employees", "1.2万", 12000),
    ("area", "1500亩", "1.00"),
    ("area", "1.2万亩", "8.00"),
    ("area", "380公顷", "3.80"),
    ("changed", "是", True),
    ("changed", "对", True),
    ("changed", "Y", True),
    ("changed", "不是", False),
    ("changed", "n", False),
    ("industrial", "非工业集群，不适用", "na"),
    ("industrial", "不适用", "na"),
    ("industrial", "3", "na"),
    ("industrial", "否", "no"),
    ("day", "2024年4月8日", "2024-04-08"),
    ("day", "2024/4/8", "2024-04-08"),
    ("day", "２０２４－０４－０８", "2024-04-08"),
    ("phone", "021-2311 7616", "021-23117616"),
    ("phone", "13912345678", "13912345678"),
    ("name", "  某某集群 ", "某某集群"),
    ("name", "没有", "无"),
])
def test_accepts_forgiving_input(qid, raw, value):
    assert p(qid, raw).value == value


def test_conversion_is_shown_back_for_confirmation():
    parsed = p("expense", "1.2亿")
    assert parsed.value == "12000.00" and parsed.confirm and "12000.00 万元" in parsed.note
    assert not p("expense", "1.2万").confirm


@pytest.mark.parametrize("qid, raw, confirm", [
    ("expense", "2.345", False),  # rounding is said, not asked
    ("share", "0.5", True),  # a fraction that may have meant 50 %
    ("share", "50", False),
    ("employees", "1.2万", True),
    ("employees", "约1.2万", True),
    ("area", "3.8平方千米", False),  # the question's own unit, spelled another way
    ("output", "12,50", True),  # decimal comma
    ("norms", "无", False),  # all zero: nothing to misread
    ("norms", {"国家": {"主持": 1}}, False),  # structured data from a file
])
def test_confirm_is_set_by_the_parser(qid, raw, confirm):
    assert p(qid, raw).confirm is confirm


def test_approximate_cells_from_files_are_refused_not_guessed():
    with pytest.raises(InputError, match=r"国家·主持数量.*约数"):
        parse(FLOW["norms"], {"国家": {"主持": "约3"}})
    with pytest.raises(InputError, match=r"第 1 行.*约数"):
        parse(FLOW["norm_list"], [["甲标准", "T/X 1-2022", "团体", "主持", "约2"]])


def test_unsure_words_on_every_figure_type():
    for qid in ("count", "output", "share", "day", "phone",
                "changed", "industrial", "norms"):
        with pytest.raises(Unsure):
            p(qid, "这个我还不知道")
    assert p("name", "不清楚").value == "不清楚"  # free text stays text


def test_matrix_aliases_come_from_the_prompts():
    q = FLOW["norms"]
    assert {"国标", "国家标准"} <= set(q.rows[1].aliases) and "主持" in q.cols[0].aliases
    assert p("norms", "国标 牵头 2 参编 1").value["national"] == {"lead": 2, "participate": 1}


@pytest.mark.parametrize("qid, raw, reason", [
    ("count", "12.5", "整数"),
    ("count", "-3", "负数"),
    ("count", "很多", "不是一个数字"),
    ("share", "120%", "最大为 100"),
    ("share", "-1", "负数"),
    ("output", "12.5美元", "单位"),
    ("output", "1" + "0" * 26, "太大"),  # found by hypothesis: more digits than Decimal keeps
    ("area", "0", "大于 0"),
    ("changed", "也许", "是"),
    ("industrial", "大概", "可选项"),
    ("day", "2024-02-30", "存在的日期"),
    ("day", "2024年4月", "具体哪一天"),
    ("phone", "12345", "电话"),
    ("phone", "021-5555 012", "8 位"),
    ("phone", "23117616", "区号"),
    ("name", "   ", "不能为空"),
    ("rate", "45", "自动计算"),
    ("changed", "", "请填写"),
])
def test_refuses_with_a_reason(qid, raw, reason):
    with pytest.raises(InputError) as info:
        p(qid, raw)
    assert reason in str(info.value)


def test_credit_code_check_digit():
    body = "91310115MA1K3YJ5X"
    good = body + credit_check_char(body)
    assert parse(FLOW["firms"], [{"name": "甲", "credit_code": good.lower()}]).value == [
        {"name": "甲", "credit_code": good}]
    bad = body + ("0" if good[-1] != "0" else "1")
    with pytest.raises(InputError, match=r"第 1 行.*校验位"):
        parse(FLOW["firms"], [{"name": "甲", "credit_code": bad}])


def test_list_rows_from_pasted_text_labels_and_lists():
    q = FLOW["branches"]
    assert parse(q, "A公司\t德国\n\nB公司\t新加坡\t甲公司").value == [
        {"name": "A公司", "region": "德国", "owner": ""}, {"name": "B公司", "region": "新加坡", "owner": "甲公司"}]
    assert parse(q, [{"分支机构名称": "A", "所在国家（地区）": "德国"}]).value[0]["region"] == "德国"
    assert parse(q, [["A", "德国"]]).value == [{"name": "A", "region": "德国", "owner": ""}]
    assert parse(q, "无").value == []
    with pytest.raises(InputError, match="第 2 行"):
        parse(q, [["A", "德国"], ["", "法国"]])


def test_matrix_from_text_and_dict():
    q = FLOW["norms"]
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
def test_refused_input_never_changes_the_session(tiny_form, qid, raw):
    if "tiny" not in catalog.form_ids():  # hypothesis runs this many times in one test: the form once
        tiny_form(PARSE_FORM)
    engine = Engine.for_session(Session("t", "tiny", "t", 2023))
    assert not engine.apply_many({"name": "甲", "count": "3", "share": "15", "firms": "无", "changed": "否"})
    session = engine.session
    before = copy.deepcopy(session.answers), session.cursor
    outcome = engine.answer(qid, raw)
    if not outcome.ok:
        assert (session.answers, session.cursor) == before
        assert outcome.message


@pytest.mark.parametrize("qid, raw, value", [
    ("reduction", "下降3.2%", "3.20"),  # the form asks how much it fell: a fall is positive
    ("reduction", "降低 1.5%", "1.50"),
    ("reduction", "上升1.5%", "-1.50"),  # 不降反升
    ("reduction", "3.2", "3.20"),
    ("growth", "下降3%", "-3.00"),  # a growth rate: a fall is negative
    ("growth", "增长12.5%", "12.50"),
])
def test_change_words_follow_what_the_question_measures(qid, raw, value):
    assert p(qid, raw).value == value


@pytest.mark.parametrize("qid, raw", [
    ("intensity", "增长3%"),  # a level: the rate itself or its change? refused, never guessed
    ("share", "下降2%"),
    ("reduction", "下降-3%"),  # word and sign both: which one counts?
])
def test_change_words_that_could_mean_two_things_are_refused(qid, raw):
    with pytest.raises(InputError):
        p(qid, raw)


def test_the_format_line_says_which_way_a_reduction_counts(tiny_form, store):
    conv = Conversation(Engine.for_session(tiny_form(PARSE_FORM).saved(store)))
    conv.engine.jump("reduction")
    assert "降低填正数" in conv.view().format and "-3" not in conv.view().format
    conv.engine.jump("utilization")
    assert "下降" not in conv.view().format


def test_names_joined_by_dunhao_in_a_wider_list_are_refused_with_how_to_give_them():
    with pytest.raises(InputError) as exc:
        p("firms", "上海甲科技有限公司、上海乙传感有限公司")
    said = str(exc.value)
    assert "统一社会信用代码" in said and "整行都作为“企业名称”" in said and "每行只写一项" in said
    with pytest.raises(InputError) as exc:  # an ASCII comma is a column separator the person chose: no such hint
        p("firms", "上海甲科技有限公司,123")
    assert "整行都作为" not in str(exc.value)


def test_a_cell_with_chinese_punctuation_alone_on_a_line_is_one_cell():
    q = FLOW["branches"]
    with pytest.raises(InputError) as exc:  # one cell: 名称 holds the text, 所在国家 is missing, and says why
        parse(q, "A公司，德国")
    assert "所在国家" in str(exc.value) and "中文的“，、；”" in str(exc.value)
    assert parse(q, "A公司（德国、法国），欧洲总部\t德国").value[0]["name"] == "A公司（德国、法国），欧洲总部"


@pytest.mark.parametrize("qid", ["name", "industry", "summary", "detail"])
def test_chinese_punctuation_in_free_text_is_stored_as_typed(qid):
    typed = "只收回8家企业的采集表，以统计年报为准；另见：附件（一）、（二）？！"
    assert p(qid, typed).value == typed


# -- invisible characters and absurd figures (issue 23) -------------------------------------------
GOOD_CODE = "91310115MA1K3YJ5X" + credit_check_char("91310115MA1K3YJ5X")


@pytest.mark.parametrize("junk", ["\u200b", "\ufeff", "\u200d", "\u00ad", "\u2060", "\u200e", "\u00a0"])
def test_invisible_characters_in_a_code_or_a_figure_are_read_as_what_is_seen(junk):
    """A zero-width space pasted from a web page made "是 19 位" with nothing visible to fix."""
    code = GOOD_CODE[:6] + junk + GOOD_CODE[6:]
    assert parse(FLOW["firms"], [{"name": "甲", "credit_code": code}]).value[0]["credit_code"] == GOOD_CODE
    assert p("count", junk + "326" + junk).value == 326
    assert p("output", "12" + junk.strip("\u00a0") + ".5").value == "12.50"
    assert p("share", junk + "15%").value == "15.00"


def test_a_code_with_invisible_characters_counts_only_what_is_seen():
    with pytest.raises(InputError, match="是 17 位"):
        p_code = GOOD_CODE[:-1] + "\u200b\u200b"
        parse(FLOW["firms"], [{"name": "甲", "credit_code": p_code}])


@pytest.mark.parametrize("qid", ["count", "output", "name"])
def test_only_invisible_characters_is_no_answer(qid):
    with pytest.raises(InputError, match="看不见的字符"):
        p(qid, "\u200b\ufeff")


@pytest.mark.parametrize("qid, raw, reason", [
    ("output", "100000000000000.1", "位数和单位"),  # was adopted by `--yes` and passed the check
    ("output", "1" + "0" * 30, "31 位整数"),
    ("output", "9" * 199, "199 位整数"),
    ("count", "1" + "0" * 18, "位整数"),
    ("expense", "10000000000", "本题最大为 10000000万元"),
    ("growth", "1e308", "看不懂"),
    ("norms", "国家 100000 0", "本题最大为 10000"),
])
def test_absurd_figures_are_refused_before_any_arithmetic(qid, raw, reason):
    with pytest.raises(InputError, match=reason):
        p(qid, raw)


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
    ("output", "128.6097", "128.61", "您填写的 128.6097 按表格保留两位小数（四舍五入），记录为 128.61 亿元。"),
    ("output", "128.6097亿", "128.61", "您填写的 128.6097 按表格保留两位小数（四舍五入），记录为 128.61 亿元。"),
    ("expense", "1.2345678亿", "12345.68",
     "已将“1.2345678亿”换算为 12345.678 万元，按表格保留两位小数（四舍五入），记录为 12345.68 万元。"),
    ("intensity", "4.805%", "4.81", "您填写的 4.805% 按表格保留两位小数（四舍五入），记录为 4.81%。"),
])
def test_a_figure_with_more_decimals_than_the_form_keeps_says_the_rounding(qid, raw, value, said):
    parsed = p(qid, raw)
    assert parsed.value == value and said in parsed.note


def test_rounding_is_said_in_the_conversation_reply(tiny_form, store):
    session = tiny_form(PARSE_FORM.replace("id: output,", "id: output, label: 集群总产值,")).saved(store)
    conv = Conversation(Engine.for_session(session))
    conv.handle("跳到 集群总产值")
    reply = conv.handle("128.6097")
    assert any("记录为 128.61 亿元" in m for m in reply.messages)
    assert session.answers["output"] == "128.61"
