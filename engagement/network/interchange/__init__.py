"""Bulk import and export of the network directory (JSON, or CSV files in a zip).

The format is described in docs/network-import.md; `format.py` is its definition in code.
"""

from engagement.network.interchange.exporting import LAYOUTS, Export, network_export
from engagement.network.interchange.format import FORMAT, ImportRefused, Problem
from engagement.network.interchange.importing import ImportResult, network_import

__all__ = [
    "FORMAT",
    "LAYOUTS",
    "Export",
    "ImportRefused",
    "ImportResult",
    "Problem",
    "network_export",
    "network_import",
]
