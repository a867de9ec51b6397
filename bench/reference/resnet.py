"""ResNet-20 for CIFAR as OpenLTH's cifar_resnet_20 (three stages of three basic blocks, option-B 1x1 conv
shortcuts), shared by the reference benchmarks. `conv` and `linear` are the layer classes: plain nn.Conv2d and
nn.Linear (train_throughput.py) or pruning.py's masked ones. Parameter names match sketchprune's resnet20."""
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, downsample, conv=nn.Conv2d):
        super().__init__()
        stride = 2 if downsample else 1
        self.conv1 = conv(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = conv(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = (nn.Sequential(conv(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
                         if downsample or cin != cout else None)

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + (self.shortcut(x) if self.shortcut is not None else x))


class ResNet20(nn.Module):
    def __init__(self, classes=10, width=16, conv=nn.Conv2d, linear=nn.Linear):
        super().__init__()
        self.conv = conv(3, width, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(width)
        blocks, channels = [], width
        for stage in range(3):
            for index in range(3):
                blocks.append(Block(channels, width * 2 ** stage, stage > 0 and index == 0, conv))
                channels = width * 2 ** stage
        self.blocks = nn.Sequential(*blocks)
        self.fc = linear(channels, classes)

    def forward(self, x):
        out = F.relu(self.bn(self.conv(x)))
        return self.fc(F.adaptive_avg_pool2d(self.blocks(out), 1).flatten(1))
