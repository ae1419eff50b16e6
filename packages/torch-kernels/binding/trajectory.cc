// The TrajectorySample kernels of @trajectorynet/trajectory-conv (same
// semantics as its TypeScript kernels): bilinear samples of each temporal tap
// along its trajectory, and the gradients into the features and the offsets.
// x [N, T, H, W, C]; offsets [N, To, H, W, K, 2] as (dx, dy); samples
// [N, To, H, W, K, C]. Tap k of output time `to` reads frame
// to * stride + (k - (K - 1) / 2) * dilation; frames outside [0, T) and
// corners outside the map contribute zero. Channels are innermost.
#include "common.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

namespace {

struct Geometry {
  int64_t n, t, h, w, c, to, k, stride, dilation;
  int64_t positions() const { return n * to * h * w; }
};

Geometry geometry(const Napi::CallbackInfo& info, int xShapeArg, int offsetShapeArg, int strideArg) {
  auto xs = tk::dims(info[xShapeArg]);
  auto os = tk::dims(info[offsetShapeArg]);
  return {xs[0], xs[1], xs[2], xs[3], xs[4], os[1], os[4], tk::integer(info[strideArg]), tk::integer(info[strideArg + 1])};
}

struct Corner {
  int64_t pixel;  // index of the corner's first channel in x
  float weight, dwdx, dwdy;
};

// The in-map corners of tap k at position p (p = ((n * To + to) * H + y) * W + x); returns how many.
int corners(const Geometry& g, const float* offsets, int64_t p, int64_t k, Corner out[4]) {
  const int64_t x = p % g.w, y = (p / g.w) % g.h, to = (p / (g.w * g.h)) % g.to, n = p / (g.w * g.h * g.to);
  const int64_t t = to * g.stride + (k - (g.k - 1) / 2) * g.dilation;
  if (t < 0 || t >= g.t) return 0;
  const float* off = offsets + (p * g.k + k) * 2;
  const double px = static_cast<double>(x) + off[0], py = static_cast<double>(y) + off[1];
  const double x0 = std::floor(px), y0 = std::floor(py);
  const double fx = px - x0, fy = py - y0;
  const int64_t frame = (n * g.t + t) * g.h * g.w;
  int count = 0;
  for (int corner = 0; corner < 4; corner++) {
    const int64_t cx = static_cast<int64_t>(x0) + (corner & 1), cy = static_cast<int64_t>(y0) + (corner >> 1);
    if (cx < 0 || cx >= g.w || cy < 0 || cy >= g.h) continue;
    const double wx = (corner & 1) ? fx : 1 - fx, wy = (corner >> 1) ? fy : 1 - fy;
    out[count++] = {(frame + cy * g.w + cx) * g.c, static_cast<float>(wx * wy), static_cast<float>(((corner & 1) ? 1 : -1) * wy),
                    static_cast<float>(((corner >> 1) ? 1 : -1) * wx)};
  }
  return count;
}

// trajectorySample(heap, x, xShape, offsets, offsetShape, out, stride, dilation)
Napi::Value sample(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto g = geometry(info, 2, 4, 6);
  const float* x = tk::floats(heap, info[1], g.n * g.t * g.h * g.w * g.c);
  const float* offsets = tk::floats(heap, info[3], g.positions() * g.k * 2);
  float* out = tk::floats(heap, info[5], g.positions() * g.k * g.c);
  at::parallel_for(0, g.positions(), 16, [&](int64_t begin, int64_t end) {
    Corner cs[4];
    for (int64_t p = begin; p < end; p++) {
      for (int64_t k = 0; k < g.k; k++) {
        float* o = out + (p * g.k + k) * g.c;
        std::fill(o, o + g.c, 0.0f);
        const int count = corners(g, offsets, p, k, cs);
        for (int i = 0; i < count; i++) {
          const float* src = x + cs[i].pixel;
          const float wgt = cs[i].weight;
          for (int64_t ch = 0; ch < g.c; ch++) o[ch] += wgt * src[ch];
        }
      }
    }
  });
  return info.Env().Undefined();
}

// trajectorySampleGradX(heap, dy, offsets, offsetShape, xShape, dx, stride, dilation)
// Samples scatter onto shared pixels: threads split the channels, not the positions.
Napi::Value gradX(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto g = geometry(info, 4, 3, 6);
  const float* dy = tk::floats(heap, info[1], g.positions() * g.k * g.c);
  const float* offsets = tk::floats(heap, info[2], g.positions() * g.k * 2);
  float* dx = tk::floats(heap, info[5], g.n * g.t * g.h * g.w * g.c);
  std::fill(dx, dx + g.n * g.t * g.h * g.w * g.c, 0.0f);
  const int64_t threads = std::min<int64_t>(at::get_num_threads(), std::max<int64_t>(1, g.c / 16));
  at::parallel_for(0, threads, 1, [&](int64_t begin, int64_t end) {
    Corner cs[4];
    for (int64_t part = begin; part < end; part++) {
      const int64_t c0 = g.c * part / threads, c1 = g.c * (part + 1) / threads;
      for (int64_t p = 0; p < g.positions(); p++) {
        for (int64_t k = 0; k < g.k; k++) {
          const float* d = dy + (p * g.k + k) * g.c;
          const int count = corners(g, offsets, p, k, cs);
          for (int i = 0; i < count; i++) {
            float* target = dx + cs[i].pixel;
            const float wgt = cs[i].weight;
            for (int64_t ch = c0; ch < c1; ch++) target[ch] += wgt * d[ch];
          }
        }
      }
    }
  });
  return info.Env().Undefined();
}

// trajectorySampleGradOffsets(heap, dy, offsets, offsetShape, x, xShape, dOffsets, stride, dilation)
Napi::Value gradOffsets(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto g = geometry(info, 5, 3, 7);
  const float* dy = tk::floats(heap, info[1], g.positions() * g.k * g.c);
  const float* offsets = tk::floats(heap, info[2], g.positions() * g.k * 2);
  const float* x = tk::floats(heap, info[4], g.n * g.t * g.h * g.w * g.c);
  float* dOffsets = tk::floats(heap, info[6], g.positions() * g.k * 2);
  at::parallel_for(0, g.positions(), 16, [&](int64_t begin, int64_t end) {
    Corner cs[4];
    for (int64_t p = begin; p < end; p++) {
      for (int64_t k = 0; k < g.k; k++) {
        const float* d = dy + (p * g.k + k) * g.c;
        float sx = 0, sy = 0;
        const int count = corners(g, offsets, p, k, cs);
        for (int i = 0; i < count; i++) {
          const float* src = x + cs[i].pixel;
          float dot = 0;
          for (int64_t ch = 0; ch < g.c; ch++) dot += d[ch] * src[ch];
          sx += cs[i].dwdx * dot;
          sy += cs[i].dwdy * dot;
        }
        dOffsets[(p * g.k + k) * 2] = sx;
        dOffsets[(p * g.k + k) * 2 + 1] = sy;
      }
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void registerTrajectory(Napi::Env env, Napi::Object exports) {
  exports.Set("trajectorySample", Napi::Function::New(env, sample));
  exports.Set("trajectorySampleGradX", Napi::Function::New(env, gradX));
  exports.Set("trajectorySampleGradOffsets", Napi::Function::New(env, gradOffsets));
}
