"""Analysis services (分析服务): growth, structure, comparison and forecasts from the central store."""
