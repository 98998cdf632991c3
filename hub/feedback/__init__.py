"""What controls found, recorded by officers: the start of the learning loop.

:class:`ControlResult` is what an officer records after a check or an
examination; it refers to the decision version and the findings that led
to the control, so profile performance can be counted from it.
"""

from hub.feedback.result import ControlOutcome, ControlResult, Quantity

__all__ = ["ControlOutcome", "ControlResult", "Quantity"]
