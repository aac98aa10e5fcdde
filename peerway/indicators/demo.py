"""Demo indicators: drift alerts for the demo's supervisors.

Every dashboard figure is computed from the demo's rollups and records when a page opens,
so the drifting Discharge Transition Team and the lone-peer teams are flagged with their
explanations without anything stored here. The only stored things are the drift alerts a
daily task would have raised; running this again adds nothing.
"""

from __future__ import annotations

from .services import raise_drift_alerts


def seed(region) -> None:
    raise_drift_alerts(organization=region.organization)
