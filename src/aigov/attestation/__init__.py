"""Claims and attestations: which governance records of ``aigov.yaml`` a verdict may rely on.

``records`` finds the records a change adds (or a deployment relies on), ``witnesses`` reads what
can attest them (signed commits, forge reviews), ``judge`` decides and writes the findings of the
pending ones, ``apply`` runs the whole for one check or deployment. See SECURITY.md.
"""
