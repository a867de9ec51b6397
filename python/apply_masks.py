"""Applies sketchprune masks to a PyTorch model.

sketchprune writes masks keyed by the model's parameter names (`sketchprune prune ... --pt` gives a .pt that
torch.load reads; the .safetensors file is read here without the safetensors package). 0/1 masks are stored as
torch.bool, the scaled masks of Algorithm 1 (--selection sketch) as float32.

In Python:

    import torch
    from apply_masks import apply_masks, load_masks
    model = MyNet()                                   # the network you scripted for `prune --torchscript`
    model.load_state_dict(torch.load('run.init.pt'))  # the initial weights (prune --save-init), if pruned there
    apply_masks(model, load_masks('run.pt'))          # torch.nn.utils.prune.custom_from_mask on each weight

custom_from_mask re-parametrizes each weight as weight_orig * weight_mask, so pruned weights stay zero while
you train; torch.nn.utils.prune.remove(module, 'weight') makes it permanent. A scaled (sketch) mask multiplies
the kept weights by its values. A TorchScript module cannot be re-parametrized: apply_masks then multiplies the
weights in place once (re-apply after each optimizer step, or prune the eager module instead).

As a command (prints JSON: kept and total weights per mask; with --forward, the eval-mode output of the masked
model on the tensor stored in that .pt file):

    python3 python/apply_masks.py --masks run.pt --torchscript model.pt [--out pruned.pt]
    python3 python/apply_masks.py --masks run.pt --model resnet20 --input-shape 3,32,32 --classes 10 \\
        --init run.init.pt [--out pruned-state.pt]
"""
import argparse
import json
import os
import struct
import sys

import torch
import torch.nn.utils.prune as prune

_SAFETENSORS_DTYPES = {
    'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'I64': torch.int64, 'I32': torch.int32,
    'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8, 'BOOL': torch.bool,
}


def read_safetensors_with_metadata(path):
    """({name: tensor}, {metadata}) from a safetensors file: u64 little-endian header size, JSON header, raw
    little-endian data, as the format's specification and sketchprune write it."""
    with open(path, 'rb') as file:
        data = file.read()
    (length,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        start, end = entry['data_offsets']
        dtype = _SAFETENSORS_DTYPES[entry['dtype']]
        chunk = bytearray(body[start:end])
        flat = torch.frombuffer(chunk, dtype=dtype) if chunk else torch.empty(0, dtype=dtype)
        tensors[name] = flat.reshape(entry['shape']).clone()
    return tensors, header.get('__metadata__', {})


def read_safetensors(path):
    """{name: tensor} from a safetensors file."""
    return read_safetensors_with_metadata(path)[0]


def load_masks(path):
    """{parameter name: mask} from sketchprune's .pt or .safetensors mask file."""
    if path.endswith('.safetensors'):
        return read_safetensors(path)
    masks = torch.load(path, map_location='cpu')
    if not isinstance(masks, dict):
        raise ValueError(f'{path} does not hold a dict of masks')
    return masks


def _owner(model, name):
    path, _, leaf = name.rpartition('.')
    module = model
    for part in path.split('.') if path else []:
        module = getattr(module, part)
    return module, leaf


def apply_masks(model, masks, strict=True):
    """Applies each mask to the parameter of the same name; returns the model.

    nn.Module: torch.nn.utils.prune.custom_from_mask (weight = weight_orig * weight_mask from now on).
    torch.jit.ScriptModule: the weights are multiplied in place once.
    strict: every mask must name a parameter with the same shape (a mask for another architecture fails here).
    """
    parameters = dict(model.named_parameters())
    for name, mask in masks.items():
        parameter = parameters.get(name)
        if parameter is None:
            if strict:
                raise KeyError(f"mask '{name}' names no parameter of the model (a mask for another architecture?)")
            continue
        if tuple(mask.shape) != tuple(parameter.shape):
            raise ValueError(f"mask '{name}' has shape {list(mask.shape)}, the parameter {list(parameter.shape)}")
        mask = mask.to(device=parameter.device, dtype=parameter.dtype)
        if isinstance(model, torch.jit.ScriptModule):
            with torch.no_grad():
                parameter.mul_(mask)
        else:
            module, leaf = _owner(model, name)
            prune.custom_from_mask(module, leaf, mask)
    return model


def _summary(model, masks):
    parameters = dict(model.named_parameters())
    result = {}
    for name in masks:
        module, leaf = _owner(model, name)
        weight = getattr(module, leaf) if not isinstance(model, torch.jit.ScriptModule) else parameters[name]
        result[name] = {'kept': int((weight != 0).sum()), 'total': weight.numel()}
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description='Applies sketchprune masks to a PyTorch model.')
    parser.add_argument('--masks', required=True, help='mask file (.pt or .safetensors)')
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--torchscript', help='a TorchScript file (the one given to sketchprune prune --torchscript)')
    source.add_argument('--model', help="a twin of a built-in model (python/models.py), e.g. resnet20")
    parser.add_argument('--input-shape', default='3,32,32', help='C,H,W for --model (default 3,32,32)')
    parser.add_argument('--classes', type=int, default=10, help='classes for --model (default 10)')
    parser.add_argument('--init', help='initial weights to load first (the .init.pt of prune --save-init)')
    parser.add_argument('--forward', help='a .pt file with one input tensor: print the masked model\'s eval output')
    parser.add_argument('--out', help='write the pruned model: TorchScript for --torchscript, a state dict for --model')
    args = parser.parse_args(argv)

    if args.torchscript:
        model = torch.jit.load(args.torchscript, map_location='cpu')
    else:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from models import create_model
        model = create_model(args.model, [int(size) for size in args.input_shape.split(',')], args.classes)
    if args.init:
        model.load_state_dict(torch.load(args.init, map_location='cpu'))
    masks = load_masks(args.masks)
    apply_masks(model, masks)
    report = {'masks': _summary(model, masks)}
    if args.forward:
        model.eval()
        with torch.no_grad():
            example = torch.load(args.forward, map_location='cpu')
            if isinstance(example, dict):  # sketchprune's savePt writes {name: tensor}
                example = example['input'] if 'input' in example else next(iter(example.values()))
            output = model(example.to(next(model.parameters()).dtype))
        report['forward'] = output.double().flatten().tolist()
    if args.out:
        if isinstance(model, torch.jit.ScriptModule):
            model.save(args.out)
        else:
            for name in masks:
                module, leaf = _owner(model, name)
                prune.remove(module, leaf)
            torch.save(model.state_dict(), args.out)
        report['out'] = args.out
    json.dump(report, sys.stdout)
    print()


if __name__ == '__main__':
    main()
