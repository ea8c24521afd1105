"""The citizen's phone, with consent (留手机号接收到号提醒): a number left at the kiosk or on the ticket's status page
for that ticket's SMS reminders ("前面还有 N 位", "请到 N 号窗口") and the review invitation; kept in its own table,
masked wherever it is shown, and deleted after the hall's retention. The SMS channel
(:mod:`queue_server.outbound.sms`) turns the hall's events into those reminders with :mod:`.reminders`."""
