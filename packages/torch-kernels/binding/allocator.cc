// A caching CPU allocator for ATen (and through it oneDNN: ATen hands ideep's
// tensors and scratchpads to the CPU allocator), installed when the addon
// loads.
//
// Why: every native call allocates its large temporaries fresh (the OHWI
// filter copy, oneDNN's reordered weights and the reordered filter gradient,
// padded inputs, convolution outputs): glibc serves blocks above its mmap
// threshold with mmap and gives them back with munmap, so each call touches
// new pages. On this project's 2-core VM a 3x3x512x512 conv call took ~4,700
// minor page faults and 50-200 ms of wall time of which the convolution was
// 10-30 ms (measured with process.resourceUsage()). Blocks of at least 64 KiB
// are therefore kept on free lists by size class (8 classes per power of two,
// so at most 1/8 is wasted) and handed out again; smaller ones go to malloc
// as before. At most `limit` bytes (512 MiB) are kept; a block that would
// exceed it is freed. Not installed in the AddressSanitizer build, so the
// sanitizer still sees every allocation and free.
#include "common.h"

#include <c10/core/CPUAllocator.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <unordered_map>

namespace {

constexpr size_t kAlignment = 64;             // what ATen's own CPU allocator aligns to (AVX-512)
constexpr size_t kHeader = kAlignment;        // the block's size class, stored in front of the data
constexpr size_t kMinCached = size_t{1} << 16;  // below this, glibc's heap reuses memory without new pages

struct Stats {
  uint64_t hits = 0, misses = 0;
  size_t cachedBytes = 0;
};

size_t sizeClass(size_t n) {
  if (n < kMinCached) return n;
  size_t top = kMinCached;
  while (top * 2 <= n) top *= 2;
  const size_t step = top / 8;
  return (n + step - 1) / step * step;
}

class CachingAllocator final : public c10::Allocator {
 public:
  static CachingAllocator& instance() {
    static auto* allocator = new CachingAllocator();  // never destroyed: tensors may be freed during exit
    return *allocator;
  }

  c10::DataPtr allocate(size_t n) const override {
    if (n == 0) return {nullptr, nullptr, &release, c10::Device(c10::DeviceType::CPU)};
    const size_t size = sizeClass(n);
    void* block = take(size);
    if (block == nullptr) {
      block = fresh(size);
      if (block == nullptr) {
        trim();
        block = fresh(size);
      }
      if (block == nullptr) throw std::bad_alloc();
    }
    *static_cast<size_t*>(block) = size;
    void* data = static_cast<uint8_t*>(block) + kHeader;
    return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &release; }

  Stats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

  // frees every cached block
  void trim() const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& entry : free_) {
      for (void* block : entry.second) std::free(block);
    }
    free_.clear();
    stats_.cachedBytes = 0;
  }

  size_t limit = size_t{512} << 20;
  // off: every block goes back to malloc when freed (how ATen's own allocator behaves), for measuring the difference
  std::atomic<bool> caching{true};

 private:
  static void release(void* data) {
    if (data == nullptr) return;
    void* block = static_cast<uint8_t*>(data) - kHeader;
    instance().give(block, *static_cast<size_t*>(block));
  }

  static void* fresh(size_t size) {
    void* block = nullptr;
    return posix_memalign(&block, kAlignment, size + kHeader) == 0 ? block : nullptr;
  }

  void* take(size_t size) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = free_.find(size);
    if (found == free_.end() || found->second.empty()) {
      if (size >= kMinCached) stats_.misses++;
      return nullptr;
    }
    void* block = found->second.back();
    found->second.pop_back();
    stats_.cachedBytes -= size;
    stats_.hits++;
    return block;
  }

  void give(void* block, size_t size) const {
    if (size >= kMinCached && caching) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stats_.cachedBytes + size <= limit) {
        free_[size].push_back(block);
        stats_.cachedBytes += size;
        return;
      }
    }
    std::free(block);
  }

  mutable std::mutex mutex_;
  mutable std::unordered_map<size_t, std::vector<void*>> free_;
  mutable Stats stats_;
};

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kInstall = false;
#else
constexpr bool kInstall = true;
#endif

// allocatorStats() -> { caching, hits, misses, cachedBytes }: hits and misses count requests of at least 64 KiB
Napi::Value allocatorStats(const Napi::CallbackInfo& info) {
  auto out = Napi::Object::New(info.Env());
  const Stats s = CachingAllocator::instance().stats();
  out.Set("caching", kInstall && CachingAllocator::instance().caching);
  out.Set("hits", static_cast<double>(s.hits));
  out.Set("misses", static_cast<double>(s.misses));
  out.Set("cachedBytes", static_cast<double>(s.cachedBytes));
  return out;
}

// allocatorSetCaching(on): off frees the cached blocks and every block freed from then on (ATen's default behaviour)
Napi::Value allocatorSetCaching(const Napi::CallbackInfo& info) {
  auto& allocator = CachingAllocator::instance();
  allocator.caching = kInstall && tk::boolean(info[0]);
  if (!allocator.caching) allocator.trim();
  return Napi::Boolean::New(info.Env(), allocator.caching);
}

// allocatorTrim(): frees the cached blocks
Napi::Value allocatorTrim(const Napi::CallbackInfo& info) {
  CachingAllocator::instance().trim();
  return info.Env().Undefined();
}

}  // namespace

void registerAllocator(Napi::Env env, Napi::Object exports) {
  // priority above ATen's default (0), so at::empty and ideep take it from now on; tensors made before keep their own deleter
  if (kInstall) c10::SetCPUAllocator(&CachingAllocator::instance(), 1);
  exports.Set("allocatorStats", Napi::Function::New(env, allocatorStats));
  exports.Set("allocatorTrim", Napi::Function::New(env, allocatorTrim));
  exports.Set("allocatorSetCaching", Napi::Function::New(env, allocatorSetCaching));
}
