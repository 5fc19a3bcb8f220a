"""A form package is checked whole: a typo in any of its files is refused at load, naming the file, the
key and its line; `filing forms --check` says so without running the form; one cache per package."""

from __future__ import annotations

import io
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from form_support import copy_form, edit

from assistant.errors import FlowError
from assistant.form import catalog
from assistant.form.glossary import load_glossary
from assistant.frontends.cli import main
from assistant.interview.enterprises.columns import has_spec, load_spec
from assistant.paths import data_dir
from assistant.report.model import load_layout
from assistant.report.package import load_submission
from assistant.report.rollup import load_spec as load_rollup

ID, KEY = "annual_copy", "annualc"


@pytest.fixture
def forms(tmp_path):
    """A folder of forms for this test only; the process goes back to the packaged forms after it."""
    root = tmp_path / "forms"
    yield root
    catalog.use_forms([])
    catalog._chosen = None


def _refused(root: Path, form: str, *expected: str) -> str:
    catalog.use_forms([root])
    with pytest.raises(FlowError) as err:
        catalog.load_flow(form)
    said = str(err.value)
    for text in expected:
        assert text in said, said
    assert form in catalog.broken()
    assert catalog.load_flow("annual").form == "annual_report"  # the other forms keep working
    return said


def _shared(root: Path, folder: str, name: str) -> Path:
    """A shared file (glossary, submission) given by the form's own folder."""
    path = root / folder / name
    shutil.copy(data_dir(folder) / name, path)
    return path


# (file, text, its typo, what the refusal names)
TYPOS = {
    "flow": (f"flows/{ID}.yaml", "{id: contact_name, type: text, max_chars: 50}",
             "{id: contact_name, type: text, max_char: 50}", "max_char"),
    "wording": (f"prompts/{ID}.yaml", "    hint: 按认定文件上的名称填写", "    hnit: 按认定文件上的名称填写",
                "questions.cluster_name.hnit"),
    "layout": (f"templates/{ID}.layout.yaml", "    one_page: true\n    widths: [8.2, 7.8]",
               "    one_pag: true\n    widths: [8.2, 7.8]", "parts.0.one_pag"),
    "drafts": (f"templates/{ID}.drafts.yaml", "targets_actual:\n  list: targets", "targets_actual:\n  lst: targets",
               "targets_actual.lst"),
    "enterprises": (f"flows/{ID}.enterprises.yaml", "type: text, required: true, width: 28",
                    "type: text, requried: true, width: 28", "columns.0.requried"),
}


@pytest.mark.parametrize("kind", list(TYPOS))
def test_a_typo_in_any_file_of_a_copied_form_is_refused_naming_file_key_and_line(forms, kind):
    copy_form(forms, ID, KEY)
    name, old, new, key = TYPOS[kind]
    edit(forms / name, old, new)
    said = _refused(forms, ID, str(forms / name), key)
    assert "不认识的键" in said or "Extra inputs" in said
    if kind != "flow":
        assert "第 " in said and " 行" in said


def test_a_typo_in_the_glossary_or_submission_of_a_form_folder_is_refused(forms):
    copy_form(forms, ID, KEY)
    glossary = _shared(forms, "prompts", "glossary.yaml")
    edit(glossary, "    source: 附件1 填报说明第1条\n", "    sourse: 附件1 填报说明第1条\n")
    _refused(forms, ID, str(glossary), "terms.0.sourse", "第 16 行")
    glossary.unlink()
    submission = _shared(forms, "templates", "submission.yaml")
    edit(submission, "recipient:", "recipent:")
    catalog.forget()
    _refused(forms, ID, str(submission), "recipent")


def test_a_typo_in_a_roll_up_is_refused(forms):
    copy_form(forms, "district_copy", "districtc", source="district_summary")
    edit(forms / "flows" / "district_copy.rollup.yaml", "places: 2", "place: 2")
    _refused(forms, "district_copy", "district_copy.rollup.yaml", "place", "第 9 行")


def test_a_wrong_question_id_in_the_layout_cover_is_refused_at_load_not_at_export(forms):
    # Today: "出现意外错误：'operator_nam'" when the report is exported.
    copy_form(forms, ID, KEY)
    edit(forms / "templates" / f"{ID}.layout.yaml", "qids: [operator_name]", "qids: [operator_nam]")
    _refused(forms, ID, "cover.1.qids.0", "operator_nam", "不在表单")


def test_wrong_ids_in_wording_help_drafts_and_enterprise_spec_are_named(forms):
    copy_form(forms, ID, KEY)
    edit(forms / "prompts" / f"{ID}.yaml", "help: [cluster, fill_truthfully]", "help: [cluster, fill_truthfuly]")
    edit(forms / "templates" / f"{ID}.drafts.yaml", "  total_output: [总产值]", "  total_outpt: [总产值]")
    edit(forms / "flows" / f"{ID}.enterprises.yaml", "cluster_count: enterprise_count", "cluster_count: enterprise_cnt")
    _refused(forms, ID, "fill_truthfuly", "词汇表", "figures.total_outpt", "cluster_count：问题 “enterprise_cnt”")


