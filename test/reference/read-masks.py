"""Reads a mask file written by MaskSet.savePt with torch.load and prints, per mask, its shape, dtype, sum and
number of non-zero entries as JSON (test/nn/mask-set.test.ts checks that PyTorch sees what we wrote).
Usage: /usr/bin/python3 test/reference/read-masks.py MASKS.pt"""
import json
import sys

import torch

masks = torch.load(sys.argv[1])
json.dump({name: {'shape': list(mask.shape), 'dtype': str(mask.dtype), 'sum': float(mask.sum()),
                  'nonzero': int((mask != 0).sum())}
           for name, mask in masks.items()}, sys.stdout)
