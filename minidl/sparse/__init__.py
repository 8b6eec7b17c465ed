"""Sparse representations: a signal written with few atoms of a well-chosen basis or dictionary.

dct.py      the orthonormal DCT-II and its 2-D form on patch stacks
patches.py  patches of an image as a view, and weighted overlap-add back into an image
noise.py    adding white Gaussian noise, estimating its sigma from the image, PSNR
denoise.py  hard thresholding in the sliding DCT, with uniform or sparsity-aware aggregation
omp.py      orthogonal matching pursuit for many signals at once (Batch-OMP, progressive Cholesky)
bpdn.py     basis pursuit denoising, min ||Dx - s||^2 + lam ||x||_1, by ADMM for many signals
ksvd.py     K-SVD dictionary learning
inpaint.py  coding every patch over a dictionary: denoising, and inpainting with masked OMP
anomaly.py  anomaly detection from a dictionary of normal patches (no labels), ROC AUC
src.py      classification by sparse representation over the training samples
job.py      the jobs behind 'minidl denoise' and 'minidl anomaly'
"""

from .anomaly import AnomalyDetector, roc_auc
from .bpdn import bpdn, soft_threshold
from .dct import dct2, dct_dictionary, dct_matrix, idct2
from .denoise import dct_denoise
from .inpaint import inpaint, masked_omp, sparse_denoise
from .ksvd import ksvd
from .noise import add_noise, estimate_noise_sigma, psnr
from .omp import omp
from .patches import aggregate_patches, extract_patches, patch_positions
from .src import SRCClassifier

__all__ = [
    "AnomalyDetector",
    "SRCClassifier",
    "add_noise",
    "aggregate_patches",
    "bpdn",
    "dct2",
    "dct_denoise",
    "dct_dictionary",
    "dct_matrix",
    "estimate_noise_sigma",
    "extract_patches",
    "idct2",
    "inpaint",
    "ksvd",
    "masked_omp",
    "omp",
    "patch_positions",
    "psnr",
    "roc_auc",
    "soft_threshold",
    "sparse_denoise",
]
