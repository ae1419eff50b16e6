// Node-API binding of PyTorch's c10d process groups (libtorch's TCPStore,
// PrefixStore and ProcessGroupGloo). Collectives are issued on the main thread,
// in the order JavaScript calls them, and waited on in the libuv pool (an
// AsyncWorker): issuing from pool threads could reorder collectives between
// ranks and deadlock. Buffers are Float32Arrays reduced in place (from_blob,
// no copy); JavaScript keeps them alive until the promise settles.
#include <napi.h>

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace {

using c10d::ProcessGroupGloo;

struct GroupOptions {
  std::string host;
  int port = 29500;
  int rank = 0;
  int worldSize = 1;
  bool isServer = false;
  std::chrono::milliseconds timeout{30000};
  std::string ifname;  // the interface Gloo binds to; empty: this host's address for `host`
  std::string prefix;  // the store prefix the group's keys live under (torch: "default_pg")
  std::string groupName;
  int threads = 1;  // Gloo's worker threads (one collective runs on one; a second only helps collectives in flight together)
};

std::string FirstLine(const std::string& text) {
  auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

Napi::Error ErrorWithKind(Napi::Env env, const std::string& kind, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("kind", Napi::String::New(env, kind));
  return error;
}

// What went wrong, by what libtorch said: the peer went away, or a wait ran out of time.
std::string KindOf(const std::string& message) {
  if (message.find("imeout") != std::string::npos || message.find("imed out") != std::string::npos) return "timeout";
  if (message.find("onnection") != std::string::npos || message.find("peer") != std::string::npos || message.find("closed") != std::string::npos ||
      message.find("reset") != std::string::npos || message.find("refused") != std::string::npos || message.find("Broken pipe") != std::string::npos)
    return "peer";
  return "other";
}

class Group;

// Creating a group meets every other rank (store, then Gloo's full mesh): off the main thread.
class CreateWorker : public Napi::AsyncWorker {
 public:
  CreateWorker(Napi::Env env, GroupOptions options)
      : Napi::AsyncWorker(env), options_(std::move(options)), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      c10d::TCPStoreOptions storeOptions;
      storeOptions.port = static_cast<std::uint16_t>(options_.port);
      storeOptions.isServer = options_.isServer;
      storeOptions.numWorkers = options_.isServer ? c10::optional<std::size_t>(options_.worldSize) : c10::nullopt;
      storeOptions.waitWorkers = false;  // the group's own rendezvous waits, with its timeout
      storeOptions.timeout = options_.timeout;
      c10::intrusive_ptr<c10d::Store> store = c10::make_intrusive<c10d::TCPStore>(options_.host, storeOptions);
      if (!options_.prefix.empty()) store = c10::make_intrusive<c10d::PrefixStore>(options_.prefix, store);
      c10::intrusive_ptr<c10d::Store> groupStore = store;
      if (!options_.groupName.empty()) groupStore = c10::make_intrusive<c10d::PrefixStore>(options_.groupName, store);
      auto pgOptions = ProcessGroupGloo::Options::create(options_.timeout);
      pgOptions->devices.push_back(options_.ifname.empty() ? ProcessGroupGloo::createDeviceForHostname(options_.host)
                                                           : ProcessGroupGloo::createDeviceForInterface(options_.ifname));
      pgOptions->threads = options_.threads;
      group_ = c10::make_intrusive<ProcessGroupGloo>(groupStore, options_.rank, options_.worldSize, pgOptions);
      // torch's init_process_group: a barrier on the store, then rank 0's sequence number
      StoreBarrier(*store);
      group_->setSequenceNumberForGroup();
      store_ = store;
    } catch (const std::exception& e) {
      SetError(FirstLine(e.what()));
    }
  }

  void OnOK() override;
  void OnError(const Napi::Error& error) override {
    std::string message = error.Message();
    deferred_.Reject(ErrorWithKind(Env(), KindOf(message), message).Value());
  }

 private:
  // torch 1.13's _store_based_barrier: every rank adds 1 to one key and waits for world size
  void StoreBarrier(c10d::Store& store) {
    const std::string key = "store_based_barrier_key:1";
    store.add(key, 1);
    auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    while (store.add(key, 0) < options_.worldSize) {
      if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("Timed out waiting for the other ranks at the store barrier");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  GroupOptions options_;
  Napi::Promise::Deferred deferred_;
  c10::intrusive_ptr<ProcessGroupGloo> group_;
  c10::intrusive_ptr<c10d::Store> store_;
};

// Runs in the pool after the collective: e.g. scales or decompresses the result; its number resolves the promise.
using Finish = std::function<double()>;

// Waits for one issued collective in the pool; `buffer` stays referenced until then.
class WaitWorker : public Napi::AsyncWorker {
 public:
  WaitWorker(Napi::Env env, c10::intrusive_ptr<c10d::Work> work, Napi::Object buffer, std::chrono::milliseconds timeout, Finish finish = nullptr)
      : Napi::AsyncWorker(env), work_(std::move(work)), deferred_(Napi::Promise::Deferred::New(env)), timeout_(timeout), finish_(std::move(finish)) {
    buffer_ = Napi::Persistent(buffer);
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      work_->wait(timeout_);
      // here in the pool rather than on the main thread
      if (finish_) result_ = finish_();
    } catch (const std::exception& e) {
      SetError(FirstLine(e.what()));
    }
  }

  void OnOK() override {
    if (finish_)
      deferred_.Resolve(Napi::Number::New(Env(), result_));
    else
      deferred_.Resolve(Env().Undefined());
  }
  void OnError(const Napi::Error& error) override {
    std::string message = error.Message();
    deferred_.Reject(ErrorWithKind(Env(), KindOf(message), message).Value());
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  Napi::ObjectReference buffer_;
  Napi::Promise::Deferred deferred_;
  std::chrono::milliseconds timeout_;
  Finish finish_;
  double result_ = 0;
};

std::size_t CountNonFiniteIn(const float* data, std::size_t end) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < end; i++) count += std::isfinite(data[i]) ? 0 : 1;
  return count;
}

