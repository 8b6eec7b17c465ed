"""``minidl.course.dnn.predict_image``: classify your own picture, whatever its format and mode.

The expected predictions come from a plain-NumPy forward pass in this file (ReLU hidden layer,
sigmoid output, ``W @ x + b``) applied to pixels read with Pillow the course's way:
``np.asarray(img.resize((64, 64))) / 255`` flattened by ``image.reshape((1, 64 * 64 * 3)).T``.

To make a thresholded 0/1 output sensitive, the tests move ``b2`` so that the expected logit is
just above or just below zero (``+-DELTA``): predict_image must then answer 1 and 0 respectively,
which it only does if its input vector matches the expected one to the last pixel.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from minidl.course.dnn import initialize_parameters_deep, predict_image

NUM_PX = 64
DELTA = 1e-9  # one pixel off by 1/255 moves the logit by ~1e-6 with these weights


def make_parameters(num_px: int = NUM_PX) -> dict[str, np.ndarray]:
    state = np.random.get_state()
    np.random.seed(0)  # the course seeds NumPy's global generator
    try:
        return initialize_parameters_deep([num_px * num_px * 3, 5, 1])
    finally:
        np.random.set_state(state)


@pytest.fixture(scope="module")
def parameters() -> dict[str, np.ndarray]:
    return make_parameters()


def as_column(rgb: np.ndarray) -> np.ndarray:
    """The course's layout: (num_px, num_px, 3) values in [0, 255] to a (num_px^2 * 3, 1) column."""
    image = np.asarray(rgb, dtype=np.float64) / 255
    return image.reshape((1, image.size)).T


def logit(x: np.ndarray, params: dict) -> float:
    hidden = np.maximum(params["W1"] @ x + params["b1"], 0)
    return float((params["W2"] @ hidden + params["b2"])[0, 0])


def probability(x: np.ndarray, params: dict) -> float:
    return 1 / (1 + np.exp(-logit(x, params)))


def assert_sees(path: Path, rgb: np.ndarray, params: dict, num_px: int = NUM_PX) -> None:
    """predict_image(path) must see exactly the pixels ``rgb`` (num_px x num_px x 3, 0..255)."""
    z = logit(as_column(rgb), params)
    for delta, want in ((DELTA, 1.0), (-DELTA, 0.0)):
        shifted = {**params, "b2": params["b2"] - z + delta}
        prediction = predict_image(path, shifted, num_px=num_px)
        assert isinstance(prediction, np.ndarray)
        assert prediction.shape == (1, 1)
        assert prediction[0, 0] == want, f"logit {delta:+g}: expected {want}"


def random_rgb(seed: int, height: int = 37, width: int = 100) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def resized(rgb: np.ndarray, num_px: int = NUM_PX) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).resize((num_px, num_px)))


def opened_as_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return resized(np.asarray(img.convert("RGB")))


def over_white(rgba: np.ndarray) -> np.ndarray:
    """Composite (H, W, 4) pixels whose alpha is 0 or 255 over white."""
    alpha = rgba[..., 3:]
    assert set(np.unique(alpha).tolist()) == {0, 255}  # the test needs both kinds of pixel
    return np.where(alpha == 255, rgba[..., :3], 255).astype(np.uint8)


