// FusedBatchNorm (inference form) in one pass: y = x * a[c] + b[c] with
// a = scale / sqrt(variance + eps), b = offset - mean * a; channels last.
#include "common.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

// The per-row loops, compiled for AVX-512 and AVX2 as well as the baseline the addon is built for (x86-64: SSE2),
// picked at load time by the CPU (GCC's function multiversioning); elsewhere the plain loop.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TK_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TK_VECTOR_CLONES
#endif

// o = in * a + b, per channel
TK_VECTOR_CLONES void affineRow(const float* in, const float* a, const float* b, float* o, int64_t c) {
  for (int64_t i = 0; i < c; i++) o[i] = in[i] * a[i] + b[i];
}

// sum[i] += in[i] - shift[i]; squares[i] += (in[i] - shift[i])^2, in double
TK_VECTOR_CLONES void shiftedMomentsRow(const float* in, const float* shift, double* sum, double* squares, int64_t c) {
  for (int64_t i = 0; i < c; i++) {
    const double d = static_cast<double>(in[i]) - static_cast<double>(shift[i]);
    sum[i] += d;
    squares[i] += d * d;
  }
}

// dySum[i] += dy[i]; dyCentered[i] += dy[i] * (x[i] - mean[i]), in double
TK_VECTOR_CLONES void gradSumsRow(const float* dy, const float* x, const float* mean, double* dySum, double* dyCentered, int64_t c) {
  for (int64_t i = 0; i < c; i++) {
    const double g = dy[i];
    dySum[i] += g;
    dyCentered[i] += g * (static_cast<double>(x[i]) - static_cast<double>(mean[i]));
  }
}

// dx = scale * (dy - meanDy - (x - mean) * k), k = invStd * mean(dy * xHat)
TK_VECTOR_CLONES void gradRow(const float* dy, const float* x, const float* mean, const float* scale, const float* meanDy, const float* k, float* dx, int64_t c) {
  for (int64_t i = 0; i < c; i++) dx[i] = scale[i] * (dy[i] - meanDy[i] - (x[i] - mean[i]) * k[i]);
}

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
    for (int64_t r = begin; r < end; r++) affineRow(x + r * c, a.data(), b.data(), out + r * c, c);
  });
  return info.Env().Undefined();
}


// Per-channel sums over the rows of a [rows, c] array in double, rows split
// into chunks summed in parallel then combined in chunk order (deterministic).
template <typename F>
std::vector<double> channelSums(int64_t rows, int64_t c, int64_t terms, F add) {
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads() * 4, rows / 64));
  std::vector<double> partial(static_cast<size_t>(chunks * terms * c), 0.0);
  at::parallel_for(0, chunks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; k++) {
      double* acc = partial.data() + k * terms * c;
      const int64_t r0 = rows * k / chunks, r1 = rows * (k + 1) / chunks;
      for (int64_t r = r0; r < r1; r++) add(r, acc);
    }
  });
  std::vector<double> total(static_cast<size_t>(terms * c), 0.0);
  for (int64_t k = 0; k < chunks; k++)
    for (int64_t i = 0; i < terms * c; i++) total[i] += partial[k * terms * c + i];
  return total;
}

