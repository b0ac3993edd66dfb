// Where byte buffers of 8-64 KiB live: the frames a connection seals, merges and reads
// (16 KiB Noise frames, merged RPCs, cut frames) come and go by the thousand in a burst. Taken
// from glibc's heap, the freed ones left holes between the router's long-lived entries that
// the heap kept (about 12 MB of a 50-node burst's peak, docs/memory.md). Here they come from
// slabs of their own, mapped apart from the heap, and a slab whose buffers are all free is
// unmapped (one per size is kept for the next burst), and once free blocks outweigh those in
// use (a few live buffers pinning many slabs), their pages are given back to the kernel: the
// free blocks kept resident are at most as many bytes as those in use, or 1 MiB. When a
// burst (2 MiB in use at once) is over, glibc's heap is trimmed (at most once a second).
// Thread-safe; every other size goes to operator new.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace p2pgossip {

namespace buffer_pool {

inline constexpr std::size_t kMinBytes = 8 << 10, kMaxBytes = 64 << 10;

void* allocate(std::size_t bytes);
void deallocate(void* p, std::size_t bytes) noexcept;

struct Stats {
  std::size_t mapped_bytes;  // slabs mapped now
  std::size_t peak_mapped_bytes;
  std::size_t used_bytes;           // buffers handed out now (block sizes)
  std::size_t resident_free_bytes;  // free blocks still backed by memory
  std::uint64_t slabs_unmapped;
  std::uint64_t heap_trims;  // glibc's heap trimmed at the end of a burst
};
Stats stats();

}  // namespace buffer_pool

// std::allocator for Bytes, but 8-64 KiB buffers come from buffer_pool. Stateless.
template <class T>
struct BufferAllocator {
  using value_type = T;
  BufferAllocator() = default;
  template <class U>
  BufferAllocator(const BufferAllocator<U>&) {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < buffer_pool::kMinBytes || bytes > buffer_pool::kMaxBytes)
      return static_cast<T*>(::operator new(bytes));
    return static_cast<T*>(buffer_pool::allocate(bytes));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < buffer_pool::kMinBytes || bytes > buffer_pool::kMaxBytes)
      ::operator delete(p);
    else
      buffer_pool::deallocate(p, bytes);
  }
  template <class U>
  bool operator==(const BufferAllocator<U>&) const {
    return true;
  }
};

}  // namespace p2pgossip
