# Metadata and entry points live in pyproject.toml; this file exists for
# tools that still call setup.py (CKAN's `ckan generate` and babel helpers).
from setuptools import setup

setup()
