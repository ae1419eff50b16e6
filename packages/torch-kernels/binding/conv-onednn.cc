// oneDNN convolutions on NHWC data and HWIO filters: see conv-onednn.h.
// Primitives are made once per shape and kept: making one costs about as much
// as running a small one. All calls come from the JavaScript thread, one at a
// time, which is what lets every primitive share one blocked-filter buffer.
#include "conv-onednn.h"

#ifdef TK_ONEDNN_CONV

#include <ATen/Parallel.h>
#include <dnnl.hpp>

#include <cstdlib>
#include <map>
#include <new>
#include <memory>
#include <string>
#include <vector>

namespace tk::onednn {
namespace {

using dnnl::memory;
using tag = memory::format_tag;

dnnl::engine& cpu() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& stream() {
  static dnnl::stream s(cpu());
  return s;
}

memory::desc data(int64_t n, int64_t c, int64_t h, int64_t w) { return memory::desc({n, c, h, w}, memory::data_type::f32, tag::nhwc); }
memory::desc filterAs(const ConvShape& s, tag layout) { return memory::desc({s.co, s.ci, s.kh, s.kw}, memory::data_type::f32, layout); }
memory::desc input(const ConvShape& s) { return data(s.n, s.ci, s.h, s.w); }
memory::desc output(const ConvShape& s) { return data(s.n, s.co, s.oh, s.ow); }
memory::dims strides(const ConvShape& s) { return {s.strideH, s.strideW}; }
memory::dims dilations(const ConvShape& s) { return {s.dilationH - 1, s.dilationW - 1}; }  // oneDNN counts the gaps
memory::dims padBefore(const ConvShape& s) { return {s.top, s.left}; }
memory::dims padAfter(const ConvShape& s) { return {s.bottom, s.right}; }

// a reference implementation is far slower than ATen's choice: leave the case to ATen
bool usable(const dnnl::primitive_desc_base& pd) { return std::string(pd.impl_info_str()).rfind("ref", 0) != 0; }

dnnl::convolution_forward::primitive_desc forwardDesc(const ConvShape& s) {
  dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, input(s), filterAs(s, tag::any),
                                    output(s), strides(s), dilations(s), padBefore(s), padAfter(s));
  return dnnl::convolution_forward::primitive_desc(d, cpu());
}

// One buffer for every filter in a blocked layout: the primitives run one at a time, and a buffer per primitive
// would hold a second copy of the model's weights per pass (three in training).
void* scratch(size_t bytes) {
  static std::unique_ptr<void, decltype(&std::free)> buffer(nullptr, &std::free);
  static size_t size = 0;
  if (bytes > size) {
    const size_t rounded = (bytes + 4095) / 4096 * 4096;
    buffer.reset(std::aligned_alloc(4096, rounded));
    size = buffer == nullptr ? 0 : rounded;
    if (buffer == nullptr) throw std::bad_alloc();
  }
  return buffer.get();
}

// The filter in the layout a primitive wants: the HWIO heap memory itself, or the scratch buffer it is reordered into.
class Filter {
  bool same;
  memory user;         // HWIO, pointed at the heap on each call
  memory wanted;       // == user when the primitive takes HWIO, else pointed at the scratch buffer on each call
  dnnl::reorder move;  // user -> wanted, or wanted -> user for a gradient

 public:
  Filter(const ConvShape& s, const memory::desc& want, bool toUser)
      : same(want == filterAs(s, tag::hwio)), user(filterAs(s, tag::hwio), cpu(), DNNL_MEMORY_NONE) {
    wanted = same ? user : memory(want, cpu(), DNNL_MEMORY_NONE);
    if (!same) move = toUser ? dnnl::reorder(wanted, user) : dnnl::reorder(user, wanted);
  }

  // the filter for the primitive to read: the heap's, reordered into the scratch buffer when it wants another layout
  const memory& in(const float* heapFilter) {
    point(heapFilter);
    if (!same) move.execute(stream(), user, wanted);
    return wanted;
  }

  // where the primitive writes a filter gradient; store() then puts it into the heap's HWIO filter
  const memory& out(float* heapFilter) {
    point(heapFilter);
    return wanted;
  }
  void store() {
    if (!same) move.execute(stream(), wanted, user);
  }

