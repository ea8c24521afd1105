"""The Mandarin call voice: clips joined into "请A001号到3号窗口办理", played one call at a time."""
