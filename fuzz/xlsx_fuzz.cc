// Fuzz target: the XLSX reader (ingest/xlsx_reader.h): the zip archive, the workbook, shared
// strings, styles and the worksheet XML, on any bytes written as a .xlsx file.
#include <string>

#include "fuzz/fuzz_util.h"
#include "ingest/xlsx_reader.h"

namespace {

void ReadSheet(const std::string& path, const std::string& sheet) {
  auto reader = aegis::ingest::OpenXlsx(path, sheet);
  if (!reader.ok()) return;
  aegis::ingest::Row row;
  while ((*reader)->Next(&row)) {
    // A row has a value, a spreadsheet row number, and at most Excel's 16,384 columns.
    AEGIS_FUZZ_CHECK(!row.empty() && (*reader)->record_number() > 0);
    AEGIS_FUZZ_CHECK(row.size() <= 16384);
  }
  AEGIS_FUZZ_CHECK((*reader)->formula_cells() >= 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = aegis::fuzz::WriteInput("input.xlsx", data, size);
  auto sheets = aegis::ingest::ListXlsxSheets(path);
  ReadSheet(path, "");
  if (sheets.ok()) {
    for (size_t i = 0; i < sheets->size() && i < 4; ++i) ReadSheet(path, (*sheets)[i]);
  }
  return 0;
}
