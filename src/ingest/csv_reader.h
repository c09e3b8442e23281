// Streaming CSV reader (RFC 4180 via libcsv): quotes, "" escapes, embedded newlines, any column
// count, a UTF-8 byte-order mark, and separator detection.
#pragma once

#include <memory>
#include <string>

#include "ingest/table.h"

namespace aegis::ingest {

// Opens `path` as CSV. With delimiter 0 the separator is detected from the first record
// (the most frequent of , ; TAB | outside quotes). Errors name the file and what to do. The file
// is read through `env` (null = Env::Default()), which must outlive the reader.
Result<std::unique_ptr<TableReader>> OpenCsv(const std::string& path, char delimiter,
                                             Env* env = nullptr);

// Detects the separator of a CSV header line; returns ',' when nothing else is more frequent.
char DetectDelimiter(const std::string& first_line);

}  // namespace aegis::ingest
