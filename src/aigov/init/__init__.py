"""What ``aigov init`` builds for a new AI project: the risk screening and the scaffolded files.

- :mod:`~aigov.init.screening` — the AI Act and GDPR screening: questions as data,
  classification as pure functions;
- :mod:`~aigov.init.scaffold` — ``aigov.yaml``, ``MODEL_CARD.md`` and a first ODCS contract,
  rendered from ``templates/``.

The command line verb (prompts, flags, what may be written) is :mod:`aigov.commands.init`; this
package is pure and never prints.
"""
