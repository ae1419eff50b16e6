#!/usr/bin/env python3
"""OpenCV 4.6 DualTVL1 (one thread, gray frames) on frame pairs given as JSON:
argv[1] = [{"frame0": path, "frame1": path, "truth": .flo path or null}, ...]
(8-bit images, or raw 8-bit gray with "width"/"height"; optional "occluded":
a raw 8-bit mask, nonzero where a pixel has no correspondence, for an EPE over
the matched pixels too); argv[2] = "default"
or "full" (scaleStep 0.5, nscales = 1 + log2(min(H, W) / 16), a full pyramid
down to about 16 px). Prints one JSON list of {epe, epeMatched, seconds, cpu} (wall-clock
and CPU seconds of the calc call); EPE skips
unknown ground truth (above 1e9). Needs python3-opencv (Debian).
"""
import json
import math
import sys
import time

import cv2
import numpy as np


def read_flo(path):
    with open(path, 'rb') as f:
        assert np.fromfile(f, np.float32, 1)[0] == 202021.25, f'{path}: not a .flo file'
        w, h = np.fromfile(f, np.int32, 2)
        return np.fromfile(f, np.float32, 2 * w * h).reshape(h, w, 2)


def read_gray(path, pair):
    if path.endswith('.raw'):
        return np.fromfile(path, np.uint8).reshape(pair['height'], pair['width'])
    return cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2GRAY)


def solver(config, h, w):
    if config == 'full':
        return cv2.optflow.DualTVL1OpticalFlow_create(scaleStep=0.5, nscales=int(1 + math.log2(min(h, w) / 16)))
    return cv2.optflow.DualTVL1OpticalFlow_create()


cv2.setNumThreads(1)
out = []
for pair in json.loads(sys.argv[1]):
    i0, i1 = read_gray(pair['frame0'], pair), read_gray(pair['frame1'], pair)
    tvl1 = solver(sys.argv[2], *i0.shape)
    start, cpu = time.perf_counter(), time.process_time()
    flow = tvl1.calc(i0, i1, None)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    epe = matched = None
    if pair.get('truth'):
        gt = read_flo(pair['truth'])
        known = (np.abs(gt) <= 1e9).all(-1)
        error = np.sqrt(((flow - gt) ** 2).sum(-1))
        epe = float(np.mean(error[known]))
        if pair.get('occluded'):
            visible = known & (np.fromfile(pair['occluded'], np.uint8).reshape(known.shape) == 0)
            matched = float(np.mean(error[visible]))
    out.append({'epe': epe, 'epeMatched': matched, 'seconds': seconds, 'cpu': cpu})
print(json.dumps(out))
