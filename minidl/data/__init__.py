"""Datasets and the tools around them.

catvnoncat.py  the course's cat/non-cat images (provided, never downloaded)
augment.py     seeded image augmentation whose batches ``fit`` takes (Keras's ImageDataGenerator)
split.py       class-balanced validation splits and class weights
images.py      reading images for the command line
"""

from .augment import Augment, BatchIterator
from .catvnoncat import CATVNONCAT_FILES, find_data_file, find_data_folder, load_catvnoncat
from .split import balanced_split, class_weights

__all__ = [
    "CATVNONCAT_FILES",
    "Augment",
    "BatchIterator",
    "balanced_split",
    "class_weights",
    "find_data_file",
    "find_data_folder",
    "load_catvnoncat",
]
