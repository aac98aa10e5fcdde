"""What a user may read through FHIR: the pages' own selectors and rules, over every
organization where the user holds a role. Nothing here widens what a page shows."""

from __future__ import annotations

from functools import cached_property

from django.db.models import QuerySet

from peerway.core.models import Organization, Site, Team
from peerway.core.permissions import _memberships


class Scope:
    def __init__(self, user):
        self.user = user

    @cached_property
    def organizations(self) -> list[Organization]:
        ids = {m.organization_id for m in _memberships(self.user)}
        return list(Organization.objects.filter(pk__in=ids).order_by("pk"))

    def _orgs_with(self, perm: str) -> list[Organization]:
        return [org for org in self.organizations if self.user.has_perm(perm, org)]

    @cached_property
    def service_orgs(self) -> list[Organization]:
        return self._orgs_with("support.use_service")

    @cached_property
    def structure_orgs(self) -> list[Organization]:
        return self._orgs_with("core.view_structure")

    @property
    def may_read_library(self) -> bool:
        return bool(self._orgs_with("instruments.view_library"))

    # --- places ---------------------------------------------------------------------

    def sites(self) -> QuerySet[Site]:
        return Site.objects.filter(organization__in=self.structure_orgs).select_related(
            "organization"
        )

    def teams(self) -> QuerySet[Team]:
        return Team.objects.filter(site__organization__in=self.structure_orgs).select_related(
            "site__organization"
        )

    # --- people and their service (support.view_person and the lists' selectors) -------

    def people(self):
        from peerway.support.models import Person
        from peerway.support.selectors import people_visible_q

        return (
            Person.objects.filter(people_visible_q(self.user), organization__in=self.service_orgs)
            .select_related("organization", "team__site")
            .distinct()
        )

    def referrals(self):
        from peerway.support.models import Referral
        from peerway.support.selectors import referrals_for

        ids = None
        for org in self.service_orgs:
            part = referrals_for(self.user, org).values("pk")
            ids = part if ids is None else ids.union(part)
        qs = Referral.objects.filter(pk__in=ids) if ids is not None else Referral.objects.none()
        return qs.select_related("person__organization", "team__site", "referred_by")

    def episodes(self):
        from peerway.support.models import PeerRelationship

        return PeerRelationship.objects.filter(
            person__in=self.people().values("pk")
        ).select_related("person__organization", "worker")

    def encounters(self):
        from peerway.contacts.selectors import contacts_visible_q
        from peerway.support.models import Contact

        return (
            Contact.objects.filter(
                contacts_visible_q(self.user), organization__in=self.service_orgs
            )
            .select_related("organization", "team", "worker")
            .prefetch_related("people")
        )

    def consents(self):
        from peerway.support.models import ConsentRecord

        return ConsentRecord.objects.filter(person__in=self.people().values("pk")).select_related(
            "person__organization"
        )

    def administrations(self):
        """Administrations of people the user may open; each is then shown as far as the
        outcomes rules allow (``may_see_scores`` / ``may_see_answers``)."""
        from peerway.outcomes.models import Administration

        return Administration.objects.filter(person__in=self.people().values("pk")).select_related(
            "person__organization", "person__team__site"
        )

    @cached_property
    def _rule_cache(self) -> dict:
        return {}

    def _person_rule(self, perm: str, person) -> bool:
        key = (perm, person.pk)
        if key not in self._rule_cache:
            self._rule_cache[key] = self.user.has_perm(perm, person)
        return self._rule_cache[key]

    def may_see_answers(self, person) -> bool:
        return self._person_rule("outcomes.view_answers", person)

    def may_see_scores(self, person) -> bool:
        return self._person_rule("outcomes.view_scores", person)

    def may_see_name(self, person) -> bool:
        # The person page shows the name to whoever may open it (support.view_person);
        # every person in people() passed that rule's selector already.
        return self._person_rule("support.view_person", person)
