// CSV (RFC 4180) and HXL-tagged CSV writers.
//
// Fields are separated by commas and records end with CRLF. A field is quoted when it holds a
// comma, a double quote, CR or LF; quotes inside are doubled. Text passes NeutraliseFormula first.
// Nulls are empty fields. An HXL file is the same CSV with the hashtag row right under the header
// row (HXL 1.1: the hashtag row is the first row whose cells are all hashtags or empty).
#include <cmath>
#include <string>
#include <variant>

#include "export/writer_internal.h"

namespace aegis::exports::internal {
namespace {

bool NeedsQuotes(std::string_view s) {
  return s.find_first_of(",\"\r\n") != std::string_view::npos;
}

void AppendField(std::string_view text, bool force_quotes, std::string* out) {
  std::string clean;
  AppendValidUtf8(text, &clean);
  if (!force_quotes && !NeedsQuotes(clean)) {
    out->append(clean);
    return;
  }
  out->push_back('"');
  for (char c : clean) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

class CsvWriter : public WriterBase {
 public:
  CsvWriter(Sink& sink, const ExportOptions& options, bool hxl)
      : WriterBase(sink, hxl ? "hxl" : "csv"), bom_(options.utf8_bom), hxl_(hxl) {}

  Status Begin(const std::vector<Column>& columns) override {
    AEGIS_RETURN_IF_ERROR(CheckBegin(columns));
    if (hxl_) {
      for (const Column& c : columns) {
        Status st = ValidateHxlTag(c.hxl_tag);
        if (!st.ok())
          return Fail(
              Status::InvalidArgument("hxl export: column \"" + c.name + "\": " + st.message()));
      }
    }
    if (bom_) buf_ += "\xEF\xBB\xBF";
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) buf_ += ',';
      std::string name = NeutraliseFormula(columns[i].name);
      // Without a BOM, a file starting with "ID" is taken by Excel for a SYLK file: quote it.
      bool sylk = i == 0 && !bom_ && name.compare(0, 2, "ID") == 0;
      AppendField(name, sylk, &buf_);
    }
    buf_ += "\r\n";
    if (hxl_) {
      for (size_t i = 0; i < columns.size(); ++i) {
        if (i > 0) buf_ += ',';
        AppendField(columns[i].hxl_tag, false, &buf_);
      }
      buf_ += "\r\n";
    }
    return Flush();
  }

  Status Row(const std::vector<Cell>& cells) override {
    AEGIS_RETURN_IF_ERROR(CheckRow(cells));
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) buf_ += ',';
      const Cell& cell = cells[i];
      if (const auto* n = std::get_if<int64_t>(&cell)) {
        buf_ += std::to_string(*n);
      } else if (const auto* d = std::get_if<double>(&cell)) {
        if (std::isfinite(*d)) buf_ += FormatDouble(*d);
      } else if (const auto* s = std::get_if<std::string>(&cell)) {
        AppendField(NeutraliseFormula(*s), false, &buf_);
      }
    }
    buf_ += "\r\n";
    return Flush();
  }

  Status Finish() override {
    AEGIS_RETURN_IF_ERROR(CheckFinish());
    return Flush(0);
  }

 private:
  bool bom_;
  bool hxl_;
};

}  // namespace

std::unique_ptr<TableWriter> MakeCsvWriter(Sink& sink, const ExportOptions& options, bool hxl) {
  return std::make_unique<CsvWriter>(sink, options, hxl);
}

}  // namespace aegis::exports::internal
