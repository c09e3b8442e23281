// XLSX writer: libxlsxwriter in constant_memory mode writes the workbook to a private temporary
// file (mode 0600), which Finish() copies to the sink in 64 KiB chunks; the file is removed on
// success, on error and when the writer is dropped unfinished.
//
// Sheet "Data": the header row in bold, optionally the HXL tag row, both frozen; one row per Row().
// Sheet "About" (when there is metadata): title, generation time, filters, suppression note.
// Text is always written as a string (never a formula) after NeutraliseFormula; integers up to 15
// digits and finite reals are numbers; longer integers are written as text, since Excel keeps 15
// significant digits and would change them. Text longer than Excel's cell limit (32,767 UTF-16
// units) is cut and ends with a note saying so.
#include <fcntl.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <variant>

#include "export/writer_internal.h"

namespace aegis::exports::internal {
namespace {

constexpr size_t kExcelMaxCellUnits = 32767;
constexpr std::string_view kTruncatedNote = " [truncated: Excel holds 32,767 characters per cell]";
constexpr int64_t kMaxExactInteger = 999'999'999'999'999;  // 15 digits

// Cuts valid UTF-8 text to Excel's cell limit, counted in UTF-16 units.
void FitExcelCell(std::string* s) {
  if (s->size() <= kExcelMaxCellUnits) return;  // bytes >= UTF-16 units
  const size_t keep_units = kExcelMaxCellUnits - kTruncatedNote.size();
  size_t units = 0, cut = std::string::npos;
  for (size_t i = 0; i < s->size(); ++i) {
    auto c = static_cast<unsigned char>((*s)[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    size_t add = c >= 0xF0 ? 2 : 1;
    if (cut == std::string::npos && units + add > keep_units) cut = i;
    units += add;
  }
  if (units <= kExcelMaxCellUnits) return;
  s->resize(cut);
  s->append(kTruncatedNote);
}

class XlsxWriter : public WriterBase {
 public:
  XlsxWriter(Sink& sink, const ExportOptions& options, std::string path)
      : WriterBase(sink, "xlsx"), options_(options), path_(std::move(path)) {}

  ~XlsxWriter() override {
    if (workbook_ != nullptr) lxw_workbook_free(workbook_);
    RemoveFile();
  }
  XlsxWriter(const XlsxWriter&) = delete;
  XlsxWriter& operator=(const XlsxWriter&) = delete;

  Status Begin(const std::vector<Column>& columns) override {
    AEGIS_RETURN_IF_ERROR(CheckBegin(columns));
    if (columns.size() > static_cast<size_t>(LXW_COL_MAX)) {
      return Fail(Status::InvalidArgument(
          "xlsx export: " + std::to_string(columns.size()) +
          " columns; Excel holds at most 16,384 per sheet; export as csv or choose fewer columns"));
    }
    if (options_.xlsx_hxl_row) {
      for (const Column& c : columns) {
        Status st = ValidateHxlTag(c.hxl_tag);
        if (!st.ok())
          return Fail(
              Status::InvalidArgument("xlsx export: column \"" + c.name + "\": " + st.message()));
      }
    }
    lxw_workbook_options wo{};
    wo.constant_memory = LXW_TRUE;
    wo.tmpdir = options_.tmpdir.empty() ? nullptr : options_.tmpdir.data();
    workbook_ = workbook_new_opt(path_.c_str(), &wo);
    if (workbook_ == nullptr) return Fail(Status::IOError("xlsx export: cannot create workbook"));
    sheet_ = workbook_add_worksheet(workbook_, "Data");
    lxw_worksheet* about =
        options_.metadata.empty() ? nullptr : workbook_add_worksheet(workbook_, "About");
    bold_ = workbook_add_format(workbook_);
    lxw_format* italic = workbook_add_format(workbook_);
    if (sheet_ == nullptr || bold_ == nullptr || italic == nullptr ||
        (!options_.metadata.empty() && about == nullptr)) {
      return Fail(Status::Internal("xlsx export: cannot add the worksheets"));
    }
    format_set_bold(bold_);
    format_set_italic(italic);
    AEGIS_RETURN_IF_ERROR(Check(
        worksheet_set_column(sheet_, 0, static_cast<lxw_col_t>(columns.size() - 1), 18, nullptr)));
    for (size_t i = 0; i < columns.size(); ++i)
      AEGIS_RETURN_IF_ERROR(WriteText(sheet_, 0, i, NeutraliseFormula(columns[i].name), bold_));
    next_row_ = 1;
    if (options_.xlsx_hxl_row) {
      for (size_t i = 0; i < columns.size(); ++i)
        AEGIS_RETURN_IF_ERROR(WriteText(sheet_, 1, i, columns[i].hxl_tag, italic));
      next_row_ = 2;
    }
    worksheet_freeze_panes(sheet_, next_row_, 0);
    if (about != nullptr) AEGIS_RETURN_IF_ERROR(WriteAbout(about));
    return Status::Ok();
  }

  Status Row(const std::vector<Cell>& cells) override {
    AEGIS_RETURN_IF_ERROR(CheckRow(cells));
    if (next_row_ >= LXW_ROW_MAX) {
      return Fail(Status::InvalidArgument(
          "xlsx export: more than " +
          std::to_string(LXW_ROW_MAX - (options_.xlsx_hxl_row ? 2 : 1)) +
          " rows; Excel holds at most 1,048,576 rows per sheet; export as csv or narrow the "
          "filters"));
    }
    const lxw_row_t row = next_row_++;
    for (size_t i = 0; i < cells.size(); ++i) {
      const Cell& cell = cells[i];
      auto col = static_cast<lxw_col_t>(i);
      if (const auto* n = std::get_if<int64_t>(&cell)) {
        if (*n >= -kMaxExactInteger && *n <= kMaxExactInteger) {
          AEGIS_RETURN_IF_ERROR(
              Check(worksheet_write_number(sheet_, row, col, static_cast<double>(*n), nullptr)));
        } else {
          AEGIS_RETURN_IF_ERROR(WriteText(sheet_, row, i, std::to_string(*n), nullptr));
        }
      } else if (const auto* d = std::get_if<double>(&cell)) {
        if (std::isfinite(*d))
          AEGIS_RETURN_IF_ERROR(Check(worksheet_write_number(sheet_, row, col, *d, nullptr)));
      } else if (const auto* s = std::get_if<std::string>(&cell)) {
        AEGIS_RETURN_IF_ERROR(WriteText(sheet_, row, i, NeutraliseFormula(*s), nullptr));
      }
    }
    return Status::Ok();
  }

  Status Finish() override {
    AEGIS_RETURN_IF_ERROR(CheckFinish());
    lxw_error err = workbook_close(workbook_);  // frees the workbook whatever the outcome
    workbook_ = nullptr;
    if (err != LXW_NO_ERROR) {
      RemoveFile();
      return Fail(Status::IOError(std::string("xlsx export: writing the workbook failed: ") +
                                  lxw_strerror(err) +
                                  "; check the free space in the temporary "
                                  "directory"));
    }
    Status st = CopyToSink();
    RemoveFile();
    return st;
  }

 private:
  // Maps a libxlsxwriter error to a Status.
  Status Check(lxw_error err) {
    if (err == LXW_NO_ERROR) return Status::Ok();
    return Fail(Status::Internal(std::string("xlsx export: ") + lxw_strerror(err)));
  }

  Status WriteText(lxw_worksheet* ws, lxw_row_t row, size_t col, std::string_view text,
                   lxw_format* format) {
    std::string clean;
    AppendValidUtf8(text, &clean);
    FitExcelCell(&clean);
    return Check(
        worksheet_write_string(ws, row, static_cast<lxw_col_t>(col), clean.c_str(), format));
  }

  Status WriteAbout(lxw_worksheet* ws) {
    const Metadata& m = options_.metadata;
    AEGIS_RETURN_IF_ERROR(Check(worksheet_set_column(ws, 0, 0, 24, nullptr)));
    AEGIS_RETURN_IF_ERROR(Check(worksheet_set_column(ws, 1, 1, 60, nullptr)));
    lxw_row_t r = 0;
    auto line = [&](std::string_view label, std::string_view value) -> Status {
      AEGIS_RETURN_IF_ERROR(WriteText(ws, r, 0, NeutraliseFormula(label), bold_));
      AEGIS_RETURN_IF_ERROR(WriteText(ws, r, 1, NeutraliseFormula(value), nullptr));
      ++r;
      return Status::Ok();
    };
    if (!m.title.empty()) AEGIS_RETURN_IF_ERROR(line("Title", m.title));
    if (!m.generated_at.empty()) AEGIS_RETURN_IF_ERROR(line("Generated at", m.generated_at));
    for (const auto& [name, value] : m.filters)
      AEGIS_RETURN_IF_ERROR(line("Filter: " + name, value));
    if (!m.suppression_note.empty()) AEGIS_RETURN_IF_ERROR(line("Suppression", m.suppression_note));
    return Status::Ok();
  }

  Status CopyToSink() {
    FILE* f = std::fopen(path_.c_str(), "rb");
    if (f == nullptr) {
      return Fail(Status::IOError("xlsx export: cannot read back the workbook: " +
                                  std::string(std::strerror(errno))));
    }
    Status st;
    std::string chunk(kChunk, '\0');
    while (st.ok()) {
      size_t n = std::fread(chunk.data(), 1, chunk.size(), f);
      if (n > 0) st = WriteToSink(std::string_view(chunk.data(), n));
      if (n < chunk.size()) {
        if (std::ferror(f) != 0 && st.ok())
          st = Fail(Status::IOError("xlsx export: reading back the workbook failed"));
        break;
      }
    }
    std::fclose(f);
    return st;
  }

  void RemoveFile() {
    if (!path_.empty()) {
      std::remove(path_.c_str());
      path_.clear();
    }
  }

  ExportOptions options_;
  std::string path_;
  lxw_workbook* workbook_ = nullptr;
  lxw_worksheet* sheet_ = nullptr;
  lxw_format* bold_ = nullptr;
  lxw_row_t next_row_ = 0;
};

}  // namespace

Result<std::unique_ptr<TableWriter>> MakeXlsxWriter(Sink& sink, const ExportOptions& options) {
  std::error_code ec;
  std::string dir =
      options.tmpdir.empty() ? std::filesystem::temp_directory_path(ec).string() : options.tmpdir;
  if (ec) dir = "/tmp";
  std::string path = dir + "/aegis-export-XXXXXX.xlsx";
  int fd = ::mkstemps(path.data(), 5);  // created with mode 0600
  if (fd < 0) {
    return Status::IOError("xlsx export: cannot create a temporary file in " + dir + ": " +
                           std::strerror(errno) + "; check the directory exists and is writable");
  }
  ::close(fd);
  return std::unique_ptr<TableWriter>(std::make_unique<XlsxWriter>(sink, options, path));
}

}  // namespace aegis::exports::internal
