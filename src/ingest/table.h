// TableReader: a stream of records (rows of text cells) from a CSV, XLSX or JSON file.
//
// Readers stream: memory stays bounded whatever the file size. Not thread-safe; one reader per
// thread. Record numbers are 1-based and count every physical record including header rows, so
// that "row 17" in a message is row 17 in a spreadsheet program.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "util/env.h"
#include "util/status.h"

namespace aegis::ingest {

using Row = std::vector<std::string>;

class TableReader {
 public:
  virtual ~TableReader() = default;
  // Reads the next record into *row (cleared first). Returns false at the end of the table or on
  // error; then status() tells which.
  virtual bool Next(Row* row) = 0;
  virtual const Status& status() const = 0;
  // Record number of the row last returned by Next().
  virtual int64_t record_number() const = 0;
  // Progress: bytes of the input consumed so far, and in all (0 if unknown).
  virtual int64_t bytes_read() const = 0;
  virtual int64_t total_bytes() const = 0;
  // Count of cells whose value came from a spreadsheet formula (XLSX); 0 for text formats.
  virtual int64_t formula_cells() const { return 0; }
};

struct TableOptions {
  // CSV: field separator; 0 = detect from the first line among , ; TAB |.
  char delimiter = 0;
  // XLSX: sheet name; empty = the first sheet.
  std::string sheet;
  // CSV and JSON files are read through this Env (not owned; it must outlive the reader; null =
  // Env::Default()). XLSX workbooks are opened by minizip directly.
  Env* env = nullptr;
};

// Opens a table by file extension: .csv/.tsv/.txt (CSV), .xlsx (XLSX), .json/.ndjson (JSON
// records).
Result<std::unique_ptr<TableReader>> OpenTable(const std::string& path, const TableOptions& opts);

}  // namespace aegis::ingest
