"""mmn-ddx: teaches the differential diagnosis of multifocal motor neuropathy versus ALS.

Educational use only: nothing here is a clinical decision.
"""

DISCLAIMER = "Educational use only: not for clinical decisions."


def __getattr__(name: str):
    # The version is read from the installed metadata only when asked for: importing
    # importlib.metadata costs more than the rest of start-up (`mmn-ddx --help`). Reading it
    # takes milliseconds, and a class's papers ask thousands of times: it is read once.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("mmn-ddx")
        except PackageNotFoundError:  # a source tree that was never installed
            found = "0+unknown"
        globals()["__version__"] = found
        return found
    raise AttributeError(name)
