"""Due dates and windows: pure date arithmetic."""

from datetime import date

from peerway.outcomes.schedule import add_months, window_for


def test_months_are_calendar_months_clamped_to_month_end():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert add_months(date(2026, 5, 1), 12) == date(2027, 5, 1)


def test_intake_is_due_two_weeks_after_start_and_open_before_it():
    w = window_for(date(2026, 3, 1), 0, before=14, after=30, intake_days=14)
    assert w.due_on == date(2026, 3, 15)
    assert w.opens_on == date(2026, 2, 15)
    assert w.closes_on == date(2026, 4, 14)


def test_follow_up_window_statuses():
    w = window_for(date(2026, 1, 10), 3, before=14, after=30, intake_days=14)
    assert w.due_on == date(2026, 4, 10)
    assert w.status(date(2026, 3, 26)) == "upcoming"
    assert w.status(date(2026, 3, 27)) == "due"
    assert w.status(date(2026, 4, 10)) == "due"
    assert w.status(date(2026, 4, 11)) == "overdue"
    assert w.status(date(2026, 5, 10)) == "overdue"
    assert w.status(date(2026, 5, 11)) == "missed"
    assert w.status(date(2026, 5, 11), done=True) == "done"
