"""Changing one's sign-in e-mail address: the new address takes over only once confirmed.

allauth's change-email flow (ACCOUNT_CHANGE_EMAIL) keeps the new address pending until
its owner follows the link sent to it. Two gaps are closed here:

- the current address counts as verified (an account is created through an invitation
  link sent to it, or by a system administrator), so a pending address can never be made
  primary, or take over when the current one is removed, without its link;
- the page offers no "make primary" and never removes the current address.

Requests and confirmed changes are audited (peerway.core.signals).
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.forms import AddEmailForm, ResetPasswordForm
from allauth.account.models import EmailAddress
from allauth.account.views import EmailView
from django.contrib.auth import get_user_model
from django.db import transaction


def ensure_current_address_verified(user) -> None:
    email = (user.email or "").lower()
    if not email:
        return
    with transaction.atomic():
        EmailAddress.objects.filter(user=user, primary=True).exclude(email=email).update(
            primary=False
        )
        address, _ = EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if not (address.verified and address.primary):
            address.verified = True
            address.primary = True
            address.save(update_fields=["verified", "primary"])


class ChangeEmailForm(AddEmailForm):
    """Says at once when the address belongs to another account (only signed-in people
    reach this form), instead of leaving a pending claim on someone else's address."""

    def clean_email(self) -> str:
        value = super().clean_email()
        taken = get_user_model().objects.filter(email__iexact=value).exclude(pk=self.user.pk)
        if taken.exists():
            raise get_adapter().validation_error("email_taken")
        return value


class AccountAddressResetPasswordForm(ResetPasswordForm):
    """A password reset link goes to the account's confirmed address only, never to an
    address still waiting for its confirmation link."""

    def clean_email(self) -> str:
        email = super().clean_email()
        self.users = [u for u in self.users if (u.email or "").lower() == email.lower()]
        return email


class EmailChangeView(EmailView):
    form_class = ChangeEmailForm

    def get_form_class(self):
        return ChangeEmailForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ensure_current_address_verified(request.user)
        return super().dispatch(request, *args, **kwargs)

    def _action_primary(self, request, *args, **kwargs):
        # Only the confirmation link makes an address the sign-in address.
        return None

    def _action_remove(self, request, *args, **kwargs):
        address = self._get_email_address(request)
        if address is None or address.primary or address.email == request.user.email:
            return None  # the current address stays until a new one is confirmed
        return super()._action_remove(request, *args, **kwargs)


email_change = EmailChangeView.as_view()
