"""The complete schema: importing this module registers every domain's tables on the one MetaData."""

from sqlalchemy import MetaData

import citybase.accounts.tables
import citybase.analysis.forecast_tables
import citybase.analysis.target_tables
import citybase.audit.tables
import citybase.collection.tables
import citybase.dashboards.tables
import citybase.facts.tables
import citybase.indicators.tables
import citybase.ledger.tables
import citybase.regions.tables
import citybase.site  # noqa: F401 - registers site_settings
from citybase.storage.metadata import metadata


def full_metadata() -> MetaData:
    return metadata
