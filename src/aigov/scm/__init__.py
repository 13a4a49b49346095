"""Publishing a check's result where reviewers look: one pull/merge request comment and a status.

- :mod:`aigov.scm.context` — which forge, pull request, head commit and token, from the CI
  environment or explicit values;
- :mod:`aigov.scm.publish` — the forge-neutral part: the comment's body with its hidden marker,
  the upsert (post once, edit afterwards, never overwrite a newer commit's comment), the status;
- :mod:`aigov.scm.github` (PyGithub) and :mod:`aigov.scm.gitlab` (python-gitlab) — the only
  modules that import those libraries, each imported only when its forge is used;
- :mod:`aigov.scm.retry` — bounded retries with one waiting budget per run.
"""
