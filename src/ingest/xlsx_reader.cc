#include "ingest/table.h"
namespace aegis::ingest {
Result<std::unique_ptr<TableReader>> OpenXlsx(const std::string& path, const std::string& sheet) {
  return Status::Unsupported(path + ": XLSX reading not built yet");
}
}  // namespace aegis::ingest
