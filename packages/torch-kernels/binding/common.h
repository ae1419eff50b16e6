// Shared helpers of the addon: tensors over the wasm heap (no copies) and
// argument parsing. Every entry point receives the wasm heap's ArrayBuffer and
// byte offsets into it; the heap must be fetched after the outputs were
// allocated, because growing it replaces the buffer.
#pragma once

#include <napi.h>

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tk {

struct Heap {
  uint8_t* base;
  size_t bytes;
};

inline Heap heapOf(const Napi::Value& value) {
  auto buffer = value.As<Napi::ArrayBuffer>();
  return {static_cast<uint8_t*>(buffer.Data()), buffer.ByteLength()};
}

inline int64_t integer(const Napi::Value& value) { return value.As<Napi::Number>().Int64Value(); }
inline double number(const Napi::Value& value) { return value.As<Napi::Number>().DoubleValue(); }
inline bool boolean(const Napi::Value& value) { return value.As<Napi::Boolean>().Value(); }

inline std::vector<int64_t> dims(const Napi::Value& value) {
  auto array = value.As<Napi::Array>();
  std::vector<int64_t> out(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) out[i] = array.Get(i).As<Napi::Number>().Int64Value();
  return out;
}

inline int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

// A float32 pointer into the heap, checked against its end.
inline float* floats(const Heap& heap, const Napi::Value& offset, int64_t count) {
  const int64_t at = integer(offset);
  if (at < 0 || at % 4 != 0 || static_cast<size_t>(at + count * 4) > heap.bytes) {
    throw std::runtime_error("torch-kernels: tensor outside the wasm heap (offset " + std::to_string(at) + ")");
  }
  return reinterpret_cast<float*>(heap.base + at);
}

// A contiguous float32 tensor over heap memory (not owned).
inline at::Tensor view(const Heap& heap, const Napi::Value& offset, const std::vector<int64_t>& shape) {
  return at::from_blob(floats(heap, offset, numel(shape)), shape, at::TensorOptions().dtype(at::kFloat));
}

// A contiguous bool tensor over heap memory (tfjs-backend-wasm stores bool as one byte, 0 or 1), checked against its end.
inline at::Tensor boolView(const Heap& heap, const Napi::Value& offset, const std::vector<int64_t>& shape) {
  const int64_t at = integer(offset);
  const int64_t count = numel(shape);
  if (at < 0 || static_cast<size_t>(at + count) > heap.bytes) {
    throw std::runtime_error("torch-kernels: tensor outside the wasm heap (offset " + std::to_string(at) + ")");
  }
  return at::from_blob(heap.base + at, shape, at::TensorOptions().dtype(at::kBool));
}

// NHWC memory seen as an NCHW tensor (channels-last strides), as ATen's convs want it.
inline at::Tensor nchw(const at::Tensor& nhwc) { return nhwc.permute({0, 3, 1, 2}); }

}  // namespace tk

// Each family of kernels adds its functions to the module.
void registerConv(Napi::Env env, Napi::Object exports);
void registerMatMul(Napi::Env env, Napi::Object exports);
void registerTensorOps(Napi::Env env, Napi::Object exports);
void registerPool(Napi::Env env, Napi::Object exports);
void registerBatchNorm(Napi::Env env, Napi::Object exports);
void registerTrajectory(Napi::Env env, Napi::Object exports);
void registerOptimizer(Napi::Env env, Napi::Object exports);
void registerResize(Napi::Env env, Napi::Object exports);
void registerAllocator(Napi::Env env, Napi::Object exports);
