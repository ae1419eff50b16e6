// ResizeBilinear's gradient (NHWC) as the exact adjoint of tfjs's forward: the
// loop of @trajectorynet/runtime's kernel (same source coordinates for
// alignCorners / halfPixelCenters, same clamping, float32 fractions, float32
// sums in the same order per image), images in parallel. ATen's
// upsample_bilinear2d_backward has no mode for tfjs's default (no half-pixel
// centres, corners not aligned), so this is a loop of its own.
#include "common.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

namespace {

struct Taps {
  std::vector<int64_t> lo, hi;
  std::vector<float> frac;
};

Taps sourceTaps(int64_t outSize, int64_t inSize, bool alignCorners, bool halfPixelCenters) {
  const double ratio = alignCorners && outSize > 1 ? static_cast<double>(inSize - 1) / static_cast<double>(outSize - 1) : static_cast<double>(inSize) / static_cast<double>(outSize);
  Taps taps{std::vector<int64_t>(outSize), std::vector<int64_t>(outSize), std::vector<float>(outSize)};
  for (int64_t i = 0; i < outSize; i++) {
    const double src = halfPixelCenters ? ratio * (static_cast<double>(i) + 0.5) - 0.5 : ratio * static_cast<double>(i);
    taps.lo[i] = std::max<int64_t>(0, static_cast<int64_t>(std::floor(src)));
    taps.hi[i] = std::min<int64_t>(inSize - 1, static_cast<int64_t>(std::ceil(src)));
    taps.frac[i] = static_cast<float>(src - static_cast<double>(taps.lo[i]));
  }
  return taps;
}

// resizeBilinearGrad(heap, dy, dyShape, dx, dxShape, alignCorners, halfPixelCenters)
Napi::Value resizeBilinearGrad(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto dyShape = tk::dims(info[2]);
  auto dxShape = tk::dims(info[4]);
  const float* g = tk::floats(heap, info[1], tk::numel(dyShape));
  float* dx = tk::floats(heap, info[3], tk::numel(dxShape));
  const bool alignCorners = tk::boolean(info[5]);
  const bool halfPixelCenters = tk::boolean(info[6]);
  const int64_t batch = dxShape[0], inH = dxShape[1], inW = dxShape[2], depth = dxShape[3];
  const int64_t outH = dyShape[1], outW = dyShape[2];
  if (dyShape[0] != batch || dyShape[3] != depth) throw Napi::Error::New(info.Env(), "torch-kernels: resizeBilinearGrad: dy and images differ in batch or channels");
  const Taps rows = sourceTaps(outH, inH, alignCorners, halfPixelCenters);
  const Taps cols = sourceTaps(outW, inW, alignCorners, halfPixelCenters);
  std::fill(dx, dx + tk::numel(dxShape), 0.0f);
  at::parallel_for(0, batch, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; b++) {
      const float* gb = g + b * outH * outW * depth;
      for (int64_t r = 0; r < outH; r++) {
        const int64_t top = (b * inH + rows.lo[r]) * inW;
        const int64_t bottom = (b * inH + rows.hi[r]) * inW;
        const double rf = rows.frac[r];
        for (int64_t c = 0; c < outW; c++) {
          const double cf = cols.frac[c];
          float* tl = dx + (top + cols.lo[c]) * depth;
          float* tr = dx + (top + cols.hi[c]) * depth;
          float* bl = dx + (bottom + cols.lo[c]) * depth;
          float* br = dx + (bottom + cols.hi[c]) * depth;
          const double wtl = (1 - cf) * (1 - rf), wtr = cf * (1 - rf), wbl = (1 - cf) * rf, wbr = cf * rf;
          const float* v = gb + (r * outW + c) * depth;
          for (int64_t d = 0; d < depth; d++) {
            tl[d] = static_cast<float>(tl[d] + v[d] * wtl);
            tr[d] = static_cast<float>(tr[d] + v[d] * wtr);
            bl[d] = static_cast<float>(bl[d] + v[d] * wbl);
            br[d] = static_cast<float>(br[d] + v[d] * wbr);
          }
        }
      }
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void registerResize(Napi::Env env, Napi::Object exports) { exports.Set("resizeBilinearGrad", Napi::Function::New(env, resizeBilinearGrad)); }
