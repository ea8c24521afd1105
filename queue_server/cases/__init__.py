"""Promised-time cases (承诺件, 限时办结制): an item accepted at a window whose guide promises a time limit becomes a
case with its deadline in working days; it moves accepted → approved (审批) → issued (出件), overdue cases alert,
and each unit's and service's on-time rate (按时办结率) is counted from the records."""
