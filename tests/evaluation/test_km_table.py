"""The table beside the Kaplan–Meier chart gives the estimate at landmark days only, and
never a number at risk below 5 (no day-by-day event counts that single people out)."""

from types import SimpleNamespace

from peerway.evaluation.figures import landmarks


def test_landmarks_hold_the_step_estimate_and_hide_small_counts():
    curve = SimpleNamespace(
        times=[3, 10, 40, 95],
        survival=[0.9, 0.8, 0.7, 0.6],
        ci_low=[0.8, 0.7, 0.6, 0.5],
        ci_high=[1.0, 0.9, 0.8, 0.7],
        at_risk=[12, 9, 6, 4],
    )
    rows = landmarks(curve, "Peer supported")
    assert [r["days"] for r in rows] == [0, 7, 14, 30, 60, 90]
    by_day = {r["days"]: r for r in rows}
    assert by_day[0]["s"] == 1.0 and by_day[7]["s"] == 0.9 and by_day[30]["s"] == 0.8
    assert by_day[90]["s"] == 0.7
    assert by_day[30]["at_risk"] == 6 and by_day[60]["at_risk"] is None  # 4 at risk: hidden
    assert all(set(r) == {"group", "days", "at_risk", "s", "low", "high"} for r in rows)
