// Optimizer steps over all variables in one call: Adam, and SGD with momentum
// (optionally Nesterov), each with the gradient scaled (global-norm clipping)
// and L2 weight decay added first. The arithmetic is tfjs's, operation by
// operation in float32 (each product and sum rounded as tfjs's kernels round
// it; built without -mfma and in ISO mode, the compiler contracts nothing
// into fused multiply-adds), so a step gives the same numbers as
// tf.AdamOptimizer / tf.MomentumOptimizer on the adjusted gradients.
// Slots are updated in place on the wasm heap; the new values go to new
// buffers (tfjs-backend-wasm caches XNNPACK's packed weights by buffer, so a
// variable changed in place would be multiplied with its old values).
#include "common.h"

#include <ATen/Parallel.h>

#include <cmath>

namespace {

struct Slot {
  const float* value;
  float* out;     // the new value
  const float* grad;
  float* first;   // Adam's m, or the momentum accumulation
  float* second;  // Adam's v (null for momentum)
  int64_t size;
  float decay;    // 0: no weight decay on this variable
};

// The gradient tfjs's optimizers see: mul(g, scale) when clipping, then add(g, mul(value, decay)).
inline float adjusted(const Slot& s, int64_t i, const float* scale) {
  float g = s.grad[i];
  if (scale != nullptr) g = g * *scale;
  if (s.decay != 0.0f) {
    const float decayed = s.value[i] * s.decay;
    g = g + decayed;
  }
  return g;
}

std::vector<Slot> slotsOf(const tk::Heap& heap, const Napi::CallbackInfo& info, bool withSecond) {
  auto values = info[1].As<Napi::Array>();
  auto grads = info[2].As<Napi::Array>();
  auto firsts = info[3].As<Napi::Array>();
  auto seconds = info[4].As<Napi::Array>();
  auto sizes = info[5].As<Napi::Array>();
  auto decays = info[6].As<Napi::Array>();
  auto outs = info[7].As<Napi::Array>();
  const uint32_t n = values.Length();
  if (grads.Length() != n || firsts.Length() != n || sizes.Length() != n || decays.Length() != n || outs.Length() != n || (withSecond && seconds.Length() != n)) {
    throw std::runtime_error("torch-kernels: optimizer step: arrays of different lengths");
  }
  std::vector<Slot> slots(n);
  for (uint32_t k = 0; k < n; k++) {
    const int64_t size = tk::integer(sizes.Get(k));
    slots[k] = {tk::floats(heap, values.Get(k), size), tk::floats(heap, outs.Get(k), size), tk::floats(heap, grads.Get(k), size), tk::floats(heap, firsts.Get(k), size),
                withSecond ? tk::floats(heap, seconds.Get(k), size) : nullptr, size, static_cast<float>(tk::number(decays.Get(k)))};
  }
  return slots;
}

// Runs body(slot, begin, end) over all elements of all slots, in parallel chunks.
template <typename Body>
void forEachChunk(const std::vector<Slot>& slots, Body body) {
  constexpr int64_t CHUNK = 1 << 15;
  std::vector<std::pair<uint32_t, int64_t>> chunks;  // (slot, begin)
  for (uint32_t k = 0; k < slots.size(); k++) {
    for (int64_t b = 0; b < slots[k].size; b += CHUNK) chunks.emplace_back(k, b);
  }
  at::parallel_for(0, static_cast<int64_t>(chunks.size()), 1, [&](int64_t first, int64_t last) {
    for (int64_t c = first; c < last; c++) {
      const Slot& s = slots[chunks[c].first];
      const int64_t begin = chunks[c].second;
      body(s, begin, std::min(begin + CHUNK, s.size));
    }
  });
}

const float* scaleOf(const tk::Heap& heap, const Napi::Value& offset) { return tk::integer(offset) >= 0 ? tk::floats(heap, offset, 1) : nullptr; }

// adamStep(heap, values[], grads[], m[], v[], sizes[], decays[], newValues[], scale (-1: none), lr, beta1, beta2, epsilon, accBeta1, accBeta2)
Napi::Value adamStep(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  const auto slots = slotsOf(heap, info, true);
  const float* scale = scaleOf(heap, info[8]);
  const double beta1 = tk::number(info[10]);
  const double beta2 = tk::number(info[11]);
  const float negLr = static_cast<float>(-tk::number(info[9]));
  const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const float oneMinusB1 = static_cast<float>(1 - beta1), oneMinusB2 = static_cast<float>(1 - beta2);  // tfjs: 1 - beta in JS doubles
  const float epsilon = static_cast<float>(tk::number(info[12]));
  const float correction1 = 1.0f - static_cast<float>(tk::number(info[13]));  // sub(1, accBeta1) in float32
  const float correction2 = 1.0f - static_cast<float>(tk::number(info[14]));
  forEachChunk(slots, [&](const Slot& s, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const float g = adjusted(s, i, scale);
      const float m1 = s.first[i] * b1, m2 = g * oneMinusB1;
      const float m = m1 + m2;
      const float g2 = g * g;
      const float v1 = s.second[i] * b2, v2 = g2 * oneMinusB2;
      const float v = v1 + v2;
      const float mHat = m / correction1, vHat = v / correction2;
      const float denominator = std::sqrt(vHat) + epsilon;
      const float step = (mHat / denominator) * negLr;
      s.first[i] = m;
      s.second[i] = v;
      s.out[i] = step + s.value[i];
    }
  });
  return info.Env().Undefined();
}

// momentumStep(heap, values[], grads[], accumulations[], [], sizes[], decays[], newValues[], scale (-1: none), lr, momentum, nesterov)
Napi::Value momentumStep(const Napi::CallbackInfo& info) {
  auto heap = tk::heapOf(info[0]);
  const auto slots = slotsOf(heap, info, false);
  const float* scale = scaleOf(heap, info[8]);
  const float negLr = static_cast<float>(-tk::number(info[9]));
  const float momentum = static_cast<float>(tk::number(info[10]));
  const bool nesterov = tk::boolean(info[11]);
  forEachChunk(slots, [&](const Slot& s, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const float g = adjusted(s, i, scale);
      const float carried = momentum * s.first[i];
      const float accumulation = carried + g;
      float direction = accumulation;
      if (nesterov) {
        const float ahead = accumulation * momentum;
        direction = g + ahead;
      }
      const float step = negLr * direction;
      s.first[i] = accumulation;
      s.out[i] = step + s.value[i];
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void registerOptimizer(Napi::Env env, Napi::Object exports) {
  exports.Set("adamStep", Napi::Function::New(env, adamStep));
  exports.Set("momentumStep", Napi::Function::New(env, momentumStep));
}
