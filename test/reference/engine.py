"""PyTorch reference for test/torch/reference.test.ts and test/torch/serialize.test.ts.

Usage (with /usr/bin/python3, Debian's torch 1.13):
  engine.py ops INPUTS.pt OUTPUTS.pt
      INPUTS.pt was written by sketchprune's savePt; OUTPUTS.pt (torch.save, zip format) receives conv2d,
      batch_norm and cross_entropy values and gradients computed by torch.nn.functional on the same inputs.
  engine.py interop OURS.pt OURS.safetensors THEIRS.pt LIST.pt
      Reads sketchprune's .pt with torch.load and its .safetensors with the small independent reader below,
      prints a JSON summary {"pt": {...}, "safetensors": {...}} (dtype, shape, values of each tensor), and
      writes THEIRS.pt with tensors of every dtype, a non-contiguous view, a 0-d and an empty tensor, and
      LIST.pt holding a list of tensors (not a dict), which sketchprune must refuse clearly.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F


def ops(inputs_file, outputs_file):
    t = torch.load(inputs_file)
    out = {}
    # conv2d: plain, strided/padded/dilated/grouped, asymmetric, and float32
    out["conv_plain"] = F.conv2d(t["x"], t["w_plain"], t["b_plain"])
    out["conv_grouped"] = F.conv2d(t["x"], t["w_grouped"], t["b_grouped"], stride=2, padding=1, dilation=2, groups=2)
    out["conv_asymmetric"] = F.conv2d(t["x"], t["w_asym"], None, stride=(2, 1), padding=(0, 2))
    out["conv_float32"] = F.conv2d(t["x"].float(), t["w_plain"].float(), t["b_plain"].float(), padding=1)
    # the gradient of Σ proj ⊙ conv_grouped with respect to input, weight and bias
    x = t["x"].clone().requires_grad_(True)
    w = t["w_grouped"].clone().requires_grad_(True)
    b = t["b_grouped"].clone().requires_grad_(True)
    y = F.conv2d(x, w, b, stride=2, padding=1, dilation=2, groups=2)
    gx, gw, gb = torch.autograd.grad((y * t["proj"]).sum(), [x, w, b])
    out["conv_grad_input"], out["conv_grad_weight"], out["conv_grad_bias"] = gx, gw, gb
    # batch_norm: training (output and updated running statistics) and eval
    running_mean = t["bn_running_mean"].clone()
    running_var = t["bn_running_var"].clone()
    out["bn_train"] = F.batch_norm(t["bn_x"], running_mean, running_var, t["bn_weight"], t["bn_bias"],
                                   training=True, momentum=0.2, eps=1e-3)
    out["bn_running_mean"] = running_mean
    out["bn_running_var"] = running_var
    out["bn_eval"] = F.batch_norm(t["bn_x"], t["bn_running_mean"], t["bn_running_var"], t["bn_weight"],
                                  t["bn_bias"], training=False, eps=1e-3)
    bx = t["bn_x"].clone().requires_grad_(True)
    bw = t["bn_weight"].clone().requires_grad_(True)
    y = F.batch_norm(bx, t["bn_running_mean"].clone(), t["bn_running_var"].clone(), bw, t["bn_bias"],
                     training=True, momentum=0.2, eps=1e-3)
    out["bn_grad_input"], out["bn_grad_weight"] = torch.autograd.grad((y * y).sum(), [bx, bw])
    # cross_entropy: reductions and label smoothing, and the gradient of the mean
    logits, target = t["logits"], t["target"]
    out["ce_mean"] = F.cross_entropy(logits, target)
    out["ce_sum"] = F.cross_entropy(logits, target, reduction="sum")
    out["ce_none"] = F.cross_entropy(logits, target, reduction="none")
    out["ce_smooth"] = F.cross_entropy(logits, target, label_smoothing=0.1)
    z = logits.clone().requires_grad_(True)
    (out["ce_grad"],) = torch.autograd.grad(F.cross_entropy(z, target), [z])
    torch.save({k: v.detach() for k, v in out.items()}, outputs_file)


# The safetensors reader shipped in python/apply_masks.py: written from the format's specification, independent of
# sketchprune's TypeScript writer that these checks test.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from apply_masks import read_safetensors_with_metadata as read_safetensors  # noqa: E402


def summary(tensor):
    values = tensor.double() if tensor.dtype != torch.bool else tensor.int()
    return {"dtype": str(tensor.dtype).replace("torch.", ""), "shape": list(tensor.shape),
            "values": values.flatten().tolist()}


def interop(ours_pt, ours_safetensors, theirs_pt, list_pt):
    loaded = torch.load(ours_pt)
    safetensors, metadata = read_safetensors(ours_safetensors)
    print(json.dumps({
        "pt": {name: summary(tensor) for name, tensor in loaded.items()},
        "safetensors": {name: summary(tensor) for name, tensor in safetensors.items()},
        "metadata": metadata,
    }))
    base = torch.arange(12, dtype=torch.float64).reshape(3, 4) - 5.5
    theirs = {
        "float64": base,
        "float32": base.float(),
        "float16": base.half(),
        "int64": torch.arange(-3, 9, dtype=torch.int64).reshape(3, 4) * 1_000_000_007,
        "int32": torch.arange(-3, 9, dtype=torch.int32),
        "int16": torch.arange(-3, 9, dtype=torch.int16),
        "int8": torch.arange(-3, 9, dtype=torch.int8),
        "uint8": torch.arange(250, 256, dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "transposed": base.t(),  # a non-contiguous view of base's storage
        "scalar": torch.tensor(2.5, dtype=torch.float64),
        "empty": torch.zeros(0, 3),
    }
    torch.save(theirs, theirs_pt)
    torch.save([base, base.float()], list_pt)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "ops":
        ops(*sys.argv[2:4])
    elif command == "interop":
        interop(*sys.argv[2:6])
    else:
        sys.exit(f"unknown command {command}")
