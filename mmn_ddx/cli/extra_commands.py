"""Imports the command modules of this package so that each registers its commands on `main`."""

import importlib
import pkgutil

import mmn_ddx.cli as _cli

for _module in pkgutil.iter_modules(_cli.__path__):
    if _module.name != "extra_commands":
        importlib.import_module(f"mmn_ddx.cli.{_module.name}")
