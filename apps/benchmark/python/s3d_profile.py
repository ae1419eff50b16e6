"""Profiles PyTorch's S3D ResNet-18 training step (the model of s3d_resnet18.py)
with the autograd profiler: self CPU time and calls per op, and the
convolutions by input shape, to set beside scripts/s3d-kernel-profile.mjs
(the same step in tfjs with the libtorch kernels).

usage: s3d_profile.py THREADS BATCH FRAMES SIZE STEPS [SHAPES]
"""
import sys

import torch
import torch.nn.functional as F

from s3d_resnet18 import S3DResNet18


def main():
    threads, batch, frames, size, steps = (int(a) for a in sys.argv[1:6])
    shapes = len(sys.argv) > 6 and sys.argv[6] == "1"
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = S3DResNet18(174)
    clip = torch.randn(batch, 3, frames, size, size)
    labels = torch.randint(0, 174, (batch,))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def train_step():
        optimizer.zero_grad()
        F.cross_entropy(model(clip), labels).backward()
        optimizer.step()

    model.train()
    for _ in range(2):
        train_step()
    with torch.autograd.profiler.profile(record_shapes=shapes) as prof:
        for _ in range(steps):
            train_step()
    averages = prof.key_averages(group_by_input_shape=shapes)
    total = sum(e.self_cpu_time_total for e in averages) / steps / 1000
    print(f"PyTorch {torch.__version__}, {threads} threads, batch {batch}, {frames}x{size}x{size}: self CPU ms per step {total:.1f}")
    rows = sorted(averages, key=lambda e: -e.self_cpu_time_total)
    for e in rows[:30]:
        ms = e.self_cpu_time_total / steps / 1000
        if ms < 0.5:
            break
        shape = f"  {e.input_shapes[:2]}" if shapes else ""
        print(f"{e.key:40s} {ms:8.1f} ms {100 * ms / total:5.1f}% {e.count // steps:5d} calls{shape}")


if __name__ == "__main__":
    main()
