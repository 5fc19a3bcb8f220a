"""Every command's --help is Chinese and exits 0; errors print no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from assistant.frontends.cli import build_parser, main

COMMANDS = ["forms", "new", "questions", "answers", "list", "check", "restore", "preview", "draft", "export", "import-report",
            "resume", "ask", "import", "demo", "package", "serve", "overview", "workbook", "enterprises", "accounts",
            "status"]
ENGLISH = ("usage:", "options:", "show this help message", "positional arguments", "optional arguments")


def test_every_command_is_covered():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert sorted(sub.choices) == sorted(COMMANDS)


@pytest.mark.parametrize("argv", [[]] + [[c] for c in COMMANDS])
def test_help_is_chinese_and_exits_0(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "用法：" in out and "显示帮助并退出" in out
    low = out.lower()
    assert not [w for w in ENGLISH if w in low], out


def test_usage_error_is_chinese_with_code_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["import", "only-one-arg"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "缺少参数" in err and "the following" not in err


@pytest.mark.slow  # spawns a process
@pytest.mark.parametrize("argv,code", [
    (["check", "nosuch"], 3), (["preview", "nosuch"], 3), (["ask", "nosuch"], 3), (["package", "nosuch"], 3),
    (["draft", "nosuch"], 3),
    (["import", "nosuch", "patent_list", "x.csv", "--yes"], 3), (["answers", "nosuch", "--set", "a=1"], 3),
])
def test_errors_without_traceback(argv, code, tmp_path):
    import os

    env = {**os.environ, "FILING_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "assistant.frontends.cli", *argv], capture_output=True, text=True,
                          env=env, cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr and "找不到会话" in proc.stderr
