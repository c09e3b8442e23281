// The header of a table: its header row, and the HXL tag row when there is one (looked for in
// the first 25 records, under the header or alone). Shared by the importer, `aegis profile
// check` and `aegis profile draft`.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <utility>

#include "ingest/table.h"
#include "util/status.h"

namespace aegis::ingest {

struct HeaderInfo {
  Row header, tags;                             // tags: empty cells when the file has no tag row
  std::deque<std::pair<int64_t, Row>> pending;  // data rows read while looking for the tag row
};

// Reads the header (and tag row) from `reader`; an empty file is an error naming `file`.
Result<HeaderInfo> ReadHeader(TableReader& reader, const std::string& file);

// A row of HXL hashtags only ("#date+occurred", blanks allowed).
bool IsTagRow(const Row& row);
// A row with no value in any cell.
bool IsBlank(const Row& row);

}  // namespace aegis::ingest
