#include "p2pgossip/buffer_pool.hpp"

#include <malloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace p2pgossip::buffer_pool {

namespace {

// Slabs are aligned to their size, so a buffer's slab is its address rounded down.
constexpr std::size_t kSlabBytes = 256 << 10;
// Size classes 8, 16, 32 and 64 KiB.
constexpr std::size_t kClasses = 4;
// Free blocks kept backed by memory whatever is in use: a slab's worth per size.
constexpr std::size_t kKeepResidentBytes = kClasses * kSlabBytes;
// A burst of transit buffers this large (in use at once) also leaves glibc's heap holding
// what it freed in small pieces (queued forwards, router entries), which glibc keeps unless
// asked: the heap is trimmed once such a burst is over, at most once a second (a trim walks
// every arena).
constexpr std::size_t kBurstBytes = 2 * kKeepResidentBytes;
constexpr auto kTrimInterval = std::chrono::seconds(1);

std::size_t class_of(std::size_t bytes) {
  return static_cast<std::size_t>(std::bit_width((bytes - 1) / kMinBytes));
}
std::size_t block_bytes(std::size_t c) { return kMinBytes << c; }

struct Slab {
  std::uint8_t* base;
  std::size_t cls;
  std::vector<std::uint8_t*> free;       // blocks not handed out, backed by memory
  std::vector<std::uint8_t*> released;   // blocks not handed out, pages given back
  std::size_t partial_at = kNotPartial;  // index in Pool::partial[cls], if listed there
  static constexpr std::size_t kNotPartial = ~std::size_t{0};
};

class Pool {
 public:
  void* get(std::size_t bytes) {
    const std::size_t c = class_of(bytes);
    std::lock_guard lock(mu_);
    if (partial_[c].empty() && !map_slab(c)) throw std::bad_alloc();
    Slab* s = partial_[c].back();
    std::uint8_t* p;
    if (!s->free.empty()) {  // a block still backed by memory first: no page fault
      p = s->free.back();
      s->free.pop_back();
      resident_free_ -= block_bytes(c);
    } else {
      p = s->released.back();
      s->released.pop_back();
    }
    if (s->free.empty() && s->released.empty()) unlist(s);
    used_ += block_bytes(c);
    burst_ = std::max(burst_, used_);
    return p;
  }

  // True when the caller should trim the heap (a burst just ended).
  bool put(void* p, std::size_t bytes) {
    const std::size_t c = class_of(bytes);
    const auto base = reinterpret_cast<std::uintptr_t>(p) & ~(kSlabBytes - 1);
    std::lock_guard lock(mu_);
    Slab* s = slabs_.at(base);
    if (s->free.empty() && s->released.empty()) list(s);
    s->free.push_back(static_cast<std::uint8_t*>(p));
    used_ -= block_bytes(c);
    resident_free_ += block_bytes(c);
    // All free: unmapped, unless it is the class's only slab with room (the next buffer of
    // this size would map one again at once).
    if (s->free.size() + s->released.size() == kSlabBytes / block_bytes(c) &&
        partial_[c].size() > 1) {
      unmap(s);
    } else if (resident_free_ > std::max(kKeepResidentBytes, used_)) {
      // A few buffers still in use can pin many slabs: past as much free as used, the free
      // blocks' pages go back to the kernel (mapped still, faulted in again when reused).
      release_free_blocks();
    }
    if (burst_ < kBurstBytes || used_ > kKeepResidentBytes) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_trim_ < kTrimInterval) return false;
    last_trim_ = now;
    burst_ = 0;
    ++heap_trims_;
    return true;
  }

  Stats stats() {
    std::lock_guard lock(mu_);
    return {slabs_.size() * kSlabBytes, peak_, used_, resident_free_, unmapped_, heap_trims_};
  }

 private:
  bool map_slab(std::size_t c) {
    // Twice the size, then the unaligned ends given back: a slab aligned to its size.
    void* m =
        ::mmap(nullptr, 2 * kSlabBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return false;
    const auto start = reinterpret_cast<std::uintptr_t>(m);
    const std::uintptr_t base = (start + kSlabBytes - 1) & ~(kSlabBytes - 1);
    if (base > start) ::munmap(m, base - start);
    if (const std::uintptr_t end = start + 2 * kSlabBytes; end > base + kSlabBytes)
      ::munmap(reinterpret_cast<void*>(base + kSlabBytes), end - base - kSlabBytes);
    auto* s = new Slab{reinterpret_cast<std::uint8_t*>(base), c, {}, {}};
    const std::size_t blocks = kSlabBytes / block_bytes(c);
    s->free.reserve(blocks);
    s->released.reserve(blocks);
    // Fresh pages are untouched: released until written.
    for (std::size_t i = blocks; i-- > 0;) s->released.push_back(s->base + i * block_bytes(c));
    slabs_.emplace(base, s);
    list(s);
    peak_ = std::max(peak_, slabs_.size() * kSlabBytes);
    return true;
  }

  void release_free_blocks() {
    for (auto& [base, s] : slabs_) {
      for (std::uint8_t* b : s->free) ::madvise(b, block_bytes(s->cls), MADV_DONTNEED);
      s->released.insert(s->released.end(), s->free.begin(), s->free.end());
      s->free.clear();
    }
    resident_free_ = 0;
  }

  void unmap(Slab* s) {
    resident_free_ -= s->free.size() * block_bytes(s->cls);
    unlist(s);
    slabs_.erase(reinterpret_cast<std::uintptr_t>(s->base));
    ::munmap(s->base, kSlabBytes);
    ++unmapped_;
    delete s;
  }

  void list(Slab* s) {
    s->partial_at = partial_[s->cls].size();
    partial_[s->cls].push_back(s);
  }
  void unlist(Slab* s) {
    auto& v = partial_[s->cls];
    v[s->partial_at] = v.back();
    v[s->partial_at]->partial_at = s->partial_at;
    v.pop_back();
    s->partial_at = Slab::kNotPartial;
  }

  std::mutex mu_;
  std::unordered_map<std::uintptr_t, Slab*> slabs_;
  std::array<std::vector<Slab*>, kClasses> partial_;  // slabs with a free block, by class
  std::size_t peak_ = 0, used_ = 0, resident_free_ = 0;
  std::size_t burst_ = 0;  // the most in use since the last trim
  std::chrono::steady_clock::time_point last_trim_{};
  std::uint64_t unmapped_ = 0, heap_trims_ = 0;
};

// Never destroyed: buffers may be freed by static destructors after main returns.
Pool& pool() {
  static Pool* p = new Pool;
  return *p;
}

}  // namespace

void* allocate(std::size_t bytes) { return pool().get(bytes); }
void deallocate(void* p, std::size_t bytes) noexcept {
  if (pool().put(p, bytes)) {
#ifdef __GLIBC__
    ::malloc_trim(0);  // outside the pool's lock: it walks every arena
#endif
  }
}
Stats stats() { return pool().stats(); }

}  // namespace p2pgossip::buffer_pool
