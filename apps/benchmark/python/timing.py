"""The benchmark scripts' timing: the median of repeated calls after one warm-up call."""
import time


def median_seconds(fn, steps):
    fn()  # warm-up
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    mid = len(times) // 2
    return times[mid] if len(times) % 2 == 1 else (times[mid - 1] + times[mid]) / 2
