"""Window screens (窗口屏): LED screens above the counters."""
