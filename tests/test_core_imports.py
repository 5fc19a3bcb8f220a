"""The headless core imports no terminal library (checked in a fresh interpreter)."""

import subprocess
import sys


def test_core_is_terminal_free():
    code = (
        "import sys\n"
        "import assistant.interview.engine, assistant.interview.conversation, assistant.interview.checks, assistant.session.store, assistant.form.flow, assistant.form.parse\n"
        "from assistant.form.catalog import load_flow\n"
        "load_flow('annual')\n"
        "bad = [m for m in ('textual', 'questionary', 'prompt_toolkit', 'rich', 'docx') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
