"""PyTorch twins of sketchprune's built-in models: the same architectures and parameter names as the TypeScript
registry (fc, lenet300, conv2/4/6, vgg11/13/16/19, resnet20/32/44/56, wrn20-k, resnet18, wrn18-k), written from the
reference code's conventions (OpenLTH's mnist_lenet / cifar_vgg / cifar_resnet, torchvision's ResNet naming,
Frankle & Carbin's Conv-2/4/6). Every twin is scriptable with torch.jit.script.

Use them to train sketchprune's masks in PyTorch (with python/apply_masks.py), or to make a TorchScript file:

  python3 python/models.py script resnet20 --input-shape 3,32,32 --classes 10 --out resnet20.pt
  sketchprune prune --torchscript resnet20.pt --input-shape 3,32,32 --method synflow --density 0.05

In Python: `from models import create_model; model = create_model('vgg19', (3, 32, 32), 10)`.

The test suite also runs this file as a reference (test/nn/models.test.ts):
  python3 python/models.py REQUEST.json
REQUEST.json: {"structure": [spec, ...], "forward": [spec + {"weights": file.pt}, ...]}
spec: {"key", "model", "inputShape": [C, H, W], "numClasses", "width"?, "widths"?}
Prints JSON: {"structure": {key: {"params": n, "parameters": [[name, shape]], "buffers": [[name, shape]]}},
              "forward": {key: {"eval": [...], "train": [...], "grads": {name: [...]}}}}
Structure is built on the meta device (no memory, no init), so even WRN-18 costs nothing.
A forward weights file holds the model's state dict plus "__input__", the batch to run, and "__grad_output__",
the output gradient for one train-mode backward pass (grads: sampled elements of each parameter's gradient).
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class FullyConnected(nn.Module):
    def __init__(self, shape, classes, widths, **kw):
        super().__init__()
        size = shape[0] * shape[1] * shape[2]
        layers = []
        for width in widths:
            layers.append(nn.Linear(size, width, **kw))
            size = width
        self.fc_layers = nn.ModuleList(layers)
        self.fc = nn.Linear(size, classes, **kw)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        for layer in self.fc_layers:
            x = F.relu(layer(x))
        return self.fc(x)


class ConvK(nn.Module):
    """Conv-2/4/6: same-padding 3x3 convs in pairs, max-pool after each pair, FC 256-256-classes."""

    def __init__(self, shape, classes, k, **kw):
        super().__init__()
        plan = [64, 64, 'M', 128, 128, 'M', 256, 256, 'M'][: (k // 2) * 3]
        channels, height, width = shape
        features = []
        for spec in plan:
            if spec == 'M':
                features.append(nn.MaxPool2d(2))
                height, width = height // 2, width // 2
            else:
                features += [nn.Conv2d(channels, spec, 3, padding=1, **kw), nn.ReLU()]
                channels = spec
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(
            nn.Linear(channels * height * width, 256, **kw), nn.ReLU(),
            nn.Linear(256, 256, **kw), nn.ReLU(), nn.Linear(256, classes, **kw))

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


VGG_PLANS = {
    11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512],
    13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512],
    16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512],
    19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512],
}


class VggConvModule(nn.Module):
    def __init__(self, f_in, f_out, **kw):
        super().__init__()
        self.conv = nn.Conv2d(f_in, f_out, kernel_size=3, padding=1, **kw)
        self.bn = nn.BatchNorm2d(f_out, **kw)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Vgg(nn.Module):
    """OpenLTH cifar_vgg."""

    def __init__(self, shape, classes, depth, **kw):
        super().__init__()
        layers, filters = [], shape[0]
        for spec in VGG_PLANS[depth]:
            if spec == 'M':
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers.append(VggConvModule(filters, spec, **kw))
                filters = spec
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(512, classes, **kw)

    def forward(self, x):
        x = self.layers(x)
        # OpenLTH's nn.AvgPool2d(2) where the final map is 2x2 (32x32 inputs); a global average elsewhere.
        if x.shape[-1] == 2 and x.shape[-2] == 2:
            x = F.avg_pool2d(x, 2)
        else:
            x = F.adaptive_avg_pool2d(x, 1)
        return self.fc(x.view(x.size(0), -1))


class CifarBlock(nn.Module):
    """OpenLTH cifar_resnet Block: option-B shortcut (1x1 conv stride 2 + BN) when the shape changes."""

    def __init__(self, f_in, f_out, downsample, **kw):
        super().__init__()
        stride = 2 if downsample else 1
        self.conv1 = nn.Conv2d(f_in, f_out, kernel_size=3, stride=stride, padding=1, bias=False, **kw)
        self.bn1 = nn.BatchNorm2d(f_out, **kw)
        self.conv2 = nn.Conv2d(f_out, f_out, kernel_size=3, stride=1, padding=1, bias=False, **kw)
        self.bn2 = nn.BatchNorm2d(f_out, **kw)
        if downsample or f_in != f_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(f_in, f_out, kernel_size=1, stride=2, bias=False, **kw), nn.BatchNorm2d(f_out, **kw))
        else:
            self.shortcut = nn.Sequential()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class CifarResNet(nn.Module):
    def __init__(self, shape, classes, depth, width, **kw):
        super().__init__()
        n = (depth - 2) // 6
        plan = [(width, n), (2 * width, n), (4 * width, n)]
        current = plan[0][0]
        self.conv = nn.Conv2d(shape[0], current, kernel_size=3, stride=1, padding=1, bias=False, **kw)
        self.bn = nn.BatchNorm2d(current, **kw)
        blocks = []
        for segment, (filters, count) in enumerate(plan):
            for index in range(count):
                blocks.append(CifarBlock(current, filters, segment > 0 and index == 0, **kw))
                current = filters
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(plan[-1][0], classes, **kw)

    def forward(self, x):
        out = F.relu(self.bn(self.conv(x)))
        out = self.blocks(out)
        out = F.avg_pool2d(out, out.size()[3])
        return self.fc(out.view(out.size(0), -1))


class BasicBlock(nn.Module):
    """torchvision's BasicBlock (names conv1, bn1, conv2, bn2, downsample.0/1)."""

    def __init__(self, inplanes, planes, stride, **kw):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False, **kw)
        self.bn1 = nn.BatchNorm2d(planes, **kw)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False, **kw)
        self.bn2 = nn.BatchNorm2d(planes, **kw)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False, **kw), nn.BatchNorm2d(planes, **kw))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class TinyResNet18(nn.Module):
    """torchvision resnet18 with conv1 = 3x3 stride 1, no max-pool; every channel count times k."""

    def __init__(self, shape, classes, k, **kw):
        super().__init__()
        base = 64 * k
        self.conv1 = nn.Conv2d(shape[0], base, 3, stride=1, padding=1, bias=False, **kw)
        self.bn1 = nn.BatchNorm2d(base, **kw)
        self.relu = nn.ReLU(inplace=True)
        inplanes = base
        for stage in range(4):
            planes = base * 2 ** stage
            stride = 1 if stage == 0 else 2
            blocks = [BasicBlock(inplanes, planes, stride, **kw), BasicBlock(planes, planes, 1, **kw)]
            inplanes = planes
            setattr(self, f'layer{stage + 1}', nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(inplanes, classes, **kw)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def build(spec, **kw):
    name, shape, classes = spec['model'], spec['inputShape'], spec['numClasses']
    if name == 'fc':
        return FullyConnected(shape, classes, spec.get('widths', [300, 100]), **kw)
    if name == 'lenet300':
        return FullyConnected(shape, classes, [300, 100], **kw)
    if name in ('conv2', 'conv4', 'conv6'):
        return ConvK(shape, classes, int(name[4:]), **kw)
    if name.startswith('vgg'):
        return Vgg(shape, classes, int(name[3:]), **kw)
    if name.startswith('wrn20'):
        return CifarResNet(shape, classes, 20, int(name.split('-')[1]) if '-' in name else 32, **kw)
    if name.startswith('resnet') and name != 'resnet18':
        return CifarResNet(shape, classes, int(name[6:]), 16, **kw)
    if name == 'resnet18':
        return TinyResNet18(shape, classes, 1, **kw)
    if name.startswith('wrn18'):
        return TinyResNet18(shape, classes, int(name.split('-')[1]) if '-' in name else 2, **kw)
    raise ValueError(f'unknown model {name}')


def create_model(name, input_shape=(3, 32, 32), num_classes=10, width=None, widths=None, **kw):
    """The twin of sketchprune's registry model `name` (PyTorch's default initialization, not sketchprune's)."""
    spec = {'model': name, 'inputShape': list(input_shape), 'numClasses': num_classes}
    if width is not None:
        spec['model'] = f'{name.split("-")[0]}-{width}'
    if widths is not None:
        spec['widths'] = list(widths)
    return build(spec, **kw)


def structure(spec):
    model = build(spec, device='meta')
    return {
        'params': sum(p.numel() for p in model.parameters()),
        'parameters': [[name, list(p.shape)] for name, p in model.named_parameters()],
        'buffers': [[name, list(b.shape)] for name, b in model.named_buffers()],
    }


def forward(spec):
    state = torch.load(spec['weights'])
    batch = state.pop('__input__')
    grad_output = state.pop('__grad_output__')
    model = build(spec)
    model.load_state_dict(state, strict=True)
    with torch.no_grad():
        model.eval()
        evaluated = model(batch)
        model.train()
        trained = model(batch)
    model(batch).backward(grad_output)
    grads = {name: sampled(p.grad.flatten()) for name, p in model.named_parameters()}
    return {'eval': evaluated.flatten().tolist(), 'train': trained.flatten().tolist(), 'grads': grads}


def sampled(values):
    """Up to 64 evenly spaced elements (models.test.ts samples the same ones)."""
    count = min(len(values), 64)
    stride = len(values) // count
    return [values[k * stride].item() for k in range(count)]


def script_main(argv):
    import argparse
    parser = argparse.ArgumentParser(prog='models.py script', description='Saves a twin model as TorchScript.')
    parser.add_argument('model')
    parser.add_argument('--input-shape', default='3,32,32', help='C,H,W (default 3,32,32)')
    parser.add_argument('--classes', type=int, default=10)
    parser.add_argument('--seed', type=int, default=0, help='torch.manual_seed before building (default 0)')
    parser.add_argument('--out', required=True, help='TorchScript file to write')
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    shape = [int(size) for size in args.input_shape.split(',')]
    model = create_model(args.model, shape, args.classes)
    torch.jit.script(model).save(args.out)
    print(f'{args.model}: {sum(p.numel() for p in model.parameters())} parameters, TorchScript in {args.out}')


def main():
    if len(sys.argv) > 1 and sys.argv[1] == 'script':
        script_main(sys.argv[2:])
        return
    with open(sys.argv[1]) as file:
        request = json.load(file)
    torch.set_num_threads(1)
    result = {
        'structure': {spec['key']: structure(spec) for spec in request.get('structure', [])},
        'forward': {spec['key']: forward(spec) for spec in request.get('forward', [])},
    }
    json.dump(result, sys.stdout)


if __name__ == '__main__':
    main()
