"""MotionNet in PyTorch, built like @trajectorynet/motionnet's createMotionNet
and trained with the same unsupervised loss (its losses.ts and
unsupervised.ts), for the benchmark's motionnet suite.

Network (NCHW here, NHWC there): frames stacked on channels (frame 0 first,
minus the Caffe mean); encoder of 3x3 convs with bias, each followed by
LeakyReLU(0.1): (64, 64, 128/2, 128, 256/2, 256, 512/2, 512, 512/2, 512,
1024/2, 1024) x the width multiplier (max(4, round(c * m)) channels);
stride-2 convs pad as TensorFlow's 'same' (one row and column after, none
before). A 3x3 flow head (2 (frames - 1) channels, with bias) on conv6_1; then
per level 5, 4, 3, 2: LeakyReLU(deconv 4x4/2 of the features, no bias), the
coarser flow upsampled by a deconv 4x4/2 (no bias), concatenated with the
encoder skip as [skip, up, upflow], a 3x3 smoothing conv (bias, no
activation) and a flow head. Five outputs, 1/32 ... 1/2 of the input size.

Loss, per direction (the clip, then the clip reversed in time), summed over
the scales with weights photometric 1, SSIM 0.16 ... 0.01 (coarse to fine),
smoothness 1: images minus the Caffe mean, LRN across channels
(x / (1 + sum(x^2) / 9)^0.7), Caffe's tent Downsample to each scale, frame t+1
warped back to t by the flow (x factor 20 s) with bilinear sampling, zeros
outside; Charbonnier photometric (alpha 0.4, beta 255) and smoothness
(alpha 0.3, beta the scale's factor) inside the border mask, SSIM over 8x8
Gaussian windows with stride 8; the normalisations of losses.ts.

Prints JSON: parameters, training step ms (loss + backward + Adam, median
after a warm-up step) and inference ms (one forward pass of the batch under
no_grad, median). STEPS 0: parameters only.

usage: motionnet.py THREADS BATCH FRAMES SIZE WIDTH_MULTIPLIER STEPS
       motionnet.py check MANIFEST.json WEIGHTS.bin
The check form (the benchmark's test) loads createMotionNet's weights and a
clip written by the test and prints the five outputs (NHWC order, flattened)
and the loss, for comparison with ours.
"""
import json
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from timing import median_seconds

CAFFE_MEAN_RGB = [123 / 255, 117 / 255, 104 / 255]
SCALES = [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2]
FLOW_FACTORS = [20 * s for s in SCALES]
WEIGHTS = {
    "photometric": [1, 1, 1, 1, 1],
    "ssim": [0.16, 0.08, 0.04, 0.02, 0.01],
    "smoothness": [1, 1, 1, 1, 1],
}


def js_round(x):
    """JavaScript's Math.round (halves up), not Python's banker's rounding."""
    return math.floor(x + 0.5)


class Conv(nn.Conv2d):
    """3x3 conv with bias, TensorFlow 'same' padding (stride 2: pad after only)."""

    def __init__(self, cin, cout, stride):
        super().__init__(cin, cout, 3, stride, padding=1 if stride == 1 else 0)
        nn.init.kaiming_normal_(self.weight)
        nn.init.zeros_(self.bias)

    def forward(self, x):
        return super().forward(x if self.stride[0] == 1 else F.pad(x, (0, 1, 0, 1)))


def deconv(cin, cout):
    # TensorFlow's conv2dTranspose 4x4/2 'same' crops one pixel each side: padding 1
    layer = nn.ConvTranspose2d(cin, cout, 4, 2, padding=1, bias=False)
    nn.init.kaiming_normal_(layer.weight)
    return layer


class MotionNet(nn.Module):
    def __init__(self, frames, width_multiplier):
        super().__init__()
        ch = lambda c: max(4, js_round(c * width_multiplier))  # noqa: E731
        flows = 2 * (frames - 1)
        encoder, cin = [], 3 * frames
        for filters, stride in [(64, 1), (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 2), (512, 1), (1024, 2), (1024, 1)]:
            encoder.append(Conv(cin, ch(filters), stride))
            cin = ch(filters)
        self.encoder = nn.ModuleList(encoder)
        self.flow6 = Conv(cin, flows, 1)
        self.deconvs, self.upflows, self.smooths, self.heads = (nn.ModuleList() for _ in range(4))
        features = cin
        for filters, skip in [(512, ch(512)), (256, ch(512)), (128, ch(256)), (64, ch(128))]:
            self.deconvs.append(deconv(features, ch(filters)))
            self.upflows.append(deconv(flows, flows))
            self.smooths.append(Conv(skip + ch(filters) + flows, ch(filters), 1))
            self.heads.append(Conv(ch(filters), flows, 1))
            features = ch(filters)

    def forward(self, x):
        skips = []
        for i, conv in enumerate(self.encoder):
            x = F.leaky_relu(conv(x), 0.1)
            if i % 2 == 1:
                skips.append(x)  # conv1_1 ... conv6_1
        outputs = [self.flow6(x)]
        features = x
        for level, skip in enumerate(reversed(skips[1:5])):  # conv5_1, conv4_1, conv3_1, conv2_1
            up = F.leaky_relu(self.deconvs[level](features), 0.1)
            joined = torch.cat([skip, up, self.upflows[level](outputs[-1])], 1)
            features = self.smooths[level](joined)
            outputs.append(self.heads[level](features))
        return outputs


