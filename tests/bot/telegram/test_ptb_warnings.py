"""The test run ignores only PTB's own deprecation notice from building a RetryAfter (its
constructor reads the int-valued `retry_after` it deprecates); other PTB warnings still show."""

from __future__ import annotations

import warnings

from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning


def test_building_a_retry_after_warns_nothing() -> None:
    with warnings.catch_warnings(record=True) as caught:
        error = RetryAfter(30)
    assert [str(w.message) for w in caught] == []
    assert str(error) == "Flood control exceeded. Retry in 30 seconds"


def test_other_ptb_deprecations_are_still_reported() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.warn(PTBDeprecationWarning("22.9", "something else is going away"), stacklevel=1)
    assert [w.category for w in caught] == [PTBDeprecationWarning]
