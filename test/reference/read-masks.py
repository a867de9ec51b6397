"""Reads mask files written by MaskSet.savePt with torch.load and prints, for each file in order, per mask its
shape, dtype, sum and number of non-zero entries, as a JSON list (test/nn/mask-set.test.ts checks that PyTorch
sees what we wrote).
Usage: /usr/bin/python3 test/reference/read-masks.py MASKS.pt [MASKS.pt ...]"""
import json
import sys

import torch


def summary(file):
    masks = torch.load(file)
    return {name: {'shape': list(mask.shape), 'dtype': str(mask.dtype), 'sum': float(mask.sum()),
                   'nonzero': int((mask != 0).sum())}
            for name, mask in masks.items()}


json.dump([summary(file) for file in sys.argv[1:]], sys.stdout)
