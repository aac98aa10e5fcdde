"""Create forms that are harmless to send twice (docs/decisions.md, "Simultaneous writes").

A create form carries a one-time token (``{% submission_token %}`` from the ``peerway``
template tags) and its view is decorated with ``@once_per_token``. The first POST with a
token claims it, in the same transaction as the view's writes, and remembers where the
view sent the user (the created record). A second POST with the same token, even sent at
the same moment, creates nothing and is sent to that same place. A POST that fails (the
form comes back with errors) releases the token, so the corrected form can be sent.
A POST without a token is handled as before.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from functools import wraps

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Submission

FIELD = "submission_token"
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
KEEP = dt.timedelta(days=2)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def posted_token(request) -> str:
    token = request.POST.get(FIELD, "") if request.method == "POST" else ""
    return token if TOKEN.fullmatch(token) else ""


def form_token(request) -> str:
    """The token for a form being shown: the one just sent back (its POST failed and
    released it), or a new one."""
    return posted_token(request) or new_token()


def once_per_token(view):
    """Put under ``@requires`` on a view whose successful POST creates a record and
    redirects to it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        token = posted_token(request)
        if not token or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    claim = Submission.objects.create(user=request.user, token=token)
            except IntegrityError:
                # Sent before (a concurrent first send has committed: the unique index
                # made this insert wait for it).
                first = Submission.objects.filter(user=request.user, token=token).first()
                messages.info(request, _("This form was already sent; nothing was saved twice."))
                return redirect(first.url if first and first.url else request.path)
            response = view(request, *args, **kwargs)
            location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
            if location:
                claim.url = location[:500]
                claim.save(update_fields=["url"])
                Submission.objects.filter(
                    user=request.user, created_at__lt=timezone.now() - KEEP
                ).delete()
            else:
                claim.delete()  # nothing was created: the corrected form may be sent
            return response

    return wrapper
