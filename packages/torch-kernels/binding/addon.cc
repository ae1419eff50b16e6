// The module: thread control and the kernel families (see common.h).
#include "common.h"

#include <ATen/Parallel.h>

namespace {

Napi::Value setThreads(const Napi::CallbackInfo& info) {
  const int64_t threads = tk::integer(info[0]);
  if (threads < 1) throw Napi::RangeError::New(info.Env(), "threads must be at least 1");
  at::set_num_threads(static_cast<int>(threads));
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value getThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), at::get_num_threads()); }

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("setThreads", Napi::Function::New(env, setThreads));
  exports.Set("getThreads", Napi::Function::New(env, getThreads));
  registerAllocator(env, exports);
  registerConv(env, exports);
  registerMatMul(env, exports);
  registerTensorOps(env, exports);
  registerPool(env, exports);
  registerBatchNorm(env, exports);
  registerTrajectory(env, exports);
  registerOptimizer(env, exports);
  registerResize(env, exports);
  return exports;
}

NODE_API_MODULE(torch_kernels, Init)
