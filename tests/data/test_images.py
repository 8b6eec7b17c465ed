"""load_rgb: orientation notes from cameras are applied, so a sideways photo arrives upright."""

import numpy as np
import pytest
from PIL import Image

from minidl.data.images import load_grey, load_rgb


def test_exif_orientation_is_applied(tmp_path):
    # 3 wide, 2 tall; the red pixel at top-left. EXIF orientation 6 means "rotate 90 degrees
    # clockwise to display": the displayed picture is 2 wide, 3 tall, red at top-right.
    pixels = np.zeros((2, 3, 3), dtype=np.uint8)
    pixels[0, 0] = (255, 0, 0)
    img = Image.fromarray(pixels)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "sideways.png"
    img.save(path, exif=exif.tobytes())
    out = load_rgb(path)
    assert out.shape == (3, 2, 3)
    np.testing.assert_array_equal(out[0, 1], [255, 0, 0])
    assert out.sum() == 255


def test_load_grey_weights_the_channels_and_keeps_grey_files(tmp_path):
    colour = np.zeros((2, 3, 3), np.uint8)
    colour[0, 0] = (200, 100, 50)
    Image.fromarray(colour).save(tmp_path / "colour.png")
    grey = load_grey(tmp_path / "colour.png")
    assert grey.shape == (2, 3)
    assert grey[0, 0] == pytest.approx(0.299 * 200 + 0.587 * 100 + 0.114 * 50)
    levels = np.arange(6, dtype=np.uint8).reshape(2, 3) * 40
    Image.fromarray(levels).save(tmp_path / "grey.png")
    np.testing.assert_allclose(load_grey(tmp_path / "grey.png"), levels, atol=1e-9)