// bfloat16 bits -> float: the float's upper 16 bits
inline float Bf16ToFloat(std::uint16_t bits) {
  std::uint32_t word = static_cast<std::uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &word, sizeof value);
  return value;
}

class Group : public Napi::ObjectWrap<Group> {
 public:
  static Napi::FunctionReference constructor;

  static void Init(Napi::Env env, Napi::Object exports) {
    Napi::Function fn = DefineClass(env, "ProcessGroup",
                                    {InstanceMethod("allreduce", &Group::Allreduce), InstanceMethod("allreduceCompressed", &Group::AllreduceCompressed),
                                     InstanceMethod("broadcast", &Group::Broadcast),
                                     InstanceMethod("countNonFinite", &Group::CountNonFinite),
                                     InstanceMethod("storeSet", &Group::StoreSet), InstanceMethod("storeGet", &Group::StoreGet),
                                     InstanceMethod("destroy", &Group::Destroy)});
    constructor = Napi::Persistent(fn);
    exports.Set("ProcessGroup", fn);
  }

  explicit Group(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Group>(info) {}

  void Adopt(c10::intrusive_ptr<ProcessGroupGloo> group, c10::intrusive_ptr<c10d::Store> store, std::chrono::milliseconds timeout) {
    group_ = std::move(group);
    store_ = std::move(store);
    timeout_ = timeout;
  }

 private:
  ProcessGroupGloo& Live(Napi::Env env) {
    if (!group_) throw ErrorWithKind(env, "destroyed", "the process group was destroyed");
    return *group_;
  }

  static at::Tensor View(const Napi::Value& value) {
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw Napi::TypeError::New(value.Env(), "expected a Float32Array");
    auto array = value.As<Napi::Float32Array>();
    return at::from_blob(array.Data(), {static_cast<int64_t>(array.ElementLength())}, at::TensorOptions().dtype(at::kFloat));
  }

  // allreduce(buffer, op: 'sum' | 'max' | 'min', scaleEnd = 0, scale = 1): Promise<void>, in place; then
  // buffer[0, scaleEnd) *= scale in the pool (a gradient average without another pass on the main thread)
  Napi::Value Allreduce(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto& group = Live(env);
    std::vector<at::Tensor> tensors{View(info[0])};
    c10d::AllreduceOptions options;
    std::string op = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "sum";
    options.reduceOp = op == "max" ? c10d::ReduceOp::MAX : op == "min" ? c10d::ReduceOp::MIN : c10d::ReduceOp::SUM;
    auto array = info[0].As<Napi::Float32Array>();
    std::size_t scaleEnd = info.Length() > 2 && info[2].IsNumber() ? static_cast<std::size_t>(info[2].As<Napi::Number>().Int64Value()) : 0;
    if (scaleEnd > array.ElementLength()) throw Napi::RangeError::New(env, "scaleEnd is past the end of the buffer");
    float scale = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().FloatValue() : 1.0f;
    float* data = array.Data();
    Finish finish = nullptr;
    if (scaleEnd > 0) finish = [data, scaleEnd, scale] {
      for (std::size_t i = 0; i < scaleEnd; i++) data[i] *= scale;
      return 0.0;
    };
    return Issue(env, [&] { return group.allreduce(tensors, options); }, info[0].As<Napi::Object>(), std::move(finish));
  }

  // allreduceCompressed(buffer, end, format: 'fp16' | 'bf16', prescale, postscale): Promise<number>. The sum over the
  // ranks of buffer[0, end), sent in half precision (DDP's fp16/bf16 compression hooks, but scaled before the cast):
  // here, on the calling thread, buffer[0, end) * prescale is rounded to the format (nearest even, one ATen pass);
  // every rank's 16-bit values are allgathered; in the pool they are summed in float32, in rank order (the same sum
  // on every rank), into buffer[0, end) times postscale, and the promise resolves with how many of those values are
  // not finite (a value past the format's range on some rank: the same count on every rank).
  // Why not Gloo's float16 allreduce: in Gloo 1.13 it sums wrongly now and then (gloo/types.h: float16::operator=
  // skips the assignment when `rhs != *this`, which compares the old value with rhs's bits read as an integer, so a
  // sum whose bits equal the old value's integer value is dropped: seen on values past 1024). And it has no bfloat16.
  // An allgather moves (ranks - 1) x 2 bytes per value to each rank, a float32 ring allreduce about
  // 2 (ranks - 1) / ranks x 4: half at 2 ranks, equal at 4, more beyond.
  Napi::Value AllreduceCompressed(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto& group = Live(env);
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) throw Napi::TypeError::New(env, "expected a Float32Array");
    auto array = info[0].As<Napi::Float32Array>();
    std::size_t end = static_cast<std::size_t>(info[1].As<Napi::Number>().Int64Value());
    if (end > array.ElementLength()) throw Napi::RangeError::New(env, "end is past the end of the buffer");
    std::string format = info[2].As<Napi::String>().Utf8Value();
    if (format != "fp16" && format != "bf16") throw Napi::TypeError::New(env, "format must be 'fp16' or 'bf16'");
    bool fp16 = format == "fp16";
    float prescale = info[3].As<Napi::Number>().FloatValue();
    float postscale = info[4].As<Napi::Number>().FloatValue();
    float* data = array.Data();
    auto source = at::from_blob(data, {static_cast<int64_t>(end)}, at::TensorOptions().dtype(at::kFloat));
    // scaled in float32, then rounded once to the half format
    at::Tensor compressed = (prescale == 1.0f ? source : source.mul(prescale)).to(fp16 ? at::kHalf : at::kBFloat16);
    int world = group.getSize();
    // carried as kHalf: Gloo's allgather copies bytes (it has no bfloat16 type)
    std::vector<at::Tensor> inputs{compressed.view(at::kHalf)};
    std::vector<std::vector<at::Tensor>> outputs(1);
    for (int r = 0; r < world; r++) outputs[0].push_back(at::empty({static_cast<int64_t>(end)}, at::TensorOptions().dtype(at::kHalf)));
    std::vector<at::Tensor> gathered = outputs[0];
    Finish finish = [data, end, postscale, gathered, compressed, fp16] {
      for (std::size_t i = 0; i < end; i++) data[i] = 0.0f;
      for (const auto& part : gathered) {
        const auto* bits = reinterpret_cast<const std::uint16_t*>(part.data_ptr());
        if (fp16)
          for (std::size_t i = 0; i < end; i++) data[i] += c10::detail::fp16_ieee_to_fp32_value(bits[i]);
        else
          for (std::size_t i = 0; i < end; i++) data[i] += Bf16ToFloat(bits[i]);
      }
      if (postscale != 1.0f)
        for (std::size_t i = 0; i < end; i++) data[i] *= postscale;
      return static_cast<double>(CountNonFiniteIn(data, end));
    };
    return Issue(env, [&] { return group.allgather(outputs, inputs); }, info[0].As<Napi::Object>(), std::move(finish));
  }

