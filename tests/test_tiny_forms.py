"""The tiny-form fixture itself: logic and wording written together land in the right files, the form is
found by the catalog like any other, and the packaged forms are all that is left afterwards."""

from __future__ import annotations

from tiny_forms import forget_forms, tiny_flow

from assistant.form import catalog
from assistant.form.flow import missing_wording


def test_inline_wording_is_split_into_the_prompts_file(tiny_form):
    form = tiny_form("""
    questions:
      - {id: changed, type: yesno, label: 是否变更, ask: 变了吗？, hint: 是或否,
         options: [{id: "yes", label: 是, aliases: [变了]}, {id: "no", label: 否}]}
      - id: names
        type: list
        columns: [{id: name, type: text, label: 名称, aliases: [企业]}]
    """)
    flow = form.flow
    assert catalog.resolve("tiny") == "tiny" and catalog.root_of("tiny") == form.root
    q = flow["changed"]
    assert (q.label, q.ask, q.hint) == ("是否变更", "变了吗？", "是或否")
    assert [(o.id, o.label, o.aliases) for o in q.options] == [("yes", "是", ["变了"]), ("no", "否", [])]
    assert flow["names"].columns[0].aliases == ["企业"]
    assert "label:" not in (form.root / "flows" / "tiny.yaml").read_text(encoding="utf-8")
    assert form.engine({"changed": "变了"}).value("changed") is True


def test_a_bare_question_gets_its_id_as_label_and_one_section():
    flow = tiny_flow("questions: [{id: count, type: integer}]")
    assert flow["count"].label == "count" and [s.id for s in flow.sections] == ["main"]
    assert missing_wording(flow) == ["count: ask", "count: hint"]


def test_after_the_test_only_the_packaged_forms_are_known(tiny_form):
    tiny_form("questions: [{id: a, type: text}]", form_id="tiny_other")
    assert "tiny_other" in catalog.form_ids()
    forget_forms()
    assert "tiny_other" not in catalog.form_ids()
    assert all(root == catalog.packaged_root() for root in catalog.form_ids().values())
