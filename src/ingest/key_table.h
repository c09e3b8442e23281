// KeyTable: a flat hash table from 64-bit keys to small values, for per-row bookkeeping.
//
// The importer remembers a few numbers for every record key of a file. A std::unordered_map
// would allocate one node per row (a million for a million rows) and rehash node by node; here
// all entries live in one array with linear probing, doubled when 70% full. Keys are expected
// to be hashes already (xxHash64 of the record key), so their low bits pick the slot directly.
// There is no erase. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace aegis::ingest {

template <typename V>
class KeyTable {
 public:
  // The value of `key`, inserted value-initialised if absent; `second` is true when it was
  // inserted now. The pointer stays valid until the next insertion.
  std::pair<V*, bool> FindOrInsert(uint64_t key) {
    if (key == 0) {  // 0 marks empty slots, so key 0 is kept apart
      bool fresh = !has_zero_;
      has_zero_ = true;
      return {&zero_value_, fresh};
    }
    if ((used_ + 1) * 10 > slots_.size() * 7) Grow();
    Slot& s = slots_[Probe(slots_, key)];
    if (s.key == key) return {&s.value, false};
    s.key = key;
    ++used_;
    return {&s.value, true};
  }

  size_t size() const { return used_ + (has_zero_ ? 1 : 0); }

 private:
  struct Slot {
    uint64_t key = 0;
    V value{};
  };

  // The slot holding `key`, or the empty slot where it belongs.
  static size_t Probe(const std::vector<Slot>& slots, uint64_t key) {
    size_t mask = slots.size() - 1;  // the size is a power of two
    size_t i = key & mask;
    while (slots[i].key != key && slots[i].key != 0) i = (i + 1) & mask;
    return i;
  }

  void Grow() {
    std::vector<Slot> bigger(slots_.empty() ? 1024 : slots_.size() * 2);
    for (Slot& s : slots_)
      if (s.key != 0) bigger[Probe(bigger, s.key)] = std::move(s);
    slots_.swap(bigger);
  }

  std::vector<Slot> slots_;
  size_t used_ = 0;  // slots in use
  bool has_zero_ = false;
  V zero_value_{};
};

}  // namespace aegis::ingest
