"""Defect detection on wafer images: two detectors, one pipeline over both, and their metrics.

metrics/              IoU, matching, precision / recall, AP and mAP, and the fab's numbers: wafers
                      passed within spec, the cost of misses and false alarms, throughput, tables
images.py             check_images: the stack of grey images every detector takes

The classical detector, step by step:
background.py         die_pitch, the golden die and the light: remove_background
segmentation.py       blur, threshold with hysteresis, closing, components, boxes: segment
shape_features.py     length, width, elongation and jaggedness of an object's footprint
classical.py          ClassicalDetector: the shape rules, and fit by grid search

The learned detector:
patch_network.py      patch_network: the small all-convolutional patch classifier
dihedral_flow.py      DihedralFlow: training batches turned and mirrored at random
hard_negatives.py     mine_hard_negatives: background windows the network calls defects
fully_convolutional.py  fully_convolutional, network_stride: the classifier run over a whole image
windows.py            sliding_window_predict: every window classified on its own (the reference)
nms.py                non_max_suppression: one box per defect
cnn.py                CNNDetector: probability map, objects, classes and scores, boxes

pipeline.py           DefectDetectionPipeline: one interface (fit, predict, evaluate, save, load)
figures.py            detections against the truth, IoU sensitivity, a cost heat map
job.py                the job behind ``minidl train wafer``
"""

from . import metrics
from .pipeline import DefectDetectionPipeline

__all__ = ["DefectDetectionPipeline", "metrics"]
