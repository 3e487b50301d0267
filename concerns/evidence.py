"""Evidence attached to concerns (uploads are checked in mesa/uploads.py)."""


def evidence_context(user, concern) -> dict:
    """The evidence of `concern` that `user` may open, for the concern page."""
    return {}
