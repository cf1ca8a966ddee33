"""mmn-ddx: teaches the differential diagnosis of multifocal motor neuropathy versus ALS.

Educational use only: nothing here is a clinical decision.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mmn-ddx")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

DISCLAIMER = "Educational use only: not for clinical decisions."
