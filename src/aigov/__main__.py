"""``python -m aigov``.

``python -m`` puts the working directory first on ``sys.path``; in CI that is the checked
repository, whose ``yaml.py`` or ``pydantic.py`` would then be imported instead of the real
library, running the pull request's code. The entry is dropped before anything else is imported
(unless aigov itself is imported from there, as in ``cd src && python -m aigov``).
"""

import os
import sys


def _forget_working_directory() -> None:
    here = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    cwd = os.path.realpath(os.getcwd())
    if here == cwd:
        return
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != cwd]


_forget_working_directory()

from aigov.cli import main  # noqa: E402

sys.exit(main())
