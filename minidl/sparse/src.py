"""Classification by sparse representation (SRC; Wright, Yang, Ganesh, Sastry and Ma, 2009).

No training in the usual sense: the training samples themselves, normalised, are the atoms of the
dictionary, grouped by class. A new sample should be a sparse combination of samples of its own
class, so:

    1. code the sample s sparsely over all training samples: x = code(D, s);
    2. for each class c keep only that class's coefficients, delta_c(x), and measure how well
       they alone rebuild the sample: r_c = ||s - D delta_c(x)||;
    3. predict the class with the smallest residual.

Wright et al. code by l1 minimisation; here the code is OMP (``method='omp'``, default: fast for
thousands of atoms) or basis pursuit (``method='bpdn'``). Samples are flattened and normalised to
unit length (the brightness of a patch should not decide its class), after their mean is
removed (``center``; otherwise the mean, the same for every class, dominates every code);
``downsample`` averages
k x k blocks first, as the paper does with its "feature" images, which makes the problem
smaller and the atoms less coherent.
"""

from __future__ import annotations

import numpy as np

from .._checks import check_int
from .bpdn import bpdn
from .omp import omp

__all__ = ["SRCClassifier"]


def _features(x: np.ndarray, downsample: int, center: bool, where: str) -> np.ndarray:
    x = np.asarray(x)
    if x.ndim < 2 or x.dtype.kind not in "buif" or not np.all(np.isfinite(x)):
        raise ValueError(
            f"{where}: expected samples as an array (N, ...) of finite numbers, received "
            f"{getattr(x, 'shape', type(x).__name__)}"
        )
    x = x.astype(np.float64)
    if downsample > 1:
        if x.ndim not in (3, 4):
            raise ValueError(f"{where}: downsample needs images (N, H, W) or (N, H, W, C)")
        N, H, W = x.shape[:3]
        k = downsample
        x = x[:, : H - H % k, : W - W % k]
        x = x.reshape(N, H // k, k, W // k, k, *x.shape[3:]).mean(axis=(2, 4))
    flat = x.reshape(len(x), -1)
    if center:
        flat = flat - flat.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(flat, axis=1, keepdims=True)
    return flat / np.where(norms > 0, norms, 1.0)


class SRCClassifier:
    """Sparse-representation classifier (module docstring).

    Args:
        n_nonzero: atoms per code with ``method='omp'`` (default 10).
        lam: the l1 weight with ``method='bpdn'`` (default 0.01).
        method: 'omp' (default) or 'bpdn'.
        downsample: average k x k blocks of image samples first (default 1: as they are).
        center: remove each sample's mean before normalising (default True).

    Example:
        >>> clf = SRCClassifier(n_nonzero=10, downsample=2).fit(x_train, y_train)
        >>> accuracy = np.mean(clf.predict(x_test) == y_test)
    """

    def __init__(
        self,
        n_nonzero: int = 10,
        lam: float = 0.01,
        method: str = "omp",
        downsample: int = 1,
        center: bool = True,
    ) -> None:
        where = "SRCClassifier"
        if method not in ("omp", "bpdn"):
            raise ValueError(f"{where}: expected method 'omp' or 'bpdn', received {method!r}")
        n_nonzero = check_int(n_nonzero, "n_nonzero", where, 1, expected="an int >= 1")
        downsample = check_int(downsample, "downsample", where, 1, expected="an int >= 1")
        if not isinstance(lam, (int, float, np.floating)) or not lam > 0:
            raise ValueError(f"{where}: expected lam > 0, received {lam!r}")
        self.n_nonzero, self.lam, self.method = int(n_nonzero), float(lam), method
        self.downsample, self.center = int(downsample), bool(center)
        self.dictionary: np.ndarray | None = None
        self.atom_labels: np.ndarray | None = None
        self.classes_: np.ndarray | None = None

    def fit(self, x: np.ndarray, y: np.ndarray) -> SRCClassifier:
        """Keep the training samples, normalised, as the dictionary (columns) and their labels.

        Args:
            x: samples (N, ...) (images (N, H, W[, C]) when downsampling).
            y: labels (N,), any hashable values.

        Returns:
            self.

        Raises:
            ValueError: bad samples, or not one label per sample.
        """
        where = "SRCClassifier.fit"
        features = _features(x, self.downsample, self.center, where)
        y = np.asarray(y).ravel()
        if len(y) != len(features):
            raise ValueError(
                f"{where}: expected one label per sample, {len(y)} for {len(features)}"
            )
        self.dictionary = features.T
        self.atom_labels = y
        self.classes_ = np.unique(y)
        return self

    def residuals(self, x: np.ndarray) -> np.ndarray:
        """Class-wise residuals r_c = ||s - D delta_c(x)||, array (N, n_classes), in the order
        of ``classes_``."""
        where = "SRCClassifier.residuals"
        if self.dictionary is None:
            raise RuntimeError(f"{where}: call fit first")
        S = _features(x, self.downsample, self.center, where).T
        if S.shape[0] != self.dictionary.shape[0]:
            raise ValueError(
                f"{where}: expected samples of the training samples' size "
                f"({self.dictionary.shape[0]} values after downsampling), received {S.shape[0]}"
            )
        if self.method == "omp":
            X = omp(self.dictionary, S, n_nonzero=self.n_nonzero)
        else:
            X, _ = bpdn(self.dictionary, S, self.lam, max_iter=300)
        out = np.empty((S.shape[1], len(self.classes_)))
        for i, c in enumerate(self.classes_):
            own = self.atom_labels == c
            R = S - self.dictionary[:, own] @ X[own]
            out[:, i] = np.linalg.norm(R, axis=0)
        return out

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The class of each sample: the one whose atoms rebuild it best."""
        return self.classes_[np.argmin(self.residuals(x), axis=1)]
