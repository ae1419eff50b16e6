// conv2d and its two backward passes on NHWC data with HWIO filters (tfjs's
// layouts): on oneDNN directly where the addon was built with its headers
// (conv-onednn.cc), else, or where oneDNN declines a case, through ATen's
// convolution (oneDNN for float32, channels-last), as below.
// Asymmetric 'same' padding (tfjs pads the extra row at the bottom/right)
// pads the input explicitly; symmetric padding goes to ATen as is.
//
// Filters: channels-last oneDNN wants OHWI ([Cout, KH, KW, Cin]) memory. An
// HWIO filter is the [KH*KW*Cin, Cout] matrix whose transpose is exactly that,
// so the filter is transposed here as one blocked 2D transpose (and the filter
// gradient, which ATen returns as OHWI, transposed back into the heap the same
// way): ATen's own copy of the permuted 4D view did it element by element, 5-8x
// slower (11 ms for a 3x3x512x512 filter on one core, measured), twice per
// conv and step, plus once more for the gradient.
#include "common.h"
#include "conv-onednn.h"

#include <ATen/Parallel.h>

#include <algorithm>

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

// The shape oneDNN takes, from the NHWC input and output shapes, the HWIO filter shape and the geometry.
tk::onednn::ConvShape convShape(const std::vector<int64_t>& in, const std::vector<int64_t>& filter, const std::vector<int64_t>& out, const Geometry& g) {
  return {in[0], in[1], in[2], in[3], filter[0], filter[1], filter[3], out[1], out[2],
          g.stride[0], g.stride[1], g.dilation[0], g.dilation[1], g.top, g.bottom, g.left, g.right};
}

// x [N, C, H, W] (any strides) -> zero-padded copy when the padding is asymmetric
at::Tensor padInput(const at::Tensor& x, const Geometry& g) {
  if (g.symmetric()) return x;
  return at::constant_pad_nd(x, {g.left, g.right, g.top, g.bottom}, 0).contiguous(at::MemoryFormat::ChannelsLast);
}

// filter HWIO [kh, kw, ci, co] -> OIHW view
at::Tensor oihw(const at::Tensor& hwio) { return hwio.permute({3, 2, 0, 1}); }

// dst [cols, rows] = transpose of src [rows, cols] (both contiguous), in 32x32 blocks, row blocks in parallel
void transpose2d(const float* src, float* dst, int64_t rows, int64_t cols) {
  constexpr int64_t B = 32;
  const int64_t blocks = (rows + B - 1) / B;
  // about 64k elements per task: small filters stay on the calling thread
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(1, B * cols));
  at::parallel_for(0, blocks, grain, [&](int64_t first, int64_t last) {
    for (int64_t rb = first * B; rb < std::min(rows, last * B); rb += B) {
      const int64_t re = std::min(rows, rb + B);
      for (int64_t cb = 0; cb < cols; cb += B) {
        const int64_t ce = std::min(cols, cb + B);
        for (int64_t r = rb; r < re; r++) {
          const float* s = src + r * cols;
          for (int64_t c = cb; c < ce; c++) dst[c * rows + r] = s[c];
        }
      }
    }
  });
}

// filter HWIO on the heap -> a new OHWI copy, seen as OIHW with channels-last strides (what oneDNN takes without a copy)
at::Tensor ohwiFilter(const tk::Heap& heap, const Napi::Value& offset, const std::vector<int64_t>& hwioShape) {
  const int64_t kh = hwioShape[0], kw = hwioShape[1], ci = hwioShape[2], co = hwioShape[3];
  auto out = at::empty({co, kh, kw, ci}, at::TensorOptions().dtype(at::kFloat));
  transpose2d(tk::floats(heap, offset, tk::numel(hwioShape)), out.data_ptr<float>(), kh * kw * ci, co);
  return out.permute({0, 3, 1, 2});
}

// the filter gradient [co, ci, kh, kw] into dw, the OIHW view of the HWIO heap tensor
void storeFilterGrad(const at::Tensor& grad, at::Tensor& dw) {
  if (grad.is_contiguous(at::MemoryFormat::ChannelsLast) && grad.scalar_type() == at::kFloat) {
    // OHWI memory: the [co, kh*kw*ci] matrix whose transpose is HWIO (dw's memory, from its base pointer)
    const int64_t co = grad.size(0);
    transpose2d(grad.data_ptr<float>(), dw.data_ptr<float>(), co, grad.numel() / co);
  } else {
    dw.copy_(grad);
  }
}

