// Moving an operation between stores: `aegis db copy SOURCE TARGET`, SQLite <-> PostgreSQL in
// either direction (or SQLite -> SQLite, PostgreSQL -> PostgreSQL).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "util/status.h"

namespace aegis::store {

struct CopiedTable {
  std::string table;
  int64_t rows = 0;
  uint64_t checksum = 0;  // order-independent, over every column of every row (both sides)
};

struct CopyReport {
  std::vector<CopiedTable> tables;
  std::string digest;  // Store::ContentDigest, equal on both sides
};

// Copies every table of the store at `source` (which must be at the latest schema version and is
// only read) into the store at `target`, which must be new or empty (it is created and migrated).
// Rows keep their ids, personal fields stay sealed as they are (the target needs the source's
// key file). Then verifies, table by table, the row count and a checksum of all values read back
// from the target, and the stores' content digests. Any difference is an error (Corruption)
// naming the table; the target is then left for inspection, not used. `progress(table, rows)`
// after each batch.
Result<CopyReport> CopyStore(const std::string& source, const std::string& target,
                             const std::function<void(const std::string&, int64_t)>& progress = {});

}  // namespace aegis::store
