"""Authentication backends: sign-in only, never a source of permissions.

allauth's backend inherits Django's ModelBackend, which grants a superuser every
permission row in the database (and anyone the rows given to their groups). Peerway's
permissions come from the `rules` predicates alone (peerway/core/permissions.py and each
app's permissions.py), so this backend answers "no" to every permission question.

It also signs people in by their account's address only: an address waiting for
confirmation (a requested change, see email_change.py) opens nothing.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend


class SignInBackend(AuthenticationBackend):
    def _authenticate_by_email(self, email: str, password: str):
        from django.contrib.auth import get_user_model

        if not email:
            return None
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        return self._check_password(user, password)

    def get_user_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        return set()

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return False

    def has_module_perms(self, user_obj, app_label) -> bool:
        return False
