"""`filing demo`: a complete sample report exported as .docx, in-process and from a fresh install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.frontends.cli import main
from assistant.interview.engine import Engine
from assistant.session.store import SessionStore

REPO = Path(__file__).resolve().parent.parent
ENVIRONMENTAL = ("No matching distribution", "Could not find a version", "ConnectionError", "Temporary failure",
                 "Network is unreachable", "Name or service not known", "ReadTimeoutError", "No space left")


def _docx_text(path: Path) -> str:
    import docx

    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


@pytest.mark.parametrize("form,name,expect", [
    ("annual", "示例-年度报告.docx", "上海浦江示例智能传感器特色产业集群"),
    ("district", "示例-区级总结.docx", None),
])
def test_demo_exports_a_complete_report(tmp_path, monkeypatch, capsys, form, name, expect):
    pytest.importorskip("assistant.report.export")
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--form", form]) == 0
    out = capsys.readouterr().out
    path = tmp_path / name
    assert path.is_file() and str(path) in out
    sid = out.split("会话编号：")[1][:8]
    session = SessionStore().load(sid)
    assert not [f for f in Engine.for_session(session).findings() if f.severity == "blocking"]
    text = _docx_text(path)
    if expect:
        assert expect in text


def test_demo_never_overwrites(tmp_path, monkeypatch, capsys):
    pytest.importorskip("assistant.report.export")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "示例-年度报告.docx").write_bytes(b"mine")
    assert main(["demo"]) == 0
    assert (tmp_path / "示例-年度报告.docx").read_bytes() == b"mine"
    assert (tmp_path / "示例-年度报告-2.docx").is_file()
    assert "另存为 示例-年度报告-2.docx" in capsys.readouterr().out
    out = tmp_path / "sub" / "报告.docx"
    out.parent.mkdir()
    assert main(["demo", "-o", str(out)]) == 0
    assert out.is_file()


def _fresh_venv(root: Path) -> Path:
    venv = root / "env"
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"cannot create a virtual environment here: {exc}")
    return venv


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built offline from this checkout (no build isolation, no index) and installed, not
    editable, in a fresh virtual environment; its dependencies are the ones this test run already
    has (a path file), so no network is needed. The checkout itself is never on its path."""
    pytest.importorskip("hatchling", reason="building the wheel offline needs hatchling (pip install '.[test]')")
    root = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-index", "--no-build-isolation", "--no-deps",
                           "--disable-pip-version-check", "-w", str(root / "dist"), str(REPO)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    wheel = next((root / "dist").glob("*.whl"))
    venv = _fresh_venv(root)
    py = venv / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--no-index", "--no-deps", "--disable-pip-version-check",
                    str(wheel)], check=True, capture_output=True, timeout=600)
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    import sysconfig

    # Only the folders listed; the .pth files there (this run's editable install) are not read.
    deps = [p for p in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]} if Path(p).is_dir()]
    (Path(site) / "zz_test_dependencies.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    return venv


@pytest.fixture(scope="module")
def installed_from_index(tmp_path_factory):
    """`pip install .` as a newcomer runs it: dependencies from the package index (network)."""
    venv = _fresh_venv(tmp_path_factory.mktemp("venv"))
    pip = venv / "bin" / "pip"
    proc = subprocess.run([str(pip), "install", "--disable-pip-version-check", "--no-input", str(REPO)],
                          capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        if any(w in proc.stdout + proc.stderr for w in ENVIRONMENTAL):
            pytest.skip("pip could not fetch dependencies (no network?)")
        pytest.fail(f"pip install failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return venv


@pytest.mark.slow
def test_demo_from_a_fresh_wheel_install(installed, tmp_path):
    _demo_from(installed, tmp_path)


@pytest.mark.slow
@pytest.mark.network
def test_demo_after_pip_install_from_the_index(installed_from_index, tmp_path):
    _demo_from(installed_from_index, tmp_path)


def _demo_from(installed: Path, tmp_path: Path) -> None:
    env = {**os.environ, "FILING_HOME": str(tmp_path / "home")}
    env.pop("PYTHONPATH", None)
    work = tmp_path / "work"  # not the checkout: data must come from the installed wheel
    work.mkdir()
    py = installed / "bin" / "python"
    where = subprocess.run([str(py), "-c", "import assistant, assistant.paths as p; "
                            "print(assistant.__file__); print(p.data_dir('flows'))"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout
    assert str(installed) in where and str(REPO) not in where
    proc = subprocess.run([str(installed / "bin" / "filing"), "demo"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    path = work / "示例-年度报告.docx"
    assert path.is_file()
    assert "上海浦江示例智能传感器特色产业集群" in _docx_text(path)
    help_ = subprocess.run([str(installed / "bin" / "filing"), "demo", "--help"], cwd=work, env=env,
                           capture_output=True, text=True)
    assert help_.returncode == 0 and "用法：" in help_.stdout
