def username_from_credentials(request, credentials) -> str:
    """The login as django-axes counts it: one address whatever its case or spacing.

    Otherwise "Ana@x.org" and "ana@x.org" would be separate lockouts, and an
    attacker would get five tries per spelling.
    """
    return str((credentials or {}).get("username") or "").strip().lower()
