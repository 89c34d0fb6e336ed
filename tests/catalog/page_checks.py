"""What every page must satisfy: nothing inline that the Content-Security-Policy forbids, nothing from another host."""

from __future__ import annotations

from html.parser import HTMLParser


class InlineCodeFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' blocks, and every src/href that leaves the server."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "script" and not named.get("src") and named.get("type") != "application/json":
            self.problems.append("an inline <script>")  # a JSON data block (json_script) is never run: allowed
        if tag == "style":
            self.problems.append("an inline <style>")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"a style attribute on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"an event handler attribute {name} on <{tag}>")
            if name in ("src", "href") and (value or "").startswith(("http:", "https:", "//")):
                self.problems.append(f"<{tag} {name}={value}> loads from another host")


def csp_problems(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.problems
