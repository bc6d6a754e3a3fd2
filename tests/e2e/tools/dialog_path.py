#!/usr/bin/python3
"""Puts a path into a GTK file chooser's location entry through the
accessibility bus (AT-SPI), and returns once the entry holds exactly that
path: no typing races with GTK's inline completion, which can arrive late.
Usage: dialog_path.py TITLE PATH. Exit 1 with a reason on stderr when no
dialog titled TITLE shows a focused location entry within 10 seconds (the
caller then presses Ctrl+L again and runs this once more)."""

import sys
import time

import gi

gi.require_version("Atspi", "2.0")
from gi.repository import Atspi  # noqa: E402

DEADLINE = 10.0


def descendants(node):
    yield node
    try:
        count = node.get_child_count()
    except gi.repository.GLib.Error:
        return
    for index in range(count):
        child = node.get_child_at_index(index)
        if child is not None:
            yield from descendants(child)


def location_entry(title):
    """The focused, editable text field inside the dialog named `title`."""
    desktop = Atspi.get_desktop(0)
    for app_index in range(desktop.get_child_count()):
        app = desktop.get_child_at_index(app_index)
        if app is None:
            continue
        # Only the app's windows, never their insides: the picker's window
        # holds the web page's whole accessible tree, slow to walk and
        # changing while it is walked.
        for window_index in range(app.get_child_count()):
            node = app.get_child_at_index(window_index)
            if node is None or node.get_role() != Atspi.Role.FILE_CHOOSER or node.get_name() != title:
                continue
            for field in descendants(node):
                states = field.get_state_set()
                if (
                    field.get_role() == Atspi.Role.TEXT
                    and states.contains(Atspi.StateType.FOCUSED)
                    and states.contains(Atspi.StateType.EDITABLE)
                ):
                    return field
    return None


def main() -> int:
    title, path = sys.argv[1], sys.argv[2]
    give_up = time.monotonic() + DEADLINE
    while time.monotonic() < give_up:
        try:
            field = location_entry(title)
        except gi.repository.GLib.Error:
            # An accessible went away while it was read: look again.
            field = None
        if field is not None:
            text = field.get_text_iface()
            if text.get_text(0, -1) == path and text.get_n_selections() == 0:
                return 0
            # Set (again, if a completion changed it meanwhile).
            field.get_editable_text_iface().set_text_contents(path)
        time.sleep(0.05)
    print(f"no location entry holding {path!r} in a dialog titled {title!r}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
