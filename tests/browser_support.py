"""What the browser tests share: Debian's chromium, one instance per test session (the
``browser`` and ``visit`` fixtures in conftest.py), and a page visit that records every
request, console error and dialog. Kept in one place: a second ``sync_playwright`` in the same
worker fails ("Sync API inside the asyncio loop")."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"


@dataclass
class Visit:
    """One page load and everything it tried to do."""

    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.requests == [], f"requests left the page: {self.requests}"
        assert self.errors == [], f"console errors: {self.errors}"
        assert self.dialogs == [], f"dialogs opened: {self.dialogs}"

    def row_names(self, root: str = "") -> list[str]:
        return self.page.eval_on_selector_all(
            f"{root} tr.ls-row", "rows => rows.map(r => r.getAttribute('data-name'))"
        )

    def visible_row_names(self, root: str = "") -> list[str]:
        return self.page.eval_on_selector_all(
            f"{root} tr.ls-row",
            "rows => rows.filter(r => r.offsetParent !== null).map(r => r.dataset.name)",
        )


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


def visits(browser: Any) -> Iterator[Any]:
    """Yield a function opening a file:// page in a fresh context; close them after."""
    contexts: list[Any] = []

    def open_page(path: Path, **context_options: Any) -> Visit:
        context_options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        seen = Visit(page)

        def route(route: Any) -> None:
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                seen.requests.append(route.request.url)
                route.abort()

        page.route("**/*", route)
        page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: seen.errors.append(f"pageerror: {e}"))

        def dialog(d: Any) -> None:
            seen.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        page.goto(path.resolve().as_uri())
        page.wait_for_load_state("load")
        return seen

    yield open_page
    for context in contexts:
        context.close()
