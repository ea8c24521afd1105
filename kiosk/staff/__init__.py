"""The staff panel (虚拟呼叫器): a counter's call, recall, skip, transfer, hold/resume, pause/open and finish."""
