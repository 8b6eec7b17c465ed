"""Defect detection on wafer images.

minidl.detect.metrics   IoU, matching, precision / recall, AP and mAP, and the fab's numbers:
                        wafers passed within spec, the cost of misses and false alarms,
                        throughput
"""

from . import metrics

__all__ = ["metrics"]
