"""What a user should not see in a command's terminal output, for the tests that run one."""

from __future__ import annotations

import re

#: A line a user cannot act on: a library's warning or log line (``[IPKernelApp] WARNING |
#: Kernel is running over TCP without encryption``, ``[NbConvertApp] ...``), a Python warning,
#: a progress bar redrawn in place (tqdm's ``45%|████``, carriage returns).
NOISE = re.compile(r"warn|\[\w+App\]|without encryption|\d+%\||\r", re.IGNORECASE)


def noise(output: str) -> list[str]:
    """The lines of ``output`` that are noise (see :data:`NOISE`)."""
    return [line for line in output.split("\n") if NOISE.search(line)]
