"""The fictional demo region. Every name here is invented.

``seed()`` builds the organization, sites, teams and one account per role, then calls
``seed(region)`` in the ``demo`` module of every other Peerway app that has one, so later
features extend the same command.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
from dataclasses import dataclass, field

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from . import audit
from .models import Membership, Organization, Site, Team, User
from .roles import Role, TeamType

DEMO_SLUG = "lakeshore"
DEMO_PASSWORD = "peerway-demo-2026"  # noqa: S105 - fictional demo accounts only
DOMAIN = "lakeshore.example"

SITES = {
    "harbourview": "Harbourview General Hospital",
    "pineridge": "Pine Ridge Community Clinic",
    "northfield": "Northfield Mental Health Centre",
    "riverbend": "Riverbend Community Office",
}
TEAMS = [
    ("unit3b", "Inpatient Unit 3B", TeamType.INPATIENT, "harbourview"),
    ("crisis", "Mobile Crisis Team", TeamType.CRISIS, "harbourview"),
    ("transition", "Discharge Transition Team", TeamType.TRANSITION, "harbourview"),
    ("cmh_east", "Community Mental Health East", TeamType.COMMUNITY, "pineridge"),
    ("cmh_north", "Community Mental Health North", TeamType.COMMUNITY, "northfield"),
    ("warmline", "Lakeshore Warm Line", TeamType.TELEPHONE, "northfield"),
    ("navigation", "Peer Navigation Service", TeamType.NAVIGATION, "riverbend"),
    ("family", "Family Peer Support", TeamType.FAMILY_SUPPORT, "riverbend"),
]
# (key, name, role, scope kind, scope key)
PEOPLE = [
    ("manager", "Morgan Tremblay", Role.MANAGER, "org", None),
    ("admin", "Alex Okafor", Role.ADMIN, "org", None),
    ("evaluator", "Eve Lindqvist", Role.EVALUATOR, "org", None),
    ("hr", "Harper Wong", Role.HR, "org", None),
    ("supervisor1", "Sam Gagnon", Role.SUPERVISOR, "site", "harbourview"),
    ("supervisor2", "Riley Bouchard", Role.SUPERVISOR, "site", "riverbend"),
    ("peer1", "Jordan Lee", Role.PEER_WORKER, "team", "unit3b"),
    ("peer2", "Casey Martin", Role.PEER_WORKER, "team", "unit3b"),
    ("peer3", "Taylor Nguyen", Role.PEER_WORKER, "team", "transition"),
    ("peer4", "Jamie Roy", Role.PEER_WORKER, "team", "transition"),
    ("peer5", "Robin Cote", Role.PEER_WORKER, "team", "cmh_east"),
    ("peer6", "Avery Singh", Role.PEER_WORKER, "team", "navigation"),
    ("peer7", "Quinn Belanger", Role.PEER_WORKER, "team", "navigation"),
    ("peer8", "Drew Pelletier", Role.PEER_WORKER, "team", "family"),
    ("clinician1", "Dr. Priya Raman", Role.CLINICIAN, "team", "unit3b"),
    ("clinician2", "Chris Lavoie", Role.CLINICIAN, "team", "crisis"),
    ("clinician3", "Noor Haddad", Role.CLINICIAN, "team", "transition"),
    ("clinician4", "Pat Fortin", Role.CLINICIAN, "team", "cmh_east"),
    ("clinician5", "Lee Kowalski", Role.CLINICIAN, "team", "cmh_north"),
    ("clinician6", "Mika Dubois", Role.CLINICIAN, "team", "warmline"),
]
# Supervisor 1 also covers Pine Ridge (its lone peer worker needs a supervisor).
EXTRA_MEMBERSHIPS = [("supervisor1", Role.SUPERVISOR, "site", "pineridge")]


def email_for(key: str) -> str:
    return f"{key}@{DOMAIN}"


def demo_totp_secret(email: str) -> str:
    """A fixed secret per demo account, so the demo's two-factor codes are reproducible."""
    digest = hashlib.sha256(("peerway-demo-totp:" + email).encode()).digest()[:20]
    return base64.b32encode(digest).decode("ascii")


def current_code(secret: str) -> str:
    import time

    from allauth.mfa import app_settings

    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


@dataclass
class Region:
    organization: Organization
    sites: dict[str, Site] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


def exists() -> bool:
    return Organization.objects.filter(slug=DEMO_SLUG).exists()


def load_region() -> Region:
    org = Organization.objects.get(slug=DEMO_SLUG)
    region = Region(org)
    region.sites = {k: Site.objects.get(organization=org, name=v) for k, v in SITES.items()}
    for key, name, _type, site_key in TEAMS:
        region.teams[key] = Team.objects.get(site=region.sites[site_key], name=name)
    for key, *_rest in PEOPLE:
        region.users[key] = User.objects.get(email=email_for(key))
    return region


@transaction.atomic
def seed() -> Region:
    """Build the region once; later runs leave existing data alone."""
    region = load_region() if exists() else _build()
    for config in apps.get_app_configs():
        if not config.name.startswith("peerway.") or config.name == "peerway.core":
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError:
            continue
        module.seed(region)
    return region


def _build() -> Region:
    org = Organization.objects.create(
        name="Lakeshore Valley Health Region",
        slug=DEMO_SLUG,
        is_demo=True,
        mfa_required_roles=list(settings.PEERWAY_DEFAULT_MFA_ROLES),
    )
    region = Region(org)
    for key, name in SITES.items():
        region.sites[key] = Site.objects.create(organization=org, name=name)
    for key, name, team_type, site_key in TEAMS:
        region.teams[key] = Team.objects.create(
            site=region.sites[site_key], name=name, team_type=team_type
        )
    # Every demo account has the same published password: hash it once (a deliberately
    # slow Argon2 hash per account made seeding take seconds per account).
    demo_hash = make_password(DEMO_PASSWORD)
    for key, name, role, scope, place in PEOPLE:
        user = User.objects.create_user(
            email=email_for(key),
            password=None,
            display_name=name,
            is_staff=(role == Role.ADMIN),
            is_superuser=(role == Role.ADMIN),
        )
        user.password = demo_hash
        user.save(update_fields=["password"])
        region.users[key] = user
        _grant(region, user, role, scope, place)
        if role in org.mfa_required_roles:
            TOTP.activate(user, demo_totp_secret(user.email))
            RecoveryCodes.activate(user)
    for key, role, scope, place in EXTRA_MEMBERSHIPS:
        _grant(region, region.users[key], role, scope, place)
    audit.record(
        actor=None,
        action="demo.seeded",
        obj=org,
        details={"sites": len(SITES), "teams": len(TEAMS), "users": len(PEOPLE)},
    )
    return region


def _grant(region: Region, user: User, role: str, scope: str, place: str | None) -> None:
    Membership.objects.create(
        user=user,
        role=role,
        organization=region.organization,
        site=region.sites[place] if scope == "site" else None,
        team=region.teams[place] if scope == "team" else None,
    )


def logins() -> list[dict[str, str]]:
    """One login per role (the first account of each role), for the console and docs."""
    seen: set[str] = set()
    rows = []
    for key, name, role, _scope, place in PEOPLE:
        if role in seen:
            continue
        seen.add(role)
        email = email_for(key)
        has_mfa = Authenticator.objects.filter(
            user__email=email, type=Authenticator.Type.TOTP
        ).exists()
        rows.append(
            {
                "role": str(Role(role).label),
                "email": email,
                "name": name,
                "where": place or "whole region",
                "totp_secret": demo_totp_secret(email) if has_mfa else "",
            }
        )
    return rows
