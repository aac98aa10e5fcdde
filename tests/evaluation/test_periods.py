from datetime import date

import pytest

from peerway.evaluation.periods import PeriodError, parse_period


@pytest.mark.parametrize(
    "text,code,start,end",
    [
        ("2026Q3", "2026Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026q1", "2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-02", "2026-02", date(2026, 2, 1), date(2026, 2, 28)),
        ("2024-02", "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026", "2026", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_quarter_month_and_year_periods(text, code, start, end):
    period = parse_period(text)
    assert (period.code, period.start, period.end) == (code, start, end)


@pytest.mark.parametrize("text", ["", "2026Q5", "2026-13", "Q3 2026", "26", "0000", "2026-7x"])
def test_bad_period_names_the_accepted_formats(text):
    with pytest.raises(PeriodError) as err:
        parse_period(text)
    assert text.strip() == "" or repr(text) in str(err.value)
