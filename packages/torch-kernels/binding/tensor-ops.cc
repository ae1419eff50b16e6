// Elementwise (with comparisons and select), reduction and data-movement (with reverse and splitV) kernels through ATen's vectorised
// CPU loops: numpy broadcasting (as tfjs's), float32 only (the TypeScript side
// falls back to the stock kernel for other dtypes).
#include "common.h"

namespace {

// binary(heap, op, a, aShape, b, bShape, out, outShape)
Napi::Value binary(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  const std::string op = info[1].As<Napi::String>();
  auto a = tk::view(heap, info[2], tk::dims(info[3]));
  auto b = tk::view(heap, info[4], tk::dims(info[5]));
  auto out = tk::view(heap, info[6], tk::dims(info[7]));
  if (op == "Add") at::add_out(out, a, b);
  else if (op == "Sub") at::sub_out(out, a, b);
  else if (op == "Multiply") at::mul_out(out, a, b);
  else if (op == "RealDiv") at::div_out(out, a, b);
  else if (op == "Maximum") at::maximum_out(out, a, b);
  else if (op == "Minimum") at::minimum_out(out, a, b);
  else if (op == "Pow") at::pow_out(out, a, b);
  else if (op == "ReluGrad") at::threshold_backward_out(out, a, b, 0);  // a: dy, b: the ReLU's input
  else if (op == "SquaredDifference") {
    at::sub_out(out, a, b);
    out.mul_(out);
  } else throw Napi::Error::New(info.Env(), "torch-kernels: unknown binary op " + op);
  return info.Env().Undefined();
}

// unary(heap, op, x, size, out, alpha)
Napi::Value unary(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  const std::string op = info[1].As<Napi::String>();
  const int64_t size = tk::integer(info[3]);
  auto x = tk::view(heap, info[2], {size});
  auto out = tk::view(heap, info[4], {size});
  const float alpha = static_cast<float>(tk::number(info[5]));
  if (op == "Relu") at::clamp_min_out(out, x, 0);
  else if (op == "Relu6") at::clamp_out(out, x, 0, 6);
  else if (op == "Sqrt") at::sqrt_out(out, x);
  else if (op == "Rsqrt") at::rsqrt_out(out, x);
  else if (op == "Exp") at::exp_out(out, x);
  else if (op == "Log") at::log_out(out, x);
  else if (op == "Neg") at::neg_out(out, x);
  else if (op == "Abs") at::abs_out(out, x);
  else if (op == "Sigmoid") at::sigmoid_out(out, x);
  else if (op == "Tanh") at::tanh_out(out, x);
  else if (op == "LeakyRelu") at::leaky_relu_out(out, x, alpha);
  else throw Napi::Error::New(info.Env(), "torch-kernels: unknown unary op " + op);
  return info.Env().Undefined();
}

// reduce(heap, op, x, xShape, axes, out)
Napi::Value reduce(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  const std::string op = info[1].As<Napi::String>();
  auto shape = tk::dims(info[3]);
  auto axes = tk::dims(info[4]);
  std::vector<int64_t> kept;
  for (size_t i = 0; i < shape.size(); i++) {
    if (std::find(axes.begin(), axes.end(), static_cast<int64_t>(i)) == axes.end()) kept.push_back(shape[i]);
  }
  auto x = tk::view(heap, info[2], shape);
  auto out = tk::view(heap, info[5], kept);
  if (op == "Sum") at::sum_out(out, x, axes);
  else if (op == "Mean") at::mean_out(out, x, axes);
  else if (op == "Max") at::amax_out(out, x, axes);
  else if (op == "Min") at::amin_out(out, x, axes);
  else throw Napi::Error::New(info.Env(), "torch-kernels: unknown reduction " + op);
  return info.Env().Undefined();
}

// tile(heap, x, xShape, reps, out): out seen as [r0, d0, r1, d1, ...], x broadcast over the r's
Napi::Value tile(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto shape = tk::dims(info[2]);
  auto reps = tk::dims(info[3]);
  std::vector<int64_t> interleaved, ones;
  for (size_t i = 0; i < shape.size(); i++) {
    interleaved.insert(interleaved.end(), {reps[i], shape[i]});
    ones.insert(ones.end(), {1, shape[i]});
  }
  auto x = tk::view(heap, info[1], shape).view(ones);
  tk::view(heap, info[4], interleaved).copy_(x.expand(interleaved));
  return info.Env().Undefined();
}

// slice(heap, x, xShape, begin, size, out)
Napi::Value slice(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto x = tk::view(heap, info[1], tk::dims(info[2]));
  auto begin = tk::dims(info[3]);
  auto size = tk::dims(info[4]);
  for (size_t i = 0; i < begin.size(); i++) x = x.narrow(static_cast<int64_t>(i), begin[i], size[i]);
  tk::view(heap, info[5], size).copy_(x);
  return info.Env().Undefined();
}

// pad(heap, x, xShape, before, after, value, out)
Napi::Value pad(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto shape = tk::dims(info[2]);
  auto before = tk::dims(info[3]);
  auto after = tk::dims(info[4]);
  std::vector<int64_t> outShape(shape.size());
  for (size_t i = 0; i < shape.size(); i++) outShape[i] = before[i] + shape[i] + after[i];
  auto out = tk::view(heap, info[6], outShape);
  out.fill_(tk::number(info[5]));
  auto inner = out;
  for (size_t i = 0; i < shape.size(); i++) inner = inner.narrow(static_cast<int64_t>(i), before[i], shape[i]);
  inner.copy_(tk::view(heap, info[1], shape));
  return info.Env().Undefined();
}

// transpose(heap, x, xShape, perm, out)
Napi::Value transpose(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto shape = tk::dims(info[2]);
  auto perm = tk::dims(info[3]);
  std::vector<int64_t> outShape(shape.size());
  for (size_t i = 0; i < perm.size(); i++) outShape[i] = shape[perm[i]];
  tk::view(heap, info[4], outShape).copy_(tk::view(heap, info[1], shape).permute(perm));
  return info.Env().Undefined();
}

// concat(heap, offsets[], shapes[][], axis, out, outShape)
Napi::Value concat(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto offsets = info[1].As<Napi::Array>();
  auto shapes = info[2].As<Napi::Array>();
  const int64_t axis = tk::integer(info[3]);
  auto out = tk::view(heap, info[4], tk::dims(info[5]));
  int64_t at = 0;
  for (uint32_t i = 0; i < offsets.Length(); i++) {
    auto shape = tk::dims(shapes.Get(i));
    out.narrow(axis, at, shape[axis]).copy_(tk::view(heap, offsets.Get(i), shape));
    at += shape[axis];
  }
  return info.Env().Undefined();
}

// compare(heap, op, a, aShape, b, bShape, out, outShape): float32 in, bool (one byte) out, numpy broadcasting
Napi::Value compare(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  const std::string op = info[1].As<Napi::String>();
  auto a = tk::view(heap, info[2], tk::dims(info[3]));
  auto b = tk::view(heap, info[4], tk::dims(info[5]));
  auto out = tk::boolView(heap, info[6], tk::dims(info[7]));
  if (op == "Greater") at::gt_out(out, a, b);
  else if (op == "GreaterEqual") at::ge_out(out, a, b);
  else if (op == "Less") at::lt_out(out, a, b);
  else if (op == "LessEqual") at::le_out(out, a, b);
  else throw Napi::Error::New(info.Env(), "torch-kernels: unknown comparison " + op);
  return info.Env().Undefined();
}

// select(heap, condition, t, e, size, out): out = condition ? t : e, all of one shape (condition bool)
Napi::Value selectWhere(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  const int64_t size = tk::integer(info[4]);
  auto condition = tk::boolView(heap, info[1], {size});
  auto t = tk::view(heap, info[2], {size});
  auto e = tk::view(heap, info[3], {size});
  auto out = tk::view(heap, info[5], {size});
  at::where_out(out, condition, t, e);
  return info.Env().Undefined();
}

// reverse(heap, x, xShape, axes, out)
Napi::Value reverseAxes(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto shape = tk::dims(info[2]);
  auto out = tk::view(heap, info[4], shape);
  at::flip_out(out, tk::view(heap, info[1], shape), tk::dims(info[3]));
  return info.Env().Undefined();
}

// splitV(heap, x, xShape, axis, sizes, outs): outs[i] = the i-th piece of sizes[i] along axis
Napi::Value splitV(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  auto shape = tk::dims(info[2]);
  const int64_t axis = tk::integer(info[3]);
  auto sizes = tk::dims(info[4]);
  auto outs = info[5].As<Napi::Array>();
  if (outs.Length() != sizes.size()) throw Napi::Error::New(info.Env(), "torch-kernels: splitV needs one output per size");
  auto x = tk::view(heap, info[1], shape);
  int64_t at = 0;
  for (uint32_t i = 0; i < outs.Length(); i++) {
    auto pieceShape = shape;
    pieceShape[axis] = sizes[i];
    tk::view(heap, outs.Get(i), pieceShape).copy_(x.narrow(axis, at, sizes[i]));
    at += sizes[i];
  }
  return info.Env().Undefined();
}

}  // namespace

void registerTensorOps(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, binary));
  exports.Set("unary", Napi::Function::New(env, unary));
  exports.Set("reduce", Napi::Function::New(env, reduce));
  exports.Set("tile", Napi::Function::New(env, tile));
  exports.Set("slice", Napi::Function::New(env, slice));
  exports.Set("pad", Napi::Function::New(env, pad));
  exports.Set("transpose", Napi::Function::New(env, transpose));
  exports.Set("concat", Napi::Function::New(env, concat));
  exports.Set("compare", Napi::Function::New(env, compare));
  exports.Set("select", Napi::Function::New(env, selectWhere));
  exports.Set("reverse", Napi::Function::New(env, reverseAxes));
  exports.Set("splitV", Napi::Function::New(env, splitV));
}