def border_width(h, w, ratio=0.1):
    return max(1, js_round(ratio * min(h, w)))


def mask_area(h, w):
    b = border_width(h, w)
    return max(0, h - 2 * b) * max(0, w - 2 * b)


def border_mask(h, w):
    b = border_width(h, w)
    mask = torch.zeros(h, w)
    mask[b : h - b, b : w - b] = 1
    return mask


def downsample_weights(n, m):
    """Caffe's Downsample along one axis as an [m, n] matrix (losses.ts downsampleWeights)."""
    if m == n:
        return torch.eye(n)
    if m == 1:
        return torch.full((1, n), 1 / n)
    weights = torch.zeros(m, n, dtype=torch.float64)
    scale = (n - 1) / (m - 1)
    radius = math.ceil(scale)
    for i in range(m):
        centre = (i / (m - 1)) * (n - 1)
        nearest = js_round(centre)
        for j in range(nearest - radius, nearest + radius + 1):
            if 0 <= j < n:
                weights[i, j] = max(0.0, 1 - abs(j - centre) / scale)
        weights[i] /= weights[i].sum()
    return weights.float()


def gaussian_window(size=8):
    sigma = (size + size) / 12
    r = torch.arange(size, dtype=torch.float64) - size / 2
    g = torch.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma * sigma))
    return (g / g.sum()).float().reshape(1, 1, size, size)


def charbonnier(x, alpha, beta, eps=1e-3):
    return ((x * beta) ** 2 + eps * eps) ** alpha


def lrn_normalise(images):
    """[B, 3, H, W] in 0..1 -> minus the Caffe mean, LRN across channels (size 9, alpha 1, beta 0.7, k 1)."""
    centred = images - torch.tensor(CAFFE_MEAN_RGB).reshape(1, 3, 1, 1)
    return centred / (1 + (centred**2).sum(1, keepdim=True) / 9) ** 0.7


class Scale:
    """Constants of one output scale: resampling matrices, border mask, warp grid."""

    def __init__(self, H, W, h, w):
        self.h, self.w, self.area = h, w, mask_area(h, w)
        self.rows, self.cols = downsample_weights(H, h), downsample_weights(W, w).t()
        self.mask = border_mask(h, w)
        ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
        self.base = torch.stack([xs, ys], -1)  # [h, w, 2]: x, y in pixels
        self.norm = torch.tensor([2 / (w - 1), 2 / (h - 1)]) if self.area > 0 else None


def warp_bilinear(image, flow, scale):
    """image [B, C, h, w] sampled at p + flow(p) ([B, 2, h, w], u then v in pixels), zeros outside."""
    grid = (scale.base + flow.permute(0, 2, 3, 1)) * scale.norm - 1
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="zeros", align_corners=True)


def ssim_loss(warped, first, samples, window):
    b, c, h, w = first.shape
    k = 8
    ph, pw = math.ceil((h - k) / k) + 1, math.ceil((w - k) / k) + 1
    fold = lambda x: F.pad(x.reshape(b * c, 1, h, w), (0, (pw - 1) * k + k - w, 0, (ph - 1) * k + k - h))  # noqa: E731
    blur = lambda x: F.conv2d(x, window, stride=k)  # noqa: E731
    x, y = fold(warped), fold(first)
    ux, uy = blur(x), blur(y)
    sx2 = blur(x * x) - ux * ux
    sy2 = blur(y * y) - uy * uy
    sxy = blur(x * y) - ux * uy
    c1, c2 = 1e-4, 1e-3
    luminance = (2 * ux * uy + c1) / (ux * ux + uy * uy + c1)
    structure = (2 * sxy + c2) / (sx2 + sy2 + c2)
    return (1 - luminance * structure).sum() / samples


