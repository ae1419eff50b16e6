// Max pooling's gradient, average pooling and its gradient (2D, NHWC) through ATen.
// tfjs's 'same' padding puts the extra row at the bottom/right and never
// reads the padding: ATen's symmetric padding of `top` plus ceil mode gives
// the same windows (the TypeScript side checks the output size matches).
#include "common.h"

namespace {

struct Pool {
  std::vector<int64_t> kernel, stride, padding;
  bool ceil;
};

// kernel, strides, [top, left], ceil starting at argument `first`
Pool poolArgs(const Napi::CallbackInfo& info, int first) {
  return {tk::dims(info[first]), tk::dims(info[first + 1]), tk::dims(info[first + 2]), tk::boolean(info[first + 3])};
}

// maxPoolGrad(heap, dy, dyShape, x, xShape, dx, kernel, strides, pads, ceil): the first maximum of each window gets dy
Napi::Value maxPoolGrad(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto dy = tk::nchw(tk::view(heap, info[1], tk::dims(info[2])));
  auto xShape = tk::dims(info[4]);
  auto x = tk::nchw(tk::view(heap, info[3], xShape));
  auto dx = tk::nchw(tk::view(heap, info[5], xShape));
  auto p = poolArgs(info, 6);
  auto indices = std::get<1>(at::max_pool2d_with_indices(x, p.kernel, p.stride, p.padding, {1, 1}, p.ceil));
  dx.copy_(at::max_pool2d_with_indices_backward(dy, x, p.kernel, p.stride, p.padding, {1, 1}, p.ceil, indices));
  return info.Env().Undefined();
}

// avgPool(heap, x, xShape, y, yShape, kernel, strides, pads, ceil): padding is not counted
Napi::Value avgPool(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto x = tk::nchw(tk::view(heap, info[1], tk::dims(info[2])));
  auto y = tk::nchw(tk::view(heap, info[3], tk::dims(info[4])));
  auto p = poolArgs(info, 5);
  y.copy_(at::avg_pool2d(x, p.kernel, p.stride, p.padding, p.ceil, false));
  return info.Env().Undefined();
}

// avgPoolGrad(heap, dy, dyShape, x, xShape, dx, kernel, strides, pads, ceil)
Napi::Value avgPoolGrad(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto dy = tk::nchw(tk::view(heap, info[1], tk::dims(info[2])));
  auto xShape = tk::dims(info[4]);
  auto x = tk::nchw(tk::view(heap, info[3], xShape));
  auto dx = tk::nchw(tk::view(heap, info[5], xShape));
  auto p = poolArgs(info, 6);
  dx.copy_(at::avg_pool2d_backward(dy, x, p.kernel, p.stride, p.padding, p.ceil, false, c10::nullopt));
  return info.Env().Undefined();
}

}  // namespace

void registerPool(Napi::Env env, Napi::Object exports) {
  exports.Set("maxPoolGrad", Napi::Function::New(env, maxPoolGrad));
  exports.Set("avgPool", Napi::Function::New(env, avgPool));
  exports.Set("avgPoolGrad", Napi::Function::New(env, avgPoolGrad));
}
