"""The one way aigov builds a jinja2 environment for its own packaged templates.

Templates are aigov's (never the checked repository's); data from repositories is untrusted, so
HTML environments autoescape and an undefined name is an error unless a renderer opts for
tolerant templates over partial data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2


def template_environment(
    package: str,
    folder: str = "templates",
    *,
    autoescape: bool,
    tolerant: bool = False,
    keep_trailing_newline: bool = True,
) -> jinja2.Environment:
    """A jinja2 environment over ``package``'s ``folder``, blocks trimmed.

    ``tolerant``: undefined values chain to empty instead of failing (templates over evidence
    whose shape varies); otherwise an undefined name raises.
    """
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, folder),
        autoescape=autoescape,
        undefined=jinja2.ChainableUndefined if tolerant else jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=keep_trailing_newline,
    )
