"""JSON cluster reports as `filing export --format json` writes them, for the roll-up and overview tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def report(answers: dict[str, Any], year: int = 2023, title: str = "报告") -> dict[str, Any]:
    return {"schema": "filing-assistant/report", "schema_version": 1, "form": "annual_report", "year": year,
            "title": title, "answers": answers}


def write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path
