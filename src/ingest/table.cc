#include "ingest/table.h"

#include "ingest/csv_reader.h"
#include "ingest/xlsx_reader.h"
#include "util/text.h"

namespace aegis::ingest {

Result<std::unique_ptr<TableReader>> OpenJsonRecords(const std::string& path, Env* env);

Result<std::unique_ptr<TableReader>> OpenTable(const std::string& path, const TableOptions& opts) {
  std::string lower = text::ToLowerAscii(path);
  auto ends = [&](const char* ext) {
    std::string e(ext);
    return lower.size() >= e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".xlsx") || ends(".xlsm")) return OpenXlsx(path, opts.sheet);
  if (ends(".json") || ends(".ndjson")) return OpenJsonRecords(path, opts.env);
  if (ends(".xls"))
    return Status::Unsupported(path +
                               ": old Excel .xls files are not read; save it as .xlsx or CSV");
  return OpenCsv(path, opts.delimiter, opts.env);
}

}  // namespace aegis::ingest
