"""Analyses and research of the catalogue (dataset type ``analysis``): validators, search, helpers."""
