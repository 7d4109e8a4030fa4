"""PyTorch ports of AquaML's architectures, for side-by-side speed runs.

SmallCNN is the team reference (bench/model.py). FishNet is nn.FishNet, the
bundled model's architecture, layer for layer: conv3x3 (no bias) + BN + ReLU
blocks of 16, 32, 64, 64, 128, 128 channels with 2x2 max-pools after the
first, second and fourth, global average pooling, dropout 0.25, dense.
"""
import torch.nn as nn


class SmallCNN(nn.Module):
    def __init__(self, size=64, classes=23, deep=True):
        super().__init__()
        layers = [nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        s, c = size // 4, 32
        if deep:
            layers += [nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            s, c = size // 8, 64
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(c * s * s, classes)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))


def _block(i, o):
    return [nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU()]


class FishNet(nn.Module):
    def __init__(self, size=64, classes=23):
        super().__init__()
        pool = nn.MaxPool2d(2)
        self.features = nn.Sequential(
            *_block(3, 16), pool, *_block(16, 32), pool,
            *_block(32, 64), *_block(64, 64), pool,
            *_block(64, 128), *_block(128, 128),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.25))
        self.fc = nn.Linear(128, classes)

    def forward(self, x):
        return self.fc(self.features(x))


def named(name, size=64, classes=23):
    if name == "fishnet":
        return FishNet(size, classes)
    if name == "smallcnn":
        return SmallCNN(size, classes, True)
    raise SystemExit(f"unknown architecture {name}")
