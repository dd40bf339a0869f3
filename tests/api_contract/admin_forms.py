"""What a browser would post from an admin page: the fields of its change form, as shown."""

from __future__ import annotations

from html.parser import HTMLParser

SKIPPED_INPUTS = {"submit", "button", "image", "reset", "file"}


class _FormFields(HTMLParser):
    """The successful controls of the page's first form whose id ends in `_form` (the
    admin's change and add forms), in the order a browser sends them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.done = False
        self.fields: list[tuple[str, str]] = []
        self._select: tuple[str, bool] | None = None
        self._options: list[str] = []
        self._chosen: list[str] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and not self.done and (attributes.get("id") or "").endswith("_form"):
            self.inside = True
            return
        if not self.inside or "disabled" in attributes:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = (attributes.get("type") or "text").lower()
            if kind in SKIPPED_INPUTS:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attributes:
                    self.fields.append((name, attributes.get("value") or "on"))
                return
            self.fields.append((name, attributes.get("value") or ""))
        elif tag == "select" and name:
            self._select = (name, "multiple" in attributes)
            self._options, self._chosen = [], []
        elif tag == "option" and self._select is not None:
            value = attributes.get("value") or ""
            self._options.append(value)
            if "selected" in attributes:
                self._chosen.append(value)
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "form":
            self.inside, self.done = False, True
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            chosen = self._chosen or ([] if multiple or not self._options else self._options[:1])
            self.fields.extend((name, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that follows <textarea>.
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def form_data(html: str) -> dict[str, list[str]]:
    """The change or add form of an admin page as POST data (name → values)."""
    parser = _FormFields()
    parser.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return data


def editable_fields(html: str) -> set[str]:
    return set(form_data(html))
