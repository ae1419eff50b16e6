// FusedBatchNorm (inference form) in one pass: y = x * a[c] + b[c] with
// a = scale / sqrt(variance + eps), b = offset - mean * a; channels last.
#include "common.h"

#include <ATen/Parallel.h>

#include <cmath>

namespace {

// batchNorm(heap, x, size, channels, mean, variance, offset (-1: none), scale (-1: none), epsilon, out)
Napi::Value batchNorm(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  const int64_t size = tk::integer(info[2]);
  const int64_t c = tk::integer(info[3]);
  const float* x = tk::floats(heap, info[1], size);
  const float* mean = tk::floats(heap, info[4], c);
  const float* variance = tk::floats(heap, info[5], c);
  const float* offset = tk::integer(info[6]) >= 0 ? tk::floats(heap, info[6], c) : nullptr;
  const float* scale = tk::integer(info[7]) >= 0 ? tk::floats(heap, info[7], c) : nullptr;
  const float epsilon = static_cast<float>(tk::number(info[8]));
  float* out = tk::floats(heap, info[9], size);
  std::vector<float> a(c), b(c);
  for (int64_t i = 0; i < c; i++) {
    a[i] = (scale != nullptr ? scale[i] : 1.0f) / std::sqrt(variance[i] + epsilon);
    b[i] = (offset != nullptr ? offset[i] : 0.0f) - mean[i] * a[i];
  }
  const int64_t rows = size / c;
  at::parallel_for(0, rows, std::max<int64_t>(1, (1 << 14) / c), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* in = x + r * c;
      float* o = out + r * c;
      for (int64_t i = 0; i < c; i++) o[i] = in[i] * a[i] + b[i];
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void registerBatchNorm(Napi::Env env, Napi::Object exports) { exports.Set("batchNorm", Napi::Function::New(env, batchNorm)); }