  // countNonFinite(buffer, end): how many of buffer[0, end) are NaN or infinite (one pass, on the calling thread)
  Napi::Value CountNonFinite(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) throw Napi::TypeError::New(env, "expected a Float32Array");
    auto array = info[0].As<Napi::Float32Array>();
    std::size_t end = info.Length() > 1 && info[1].IsNumber() ? static_cast<std::size_t>(info[1].As<Napi::Number>().Int64Value()) : array.ElementLength();
    if (end > array.ElementLength()) throw Napi::RangeError::New(env, "end is past the end of the buffer");
    return Napi::Number::New(env, static_cast<double>(CountNonFiniteIn(array.Data(), end)));
  }

  // broadcast(buffer, root): Promise<void>, in place
  Napi::Value Broadcast(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto& group = Live(env);
    std::vector<at::Tensor> tensors{View(info[0])};
    c10d::BroadcastOptions options;
    options.rootRank = info[1].As<Napi::Number>().Int32Value();
    return Issue(env, [&] { return group.broadcast(tensors, options); }, info[0].As<Napi::Object>());
  }

  template <typename IssueFn>
  Napi::Value Issue(Napi::Env env, IssueFn issue, Napi::Object buffer, Finish finish = nullptr) {
    c10::intrusive_ptr<c10d::Work> work;
    try {
      work = issue();
    } catch (const std::exception& e) {
      std::string message = FirstLine(e.what());
      throw ErrorWithKind(env, KindOf(message), message);
    }
    auto* worker = new WaitWorker(env, work, buffer, timeout_, std::move(finish));
    auto promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  // Small blocking key-value calls on the group's store (rendezvous metadata only).
  Napi::Value StoreSet(const Napi::CallbackInfo& info) {
    if (!store_) throw ErrorWithKind(info.Env(), "destroyed", "the process group was destroyed");
    std::string value = info[1].As<Napi::String>().Utf8Value();
    try {
      store_->set(info[0].As<Napi::String>().Utf8Value(), std::vector<uint8_t>(value.begin(), value.end()));
    } catch (const std::exception& e) {
      throw ErrorWithKind(info.Env(), KindOf(e.what()), FirstLine(e.what()));
    }
    return info.Env().Undefined();
  }

  Napi::Value StoreGet(const Napi::CallbackInfo& info) {
    if (!store_) throw ErrorWithKind(info.Env(), "destroyed", "the process group was destroyed");
    try {
      auto value = store_->get(info[0].As<Napi::String>().Utf8Value());
      return Napi::String::New(info.Env(), std::string(value.begin(), value.end()));
    } catch (const std::exception& e) {
      throw ErrorWithKind(info.Env(), KindOf(e.what()), FirstLine(e.what()));
    }
  }

  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    group_.reset();
    store_.reset();
    return info.Env().Undefined();
  }

  c10::intrusive_ptr<ProcessGroupGloo> group_;
  c10::intrusive_ptr<c10d::Store> store_;
  std::chrono::milliseconds timeout_{30000};
};

