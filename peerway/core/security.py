def axes_username(request, credentials=None) -> str:
    """The account a sign-in attempt targets, whatever form field carried it."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not value and request is not None:
        data = getattr(request, "POST", {}) or {}
        value = data.get("login") or data.get("username") or data.get("email")
    return (value or "").strip().lower()
