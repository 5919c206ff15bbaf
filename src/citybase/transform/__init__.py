"""Transformation (转换): units, periods, and cumulative ↔ single-period values."""
