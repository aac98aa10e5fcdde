"""The demo export: only when people supported exist, and only once."""

from __future__ import annotations

from types import SimpleNamespace

from peerway.research import demo
from peerway.research.models import DeidentifiedExport, ExportStatus


def test_the_demo_waits_for_people_supported(world):
    demo.seed(SimpleNamespace(organization=world.org, users={"evaluator": world.evaluator}))
    assert not DeidentifiedExport.objects.exists()


def test_the_demo_makes_one_export(world, crowd):
    region = SimpleNamespace(organization=world.org, users={"evaluator": world.evaluator})
    demo.seed(region)
    demo.seed(region)
    export = DeidentifiedExport.objects.get()
    assert export.status == ExportStatus.COMPLETED
    assert export.requested_by == world.evaluator
    assert export.downloadable()