 private:
  void point(const float* heapFilter) {
    user.set_data_handle(const_cast<float*>(heapFilter));
    if (!same) wanted.set_data_handle(scratch(wanted.get_desc().get_size()));
  }
};

struct Forward {
  dnnl::convolution_forward conv;
  Filter filter;
  memory x, y;
  explicit Forward(const dnnl::convolution_forward::primitive_desc& pd, const ConvShape& s)
      : conv(pd), filter(s, pd.weights_desc(), false), x(input(s), cpu(), DNNL_MEMORY_NONE), y(output(s), cpu(), DNNL_MEMORY_NONE) {}
};

struct BackwardData {
  dnnl::convolution_backward_data conv;
  Filter filter;
  memory dy, dx;
  explicit BackwardData(const dnnl::convolution_backward_data::primitive_desc& pd, const ConvShape& s)
      : conv(pd), filter(s, pd.weights_desc(), false), dy(output(s), cpu(), DNNL_MEMORY_NONE), dx(input(s), cpu(), DNNL_MEMORY_NONE) {}
};

struct BackwardWeights {
  dnnl::convolution_backward_weights conv;
  Filter filter;
  memory x, dy;
  explicit BackwardWeights(const dnnl::convolution_backward_weights::primitive_desc& pd, const ConvShape& s)
      : conv(pd), filter(s, pd.diff_weights_desc(), true), x(input(s), cpu(), DNNL_MEMORY_NONE), dy(output(s), cpu(), DNNL_MEMORY_NONE) {}
};

using Key = std::vector<int64_t>;
// A primitive splits its work for the threads there are when it is made: the thread count is part of the key.
Key keyOf(const ConvShape& s) {
  return {at::get_num_threads(), s.n, s.h, s.w, s.ci, s.kh, s.kw, s.co, s.oh, s.ow, s.strideH, s.strideW, s.dilationH, s.dilationW, s.top, s.bottom, s.left, s.right};
}

// Kept per shape (nullptr: oneDNN has no usable implementation, ATen runs it). Bounded: a model has a few dozen
// shapes, times the batch sizes it meets; past the bound everything is made again.
template <typename T>
T* cached(std::map<Key, std::unique_ptr<T>>& cache, const ConvShape& s, std::unique_ptr<T> (*make)(const ConvShape&)) {
  constexpr size_t kMaxShapes = 256;
  auto key = keyOf(s);
  auto found = cache.find(key);
  if (found != cache.end()) return found->second.get();
  if (cache.size() >= kMaxShapes) cache.clear();
  std::unique_ptr<T> made;
  try {
    made = make(s);
  } catch (const dnnl::error&) {
    made = nullptr;  // unimplemented here: ATen's path
  }
  return cache.emplace(std::move(key), std::move(made)).first->second.get();
}

std::unique_ptr<Forward> makeForward(const ConvShape& s) {
  auto pd = forwardDesc(s);
  return usable(pd) ? std::make_unique<Forward>(pd, s) : nullptr;
}

std::unique_ptr<BackwardData> makeBackwardData(const ConvShape& s) {
  dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, input(s), filterAs(s, tag::any), output(s), strides(s),
                                          dilations(s), padBefore(s), padAfter(s));
  dnnl::convolution_backward_data::primitive_desc pd(d, cpu(), forwardDesc(s));
  return usable(pd) ? std::make_unique<BackwardData>(pd, s) : nullptr;
}

std::unique_ptr<BackwardWeights> makeBackwardWeights(const ConvShape& s) {
  dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, input(s), filterAs(s, tag::any), output(s), strides(s),
                                             dilations(s), padBefore(s), padAfter(s));
  dnnl::convolution_backward_weights::primitive_desc pd(d, cpu(), forwardDesc(s));
  return usable(pd) ? std::make_unique<BackwardWeights>(pd, s) : nullptr;
}

std::map<Key, std::unique_ptr<Forward>> forwardCache;
std::map<Key, std::unique_ptr<BackwardData>> backwardDataCache;
std::map<Key, std::unique_ptr<BackwardWeights>> backwardWeightsCache;

void* mutableHandle(const float* p) { return const_cast<float*>(p); }

Stats counts;
bool on = true;

template <typename T>
T* counted(T* p) {
  (p != nullptr ? counts.onednn : counts.declined)++;
  return p;
}

}  // namespace

bool available() { return true; }
Stats stats() { return counts; }
bool setEnabled(bool value) { return on = value; }
bool enabled() { return on; }

bool forward(const ConvShape& s, const float* x, const float* filter, float* y) {
  if (!on) return false;
  auto* p = counted(cached(forwardCache, s, makeForward));
  if (p == nullptr) return false;
  p->x.set_data_handle(mutableHandle(x));
  p->y.set_data_handle(y);
  p->conv.execute(stream(), {{DNNL_ARG_SRC, p->x}, {DNNL_ARG_WEIGHTS, p->filter.in(filter)}, {DNNL_ARG_DST, p->y}});
  stream().wait();
  return true;
}

bool backwardData(const ConvShape& s, const float* dy, const float* filter, float* dx) {
  if (!on) return false;
  auto* p = counted(cached(backwardDataCache, s, makeBackwardData));
  if (p == nullptr) return false;
  p->dy.set_data_handle(mutableHandle(dy));
  p->dx.set_data_handle(dx);
  p->conv.execute(stream(), {{DNNL_ARG_DIFF_DST, p->dy}, {DNNL_ARG_WEIGHTS, p->filter.in(filter)}, {DNNL_ARG_DIFF_SRC, p->dx}});
  stream().wait();
  return true;
}

bool backwardWeights(const ConvShape& s, const float* x, const float* dy, float* dFilter) {
  if (!on) return false;
  auto* p = counted(cached(backwardWeightsCache, s, makeBackwardWeights));
  if (p == nullptr) return false;
  p->x.set_data_handle(mutableHandle(x));
  p->dy.set_data_handle(mutableHandle(dy));
  p->conv.execute(stream(), {{DNNL_ARG_SRC, p->x}, {DNNL_ARG_DIFF_DST, p->dy}, {DNNL_ARG_DIFF_WEIGHTS, p->filter.out(dFilter)}});
  p->filter.store();
  stream().wait();
  return true;
}

}  // namespace tk::onednn

#else  // built without oneDNN's headers: ATen does every convolution

namespace tk::onednn {
bool available() { return false; }
Stats stats() { return {}; }
bool setEnabled(bool) { return false; }
bool enabled() { return false; }
bool forward(const ConvShape&, const float*, const float*, float*) { return false; }
bool backwardData(const ConvShape&, const float*, const float*, float*) { return false; }
bool backwardWeights(const ConvShape&, const float*, const float*, float*) { return false; }
}  // namespace tk::onednn

#endif
