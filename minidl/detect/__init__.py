"""Defect detection on wafer images.

metrics.py    IoU, matching, precision / recall, AP and mAP, and the fab's numbers: wafers passed
              within spec, the cost of misses and false alarms, throughput
classical.py  the classical detector: background removal, thresholds, components, shape rules
cnn.py        the learned detector: a patch CNN run fully convolutionally over the wafer
pipeline.py   DefectDetectionPipeline: one interface (fit, predict, evaluate, save, load) over both
figures.py    detections against the truth, IoU sensitivity, a cost heat map
job.py        the job behind ``minidl train wafer``
"""

from . import metrics
from .pipeline import DefectDetectionPipeline

__all__ = ["DefectDetectionPipeline", "metrics"]
