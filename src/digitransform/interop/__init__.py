"""Reports for the systems a province already reports into: DHIS2's ``dataValueSets`` and ADX.

See ``docs/interop.md``.
"""

from __future__ import annotations

from digitransform.interop.dhis2 import (
    ADX_NAMESPACE,
    DataElements,
    Dhis2Mapping,
    MappingError,
    adx_period,
    data_value_set,
    dhis2_period,
    indicator_key,
    mapping_template,
    read_mapping,
    to_adx,
    to_data_value_set,
)
from digitransform.interop.dhis2_check import check_adx, check_data_value_set

__all__ = [
    "ADX_NAMESPACE",
    "DataElements",
    "Dhis2Mapping",
    "MappingError",
    "adx_period",
    "check_adx",
    "check_data_value_set",
    "data_value_set",
    "dhis2_period",
    "indicator_key",
    "mapping_template",
    "read_mapping",
    "to_adx",
    "to_data_value_set",
]
