"""The current question: plain question, official label, unit and example."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from .cjk import WrapStatic


class QuestionPanel(WrapStatic):
    def show_question(self, engine: Any, q: Any, pending: dict | None = None) -> None:
        t = Text()
        if q is None:
            t.append("所有题目都已回答。", style="bold")
            t.append("\n按 F3 检查，F4 预览，F5 导出。")
            self.update(t)
            return
        sec = engine.flow.section_of[q.id]
        qs = engine.askable(sec)
        pos = next((i for i, x in enumerate(qs, 1) if x.id == q.id), 0)
        t.append(f"{engine.text(sec.title)} · 第 {pos}/{len(qs)} 题", style="dim")
        if q.required is False:
            t.append("（选填）", style="dim")
        t.append("\n")
        t.append(engine.text(q.ask or q.label), style="bold")
        for line in engine.offer_lines(q, compact=True):  # a computed value to accept, or replace with its basis
            t.append("\n" + line, style="bold yellow")
        label = engine.official_label(q)
        extra = []
        if label:
            extra.append(f"表格栏目：{label}{(' ' + q.note) if q.note else ''}")
        if q.unit:
            extra.append(f"单位：{q.unit}")
        elif q.type == "percent":
            extra.append("单位：%")
        if extra:
            t.append("\n" + "　".join(extra), style="cyan")
        if q.hint:
            t.append("\n提示：" + engine.text(q.hint), style="dim")
        if pending and pending.get("prompt"):
            t.append("\n" + pending["prompt"], style="bold yellow")
        elif pending and pending.get("kind") == "ambiguous":
            t.append("\n请输入 1 把上面的文字作为答案，或 2 查询/跳转；直接回车不会记录。", style="bold yellow")
        elif pending:
            t.append("\n请确认上面读到的数值：回车或“是”确认，“否”重新输入。", style="bold yellow")
        self.update(t)
