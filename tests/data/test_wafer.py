"""Synthetic wafers (``minidl.data.wafer``): determinism, tight boxes, realistic layout, patches.

Images are small (64-112 px) so the property tests stay cheap; the generator scales its dies and
defects to the image.
"""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

import minidl
from minidl.data.patches import load_patch_dataset, make_patch_dataset, save_patch_dataset
from minidl.data.wafer import CLASS_NAMES, MIN_IMAGE_SIZE, generate_wafers, wafer_mask
from minidl.errors import DataFileError
from minidl.io import save_arrays

DEFECTS = ("scratch", "particle", "crack")
SMALL = (96, 96)


@pytest.fixture(scope="module")
def wafers():
    return generate_wafers(8, SMALL, seed=0)


def assert_same_annotations(a, b):
    assert len(a) == len(b)
    for defects_a, defects_b in zip(a, b, strict=True):
        assert len(defects_a) == len(defects_b)
        for da, db in zip(defects_a, defects_b, strict=True):
            assert da["bbox"] == db["bbox"] and da["class"] == db["class"]
            np.testing.assert_array_equal(da["mask"], db["mask"])


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_images_and_annotations():
    a = generate_wafers(3, SMALL, seed=7)
    b = generate_wafers(3, SMALL, seed=7)
    np.testing.assert_array_equal(a[0], b[0])
    assert_same_annotations(a[1], b[1])


def test_image_i_depends_only_on_seed_and_i():
    images5, ann5 = generate_wafers(5, SMALL, seed=0)
    images3, ann3 = generate_wafers(3, SMALL, seed=0)
    np.testing.assert_array_equal(images5[:3], images3)
    assert_same_annotations(ann5[:3], ann3)


def test_different_seeds_and_indices_give_different_wafers():
    a, _ = generate_wafers(2, SMALL, seed=0)
    b, _ = generate_wafers(2, SMALL, seed=1)
    assert not np.array_equal(a[0], a[1])
    assert not np.array_equal(a[0], b[0])


def test_seed_none_follows_minidl_seed():
    minidl.seed(11)
    a, ann_a = generate_wafers(2, SMALL)
    minidl.seed(11)
    b, ann_b = generate_wafers(2, SMALL)
    np.testing.assert_array_equal(a, b)
    assert_same_annotations(ann_a, ann_b)


