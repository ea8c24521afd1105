"""Hardware caller keypads (物理呼叫器)."""
