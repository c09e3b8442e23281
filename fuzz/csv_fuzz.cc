// Fuzz target: the streaming CSV reader (ingest/csv_reader.h) on any bytes.
//
// Each input is read three ways: with the separator detected (as an import does by default),
// with the separator given, and placed so that it straddles the reader's 64 KiB read boundary
// (after a filler record). The last two must give the same records: where the file is cut into
// chunks must never change what is read.
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "ingest/csv_reader.h"

namespace {

using aegis::ingest::OpenCsv;
using aegis::ingest::Row;

constexpr size_t kChunk = 64 << 10;  // csv_reader.cc reads this many bytes at a time

struct Read {
  std::vector<Row> rows;
  bool ok = false;
};

Read ReadAll(const std::string& path, char delimiter, bool keep_rows) {
  Read out;
  auto reader = OpenCsv(path, delimiter);
  if (!reader.ok()) return out;
  Row row;
  int64_t last = 0;
  while ((*reader)->Next(&row)) {
    AEGIS_FUZZ_CHECK((*reader)->record_number() == last + 1);
    last = (*reader)->record_number();
    if (keep_rows) out.rows.push_back(row);
  }
  AEGIS_FUZZ_CHECK((*reader)->bytes_read() <= (*reader)->total_bytes());
  out.ok = (*reader)->status().ok();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::string path = aegis::fuzz::WriteInput("input.csv", data, size);
  ReadAll(path, 0, false);

  // The separator the reader would detect (its first line, outside quotes).
  std::string first;
  bool quoted = false;
  for (char c : input) {
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == '\n' || c == '\r')) break;
    first.push_back(c);
  }
  char delimiter = aegis::ingest::DetectDelimiter(first);
  Read direct = ReadAll(path, delimiter, true);

  // A byte-order mark is only one at the start of the file; elsewhere it is text.
  if (input.rfind("\xEF\xBB\xBF", 0) == 0) return 0;
  // One filler record, so that the input starts `size / 2` bytes before the read boundary.
  size_t offset = std::min(size / 2, kChunk / 2);
  std::string padded(kChunk - offset - 1, 'x');
  padded += '\n';
  const size_t filler_rows = 1;
  padded += input;
  std::string padded_path = aegis::fuzz::WriteInput(
      "padded.csv", reinterpret_cast<const uint8_t*>(padded.data()), padded.size());
  Read straddled = ReadAll(padded_path, delimiter, true);
  AEGIS_FUZZ_CHECK(straddled.ok == direct.ok);
  if (!direct.ok) return 0;
  AEGIS_FUZZ_CHECK(straddled.rows.size() == direct.rows.size() + filler_rows);
  AEGIS_FUZZ_CHECK(std::equal(direct.rows.begin(), direct.rows.end(),
                              straddled.rows.begin() + static_cast<ptrdiff_t>(filler_rows)));
  return 0;
}
