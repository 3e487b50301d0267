"""What axe-core would find on a page the browser tests do not open, caught in the templates."""

import re

from tests.mesa.test_security_headers import project_template_files

SCROLL_BOX = re.compile(r"<div\b[^>]*\bclass=\"[^\"]*\btable-scroll\b[^\"]*\"[^>]*>")


def test_every_sideways_scrolling_table_can_be_reached_by_keyboard_and_is_named():
    """A table wider than a phone scrolls in its box; a keyboard user must be able to focus the
    box to scroll it, and a screen reader must say what it holds."""
    unreachable = [
        f"{path.name}: {box}"
        for path in project_template_files()
        for box in SCROLL_BOX.findall(path.read_text())
        if 'role="region"' not in box or 'tabindex="0"' not in box
        or not re.search(r"\baria-label(ledby)?=", box)
    ]
    assert not unreachable, "\n".join(unreachable)