// conv2d(heap, x, xShape, w, wShape, y, yShape, strides, pads, dilations)
Napi::Value conv2d(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  {
    const auto xShape = tk::dims(info[2]), wShape = tk::dims(info[4]), yShape = tk::dims(info[6]);
    const auto s = convShape(xShape, wShape, yShape, geometry(info, 7));
    if (tk::onednn::forward(s, tk::floats(heap, info[1], tk::numel(xShape)), tk::floats(heap, info[3], tk::numel(wShape)),
                            tk::floats(heap, info[5], tk::numel(yShape)))) {
      return info.Env().Undefined();
    }
  }
  auto x = tk::nchw(tk::view(heap, info[1], tk::dims(info[2])));
  auto w = ohwiFilter(heap, info[3], tk::dims(info[4]));
  auto y = tk::nchw(tk::view(heap, info[5], tk::dims(info[6])));
  auto g = geometry(info, 7);
  auto result = at::convolution(padInput(x, g), w, {}, g.stride, g.padding(), g.dilation, false, {0, 0}, 1);
  y.copy_(result);
  return info.Env().Undefined();
}

// conv2dBackpropInput(heap, dy, dyShape, w, wShape, dx, dxShape, strides, pads, dilations)
Napi::Value conv2dBackpropInput(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  {
    const auto dyShape = tk::dims(info[2]), wShape = tk::dims(info[4]), dxShape = tk::dims(info[6]);
    const auto s = convShape(dxShape, wShape, dyShape, geometry(info, 7));
    if (tk::onednn::backwardData(s, tk::floats(heap, info[1], tk::numel(dyShape)), tk::floats(heap, info[3], tk::numel(wShape)),
                                 tk::floats(heap, info[5], tk::numel(dxShape)))) {
      return info.Env().Undefined();
    }
  }
  auto dy = tk::nchw(tk::view(heap, info[1], tk::dims(info[2])));
  auto w = ohwiFilter(heap, info[3], tk::dims(info[4]));
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
  {
    const auto xShape = tk::dims(info[2]), dyShape = tk::dims(info[4]), wShape = tk::dims(info[6]);
    const auto s = convShape(xShape, wShape, dyShape, geometry(info, 7));
    if (tk::onednn::backwardWeights(s, tk::floats(heap, info[1], tk::numel(xShape)), tk::floats(heap, info[3], tk::numel(dyShape)),
                                    tk::floats(heap, info[5], tk::numel(wShape)))) {
      return info.Env().Undefined();
    }
  }
  auto x = tk::nchw(tk::view(heap, info[1], tk::dims(info[2])));
  auto dy = tk::nchw(tk::view(heap, info[3], tk::dims(info[4])));
  auto dw = oihw(tk::view(heap, info[5], tk::dims(info[6])));
  auto g = geometry(info, 7);
  // the filter's values are not read for its gradient, only its shape: an uninitialised OHWI stand-in, which
  // ATen takes as it is (given the permuted HWIO view, it copied that whole view to OHWI first)
  auto shapeOnly = at::empty({dw.size(0), dw.size(2), dw.size(3), dw.size(1)}, dw.options()).permute({0, 3, 1, 2});
  auto grads = at::convolution_backward(dy, padInput(x, g), shapeOnly, c10::nullopt, g.stride, g.padding(), g.dilation, false, {0, 0}, 1,
                                        {false, true, false});
  storeFilterGrad(std::get<1>(grads), dw);
  return info.Env().Undefined();
}

// convStats() -> { onednn: bool, calls, declined }: whether convolutions run on oneDNN directly, and how often they did
Napi::Value convStats(const Napi::CallbackInfo& info) {
  auto stats = tk::onednn::stats();
  auto out = Napi::Object::New(info.Env());
  out.Set("onednn", tk::onednn::available() && tk::onednn::enabled());
  out.Set("calls", static_cast<double>(stats.onednn));
  out.Set("declined", static_cast<double>(stats.declined));
  return out;
}

// convUseOnednn(on) -> whether convolutions now run on oneDNN directly (false where the addon was built without it)
Napi::Value convUseOnednn(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), tk::onednn::available() && tk::onednn::setEnabled(tk::boolean(info[0])));
}

}  // namespace

void registerConv(Napi::Env env, Napi::Object exports) {
  exports.Set("convUseOnednn", Napi::Function::New(env, convUseOnednn));
  exports.Set("convStats", Napi::Function::New(env, convStats));
  exports.Set("conv2d", Napi::Function::New(env, conv2d));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, conv2dBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, conv2dBackpropFilter));
}