def test_yes_in_the_enterprise_spec_is_not_a_boolean(forms):
    # YAML 1.2 like the flow: `required: yes` is the word "yes", refused, never silently true or false.
    copy_form(forms, ID, KEY)
    edit(forms / "flows" / f"{ID}.enterprises.yaml", "type: uscc, required: true", "type: uscc, required: yes")
    _refused(forms, ID, "columns.1.required", "应为 true 或 false")


def test_a_broken_enterprise_vocabulary_is_a_clear_error_naming_the_file(forms):
    # Keys fine, meaning wrong (a measure sums a column that does not exist): once an uncaught SpecError.
    copy_form(forms, ID, KEY)
    edit(forms / "flows" / f"{ID}.enterprises.yaml", "output: {sum: output, max:", "output: {sum: outputt, max:")
    catalog.use_forms([forms])
    assert catalog.load_flow(ID).form == ID
    with pytest.raises(FlowError, match=f"{ID}.enterprises.yaml.*outputt"):
        load_spec(ID)


def _cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = main(list(args))
    return code, out.getvalue()


def test_forms_check_passes_the_shipped_forms_and_says_each_problem_of_a_broken_folder(forms):
    code, out = _cli("forms", "--check")
    assert code == 0 and out.strip().endswith("检查通过"), out
    copy_form(forms, ID, KEY)
    edit(forms / "templates" / f"{ID}.layout.yaml", "    one_page: true\n    widths: [8.2, 7.8]",
         "    one_pag: true\n    widths: [8.2, 7.8]")
    edit(forms / "flows" / f"{ID}.enterprises.yaml", "type: text, required: true, width: 28",
         "type: text, requried: true, width: 28")
    code, out = _cli("forms", "--check", str(forms))
    assert code == 1, out
    assert "parts.0.one_pag" in out and "columns.0.requried" in out and "检查通过" not in out


def test_forms_check_reaches_what_only_the_layers_above_know(forms):
    copy_form(forms, ID, KEY)
    edit(forms / "flows" / f"{ID}.enterprises.yaml", "output: {sum: output, max:", "output: {sum: outputt, max:")
    copy_form(forms, "district_copy", "districtc", source="district_summary")
    edit(forms / "flows" / "district_copy.rollup.yaml", "{id: output, value: total_output, total: sum}",
         "{id: output, value: total_outpt, total: sum}")
    code, out = _cli("forms", "--check", str(forms))
    assert code == 1 and "outputt" in out and "total_outpt" in out, out


def test_one_cache_per_package_cleared_whole(forms):
    copy_form(forms, ID, KEY)
    catalog.use_forms([forms])
    assert load_layout(ID)["issuer"] == "上海市经济和信息化委员会 制"
    assert has_spec(ID) and load_spec(ID).sheet == "企业数据"
    assert load_submission(ID)["recipient"] == "上海市经济和信息化委员会"
    assert load_glossary(ID)["fill_truthfully"].term == "如实填报与佐证材料"
    edit(forms / "templates" / f"{ID}.layout.yaml", "issuer: 上海市经济和信息化委员会 制", "issuer: 新的发布单位")
    edit(forms / "flows" / f"{ID}.enterprises.yaml", "sheet: 企业数据", "sheet: 成员企业")
    _shared(forms, "templates", "submission.yaml")
    edit(forms / "templates" / "submission.yaml", "recipient: 上海市经济和信息化委员会", "recipient: 新的接收单位")
    glossary = _shared(forms, "prompts", "glossary.yaml")
    edit(glossary, "term: 如实填报与佐证材料", "term: 如实填报")
    catalog.forget()  # what `--forms` and a new folder do: everything built from the files goes with it
    assert load_layout(ID)["issuer"] == "新的发布单位"
    assert load_spec(ID).sheet == "成员企业"
    assert load_submission(ID)["recipient"] == "新的接收单位"
    assert load_glossary(ID)["fill_truthfully"].term == "如实填报"
    (forms / "flows" / f"{ID}.enterprises.yaml").unlink()
    catalog.forget()
    assert not has_spec(ID) and load_spec(ID) is None


def test_the_roll_up_is_read_from_the_package(forms):
    spec = load_rollup("district_summary")
    assert spec.from_form == "annual_report" and spec.into == "cluster_table"


def test_a_layout_row_or_block_of_no_known_kind_is_named(forms):
    copy_form(forms, ID, KEY)
    layout = forms / "templates" / f"{ID}.layout.yaml"
    edit(layout, "      - field: area_km2\n", "      - fild: area_km2\n")
    edit(layout, "      - narrative: overview\n", "      - narative: overview\n")
    _refused(forms, ID, "parts.0.rows.2：不认识的行", "parts.6.blocks.0：不认识的块")


def test_forms_load_from_several_threads_at_once(tmp_path, monkeypatch):
    """The hosted server loads forms from its page threads while a worker does: every thread gets the form
    (it was "缺少必填的键" for a question's options in some threads)."""
    import threading

    monkeypatch.setenv("FILING_CACHE", str(tmp_path))
    problems: list[str] = []

    def load() -> None:
        try:
            catalog.package("annual")
            catalog.package("district")
        except FlowError as exc:
            problems.append(str(exc))

    for _ in range(3):
        catalog.forget()
        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    catalog.forget()
    assert problems == []