def smoothness_loss(prediction, beta, scale):
    n, channels = prediction.shape[:2]
    dx = F.pad(prediction[..., :, :-1] - prediction[..., :, 1:], (0, 1))
    dy = F.pad(prediction[..., :-1, :] - prediction[..., 1:, :], (0, 0, 0, 1))
    total = (charbonnier(dx, 0.3, beta) * scale.mask).sum() + (charbonnier(dy, 0.3, beta) * scale.mask).sum()
    return total / (n * n * 3 * (channels // 2) * scale.area)


def direction_loss(clip, predictions, scales, window):
    """clip [N, T, 3, H, W] in 0..1 and the five predictions [N, 2(T-1), h, w] for it."""
    n, t, c, H, W = clip.shape
    pairs = t - 1
    images = lrn_normalise(clip.reshape(n * t, c, H, W))
    total = clip.new_zeros(())
    for s, (prediction, scale) in enumerate(zip(predictions, scales)):
        if scale.area == 0:
            continue
        h, w = scale.h, scale.w
        small = torch.matmul(torch.matmul(scale.rows, images), scale.cols).reshape(n, t, c, h, w)
        first = small[:, :-1].reshape(n * pairs, c, h, w)
        second = small[:, 1:].reshape(n * pairs, c, h, w)
        flow = (prediction * FLOW_FACTORS[s]).reshape(n * pairs, 2, h, w)
        warped = warp_bilinear(second, flow, scale)
        photometric = (charbonnier(first - warped, 0.4, 255) * scale.mask).sum() / (n * n * c * pairs * scale.area)
        total = total + WEIGHTS["photometric"][s] * photometric
        total = total + WEIGHTS["ssim"][s] * ssim_loss(warped, first, n, window)
        total = total + WEIGHTS["smoothness"][s] * smoothness_loss(prediction, FLOW_FACTORS[s], scale)
    return total


def stack(clip):
    n, t, c, h, w = clip.shape
    return (clip - torch.tensor(CAFFE_MEAN_RGB).reshape(1, 1, 3, 1, 1)).reshape(n, t * c, h, w)


def unsupervised_loss(model, clip, scales, window):
    reversed_clip = torch.flip(clip, [1])
    return direction_loss(clip, model(stack(clip)), scales, window) + direction_loss(reversed_clip, model(stack(reversed_clip)), scales, window)


def check(manifest_path, weights_path):
    """Weights of createMotionNet's layers (Keras layouts) and a clip [N, T, H, W, 3] -> outputs and loss."""
    with open(manifest_path) as f:
        manifest = json.load(f)
    with open(weights_path, "rb") as f:
        data = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)
    tensors, offset = {}, 0
    for entry in manifest["tensors"]:
        count = math.prod(entry["shape"])
        tensors[entry["name"]] = data[offset : offset + count].reshape(entry["shape"])
        offset += count
    model = MotionNet(manifest["frames"], manifest["widthMultiplier"])
    names = ["conv1", "conv1_1", "conv2", "conv2_1", "conv3", "conv3_1", "conv4", "conv4_1", "conv5", "conv5_1", "conv6", "conv6_1"]
    convs = list(zip(names, model.encoder)) + [("flow6", model.flow6)]
    for i, level in enumerate("5432"):
        convs += [(f"smooth{level}", model.smooths[i]), (f"flow{level}", model.heads[i])]
    used = set()
    with torch.no_grad():
        for name, conv in convs:
            # Keras conv kernel [kh, kw, in, out] -> [out, in, kh, kw]
            conv.weight.copy_(tensors[f"{name}/kernel"].permute(3, 2, 0, 1))
            conv.bias.copy_(tensors[f"{name}/bias"])
            used |= {f"{name}/kernel", f"{name}/bias"}
        for i, level in enumerate("5432"):
            # Keras transposed-conv kernel [kh, kw, out, in] -> [in, out, kh, kw]
            for name, layer in [(f"deconv{level}", model.deconvs[i]), (f"upflow{level}", model.upflows[i])]:
                layer.weight.copy_(tensors[f"{name}/kernel"].permute(3, 2, 0, 1))
                used.add(f"{name}/kernel")
    if used != set(tensors) - {"clip"}:
        raise SystemExit(f"weights not matched: {sorted(set(tensors) - used - {'clip'})}")
    clip = tensors["clip"].permute(0, 1, 4, 2, 3).contiguous()  # [N, T, H, W, 3] -> [N, T, 3, H, W]
    size = clip.shape[-1]
    scales = [Scale(size, size, int(size * s), int(size * s)) for s in SCALES]
    with torch.no_grad():
        outputs = model(stack(clip))
        loss = unsupervised_loss(model, clip, scales, gaussian_window())
    print(json.dumps({"outputs": [o.permute(0, 2, 3, 1).reshape(-1).tolist() for o in outputs], "loss": loss.item()}))


def main():
    if sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
        return
    threads, batch, frames, size = (int(a) for a in sys.argv[1:5])
    width_multiplier = float(sys.argv[5])
    steps = int(sys.argv[6])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = MotionNet(frames, width_multiplier)
    result = {"threads": threads, "parameters": sum(p.numel() for p in model.parameters()), "torch": torch.__version__}
    if steps > 0:
        scales = [Scale(size, size, int(size * s), int(size * s)) for s in SCALES]
        window = gaussian_window()
        clip = torch.rand(batch, frames, 3, size, size)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
        losses = []

        def train_step():
            optimizer.zero_grad()
            loss = unsupervised_loss(model, clip, scales, window)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())

        result["trainStepMs"] = 1000 * median_seconds(train_step, steps)
        model.eval()
        with torch.no_grad():
            stacked = stack(clip)
            result["inferenceMs"] = 1000 * median_seconds(lambda: model(stacked), steps)
        result["losses"] = [losses[0], losses[-1]]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
