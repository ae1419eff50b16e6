#!/usr/bin/env python3
"""OpenCV's DualTVL1 (defaults, one thread) on the FlyingChairs pairs of the
shared data: end-point error, wall-clock and CPU seconds per pair, printed
like flyingchairs.mjs. Needs python3-opencv (Debian) or opencv-contrib-python.

    /usr/bin/python3 packages/tvl1-flow/scripts/opencv-flyingchairs.py
"""
import os
import time

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get('TRAJECTORYNET_DATA', os.path.join(HERE, '../../../../shared/data'))
DIR = os.path.join(DATA, 'flow/flyingchairs')


def read_flo(path):
    with open(path, 'rb') as f:
        assert np.fromfile(f, np.float32, 1)[0] == 202021.25, f'{path}: not a .flo file'
        w, h = np.fromfile(f, np.int32, 2)
        return np.fromfile(f, np.float32, 2 * w * h).reshape(h, w, 2)


cv2.setNumThreads(1)
cells, epes = [], []
for pair in ['0000000', '0000001', '0000002']:
    gray = [cv2.cvtColor(cv2.imread(os.path.join(DIR, f'{pair}-{n}.ppm')), cv2.COLOR_BGR2GRAY) for n in ('img0', 'img1')]
    start, cpu = time.time(), time.process_time()
    flow = cv2.optflow.DualTVL1OpticalFlow_create().calc(gray[0], gray[1], None)
    seconds, cpu = time.time() - start, time.process_time() - cpu
    epe = float(np.mean(np.sqrt(((flow - read_flo(os.path.join(DIR, f'{pair}-gt.flo'))) ** 2).sum(-1))))
    epes.append(epe)
    cells.append(f'{pair} {epe:.3f} ({seconds:.2f} s, cpu {cpu:.2f} s)')
print(f"OpenCV {cv2.__version__} DualTVL1: {' | '.join(cells)} | mean {np.mean(epes):.3f}")
