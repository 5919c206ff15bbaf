"""The registry-free factors between magnitudes of one kind (万元 → 亿元) are pint's own."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pint
import pytest

from citybase.errors import InvalidInput
from citybase.transform import units
from citybase.transform.units import conversion_factor


def _pint_factor(source: str, target: str) -> Decimal:
    factor = units.registry().Quantity(1, units.parse_unit(source)).to(units.parse_unit(target)).magnitude
    return Decimal(repr(float(factor))).normalize()


@pytest.mark.parametrize(("source", "target"), list(itertools.product(units._SCALED, repeat=2)))
def test_scaled_factor_is_pints(source: str, target: str) -> None:
    if units._SCALED[source][0] != units._SCALED[target][0]:
        with pytest.raises(InvalidInput, match="cannot be converted"):
            conversion_factor(source, target)
        with pytest.raises(pint.DimensionalityError):
            _pint_factor(source, target)
        return
    assert conversion_factor(source, target) == _pint_factor(source, target)
    assert str(conversion_factor(source, target)) == str(_pint_factor(source, target))


def test_other_units_still_go_through_pint() -> None:
    assert conversion_factor("万吨", "吨") == Decimal("1E+4")
    with pytest.raises(InvalidInput, match="cannot be converted"):
        conversion_factor("万元", "万吨")
