// conv2d and its two backward passes on NHWC data with HWIO filters (tfjs's
// layouts), through ATen's convolution (oneDNN for float32, channels-last).
// Asymmetric 'same' padding (tfjs pads the extra row at the bottom/right)
// pads the input explicitly; symmetric padding goes to ATen as is.
#include "common.h"

namespace {

struct Geometry {
  std::vector<int64_t> stride, dilation;
  int64_t top, bottom, left, right;
  bool symmetric() const { return top == bottom && left == right; }
  std::vector<int64_t> padding() const { return symmetric() ? std::vector<int64_t>{top, left} : std::vector<int64_t>{0, 0}; }
};

Geometry geometry(const Napi::CallbackInfo& info, int first) {
  auto pads = tk::dims(info[first + 1]);  // top, bottom, left, right
  return {tk::dims(info[first]), tk::dims(info[first + 2]), pads[0], pads[1], pads[2], pads[3]};
}

// x [N, C, H, W] (any strides) -> zero-padded copy when the padding is asymmetric
at::Tensor padInput(const at::Tensor& x, const Geometry& g) {
  if (g.symmetric()) return x;
  return at::constant_pad_nd(x, {g.left, g.right, g.top, g.bottom}, 0).contiguous(at::MemoryFormat::ChannelsLast);
}

// filter HWIO [kh, kw, ci, co] -> OIHW view
at::Tensor oihw(const at::Tensor& hwio) { return hwio.permute({3, 2, 0, 1}); }

// conv2d(heap, x, xShape, w, wShape, y, yShape, strides, pads, dilations)
Napi::Value conv2d(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto x = tk::nchw(tk::view(heap, info[1], tk::dims(info[2])));
  auto w = oihw(tk::view(heap, info[3], tk::dims(info[4])));
  auto y = tk::nchw(tk::view(heap, info[5], tk::dims(info[6])));
  auto g = geometry(info, 7);
  auto result = at::convolution(padInput(x, g), w, {}, g.stride, g.padding(), g.dilation, false, {0, 0}, 1);
  y.copy_(result);
  return info.Env().Undefined();
}

// conv2dBackpropInput(heap, dy, dyShape, w, wShape, dx, dxShape, strides, pads, dilations)
Napi::Value conv2dBackpropInput(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto dy = tk::nchw(tk::view(heap, info[1], tk::dims(info[2])));
  auto w = oihw(tk::view(heap, info[3], tk::dims(info[4])));
  auto dx = tk::nchw(tk::view(heap, info[5], tk::dims(info[6])));
  auto g = geometry(info, 7);
  // the input's values are not read for its gradient: only its shape and layout
  auto shapeOnly = g.symmetric() ? dx
                                 : at::empty({dx.size(0), dx.size(1), dx.size(2) + g.top + g.bottom, dx.size(3) + g.left + g.right},
                                             dx.options().memory_format(at::MemoryFormat::ChannelsLast));
  auto grads = at::convolution_backward(dy, shapeOnly, w, c10::nullopt, g.stride, g.padding(), g.dilation, false, {0, 0}, 1,
                                        {true, false, false});
  auto gradInput = std::get<0>(grads);
  if (!g.symmetric()) gradInput = gradInput.narrow(2, g.top, dx.size(2)).narrow(3, g.left, dx.size(3));
  dx.copy_(gradInput);
  return info.Env().Undefined();
}

// conv2dBackpropFilter(heap, x, xShape, dy, dyShape, dw, wShape, strides, pads, dilations)
Napi::Value conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto x = tk::nchw(tk::view(heap, info[1], tk::dims(info[2])));
  auto dy = tk::nchw(tk::view(heap, info[3], tk::dims(info[4])));
  auto dw = oihw(tk::view(heap, info[5], tk::dims(info[6])));
  auto g = geometry(info, 7);
  // the filter's values are not read for its gradient: only its shape
  auto grads = at::convolution_backward(dy, padInput(x, g), dw, c10::nullopt, g.stride, g.padding(), g.dilation, false, {0, 0}, 1,
                                        {false, true, false});
  dw.copy_(std::get<1>(grads));
  return info.Env().Undefined();
}

}  // namespace

void registerConv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, conv2d));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, conv2dBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, conv2dBackpropFilter));
}
