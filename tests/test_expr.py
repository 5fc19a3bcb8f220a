"""Conditions: one evaluator (assistant/form/expr.py) with jinja2's expression syntax and meaning for
what the flows use; nothing reachable but the answers, and never jinja2 or Python eval."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from datetime import date
from decimal import Decimal

import pytest
from conftest import make_session
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.form.catalog import load_flow
from assistant.form.expr import Expression, ExpressionError
from assistant.interview.engine import evaluate

FORMS = ("annual", "district")


@pytest.mark.parametrize("source,ns,expected", [
    ("a == true", {"a": True}, True),
    ("a == true", {"a": None}, False),
    ("not a", {"a": None}, True),                     # unanswered is false, as in jinja2
    ("a > 0", {"a": None}, None),                      # cannot tell yet
    ("a > 0", {}, None),                               # a name not given is undefined: unknown
    ("a and b > 1", {"a": False, "b": None}, False),   # short-circuit
    ("a or b", {"a": 0, "b": "x"}, "x"),
    ("a + b * 2 >= 7", {"a": 1, "b": 3}, True),        # precedence
    ("(a + b) * 2", {"a": 1, "b": 3}, Decimal(8)),
    ("a - -b", {"a": 1, "b": 2}, Decimal(3)),
    ("a // b + a % b", {"a": 7, "b": 2}, Decimal(4)),
    ("-a + 1 < 0 < 2", {"a": 5}, True),                # chained comparison
    ("1 < a < 3", {"a": 5}, False),
    ("a if b else c", {"a": 1, "b": False, "c": 2}, 2),
    ("x in ['a', \"b\"]", {"x": "b"}, True),
    ("x not in [1, 2]", {"x": 3}, True),
    ("x is none", {"x": None}, True),
    ("x is not none", {"x": 0}, True),
    ("x is defined", {}, False),
    ("x.endswith('区')", {"x": "闵行区"}, True),
    ("x.endswith('区')", {"x": None}, None),            # a method of a string only
    ("d.year == year + 1", {"d": date(2024, 4, 8), "year": 2023}, True),
    ("rows[0].kind == '国际'", {"rows": [{"kind": "国际"}]}, True),
    ("rows[5].kind", {"rows": []}, None),
    ("rows|length == n", {"rows": [{}, {}], "n": 2}, True),
    ("m|matrix_total > 0", {"m": {"a": {"x": 0, "y": 2}}}, True),
    ("[p, q]|total_chars <= 3", {"p": "a b", "q": "无"}, True),  # 无 counts nothing, spaces neither
    ("rows|tally('k', 'r') == m|nonzero", {"rows": [{"k": "n", "r": "lead"}], "m": {"n": {"lead": 1, "p": 0}}}, True),
    ("-x|abs", {"x": 3}, Decimal(3)),                  # unary minus binds tighter than a filter, as in jinja2
    ("a|abs + 1", {"a": -2}, Decimal(3)),              # a filter binds tighter than +
    ("x == 'it\\'s'", {"x": "it's"}, True),
    ("a / b", {"a": 1, "b": 0}, None),                 # division by zero: unknown, never an exception
    ("0.1 + 0.2 == 0.3", {}, True),                    # exact decimals
])
def test_meaning(source, ns, expected):
    ex = Expression(source)
    got = ex(ns)
    assert got == expected and type(got) is type(expected), (source, got)
    again = pickle.loads(pickle.dumps(ex))
    assert again(ns) == expected and again.names == ex.names


def test_arithmetic_is_decimal_and_rounds_half_up():
    ex = Expression("(a / b * 100) | round2")
    assert ex({"a": 3, "b": 200}) == Decimal("1.50")
    assert Expression("a / b")({"a": 1, "b": 0}) is None


def test_names_are_the_answers_read():
    ex = Expression("a.year > b|length + c[d] and e is none and true")
    assert ex.names == {"a", "b", "c", "d", "e"}


@pytest.mark.parametrize("source", [
    "x.__class__", "x.__class__.__mro__", "'{0.__class__}'.format(x)", "x._private", "x.format(1)",
    "x|attr('__class__')", "x ~ 'a'", "lambda: 1", "x[", "a +", "(a", "a b", "x.items()", "x is odd", "",
    "__import__('os')", "x;y", "a = 1",
])
def test_anything_else_is_refused_when_the_flow_loads(source):
    with pytest.raises(ExpressionError, match="表达式"):
        Expression(source)


def test_a_mapping_key_that_looks_private_stays_out_of_reach():
    assert Expression("x['__class__']")({"x": "s"}) is None
    assert Expression("x['__class__']")({"x": {"__class__": 1}}) == 1  # a mapping's own item is data


@pytest.mark.parametrize("form", FORMS)
def test_every_flow_condition_on_the_sample_answers(form, store):
    """Each condition of the shipped forms gives a definite answer once the sample is filled in."""
    flow = load_flow(form)
    ns = evaluate(flow, make_session(store, form).answers, 2023).namespace
    assert flow.exprs
    checked = 0
    for (qid, kind), ex in flow.exprs.items():
        if kind == "constraint" or any(ns.get(n) is None for n in ex.names):
            continue  # a constraint reads `value`; with an input missing the answer is unknown
        assert ex(ns) is not None, (qid, kind, ex.source)
        checked += 1
    assert checked >= len(flow.exprs) // 2


_values = st.one_of(st.none(), st.booleans(), st.integers(-5, 5),
                    st.decimals(-100, 100, places=2, allow_nan=False, allow_infinity=False),
                    st.sampled_from(["", "无", "是", "abc有限公司"]), st.lists(st.dictionaries(
                        st.sampled_from(["kind", "level", "country"]), st.sampled_from(["国际", "国家", "发明专利"]),
                        max_size=3), max_size=3))


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_values_never_raise(data):
    flow = load_flow("annual")
    names = sorted({n for ex in flow.exprs.values() for n in ex.names})
    ns = {n: data.draw(_values, label=n) for n in names}
    for ex in flow.exprs.values():
        ex(ns)  # a value or None, never an exception


@pytest.mark.slow  # spawns a process
def test_conditions_never_need_jinja2(filing_home, tmp_path):
    """A flow from the compiled cache, every condition evaluated: jinja2 is not imported (the first
    load from YAML renders the rule messages once in the sandbox, to check them; later starts do not)."""
    code = ("import sys\nfrom assistant.form.catalog import load_flow\nfrom assistant.interview.engine import evaluate\n"
            "flow = load_flow('annual_report')\n"
            "s = evaluate(flow, {'little_giant_count': 0, 'champion_count': 0}, 2023)\n"
            "print(sum(s.relevant.values()), 'jinja2' in sys.modules)")
    env = {**os.environ, "FILING_HOME": str(filing_home)}
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)  # fills the cache
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout.split()
    assert int(out[0]) > 40 and out[1] == "False"
