"""Sign-in events and two-factor changes go to the audit trail."""

from allauth.account.signals import email_added, email_changed
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit
from .security import axes_username


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    audit.record(actor=user, action="auth.signed_in", obj=user)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="auth.signed_out", obj=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    # The password is never recorded; only the account that was tried.
    audit.record(
        actor=None,
        action="auth.sign_in_failed",
        details={"account": axes_username(request, credentials)},
    )


@receiver(authenticator_added)
def on_mfa_added(sender, request, user, authenticator, **kwargs):
    audit.record(actor=user, action="mfa.added", obj=user, details={"type": authenticator.type})


@receiver(authenticator_removed)
def on_mfa_removed(sender, request, user, authenticator, **kwargs):
    audit.record(actor=user, action="mfa.removed", obj=user, details={"type": authenticator.type})


@receiver(email_added)
def on_email_change_requested(sender, request, user, email_address, **kwargs):
    # The new address is pending: it signs in nobody until its link is followed.
    audit.record(
        actor=user,
        action="account.email_change_requested",
        obj=user,
        details={"new_email": email_address.email},
    )


@receiver(email_changed)
def on_email_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    audit.record(
        actor=user,
        action="account.email_changed",
        obj=user,
        details={
            "from_email": from_email_address.email if from_email_address else "",
            "to_email": to_email_address.email,
        },
    )