Napi::FunctionReference Group::constructor;

void CreateWorker::OnOK() {
  Napi::Object object = Group::constructor.New({});
  Group::Unwrap(object)->Adopt(group_, store_, options_.timeout);
  deferred_.Resolve(object);
}

std::string StringField(const Napi::Object& o, const char* key, const std::string& fallback = "") {
  return o.Has(key) && o.Get(key).IsString() ? o.Get(key).As<Napi::String>().Utf8Value() : fallback;
}

// createGroup({ host, port, rank, worldSize, isServer, timeoutMs, ifname?, prefix?, groupName?, threads? }): Promise<ProcessGroup>
Napi::Value CreateGroup(const Napi::CallbackInfo& info) {
  Napi::Object o = info[0].As<Napi::Object>();
  GroupOptions options;
  options.host = StringField(o, "host", "127.0.0.1");
  options.port = o.Get("port").As<Napi::Number>().Int32Value();
  options.rank = o.Get("rank").As<Napi::Number>().Int32Value();
  options.worldSize = o.Get("worldSize").As<Napi::Number>().Int32Value();
  options.isServer = o.Get("isServer").As<Napi::Boolean>().Value();
  options.timeout = std::chrono::milliseconds(o.Get("timeoutMs").As<Napi::Number>().Int64Value());
  options.ifname = StringField(o, "ifname");
  options.prefix = StringField(o, "prefix");
  options.groupName = StringField(o, "groupName");
  if (o.Has("threads") && o.Get("threads").IsNumber()) options.threads = std::max(1, o.Get("threads").As<Napi::Number>().Int32Value());
  auto* worker = new CreateWorker(info.Env(), std::move(options));
  auto promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Group::Init(env, exports);
  exports.Set("createGroup", Napi::Function::New(env, CreateGroup));
  return exports;
}

}  // namespace

NODE_API_MODULE(trajectorynet_distributed, Init)
