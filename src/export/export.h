// Streaming table export: one table (columns + rows) written as CSV, HXL-tagged CSV, JSON or XLSX
// to a Sink that receives the bytes in chunks (an HTTP response, a file, a string).
//
// Exports go to partners, so every writer:
//   - streams: memory stays bounded whatever the number of rows (XLSX is written by libxlsxwriter
//     in constant_memory mode to a private temporary file, then copied to the sink in chunks; the
//     temporary file is removed on success, on error and when a writer is dropped unfinished);
//   - writes valid UTF-8 (invalid byte sequences become U+FFFD);
//   - XLSX only: whole numbers of more than 15 digits are written as text (Excel keeps 15
//     significant digits and would change them), and text longer than Excel's 32,767-character
//     cell limit is cut and ends with a note saying so;
//   - neutralises spreadsheet formula injection in the spreadsheet formats (CSV, HXL, XLSX): a
//     text cell starting with = + - @ TAB or CR gets a leading single quote (NeutraliseFormula),
//     and XLSX text is always written as strings, never as formulas. JSON is for programs and
//     carries text unchanged. Numbers stored as numbers (including negative ones) are left alone.
//
// Usage:
//   StringSink sink;
//   AEGIS_ASSIGN_OR_RETURN(auto writer, MakeWriter(Format::kCsv, sink));
//   AEGIS_RETURN_IF_ERROR(writer->Begin(columns));
//   for (...) AEGIS_RETURN_IF_ERROR(writer->Row(cells));
//   AEGIS_RETURN_IF_ERROR(writer->Finish());
//
// A writer is used in that order: Begin once, Row any number of times, Finish once. After the
// first error (a sink write that failed, a row of the wrong width) every later call returns that
// same error. Thread safety: a writer and its sink belong to one thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "util/status.h"

namespace aegis::exports {

// ---- Table description --------------------------------------------------------------------------

struct Column {
  enum class Kind { kText, kInteger, kReal, kDate };
  std::string name;     // header text
  std::string hxl_tag;  // e.g. "#adm2+code" or "#adm2 +code"; empty = untagged column
  Kind kind = Kind::kText;
};

// A cell: null, a whole number, a real number or text. Dates are text in ISO 8601 ("2024-03-01").
// Non-finite reals (NaN, infinity) are written as null.
using Cell = std::variant<std::monostate, int64_t, double, std::string>;
inline Cell NullCell() { return Cell{}; }

// Describes an export; written where the format has room for it (JSON: a "meta" object; XLSX: a
// second sheet "About"). CSV and HXL carry none, to stay machine-readable.
struct Metadata {
  std::string title;
  std::string generated_at;                                  // ISO 8601, e.g. 2024-04-02T10:00:00Z
  std::vector<std::pair<std::string, std::string>> filters;  // name, value (in this order)
  std::string suppression_note;                              // e.g. "cells below 5 suppressed"
  bool empty() const {
    return title.empty() && generated_at.empty() && filters.empty() && suppression_note.empty();
  }
};

// ---- Formats ------------------------------------------------------------------------------------

enum class Format { kCsv, kXlsx, kJson, kHxl };

// "csv", "xlsx", "json" or "hxl" (ASCII case-insensitive, surrounding spaces ignored).
// InvalidArgument otherwise, listing the valid names.
Result<Format> ParseFormat(std::string_view name);
std::string_view FormatName(Format f);  // "csv", "xlsx", "json", "hxl"
// HTTP Content-Type: text/csv; charset=utf-8 (CSV and HXL), application/json; charset=utf-8,
// application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.
std::string_view ContentType(Format f);
// File name extension without the dot: "csv" (CSV and HXL: an HXL file is a CSV file), "json",
// "xlsx".
std::string_view FileExtension(Format f);

struct ExportOptions {
  // CSV and HXL: start with a UTF-8 byte-order mark, so that Excel opens Arabic text correctly.
  bool utf8_bom = true;
  // XLSX: a second row with the columns' HXL tags under the header row.
  bool xlsx_hxl_row = false;
  // JSON and XLSX: written when not empty.
  Metadata metadata;
  // XLSX: directory of the temporary workbook file; empty = the system's temporary directory.
  std::string tmpdir;
};

// ---- Sinks --------------------------------------------------------------------------------------

// Receives the bytes of an export, in order, in chunks of any size. A failed Write is reported by
// the writer as the Status of the call that caused it.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual Status Write(std::string_view bytes) = 0;
};

// Collects everything in memory (tests, small exports).
class StringSink : public Sink {
 public:
  Status Write(std::string_view bytes) override;
  const std::string& data() const { return data_; }
  std::string Take() { return std::move(data_); }

 private:
  std::string data_;
};

// Writes to a file, created or truncated (permissions 0600: exports hold protection data).
// Close() flushes and reports a late write error (a full disk); the destructor closes silently.
class FileSink : public Sink {
 public:
  static Result<std::unique_ptr<FileSink>> Open(const std::string& path);
  ~FileSink() override;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;
  Status Write(std::string_view bytes) override;
  Status Close();

 private:
  FileSink(std::string path, FILE* f) : path_(std::move(path)), file_(f) {}
  std::string path_;
  FILE* file_;
};

// ---- Writers ------------------------------------------------------------------------------------

class TableWriter {
 public:
  virtual ~TableWriter() = default;
  // Writes the header (and, by format, the metadata and the HXL tag row). InvalidArgument for no
  // columns, a malformed HXL tag (HXL, and XLSX with xlsx_hxl_row) or too many columns for XLSX.
  virtual Status Begin(const std::vector<Column>& columns) = 0;
  // One row; it must have exactly one cell per column (InvalidArgument otherwise).
  virtual Status Row(const std::vector<Cell>& cells) = 0;
  // Ends the table and hands every remaining byte to the sink.
  virtual Status Finish() = 0;
};

// A writer of `format` to `sink`; the sink must outlive the writer. XLSX creates its temporary
// file here (IOError if it cannot).
Result<std::unique_ptr<TableWriter>> MakeWriter(Format format, Sink& sink,
                                                const ExportOptions& options = {});

// ---- Rules shared by the writers (exposed for tests and for other spreadsheet outputs) ----------

// OWASP CSV-injection rule: text starting with = + - @ TAB or CR gets a leading single quote
// ("=1+1" -> "'=1+1"); other text is returned unchanged.
std::string NeutraliseFormula(std::string_view text);

// Checks the syntax of an HXL hashtag with attributes (HXL 1.1): "#" then a letter and letters,
// digits or "_", then any number of "+attribute" of the same form; spaces are allowed before each
// "+". Empty is valid (an untagged column). Unknown hashtags are allowed (HXL permits them); see
// IsCoreHxlHashtag.
Status ValidateHxlTag(std::string_view tag);
// True if the hashtag part of `tag` ("#adm2" of "#adm2+code") is one of the HXL 1.1 core hashtags.
bool IsCoreHxlHashtag(std::string_view tag);

}  // namespace aegis::exports
