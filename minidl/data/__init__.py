"""Datasets. ``catvnoncat.py``: the course's cat/non-cat images (provided, never downloaded)."""

from .catvnoncat import CATVNONCAT_FILES, find_data_file, find_data_folder, load_catvnoncat

__all__ = ["CATVNONCAT_FILES", "find_data_file", "find_data_folder", "load_catvnoncat"]
