"""Appointments (预约) booked ahead: slots with capacity on the hall's working days, the citizen's phone page
``/book``, booking on behalf, cancel and change, no-shows (爽约) and the ban they earn, reminders, the 预约 KPIs.
Checking a booked code in at the kiosk stays the queue's (``queue/appointments.py``)."""
