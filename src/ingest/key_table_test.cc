#include "ingest/key_table.h"

#include <gtest/gtest.h>

namespace aegis::ingest {
namespace {

TEST(KeyTable, FindsWhatWasInsertedAcrossGrowthIncludingKeyZero) {
  KeyTable<int64_t> t;
  // Keys that share their low bits collide in the table and must probe past each other.
  auto key = [](uint64_t i) { return i * 4096; };
  for (uint64_t i = 0; i < 5000; ++i) {
    auto [v, fresh] = t.FindOrInsert(key(i));
    ASSERT_TRUE(fresh) << i;
    EXPECT_EQ(*v, 0);
    *v = static_cast<int64_t>(i) + 1;
  }
  EXPECT_EQ(t.size(), 5000u);
  for (uint64_t i = 0; i < 5000; ++i) {
    auto [v, fresh] = t.FindOrInsert(key(i));
    EXPECT_FALSE(fresh) << i;
    EXPECT_EQ(*v, static_cast<int64_t>(i) + 1);
  }
  EXPECT_EQ(t.size(), 5000u);
}

}  // namespace
}  // namespace aegis::ingest
