"""Forecast runs: what went in (the series as of a vintage, the models and their settings), the backtest's
scores, and the forecast points that came out, kept so any run can be shown again and reproduced."""

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text

from citybase.storage.metadata import UTCDateTime, metadata

forecast_runs = Table(
    "forecast_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    # Codes, not surrogate keys: a run names the series as its caller did (docs/forecasting.md).
    Column("indicator", String(64), nullable=False),
    Column("region", String(12), nullable=False),
    Column("dims", String(128), nullable=False, server_default=""),
    Column("unit", String(32), nullable=False, server_default=""),
    Column("frequency", String(8), nullable=False),
    Column("horizon", Integer, nullable=False),
    # The instant the inputs were read as of; as_of_given tells whether the caller named a vintage.
    Column("as_of", UTCDateTime(), nullable=False),
    Column("as_of_given", Boolean, nullable=False),
    Column("inputs", Text, nullable=False),  # JSON: [{period, value, filled, computed}]
    Column("parameters", Text, nullable=False),  # JSON: models, season length, backtest, versions
    Column("model", String(32), nullable=False),
    Column("metrics", Text, nullable=False),  # JSON: {candidate: {mase, mae}}
    Column("mase", Float, nullable=True),
    Column("mase_naive", Float, nullable=True),
    Column("mase_seasonal_naive", Float, nullable=True),
    Column("notes", Text, nullable=False, server_default="[]"),  # JSON: [{template, params}]
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_forecast_runs_series", "indicator", "region"),
)

forecast_points = Table(
    "forecast_points",
    metadata,
    Column("run_id", Integer, ForeignKey("forecast_runs.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("period", String(16), nullable=False),
    Column("value", Float, nullable=False),
    Column("lower_80", Float, nullable=False),
    Column("upper_80", Float, nullable=False),
    Column("lower_95", Float, nullable=False),
    Column("upper_95", Float, nullable=False),
)
