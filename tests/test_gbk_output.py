"""Chinese Windows: output redirected to a file or pipe is GBK. Every command's output survives it."""

from __future__ import annotations

import pytest
from cli_support import TRACEBACK_MARKERS, run_filing
from conftest import make_session, sample_answers

from assistant.text.textsafe import GLYPHS


def test_every_substitute_glyph_is_in_gbk():
    for ch, sub in GLYPHS.items():
        with pytest.raises(UnicodeEncodeError):
            ch.encode("gbk")
        sub.encode("gbk")


def _gbk(*args: str, code: int = 0, input: str | None = None):
    proc = run_filing(*args, encoding="gbk", input=input)
    for marker in TRACEBACK_MARKERS:
        assert marker not in proc.stdout + proc.stderr, proc.stderr
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "codec can't encode" not in proc.stderr and "PYTHONIOENCODING" not in proc.stderr
    return proc


@pytest.mark.slow  # spawns a process
def test_commands_print_readable_chinese_to_a_gbk_stream(store, tmp_path):
    answers = sample_answers()
    answers["cluster_name"] = "浦江✓集群•甲"  # outside GBK in the user's own text too
    sid = make_session(store, "annual", answers).id
    assert "年度报告" in _gbk("list").stdout and "测试" in _gbk("list").stdout
    out = _gbk("preview", sid).stdout
    assert "中小企业特色产业集群年度发展情况报告" in out and "浦江√集群·甲" in out
    assert "■是" in out or "■否" in out  # ☑ in the form's tick boxes
    assert "检查" in _gbk("check", sid).stdout or "必须修改" in _gbk("check", sid).stdout
    exported = _gbk("export", sid, "--format", "md", "-o", str(tmp_path / "报告.md")).stdout
    assert exported.strip().endswith("报告.md")
    assert "集群名称" in _gbk("questions", "--form", "annual").stdout
    assert "集群填报助手" in _gbk("--help").stdout
    new = _gbk("new", "--form", "district", "--title", "区级✓总结").stdout.strip()
    assert "区级√总结" in _gbk("list").stdout
    assert "已写入" in _gbk("answers", new, "--set", "district_name=浦江区").stdout
    refused = _gbk("answers", new, "--set", "no_such_question=✓", code=1)
    assert "未被接受" in refused.stderr or "没有" in refused.stderr
    incomplete = _gbk("check", new, code=1)
    assert "必须修改" in incomplete.stdout and "×" not in incomplete.stderr


@pytest.mark.slow  # spawns a process
def test_findings_with_symbols_outside_gbk(store):
    """check prints ✗ / ⚠ style marks for findings: shown as GBK look-alikes, never an exception."""
    s = store.create("annual_report", "缺项", 2023)
    proc = _gbk("check", s.id, code=1)
    assert "必须修改" in proc.stdout
