"""Regions (区划): the national division codes, versioned by validity years, with lookups and search."""

from citybase.regions.codes import normalise_code
from citybase.regions.model import Level, Region, RegionChange, RegionMatch

__all__ = ["Level", "Region", "RegionChange", "RegionMatch", "normalise_code"]
