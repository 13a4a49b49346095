"""aigov: policy-as-code governance for AI projects."""

__version__ = "0.1.0"
