"""The workflow's pure rules, without the database."""

import pytest

from indicators.workflow import status_after_change


@pytest.mark.parametrize(
    ("current", "submit", "after"),
    [
        (None, False, "draft"),
        (None, True, "submitted"),
        ("draft", False, "draft"),
        ("draft", True, "submitted"),
        ("returned", False, "draft"),
        ("returned", True, "submitted"),
        ("submitted", False, "submitted"),  # a correction of a sent figure is sent again
        ("submitted", True, "submitted"),
    ],
)
def test_status_after_a_change(current, submit, after):
    assert status_after_change(current, submit=submit) == after
