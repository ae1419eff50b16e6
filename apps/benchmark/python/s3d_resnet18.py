"""S3D ResNet-18 in PyTorch, built like @trajectorynet/resnet-s3d (the paper's
released code): stem 1x7x7/2 + BN + ReLU + 1x3x3 max-pool /2; blocks
[1x3x3, BN, ReLU, 3x1x1, BN, ReLU][1x3x3, BN, ReLU, 3x1x1, BN] + shortcut,
ReLU; global average pool, dropout 0.5, fc. Spatial convs have no bias,
temporal convs do. Prints JSON: parameters, train and inference clips/s.

usage: s3d_resnet18.py THREADS BATCH FRAMES SIZE STEPS CLASSES [OPTIMIZER]

OPTIMIZER: sgd (momentum 0.9, the default) or adam (lr 1e-4, betas 0.9 and
0.999, eps 1e-8: the step @trajectorynet/training's loop takes).
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from timing import median_seconds


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv_a = nn.Conv3d(cin, cout, (1, 3, 3), (1, stride, stride), (0, 1, 1), bias=False)
        self.bn_a = nn.BatchNorm3d(cout)
        self.temporal_a = nn.Conv3d(cout, cout, (3, 1, 1), 1, (1, 0, 0))
        self.bn_ta = nn.BatchNorm3d(cout)
        self.conv_b = nn.Conv3d(cout, cout, (1, 3, 3), 1, (0, 1, 1), bias=False)
        self.bn_b = nn.BatchNorm3d(cout)
        self.temporal_b = nn.Conv3d(cout, cout, (3, 1, 1), 1, (1, 0, 0))
        self.bn_tb = nn.BatchNorm3d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv3d(cin, cout, 1, (1, stride, stride), bias=False), nn.BatchNorm3d(cout))

    def forward(self, x):
        y = F.relu(self.bn_a(self.conv_a(x)))
        y = F.relu(self.bn_ta(self.temporal_a(y)))
        y = self.bn_b(self.conv_b(y))
        y = self.bn_tb(self.temporal_b(F.relu(y)))
        return F.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class S3DResNet18(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv3d(3, 64, (1, 7, 7), (1, 2, 2), (0, 3, 3), bias=False),
            nn.BatchNorm3d(64),
            nn.ReLU(),
            nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)),
        )
        blocks, cin = [], 64
        for stage, cout in enumerate([64, 128, 256, 512]):
            for b in range(2):
                blocks.append(Block(cin, cout, 2 if (b == 0 and stage > 0) else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.dropout = nn.Dropout(0.5)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.fc(self.dropout(x.mean(dim=(2, 3, 4))))


def main():
    threads, batch, frames, size, steps, classes = (int(a) for a in sys.argv[1:7])
    optimizer_name = sys.argv[7] if len(sys.argv) > 7 else "sgd"
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = S3DResNet18(classes)
    clip = torch.randn(batch, 3, frames, size, size)
    labels = torch.randint(0, classes, (batch,))
    if optimizer_name == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    elif optimizer_name == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    else:
        sys.exit(f"unknown optimizer {optimizer_name}: sgd or adam")

    def train_step():
        optimizer.zero_grad()
        F.cross_entropy(model(clip), labels).backward()
        optimizer.step()

    model.train()
    train = median_seconds(train_step, steps)
    model.eval()
    with torch.no_grad():
        infer = median_seconds(lambda: model(clip), steps)
    print(json.dumps({
        "threads": threads,
        "optimizer": optimizer_name,
        "parameters": sum(p.numel() for p in model.parameters()),
        "trainClipsPerSecond": batch / train,
        "inferenceClipsPerSecond": batch / infer,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
