"""The service-practice register (plan 一(一), 一(八)): one tap at the counter records that a ticket got 帮办代办,
容缺受理 (the missing material and the promised date, tracked until it arrives), 延时服务, 预约服务, 上门服务,
免费打复印, 首问责任 (who owns the question until it is handed over) or another kind the hall file names; the
一次性告知 slips printed from the guides are counted with them. Counts per window, unit, staff member and period."""