// Training-mode BatchNorm forward over the rows of x [rows, c]: batch mean and
// (biased) variance, y = (x - mean) / sqrt(var + eps) * gamma + beta, and the
// running statistics updated as PyTorch does (unbiased variance).
// batchNormTrain(heap, x, rows, c, gamma, beta, runMean, runVar, epsilon, momentum, y, mean, variance, newRunMean, newRunVar)
Napi::Value batchNormTrain(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  const int64_t rows = tk::integer(info[2]);
  const int64_t c = tk::integer(info[3]);
  const float* x = tk::floats(heap, info[1], rows * c);
  const float* gamma = tk::floats(heap, info[4], c);
  const float* beta = tk::floats(heap, info[5], c);
  const float* runMean = tk::floats(heap, info[6], c);
  const float* runVar = tk::floats(heap, info[7], c);
  const double epsilon = tk::number(info[8]);
  const double momentum = tk::number(info[9]);
  float* y = tk::floats(heap, info[10], rows * c);
  float* mean = tk::floats(heap, info[11], c);
  float* variance = tk::floats(heap, info[12], c);
  float* newRunMean = tk::floats(heap, info[13], c);
  float* newRunVar = tk::floats(heap, info[14], c);
  // one pass: sums and squares of x minus the first row (in double; the shift keeps a large mean from
  // cancelling the variance away)
  std::vector<float> shift(static_cast<size_t>(c), 0.0f);
  if (rows > 0) std::copy(x, x + c, shift.begin());  // no rows: nothing to read (the statistics come out NaN, as 0 / 0)
  auto moments = channelSums(rows, c, 2, [&](int64_t r, double* acc) { shiftedMomentsRow(x + r * c, shift.data(), acc, acc + c, c); });
  std::vector<double> m(c), squares(c);
  for (int64_t i = 0; i < c; i++) {
    const double shiftedMean = moments[i] / static_cast<double>(rows);
    m[i] = shift[i] + shiftedMean;
    // sum (x - mean)^2 = sum (x - s)^2 - rows * (mean - s)^2
    squares[i] = std::max(0.0, moments[c + i] - static_cast<double>(rows) * shiftedMean * shiftedMean);
  }
  std::vector<float> a(c), b(c);
  for (int64_t i = 0; i < c; i++) {
    const double v = squares[i] / static_cast<double>(rows);
    const double invStd = 1.0 / std::sqrt(v + epsilon);
    a[i] = static_cast<float>(gamma[i] * invStd);
    b[i] = static_cast<float>(beta[i] - m[i] * gamma[i] * invStd);
    mean[i] = static_cast<float>(m[i]);
    variance[i] = static_cast<float>(v);
    const double unbiased = v * static_cast<double>(rows) / static_cast<double>(std::max<int64_t>(1, rows - 1));
    newRunMean[i] = static_cast<float>(runMean[i] * (1 - momentum) + m[i] * momentum);
    newRunVar[i] = static_cast<float>(runVar[i] * (1 - momentum) + unbiased * momentum);
  }
  at::parallel_for(0, rows, std::max<int64_t>(1, (1 << 14) / c), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) affineRow(x + r * c, a.data(), b.data(), y + r * c, c);
  });
  return info.Env().Undefined();
}

// Its gradient: with xHat = (x - mean) * invStd,
//   dBeta = sum dy, dGamma = sum dy * xHat, dx = gamma * invStd * (dy - dBeta / rows - xHat * dGamma / rows).
// batchNormTrainGrad(heap, dy, x, rows, c, gamma, mean, variance, epsilon, dx, dGamma, dBeta)
Napi::Value batchNormTrainGrad(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  const int64_t rows = tk::integer(info[3]);
  const int64_t c = tk::integer(info[4]);
  const float* dy = tk::floats(heap, info[1], rows * c);
  const float* x = tk::floats(heap, info[2], rows * c);
  const float* gamma = tk::floats(heap, info[5], c);
  const float* mean = tk::floats(heap, info[6], c);
  const float* variance = tk::floats(heap, info[7], c);
  const double epsilon = tk::number(info[8]);
  float* dx = tk::floats(heap, info[9], rows * c);
  float* dGamma = tk::floats(heap, info[10], c);
  float* dBeta = tk::floats(heap, info[11], c);
  std::vector<double> invStd(c);
  for (int64_t i = 0; i < c; i++) invStd[i] = 1.0 / std::sqrt(static_cast<double>(variance[i]) + epsilon);
  // sums of dy and of dy * (x - mean); invStd applied once per channel after
  auto sums = channelSums(rows, c, 2, [&](int64_t r, double* acc) { gradSumsRow(dy + r * c, x + r * c, mean, acc, acc + c, c); });
  std::vector<float> scale(c), meanDy(c), k(c);
  for (int64_t i = 0; i < c; i++) {
    const double dyXHat = sums[c + i] * invStd[i];
    dBeta[i] = static_cast<float>(sums[i]);
    dGamma[i] = static_cast<float>(dyXHat);
    scale[i] = static_cast<float>(gamma[i] * invStd[i]);
    meanDy[i] = static_cast<float>(sums[i] / static_cast<double>(rows));
    k[i] = static_cast<float>(invStd[i] * dyXHat / static_cast<double>(rows));
  }
  at::parallel_for(0, rows, std::max<int64_t>(1, (1 << 14) / c), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) gradRow(dy + r * c, x + r * c, mean, scale.data(), meanDy.data(), k.data(), dx + r * c, c);
  });
  return info.Env().Undefined();
}

}  // namespace

void registerBatchNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("batchNorm", Napi::Function::New(env, batchNorm));
  exports.Set("batchNormTrain", Napi::Function::New(env, batchNormTrain));
  exports.Set("batchNormTrainGrad", Napi::Function::New(env, batchNormTrainGrad));
}