def half_transparent(rgb: np.ndarray) -> np.ndarray:
    alpha = np.full((*rgb.shape[:2], 1), 255, dtype=np.uint8)
    alpha[:, : rgb.shape[1] // 2] = 0  # transparent pixels keep their (random) colour
    return np.concatenate([rgb, alpha], axis=2)


# -- the course's own computation, written out -------------------------------------------------------
def test_plain_rgb_png_matches_an_independent_forward_pass(parameters, tmp_path, capsys):
    paths = []
    for seed in (1, 2):
        path = tmp_path / f"photo{seed}.png"
        Image.fromarray(random_rgb(seed, 80, 120)).save(path)
        paths.append(path)
    columns = []
    for path in paths:
        with Image.open(path) as img:
            image = np.asarray(img.resize((NUM_PX, NUM_PX))) / 255
        columns.append(image.reshape((1, NUM_PX * NUM_PX * 3)).T)
    z = [logit(x, parameters) for x in columns]
    assert abs(z[0] - z[1]) > 1e-6  # the two photos must be told apart
    # Put the decision threshold halfway between the two photos' logits.
    params = {**parameters, "b2": parameters["b2"] - (z[0] + z[1]) / 2}
    expected = [float(probability(x, params) > 0.5) for x in columns]
    assert sorted(expected) == [0.0, 1.0]
    for path, want in zip(paths, expected, strict=True):
        prediction = predict_image(path, params)
        assert prediction.shape == (1, 1)
        np.testing.assert_array_equal(prediction, [[want]])
    assert capsys.readouterr() == ("", "")  # predict_image prints nothing


# -- every mode and format -------------------------------------------------------------------------
def _rgb_jpeg(path: Path):
    Image.fromarray(random_rgb(3, 37, 100)).save(path.with_suffix(".jpg"), quality=90)
    return path.with_suffix(".jpg"), opened_as_rgb(path.with_suffix(".jpg"))


def _rgba_png(path: Path):
    rgba = half_transparent(random_rgb(4))
    Image.fromarray(rgba, "RGBA").save(path)
    return path, resized(over_white(rgba))


def _la_png(path: Path):
    gray = random_rgb(5)[..., 0]
    la = np.stack([gray, np.where(np.arange(100) < 30, 0, 255)[None, :].repeat(37, 0)], axis=2)
    Image.fromarray(la.astype(np.uint8), "LA").save(path)
    rgba = np.concatenate([np.repeat(la[..., :1], 3, axis=2), la[..., 1:]], axis=2)
    return path, resized(over_white(rgba.astype(np.uint8)))


def _palette_png(path: Path):
    Image.fromarray(random_rgb(6)).convert("P").save(path)
    return path, opened_as_rgb(path)


def _palette_png_transparent(path: Path):
    img = Image.fromarray(random_rgb(7)).convert("P")
    img.save(path, transparency=int(np.asarray(img)[0, 0]))  # one palette entry is transparent
    with Image.open(path) as saved:
        assert "transparency" in saved.info
        rgba = np.asarray(saved.convert("RGBA"))
    return path, resized(over_white(rgba))


def _gray_png(path: Path):
    Image.fromarray(random_rgb(8)[..., 0], "L").save(path)
    return path, opened_as_rgb(path)


def _bilevel_png(path: Path):
    Image.fromarray(random_rgb(9)).convert("1").save(path)
    with Image.open(path) as saved:
        assert saved.mode == "1"
    return path, opened_as_rgb(path)


def _spanning_gray(seed: int) -> np.ndarray:
    gray = random_rgb(seed)[..., 0]
    gray[0, 0], gray[0, 1] = 0, 255  # the full 0..255 range
    return gray


def _gray16_png(path: Path):
    # 16-bit gray is stretched from its own range onto 0..255: 257 * v (v spanning 0..255) must
    # come out as v itself.
    gray = _spanning_gray(10)
    Image.fromarray(gray.astype(np.uint16) * 257).save(path)
    with Image.open(path) as saved:
        assert saved.mode in ("I;16", "I")
    return path, resized(np.repeat(gray[..., None], 3, axis=2))


def _float_tiff(path: Path):
    # Float gray is stretched too: v / 255 (v spanning 0..255) must come out as v.
    gray = _spanning_gray(11)
    Image.fromarray((gray / 255).astype(np.float32), "F").save(path.with_suffix(".tiff"))
    with Image.open(path.with_suffix(".tiff")) as saved:
        assert saved.mode == "F"
    return path.with_suffix(".tiff"), resized(np.repeat(gray[..., None], 3, axis=2))


def _cmyk_jpeg(path: Path):
    Image.fromarray(random_rgb(12)).convert("CMYK").save(path.with_suffix(".jpg"))
    with Image.open(path.with_suffix(".jpg")) as saved:
        assert saved.mode == "CMYK"
    return path.with_suffix(".jpg"), opened_as_rgb(path.with_suffix(".jpg"))


def _gif(path: Path):
    Image.fromarray(random_rgb(13)).save(path.with_suffix(".gif"))
    return path.with_suffix(".gif"), opened_as_rgb(path.with_suffix(".gif"))


def _bmp(path: Path):
    rgb = random_rgb(14)
    Image.fromarray(rgb).save(path.with_suffix(".bmp"))
    return path.with_suffix(".bmp"), resized(rgb)


def _rgb_png_small(path: Path):
    rgb = random_rgb(15, 20, 30)  # upscaled to 64x64
    Image.fromarray(rgb).save(path)
    return path, resized(rgb)


IMAGES = {
    "RGB JPEG 100x37": _rgb_jpeg,
    "RGBA PNG": _rgba_png,
    "LA PNG": _la_png,
    "P PNG": _palette_png,
    "P PNG with transparency": _palette_png_transparent,
    "L PNG": _gray_png,
    "1 PNG": _bilevel_png,
    "I;16 PNG": _gray16_png,
    "F TIFF": _float_tiff,
    "CMYK JPEG": _cmyk_jpeg,
    "GIF": _gif,
    "BMP": _bmp,
    "RGB PNG 30x20": _rgb_png_small,
}


@pytest.mark.parametrize("kind", list(IMAGES))
def test_every_mode_reaches_the_network_as_the_expected_rgb(kind, parameters, tmp_path, capsys):
    path, expected_rgb = IMAGES[kind](tmp_path / "image.png")
    assert expected_rgb.shape == (NUM_PX, NUM_PX, 3)
    prediction = predict_image(path, parameters)
    assert prediction.shape == (1, 1)
    assert prediction[0, 0] in (0.0, 1.0)
    assert_sees(path, expected_rgb, parameters)
    assert capsys.readouterr() == ("", "")


def test_fully_transparent_image_is_seen_as_white(parameters, tmp_path):
    rgba = np.zeros((50, 50, 4), dtype=np.uint8)  # black, but every pixel transparent
    path = tmp_path / "clear.png"
    Image.fromarray(rgba, "RGBA").save(path)
    assert_sees(path, np.full((NUM_PX, NUM_PX, 3), 255, dtype=np.uint8), parameters)


def test_other_num_px(tmp_path):
    params = make_parameters(32)
    rgb = random_rgb(16, 40, 50)
    path = tmp_path / "small.png"
    Image.fromarray(rgb).save(path)
    assert_sees(path, resized(rgb, 32), params, num_px=32)


# -- files that are not images ----------------------------------------------------------------------
def _truncated_png(path: Path) -> None:
    Image.fromarray(random_rgb(17, 64, 64)).save(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


NOT_IMAGES = {
    "text": lambda p: p.write_text("this is not a picture of a cat\n"),
    "empty": lambda p: p.write_bytes(b""),
    "truncated PNG": _truncated_png,
}


@pytest.mark.parametrize("kind", list(NOT_IMAGES))
def test_not_an_image_raises_value_error_naming_the_file(kind, parameters, tmp_path):
    path = tmp_path / "cat.png"
    NOT_IMAGES[kind](path)
    with pytest.raises(ValueError) as info:
        predict_image(path, parameters)
    assert str(path) in str(info.value)


def test_missing_file_raises_file_not_found(parameters, tmp_path):
    path = tmp_path / "no_such_cat.jpg"
    with pytest.raises(FileNotFoundError) as info:
        predict_image(path, parameters)
    assert "no_such_cat.jpg" in str(info.value)
    with pytest.raises(FileNotFoundError):
        predict_image(str(path), parameters)
