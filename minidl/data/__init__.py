"""Datasets and the tools around them.

catvnoncat.py  the course's cat/non-cat images (provided, never downloaded)
wafer.py       synthetic wafer-inspection images: the wafer, its dies, the light and the camera
wafer_defects.py  the scratches, particles and cracks drawn into them, with masks and boxes
patches.py     defect and background patches cut from them, for a patch classifier
augment.py     seeded image augmentation whose batches ``fit`` takes (Keras's ImageDataGenerator)
split.py       class-balanced validation splits and class weights
images.py      reading image files (grey, RGB) and the test images (checkerboard, cameraman)
"""

from .augment import Augment, BatchIterator
from .catvnoncat import CATVNONCAT_FILES, find_data_file, find_data_folder, load_catvnoncat
from .patches import load_patch_dataset, make_patch_dataset, save_patch_dataset
from .split import balanced_split, class_weights
from .wafer import CLASS_NAMES, generate_wafers, wafer_mask

__all__ = [
    "CATVNONCAT_FILES",
    "CLASS_NAMES",
    "Augment",
    "BatchIterator",
    "balanced_split",
    "class_weights",
    "find_data_file",
    "find_data_folder",
    "generate_wafers",
    "load_catvnoncat",
    "load_patch_dataset",
    "make_patch_dataset",
    "save_patch_dataset",
    "wafer_mask",
]
