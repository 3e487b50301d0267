"""Forms for coordinators, the secretariat and officials, and what the concern page needs of them."""


def triage_context(user, concern) -> dict:
    """Forms and flags for the triage panel of the concern page; {} for people who may not triage."""
    return {}


def answer_context(user, concern) -> dict:
    """The official-answer form for a verified official of an assigned institution; {} otherwise."""
    return {}
