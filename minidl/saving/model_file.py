"""Saving and loading models: architecture, weights and training state in a checked file.

A model file is a checked file (checked_file.py) of kind "model" whose HDF5 part holds:

    attributes          model_config (JSON), compile_config (JSON, when compiled),
                        generator_states (JSON: where each random generator stands)
    weights/<layer>/<name>                       one dataset per weight, with its sha256
    optimizer/slots/<slot>/<layer>/<name>, attribute iterations
                                                 (to resume training where it stopped)

A weights file (``save_weights``) is the same with the weights alone. Layer, loss and optimizer
classes come from fixed tables of minidl's own (``layers.serialization.LAYER_CLASSES``,
``MODEL_CLASSES`` below, filled by ``@register_model`` on each model class): no name from a file
is ever imported or evaluated.
"""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from .._checks import check_path, register_class
from ..errors import ModelFileError
from ..io.checked_file import (
    datasets,
    digest,
    json_attr,
    open_checked_file,
    put,
    write_checked_file,
)

__all__ = [
    "MODEL_CLASSES",
    "load_model",
    "load_weights",
    "read_model_group",
    "register_model",
    "save_model",
    "save_weights",
    "write_model_group",
]

_LOSSES = {
    cls.__name__: cls
    for cls in (
        losses_module.BinaryCrossentropy,
        losses_module.CategoricalCrossentropy,
        losses_module.SparseCategoricalCrossentropy,
        losses_module.MeanSquaredError,
    )
}

# Filled by ``@register_model`` on each model class (Sequential), as its module is imported.
MODEL_CLASSES: dict[str, type] = {}


def register_model(cls: type) -> type:
    """Class decorator: let ``load_model`` rebuild ``cls`` from the name in a saved file."""
    return register_class(MODEL_CLASSES, cls, "saving.register_model")


def _fill_weights(f: h5py.Group, model) -> None:
    weights = f.create_group("weights")
    paths = []
    for path, *_, value, _ in model._variables():
        put(weights, path, value)
        paths.append(path)
    weights.attrs["order"] = json.dumps(paths)  # HDF5 lists a group's members alphabetically


def save_weights(model, path) -> None:
    """Write every weight of ``model`` (no architecture) to ``path`` (.h5 or .minidl)."""
    path = check_path(path, "path", "save_weights")

    write_checked_file(path, "weights", lambda f: _fill_weights(f, model))


def save_model(model, path) -> None:
    """Write the architecture, weights, compile settings and optimizer state to ``path``."""
    path = check_path(path, "path", "save_model")

    write_checked_file(path, "model", lambda f: write_model_group(f, model))


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
                put(group, f"slots/{slot}/{key}", array)


def _read_weights(f: h5py.File, model, path: Path) -> list[np.ndarray]:
    """The stored weights in the model's order, each checked for shape and digest.

    Weights are matched by position (their order is stored), as Keras matches them by the
    model's structure: a model built twice in one session has other automatic layer names.
    """
    group = f.get("weights")
    if not isinstance(group, h5py.Group):
        raise ModelFileError(f"{path}: no weights group")
    order = json_attr(group, "order", path)
    stored = {name for name, _ in datasets(group)}
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
        if dataset.attrs.get("sha256") != digest(array):
            raise ModelFileError(f"{path}: weight {stored_name!r} fails its SHA-256 check")
        arrays.append(array.astype(value.dtype, copy=False))
    return arrays


def load_weights(model, path) -> None:
    """Read the weights of a file written by ``save_weights`` or ``save`` into ``model``, which
    must have the same architecture (weights are matched by position, so layer names may
    differ, as when the same model is built twice in one session)."""
    path = check_path(path, "path", "load_weights")
    with open_checked_file(path, ("weights", "model")) as (path, f):
        model.set_weights(_read_weights(f, model, path))


def load_model(path, custom_objects: dict | None = None, compile: bool = True):
    """Rebuild a model saved by ``model.save(path)``: same architecture, bit-identical weights,
    and (with compile=True) the optimizer, loss and metrics, so that ``fit`` resumes training.

    Raises:
        TypeError: ``path`` is not a file path (a str or pathlib.Path).
        ModelFileNotFoundError: no file at ``path``.
        ModelFileError: anything else wrong with the file, named with the path and the reason.
    """
    path = check_path(path, "path", "load_model")
    with open_checked_file(path, "model") as (path, f):
        return read_model_group(f, path, custom_objects, compile)


def read_model_group(f: h5py.Group, path: Path, custom_objects=None, compile: bool = True):
    """The model stored by ``write_model_group`` (the file's checks are the caller's)."""
    config = json_attr(f, "model_config", path)
    if (
        not isinstance(config, dict)
        or config.get("class_name") not in MODEL_CLASSES
        or not isinstance(config.get("config"), dict)
    ):
        kinds = " or ".join(sorted(MODEL_CLASSES))
        raise ModelFileError(f"{path}: expected a {kinds} model's configuration")
    try:
        cls = MODEL_CLASSES[config["class_name"]]
        model = cls.from_config(config["config"], custom_objects=custom_objects)
    except (ValueError, TypeError, KeyError, AttributeError, MemoryError) as err:
        raise ModelFileError(f"{path}: cannot rebuild the model: {err}") from err
    if not model.built:
        raise ModelFileError(f"{path}: the configuration has no input shape to build the model")
    model.set_weights(_read_weights(f, model, path))
    _restore_generators(model, json_attr(f, "generator_states", path) or {}, path)
    compile_config = json_attr(f, "compile_config", path)
    if compile and compile_config is not None:
        _restore_training(model, compile_config, f, path)
    return model


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
            for name, dataset in datasets(group):  # slots/<slot>/<layer>/<name>
                array = np.asarray(dataset[()])
                if dataset.attrs.get("sha256") != digest(array):
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
