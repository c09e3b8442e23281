#include <algorithm>
#include <thread>

#include "match/match.h"

namespace aegis::match {

void ParallelFor(size_t n, int threads, const std::function<void(size_t, size_t, size_t)>& fn) {
  auto parts = static_cast<size_t>(std::max(1, threads));
  if (parts == 1 || n == 0) return fn(0, 0, n);
  size_t step = (n + parts - 1) / parts;
  std::vector<std::thread> pool;
  for (size_t p = 0; p < parts; ++p) {
    size_t from = std::min(n, p * step), to = std::min(n, from + step);
    pool.emplace_back(fn, p, from, to);
  }
  for (auto& th : pool) th.join();
}

}  // namespace aegis::match