def test_a_generator_seed_is_accepted_and_reproducible():
    a, _ = generate_wafers(1, SMALL, seed=np.random.default_rng(3))
    b, _ = generate_wafers(1, SMALL, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------- properties


def depth_into_wafer(image):
    """Each pixel's distance (px) from the wafer's edge, 0 off the wafer."""
    return ndimage.distance_transform_edt(wafer_mask(image))


@settings(max_examples=12)
@given(
    seed=st.integers(0, 2**32),
    height=st.integers(MIN_IMAGE_SIZE, 112),
    width=st.integers(MIN_IMAGE_SIZE, 112),
)
def test_images_annotations_and_boxes_are_consistent(seed, height, width):
    images, annotations = generate_wafers(2, (height, width), n_defects_range=(1, 4), seed=seed)
    assert images.shape == (2, height, width) and images.dtype == np.uint8
    assert len(annotations) == 2
    for image, defects in zip(images, annotations, strict=True):
        assert image.std() > 5  # not a flat picture
        assert 1 <= len(defects) <= 4
        depth = depth_into_wafer(image)
        union = np.zeros(image.shape, bool)
        for d in defects:
            assert set(d) == {"bbox", "class", "mask"} and d["class"] in DEFECTS
            mask = d["mask"]
            assert mask.dtype == bool and mask.shape == image.shape and mask.any()
            # Half-open box, tight: x = column, y = row, x2 and y2 one past the last pixel.
            ys, xs = np.nonzero(mask)
            assert d["bbox"] == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
            assert all(type(v) is int for v in d["bbox"])
            x1, y1, x2, y2 = d["bbox"]
            assert mask[y1:y2, x1:x2].sum() == mask.sum()
            assert not (mask & union).any()  # defects never overlap
            assert depth[mask].min() >= 3  # on the wafer, inside the edge-exclusion ring
            union |= mask


def test_box_convention_on_one_defect(wafers):
    _, annotations = wafers
    d = annotations[0][0]
    x1, y1, x2, y2 = d["bbox"]
    crop = d["mask"][y1:y2, x1:x2]
    # Every edge row and column of the crop touches the defect, and nothing lies outside it.
    assert crop[0].any() and crop[-1].any() and crop[:, 0].any() and crop[:, -1].any()
    assert crop.shape == (y2 - y1, x2 - x1)


def test_every_class_appears_across_a_small_seeded_set(wafers):
    _, annotations = wafers
    assert {d["class"] for defects in annotations for d in defects} == set(DEFECTS)


def test_only_the_requested_classes_are_drawn():
    _, annotations = generate_wafers(4, SMALL, classes=("particle",), seed=0)
    assert {d["class"] for defects in annotations for d in defects} == {"particle"}


def test_defect_free_wafers_have_no_annotations():
    images, annotations = generate_wafers(4, SMALL, defect_free_fraction=1.0, seed=0)
    assert annotations == [[], [], [], []]
    assert all(image.std() > 5 for image in images)
    _, none = generate_wafers(3, SMALL, n_defects_range=(0, 0), seed=0)
    assert none == [[], [], []]


def test_defect_free_fraction_mixes_clean_and_defective_wafers():
    _, annotations = generate_wafers(20, (64, 64), defect_free_fraction=0.5, seed=0)
    empty = sum(len(defects) == 0 for defects in annotations)
    assert 0 < empty < 20


def test_wafer_is_brighter_than_the_chuck_and_uses_the_range(wafers):
    images, _ = wafers
    for image in images:
        centre = image[38:58, 38:58].astype(float).mean()
        corners = np.concatenate([image[:6, :6], image[:6, -6:], image[-6:, :6], image[-6:, -6:]])
        assert centre > corners.astype(float).mean() + 40
        assert image.min() < 60 and image.max() > 100


def test_wafer_mask_finds_the_disc(wafers):
    images, _ = wafers
    for image in images:
        mask = wafer_mask(image)
        H, W = image.shape
        assert mask[H // 2, W // 2] and not mask[0, 0] and not mask[-1, -1]
        assert 0.5 < mask.mean() < 0.75  # a disc of radius ~0.45 * side covers ~0.64


def test_default_size_and_inputs_untouched():
    images, annotations = generate_wafers(1, seed=0)
    assert images.shape == (1, 400, 400)
    before = images.copy()
    make_patch_dataset(images, annotations, per_class=5, seed=0)
    np.testing.assert_array_equal(images, before)


# --------------------------------------------------------------------------- patches


def test_patch_dataset_shapes_labels_and_balance(wafers):
    images, annotations = wafers
    x, y = make_patch_dataset(images, annotations, patch_size=16, per_class=40, seed=0)
    assert x.shape == (160, 16, 16, 1) and x.dtype == np.float32
    assert y.shape == (160,) and y.dtype == np.int64
    assert x.min() >= 0.0 and x.max() <= 1.0
    np.testing.assert_array_equal(np.bincount(y, minlength=4), [40, 40, 40, 40])
    assert CLASS_NAMES == ("background", "scratch", "particle", "crack")
    x2, y2 = make_patch_dataset(images, annotations, patch_size=16, per_class=40, seed=0)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)


def test_background_patches_hold_no_defect_pixel_and_defect_patches_do(wafers):
    images, annotations = wafers
    # Mark every defect pixel 255 and nothing else, so a patch's maximum tells what it holds.
    marked = np.minimum(images, 254)
    for image, defects in zip(marked, annotations, strict=True):
        for d in defects:
            image[d["mask"]] = 255
    x, y = make_patch_dataset(marked, annotations, patch_size=16, per_class=60, seed=1)
    peak = x.reshape(len(x), -1).max(axis=1)
    assert np.all(peak[y == 0] < 1.0)
    assert np.all(peak[y > 0] == 1.0)


def test_defect_patches_avoid_a_neighbouring_defect_when_they_can():
    # A particle (value 200) with a scratch (value 100) 7 px to its right: about a quarter of
    # the windows drawn around the particle would show the scratch too. Clean windows exist
    # for both, so no patch may carry the other defect under its label.
    image, _ = generate_wafers(1, (128, 128), defect_free_fraction=1.0, seed=0)
    image = np.clip(image, 0, 90)  # the plain wafer keeps clear of both marks
    particle = np.zeros((128, 128), bool)
    particle[60:63, 60:63] = True
    scratch = np.zeros((128, 128), bool)
    scratch[54:69, 70:72] = True
    image[0][particle], image[0][scratch] = 200, 100
    annotations = [
        [
            {"bbox": [60, 60, 63, 63], "class": "particle", "mask": particle},
            {"bbox": [70, 54, 72, 69], "class": "scratch", "mask": scratch},
        ]
    ]
    x, y = make_patch_dataset(image, annotations, patch_size=16, per_class=200, seed=0)
    values = np.rint(x[..., 0] * 255).astype(int).reshape(len(x), -1)
    shows = {v: (values == v).any(axis=1) for v in (100, 200)}
    assert shows[200][y == 2].all() and not shows[100][y == 2].any()
    assert shows[100][y == 1].all() and not shows[200][y == 1].any()


def test_background_patches_include_the_rim():
    images, annotations = generate_wafers(3, SMALL, seed=0)
    x, y = make_patch_dataset(images, annotations, patch_size=16, per_class=100, seed=0)
    background = x[y == 0, :, :, 0]
    # Rim and notch patches show the dark chuck; plain and structure patches do not.
    dark = (background < 60 / 255).mean(axis=(1, 2)) > 0.2
    assert 0.15 <= dark.mean() <= 0.5


def test_missing_classes_contribute_no_patches():
    images, annotations = generate_wafers(3, SMALL, classes=("scratch",), seed=0)
    _, y = make_patch_dataset(images, annotations, patch_size=16, per_class=20, seed=0)
    np.testing.assert_array_equal(np.bincount(y, minlength=4), [20, 20, 0, 0])


def test_save_and_load_round_trip(tmp_path, wafers):
    x, y = make_patch_dataset(*wafers, patch_size=16, per_class=10, seed=0)
    path = tmp_path / "patches.h5"
    save_patch_dataset(path, x, y, {"seed": 0, "note": "train"})
    x2, y2, meta = load_patch_dataset(path)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert x2.dtype == np.float32 and y2.dtype == np.int64
    assert meta["seed"] == 0 and meta["note"] == "train"
    assert meta["class_names"] == list(CLASS_NAMES)
    save_patch_dataset(path, x2, y2, meta)  # what was loaded can be saved again


def test_load_rejects_foreign_and_damaged_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_patch_dataset(tmp_path / "missing.h5")
    other = tmp_path / "other.h5"
    save_arrays(other, {"W": np.zeros(3)})
    with pytest.raises(DataFileError, match="not a wafer patch dataset"):
        load_patch_dataset(other)
    bad = tmp_path / "bad.h5"
    x = np.zeros((4, 8, 8, 1), np.float32)
    save_patch_dataset(bad, x, np.zeros(4, np.int64))
    with h5py.File(bad, "r+") as f:
        del f["arrays/x"]
        f["arrays/x"] = np.zeros((4, 8, 8), np.float64)
    with pytest.raises(DataFileError, match=r"bad\.h5.*float32"):
        load_patch_dataset(bad)
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not hdf5 at all")
    with pytest.raises(DataFileError):
        load_patch_dataset(junk)


@pytest.mark.parametrize(
    ("x", "y", "metadata", "match"),
    [
        (np.zeros((4, 8, 8, 1)), np.zeros(4, int), None, "float32"),
        (np.zeros((4, 8, 8), np.float32), np.zeros(4, int), None, r"\(N, P, P, 1\)"),
        (np.zeros((4, 8, 8, 1), np.float32), np.zeros(3, int), None, r"shape \(4,\)"),
        (np.zeros((4, 8, 8, 1), np.float32), np.full(4, 4), None, "labels in 0..3"),
        (np.full((4, 8, 8, 1), 2, np.float32), np.zeros(4, int), None, r"\[0, 1\]"),
        (np.zeros((4, 8, 8, 1), np.float32), np.zeros(4, int), {"format": "x"}, "reserved"),
    ],
)
def test_save_rejects_bad_datasets(tmp_path, x, y, metadata, match):
    with pytest.raises(ValueError, match=match):
        save_patch_dataset(tmp_path / "p.h5", x, y, metadata)
    assert not (tmp_path / "p.h5").exists()


# --------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"image_size": (32, 96)}, "at least 64"),
        ({"image_size": (96,)}, "image_size"),
        ({"n_defects_range": (3, 1)}, "low <= high"),
        ({"n_defects_range": (-1, 2)}, "n_defects_range"),
        ({"n_defects_range": 3}, "n_defects_range"),
        ({"classes": ("scratch", "stain")}, "unknown: \\['stain'\\]"),
        ({"classes": ()}, "non-empty"),
        ({"classes": "scratch"}, "sequence of names"),
        ({"classes": ("crack", "crack")}, "repeated"),
        ({"defect_free_fraction": 1.5}, r"\[0, 1\]"),
        ({"defect_free_fraction": -0.1}, r"\[0, 1\]"),
        ({"n_images": -1}, "n_images"),
    ],
)
def test_generate_rejects_bad_arguments(kwargs, match):
    args = {"n_images": 1, "image_size": SMALL, "seed": 0, **kwargs}
    with pytest.raises(ValueError, match=f"generate_wafers: .*{match}"):
        generate_wafers(**args)


def test_generate_rejects_a_bad_seed():
    with pytest.raises(TypeError, match="generate_wafers"):
        generate_wafers(1, SMALL, seed="zero")


def test_make_patch_dataset_rejects_bad_arguments(wafers):
    images, annotations = wafers
    with pytest.raises(ValueError, match="uint8 array \\(N, H, W\\)"):
        make_patch_dataset(images / 255.0, annotations)
    with pytest.raises(ValueError, match="one annotation list per image"):
        make_patch_dataset(images, annotations[:-1])
    with pytest.raises(ValueError, match="patch_size"):
        make_patch_dataset(images, annotations, patch_size=200)
    with pytest.raises(ValueError, match="per_class"):
        make_patch_dataset(images, annotations, per_class=0)
    renamed = [[{**d, "class": "stain"} for d in defects] for defects in annotations]
    with pytest.raises(ValueError, match="'class' in"):
        make_patch_dataset(images, renamed)
    with pytest.raises(ValueError, match="wafer_mask: expected a uint8 image"):
        wafer_mask(images[0].astype(float))
