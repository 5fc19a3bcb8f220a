"""What a screen may ask of the app it runs in (the app module imports the screens, never the reverse)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.message_pump import MessagePump

from assistant.session.store import SessionStore

if TYPE_CHECKING:
    from assistant.frontends.browser_tab import BrowserTab

# The stylesheet of every screen but the conversation: each names it (CSS_PATH), Textual reads it when the first
# of them opens, so a start-up straight into a report neither parses nor matches those rules.
SCREENS_CSS = str(Path(__file__).parent / "screens" / "screens.tcss")


@runtime_checkable
class FilingHost(Protocol):
    store: SessionStore
    last_session: str | None  # the conversation shown last: said on leaving, to resume it
    browser: BrowserTab | None  # under `filing serve`: this tab's folder; None on the desktop

    def open_session(self, sid: str) -> bool:
        """Lock the session and show its conversation; False (the problem shown) when it cannot be opened."""
        ...

    def shown(self, text: str) -> str:
        """A message as this front end may show it: in the browser without server paths."""
        ...

    def report_open(self, sid: str | None) -> None:
        """Tell the server which report this tab has open now (under `filing serve`; nothing elsewhere)."""
        ...


def filing_app(node: MessagePump) -> FilingHost:
    """The running app, typed: screens reach its store, its tab and its session switch through this."""
    app = node.app
    if not isinstance(app, FilingHost):
        raise TypeError(f"{type(node).__name__} runs outside FilingApp")
    return app
