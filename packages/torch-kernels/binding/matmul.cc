// (Batch) matrix products through oneDNN's sgemm: Debian's ATen sends
// at::mm to the reference BLAS, several times slower than tfjs's wasm GEMM.
// Built without oneDNN (e.g. against a pip libtorch, whose MKL BLAS is fast),
// at::mm_out does the product.
#include "common.h"

#include <ATen/Parallel.h>

#ifndef TK_NO_DNNL
extern "C" int dnnl_sgemm(char transa, char transb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                          const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
#endif

namespace {

// C [m, n] = op(A) op(B) (+ C when accumulate), row-major
void gemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, const float* b, float* c, bool accumulate) {
#ifndef TK_NO_DNNL
  const int status = dnnl_sgemm(transA ? 'T' : 'N', transB ? 'T' : 'N', m, n, k, 1.0f, a, transA ? m : k, b, transB ? k : n,
                                accumulate ? 1.0f : 0.0f, c, n);
  if (status != 0) throw std::runtime_error("torch-kernels: dnnl_sgemm failed with status " + std::to_string(status));
#else
  auto opt = at::TensorOptions().dtype(at::kFloat);
  auto ta = transA ? at::from_blob(const_cast<float*>(a), {k, m}, opt).t() : at::from_blob(const_cast<float*>(a), {m, k}, opt);
  auto tb = transB ? at::from_blob(const_cast<float*>(b), {n, k}, opt).t() : at::from_blob(const_cast<float*>(b), {k, n}, opt);
  auto tc = at::from_blob(c, {m, n}, opt);
  if (accumulate) tc.addmm_(ta, tb);
  else at::mm_out(tc, ta, tb);
#endif
}

// matMul(heap, a, b, out, batchA, batchB, m, n, k, transA, transB, bias, relu)
// Batches: equal, or one side 1 (broadcast). bias: offset of [n] values or -1.
Napi::Value matMul(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  const int64_t batchA = tk::integer(info[4]), batchB = tk::integer(info[5]);
  const int64_t m = tk::integer(info[6]), n = tk::integer(info[7]), k = tk::integer(info[8]);
  const bool transA = tk::boolean(info[9]), transB = tk::boolean(info[10]);
  const bool hasBias = tk::integer(info[11]) >= 0;
  const bool relu = tk::boolean(info[12]);
  const int64_t batch = std::max(batchA, batchB);
  const float* a = tk::floats(heap, info[1], batchA * m * k);
  const float* b = tk::floats(heap, info[2], batchB * k * n);
  float* c = tk::floats(heap, info[3], batch * m * n);
  const float* bias = hasBias ? tk::floats(heap, info[11], n) : nullptr;
  if (bias != nullptr) {
    at::parallel_for(0, batch * m, 256, [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; row++) std::copy(bias, bias + n, c + row * n);
    });
  }
  if (batchB == 1 && !transA) {
    // one product with the batches stacked as rows
    gemm(false, transB, batch * m, n, k, a, b, c, hasBias);
  } else {
    for (int64_t i = 0; i < batch; i++) {
      gemm(transA, transB, m, n, k, a + (batchA == 1 ? 0 : i) * m * k, b + (batchB == 1 ? 0 : i) * k * n, c + i * m * n, hasBias);
    }
  }
  if (relu) {
    at::parallel_for(0, batch * m * n, 1 << 14, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; i++) c[i] = c[i] < 0 ? 0 : c[i];
    });
  }
  return info.Env().Undefined();
}

}  // namespace

void registerMatMul(Napi::Env env, Napi::Object exports) { exports.Set("matMul", Napi::Function::New(env, matMul)); }
