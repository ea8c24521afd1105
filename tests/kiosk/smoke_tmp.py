from pathlib import Path
def smoke(factory, ctx):
    from queue_server.config import load_config, DEMO_CONFIG_PATH
    from kiosk.common.settings import KioskSettings
    from kiosk.ticketing.app import TicketKioskApp
    cfg = load_config(DEMO_CONFIG_PATH)
    app = TicketKioskApp(KioskSettings(server="http://127.0.0.1:9"), cfg, printer=None)
    d = factory.start(app)
    d.shot("home")
    d.tap_text("取号", exact=True)
    d.wait_screen("services"); d.shot("services")
    d.tap_text("绿色通道"); d.wait_screen("priority"); d.shot("priority")
    d.tap_text("残疾人"); d.wait_screen("services"); d.shot("services_priority")
    d.tap_text("不动产转移登记"); d.wait_screen("confirm"); d.shot("confirm")
    d.tap_text("确认取号"); d.wait_screen("error", 15); d.shot("error")
    d.tap_text("返回首页"); d.wait_screen("home")
    d.tap_text("预约签到"); d.wait_screen("checkin")
    for k in "123": d.tap_text(k, exact=True)
    d.shot("checkin")
    return {"texts": d.texts()}
