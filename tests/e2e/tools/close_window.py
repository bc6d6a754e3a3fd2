#!/usr/bin/python3
"""Asks an X11 window to close, as a window manager's close button does:
a WM_DELETE_WINDOW client message, which the app may refuse (unlike
`xdotool windowkill`). Usage: close_window.py WINDOW_ID (DISPLAY from env)."""

import sys

from Xlib import X, display, protocol


def main() -> int:
    shown = display.Display()
    window = shown.create_resource_object("window", int(sys.argv[1]))
    protocols = shown.intern_atom("WM_PROTOCOLS")
    delete = shown.intern_atom("WM_DELETE_WINDOW")
    event = protocol.event.ClientMessage(
        window=window, client_type=protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0])
    )
    window.send_event(event, event_mask=X.NoEventMask)
    shown.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
