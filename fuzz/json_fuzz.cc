// Fuzz target: the JSON records reader (an array of objects, {"results": [...]} from
// KoboToolbox, {"value": [...]} from ODK Central, or NDJSON), through OpenTable as an import
// opens a .json file.
#include <string>

#include "fuzz/fuzz_util.h"
#include "ingest/table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = aegis::fuzz::WriteInput("input.json", data, size);
  auto reader = aegis::ingest::OpenTable(path, {});
  if (!reader.ok()) return 0;
  aegis::ingest::Row row, header;
  bool first = true;
  while ((*reader)->Next(&row)) {
    if (first) {
      header = row;
      first = false;
    }
    // Every record has a cell for each column of the header (the union of the keys).
    AEGIS_FUZZ_CHECK(row.size() == header.size());
  }
  AEGIS_FUZZ_CHECK((*reader)->status().ok());
  return 0;
}
