"""Saving and loading models: HDF5 files that hold numbers and text only, checked on the way in.

A model file is an HDF5 file behind a 512-byte header:

    header (512 bytes)  "minidl model\\n", "format 1\\n", "sha256 <64 hex digits>\\n", zeros
    HDF5 (the rest)     attributes: minidl_version, created (UTC), model_config (JSON),
                        compile_config (JSON, when compiled)
                        weights/<layer>/<name>       one dataset per weight, with its sha256
                        optimizer/slots/<slot>/<layer>/<name>, attribute iterations
                                                     (to resume training where it stopped)

The header's digest covers every byte after it, so a truncated file, or one with any byte
changed, is refused before h5py reads it; each weight carries its own SHA-256 too. HDF5 skips a
"user block" at the start of a file, so h5py opens these files as ordinary HDF5.

Nothing is ever unpickled or evaluated: the configuration is JSON, layer and optimizer classes
come from fixed tables of minidl's own, and the loader refuses any dataset or attribute that is
not plain numbers or text (where a pickled object could hide). Files are written atomically
(minidl.io.atomic_path): a crash while saving leaves the old file or the new one.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import os
from pathlib import Path

import h5py
import numpy as np

from . import losses as losses_module
from . import metrics as metrics_module
from . import optimizers as optimizers_module
from .errors import ModelFileError, ModelFileNotFoundError
from .io import atomic_path

__all__ = [
    "FORMAT_VERSION",
    "load_model",
    "load_weights",
    "open_checked_file",
    "read_model_group",
    "save_model",
    "save_weights",
    "write_checked_file",
    "write_model_group",
]

FORMAT_VERSION = 1
HEADER_SIZE = 512
# '.keras' is accepted so that Keras notebooks port unchanged; the file is minidl's format.
SUFFIXES = (".h5", ".minidl", ".keras")
_LOSSES = {
    cls.__name__: cls
    for cls in (
        losses_module.BinaryCrossentropy,
        losses_module.CategoricalCrossentropy,
        losses_module.SparseCategoricalCrossentropy,
        losses_module.MeanSquaredError,
    )
}


# -- the header --------------------------------------------------------------------------------
def _header(kind: str, digest: str) -> bytes:
    text = f"minidl {kind}\nformat {FORMAT_VERSION}\nsha256 {digest}\n".encode("ascii")
    return text + b"\0" * (HEADER_SIZE - len(text))


def _checked_body(path: Path, kinds: tuple[str, ...]) -> bytes:
    """The HDF5 part of a minidl file of one of ``kinds``, after checking the header and the
    digest."""
    if not path.is_file():
        raise ModelFileNotFoundError(f"{path}: no such file")
    data = path.read_bytes()
    head = data[:HEADER_SIZE]
    lines = head.rstrip(b"\0").split(b"\n")
    kind = next((k for k in kinds if head.startswith(f"minidl {k}\n".encode())), None)
    if kind is None:
        if head.startswith(b"minidl "):
            other = lines[0].decode("ascii", "replace")
            raise ModelFileError(
                f"{path}: expected a minidl {kinds[0]} file, found a '{other}' file"
            )
        found = (
            "an HDF5 file not written by minidl"
            if head.startswith(b"\x89HDF")
            else ("an empty file" if not data else f"a file starting with {data[:16]!r}")
        )
        raise ModelFileError(f"{path}: not a minidl {kinds[0]} file ({found})")
    try:
        version = int(lines[1].removeprefix(b"format "))
        digest = lines[2].removeprefix(b"sha256 ").decode("ascii")
    except (IndexError, ValueError, UnicodeDecodeError) as err:
        raise ModelFileError(f"{path}: the header is damaged ({err})") from err
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: written in format {version} by a newer minidl; this minidl reads format "
            f"{FORMAT_VERSION} and older: upgrade minidl to load it"
        )
    if head != _header(kind, digest)[: len(head)] or len(data) <= HEADER_SIZE:
        raise ModelFileError(f"{path}: the header is damaged or the file is truncated")
    if hashlib.sha256(data[HEADER_SIZE:]).hexdigest() != digest:
        raise ModelFileError(
            f"{path}: checksum mismatch: the file is truncated or corrupted (SHA-256 of its "
            f"contents differs from the one recorded when it was saved)"
        )
    return data[HEADER_SIZE:]


def _write(path, kind: str, fill) -> None:
    """Write an HDF5 file with ``fill(h5file)`` behind a header, atomically."""
    path = Path(path)
    if path.suffix not in SUFFIXES:
        raise ValueError(
            f"save: expected a file name ending in {' or '.join(SUFFIXES)}, received {str(path)!r}"
        )
    with atomic_path(path) as tmp:
        with h5py.File(tmp, "w", userblock_size=HEADER_SIZE) as f:
            fill(f)
        with open(tmp, "r+b") as f:
            f.seek(HEADER_SIZE)
            digest = hashlib.sha256(f.read()).hexdigest()
            f.seek(0)
            f.write(_header(kind, digest))
            f.flush()
            os.fsync(f.fileno())


# -- writing -----------------------------------------------------------------------------------
def _digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _put(group: h5py.Group, name: str, array: np.ndarray) -> None:
    dataset = group.create_dataset(name, data=array)
    dataset.attrs["sha256"] = _digest(array)


def _stamp(f: h5py.Group) -> None:
    from . import __version__

    f.attrs["minidl_version"] = __version__
    f.attrs["created"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _fill_weights(f: h5py.Group, model) -> None:
    weights = f.create_group("weights")
    paths = []
    for path, *_, value, _ in model._variables():
        _put(weights, path, value)
        paths.append(path)
    weights.attrs["order"] = json.dumps(paths)  # HDF5 lists a group's members alphabetically


def save_weights(model, path) -> None:
    """Write every weight of ``model`` (no architecture) to ``path`` (.h5 or .minidl)."""

    def fill(f: h5py.File) -> None:
        _stamp(f)
        _fill_weights(f, model)

    _write(path, "weights", fill)


def save_model(model, path) -> None:
    """Write the architecture, weights, compile settings and optimizer state to ``path``."""

    def fill(f: h5py.File) -> None:
        _stamp(f)
        write_model_group(f, model)

    _write(path, "model", fill)


def write_model_group(f: h5py.Group, model) -> None:
    """Store a whole model (configuration, weights, training state) in an HDF5 group; other
    file kinds (a detection pipeline) embed models this way."""
    if not model.built:
        raise ValueError(
            f"save: the model {model.name!r} is not built, so it has no weights yet; start it "
            f"with Input(shape=...), call build(), or train it first"
        )
    _fill_weights(f, model)
    f.attrs["model_config"] = json.dumps(
        {"class_name": type(model).__name__, "config": model.get_config()}
    )
    # Where every generator stands (shuffling, dropout masks), so that training resumes
    # exactly: PCG64's state is a few integers.
    f.attrs["generator_states"] = json.dumps(
        {path: rng.bit_generator.state for path, rng in model._generators().items()}
    )
    if model.optimizer is not None:
        f.attrs["compile_config"] = json.dumps(
            {
                "optimizer": optimizers_module.serialize(model.optimizer),
                "loss": {
                    "class_name": type(model.loss).__name__,
                    "config": model.loss.get_config(),
                },
                "metrics": [
                    spec if isinstance(spec, str) else metrics_module.serialize(spec)
                    for spec in model._metric_specs
                ],
            }
        )
        state = model.optimizer.get_state()
        group = f.create_group("optimizer")
        group.attrs["iterations"] = int(state["iterations"])
        for slot, by_key in state["slots"].items():
            for key, array in by_key.items():
                _put(group, f"slots/{slot}/{key}", array)


# -- reading -----------------------------------------------------------------------------------
def _refuse_objects(f: h5py.File, path: Path) -> None:
    """Every dataset must hold plain numbers; every attribute, a number or a short text."""

    def check_attrs(name, obj) -> None:
        for key in obj.attrs:
            try:
                value = obj.attrs[key]
            except (OSError, TypeError, ValueError) as err:
                raise ModelFileError(f"{path}: unreadable attribute {key!r} on {name!r}") from err
            if not isinstance(value, (str, int, float, np.integer, np.floating)):
                raise ModelFileError(
                    f"{path}: attribute {key!r} on {name!r} is not a number or text "
                    f"({type(value).__name__}); refusing to read it"
                )

    def visit(name, obj) -> None:
        if isinstance(obj, h5py.Dataset) and obj.dtype.kind not in "biuf":
            raise ModelFileError(
                f"{path}: dataset {name!r} holds {obj.dtype} values, not numbers; refusing to "
                f"read it (minidl files hold numbers and text only)"
            )
        check_attrs(name, obj)

    check_attrs("/", f)
    f.visititems(visit)


def _read_weights(f: h5py.File, model, path: Path) -> list[np.ndarray]:
    """The stored weights in the model's order, each checked for shape and digest.

    Weights are matched by position (their order is stored), as Keras matches them by the
    model's structure: a model built twice in one session has other automatic layer names.
    """
    group = f.get("weights")
    if not isinstance(group, h5py.Group):
        raise ModelFileError(f"{path}: no weights group")
    order = _json_attr(group, "order", path)
    stored = {name for name, _ in _datasets(group)}
    if not isinstance(order, list) or sorted(order) != sorted(stored):
        raise ModelFileError(f"{path}: the list of weights does not match the stored weights")
    wanted = [(name, value) for name, *_, value, _ in model._variables()]
    if len(order) != len(wanted):
        names = [name for name, _ in wanted]
        raise ModelFileError(
            f"{path}: the file holds {len(order)} weights, the model {len(wanted)}: missing "
            f"{[n for n in names if n not in stored]}, unexpected {[n for n in order if n not in names]}"
        )
    arrays = []
    for stored_name, (name, value) in zip(order, wanted, strict=True):
        dataset = group[stored_name]
        if dataset.shape != value.shape:  # before reading: a crafted file could be huge
            raise ModelFileError(
                f"{path}: weight {name!r} (stored as {stored_name!r}) has shape {dataset.shape} "
                f"in the file, the model needs {value.shape}"
            )
        array = np.asarray(dataset[()])
        if dataset.attrs.get("sha256") != _digest(array):
            raise ModelFileError(f"{path}: weight {stored_name!r} fails its SHA-256 check")
        arrays.append(array.astype(value.dtype, copy=False))
    return arrays


@contextlib.contextmanager
def _reading(path: Path):
    """Whatever goes wrong while parsing a file becomes a ModelFileError naming it: a file that
    passed the checksum can still have been crafted (then re-sealed) to confuse h5py."""
    try:
        yield
    except ModelFileError:
        raise
    except (
        OSError,
        RuntimeError,
        KeyError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        MemoryError,
        OverflowError,
    ) as err:
        raise ModelFileError(f"{path}: cannot be read ({type(err).__name__}: {err})") from err


def _open(path, kinds: tuple[str, ...]):
    path = Path(path)
    body = _checked_body(path, kinds)
    try:
        return path, h5py.File(io.BytesIO(body), "r")
    except OSError as err:
        raise ModelFileError(f"{path}: not a readable HDF5 file ({err})") from err


def load_weights(model, path) -> None:
    """Read the weights of a file written by ``save_weights`` or ``save`` into ``model``, which
    must have the same architecture (weights are matched by position, so layer names may
    differ, as when the same model is built twice in one session)."""
    path, f = _open(path, ("weights", "model"))
    with f, _reading(path):
        _refuse_objects(f, path)
        model.set_weights(_read_weights(f, model, path))


def _json_attr(f: h5py.Group, key: str, path: Path):
    value = f.attrs.get(key)
    if value is None:
        return None
    try:
        return json.loads(value)
    except (TypeError, ValueError) as err:
        raise ModelFileError(f"{path}: attribute {key!r} is not valid JSON ({err})") from err


def load_model(path, custom_objects: dict | None = None, compile: bool = True):
    """Rebuild a model saved by ``model.save(path)``: same architecture, bit-identical weights,
    and (with compile=True) the optimizer, loss and metrics, so that ``fit`` resumes training.

    Raises:
        ModelFileNotFoundError: no file at ``path``.
        ModelFileError: anything else wrong with the file, named with the path and the reason.
    """
    path, f = _open(path, ("model",))
    with f, _reading(path):
        _refuse_objects(f, path)
        return read_model_group(f, path, custom_objects, compile)


def read_model_group(f: h5py.Group, path: Path, custom_objects=None, compile: bool = True):
    """The model stored by ``write_model_group`` (the file's checks are the caller's)."""
    from .model import Sequential

    config = _json_attr(f, "model_config", path)
    if (
        not isinstance(config, dict)
        or config.get("class_name") != "Sequential"
        or not isinstance(config.get("config"), dict)
    ):
        raise ModelFileError(f"{path}: expected a Sequential model's configuration")
    try:
        model = Sequential.from_config(config["config"], custom_objects=custom_objects)
    except (ValueError, TypeError, KeyError, AttributeError, MemoryError) as err:
        raise ModelFileError(f"{path}: cannot rebuild the model: {err}") from err
    if not model.built:
        raise ModelFileError(f"{path}: the configuration has no input shape to build the model")
    model.set_weights(_read_weights(f, model, path))
    _restore_generators(model, _json_attr(f, "generator_states", path) or {}, path)
    compile_config = _json_attr(f, "compile_config", path)
    if compile and compile_config is not None:
        _restore_training(model, compile_config, f, path)
    return model


def write_checked_file(path, kind: str, fill) -> None:
    """Write a minidl file of ``kind`` (header, checksum, atomic): ``fill(h5file)`` writes the
    contents; the version and creation time are added."""

    def stamped(f: h5py.File) -> None:
        _stamp(f)
        fill(f)

    _write(path, kind, stamped)


@contextlib.contextmanager
def open_checked_file(path, kind: str):
    """Yield ``(path, h5file)`` for a minidl file of ``kind`` after every check ``load_model``
    makes (header, checksum, numbers and text only); failures become ModelFileError."""
    path, f = _open(path, (kind,))
    with f, _reading(path):
        _refuse_objects(f, path)
        yield path, f


def _restore_generators(model, states: dict, path: Path) -> None:
    generators = model._generators()
    if not isinstance(states, dict) or set(states) != set(generators):
        raise ModelFileError(f"{path}: the generator states do not fit the model")
    for key, state in states.items():
        bit_generator = generators[key].bit_generator
        if (
            not isinstance(state, dict)
            or state.get("bit_generator") != type(bit_generator).__name__
        ):
            raise ModelFileError(
                f"{path}: generator state {key!r} is not a {type(bit_generator).__name__} state"
            )
        try:
            bit_generator.state = state
        except (TypeError, ValueError, KeyError) as err:
            raise ModelFileError(f"{path}: generator state {key!r} is invalid ({err})") from err


def _restore_training(model, config: dict, f: h5py.File, path: Path) -> None:
    try:
        loss = config["loss"]
        model.compile(
            optimizer=optimizers_module.get(config["optimizer"]),
            loss=_LOSSES[loss["class_name"]](**loss["config"]),
            metrics=[
                spec if isinstance(spec, str) else metrics_module.get(spec)
                for spec in config["metrics"]
            ],
        )
        group = f.get("optimizer")
        if group is not None:
            slots: dict = {}
            for name, dataset in _datasets(group):  # slots/<slot>/<layer>/<name>
                array = np.asarray(dataset[()])
                if dataset.attrs.get("sha256") != _digest(array):
                    raise ModelFileError(
                        f"{path}: optimizer state {name!r} fails its SHA-256 check"
                    )
                _, slot, key = name.split("/", 2)
                slots.setdefault(slot, {})[key] = array
            model.optimizer.set_state(
                {"iterations": int(group.attrs["iterations"]), "slots": slots}
            )
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFileError(f"{path}: cannot restore the training settings: {err}") from err


def _datasets(group: h5py.Group):
    found = []
    group.visititems(lambda n, o: found.append((n, o)) if isinstance(o, h5py.Dataset) else None)
    return found
