"""load_rgb: orientation notes from cameras are applied, so a sideways photo arrives upright."""

import numpy as np
from PIL import Image

from minidl.data.images import load_rgb


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
