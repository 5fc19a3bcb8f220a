"""The parts of the form with progress; selecting a part or a question asks to jump there."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.message import Message
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode
from textual.containers import Vertical


class Outline(Vertical):
    class Jump(Message):
        def __init__(self, kind: str, target: str):
            super().__init__()
            self.kind, self.target = kind, target  # kind "section" | "question"

    def compose(self):  # noqa: ANN201
        yield Static(id="overall")
        tree: Tree[tuple[str, str]] = Tree("表格", id="outline-tree")
        tree.show_root = False
        tree.guide_depth = 2
        yield tree

    def on_mount(self) -> None:
        self._tree_nodes: dict[str, TreeNode] = {}
        self._labels: dict[str, Text] = {}
        self._built_for: Any = None

    def _build(self, engine: Any) -> None:
        tree = self.query_one(Tree)
        tree.clear()
        self._tree_nodes.clear()
        self._labels.clear()
        self._leaves: set[str] = set()  # sections whose question nodes exist (built when first opened)
        for sec in engine.flow.sections:
            self._tree_nodes["§" + sec.id] = tree.root.add("", data=("section", sec.id), allow_expand=True)
        self._built_for = engine.flow
        self._engine = engine

    def _ensure_leaves(self, sec: Any) -> None:
        if sec.id in self._leaves:
            return
        self._leaves.add(sec.id)
        node = self._tree_nodes["§" + sec.id]
        for q in sec.questions:
            self._tree_nodes[q.id] = node.add_leaf("", data=("question", q.id))

    def refresh_from(self, engine: Any) -> None:
        """Relabel the nodes from the engine (structure is the flow's, so nodes stay put)."""
        if self._built_for is not engine.flow:
            self._build(engine)
        p = engine.progress()
        self.query_one("#overall", Static).update(
            Text.assemble(("总体进度 ", "bold"), f"{p.answered}/{p.total}  ", (f"{p.percent}%", "bold green")))
        cur = engine.current()
        cur_sec = engine.flow.section_of[cur.id].id if cur else None
        answers = engine.session.answers
        for sec in engine.flow.sections:
            sp = engine.progress(sec)
            mark = "✓" if sp.done else "○"
            self._set("§" + sec.id, Text.assemble(
                (f"{mark} ", "green" if sp.done else "dim"), (engine.text(sec.title), "bold" if sec.id == cur_sec else ""),
                (f" {sp.answered}/{sp.total}", "dim")))
            if sec.id not in self._leaves and sec.id != cur_sec:
                continue
            self._ensure_leaves(sec)
            for q in sec.questions:
                label = engine.label(q) or q.id
                if len(label) > 18:
                    label = label[:17] + "…"
                if not engine.is_relevant(q.id):
                    t = Text("  " + label + "（不需填）", style="dim strike")
                elif q.calculated:
                    t = Text("= " + label + "（自动计算）", style="dim italic")
                elif cur is not None and q.id == cur.id:
                    t = Text("▶ " + label, style="bold reverse")
                elif q.id in answers:
                    t = Text.assemble(("✓ ", "green"), label)
                else:
                    t = Text("· " + label)
                self._set(q.id, t)
        if cur_sec is not None:
            node = self._tree_nodes["§" + cur_sec]
            if not node.is_expanded:
                node.expand()

    def _set(self, key: str, label: Text) -> None:
        if self._labels.get(key) != label:
            self._labels[key] = label
            self._tree_nodes[key].set_label(label)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        data = event.node.data
        if data and data[0] == "section" and data[1] not in self._leaves:
            self._ensure_leaves(self._engine.flow.section(data[1]))
            self.refresh_from(self._engine)

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        event.stop()
        if event.node.data:
            kind, target = event.node.data
            self.post_message(self.Jump(kind, target))
