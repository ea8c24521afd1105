"""Enterprise questionnaires (问卷调查, plan 一(四)2): questionnaires defined in the hall file (``[[surveys]]``),
answered on a phone page without an app (``/s/{ticket_token}``, from the ticket's status page or the follow-up
call's SMS link), one answer per served ticket; results per window and unit, and the weak points to report to the
units concerned (通报相关窗口单位)."""
