// Formats, sinks, the shared rules and the writer factory.
#include "export/export.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "export/writer_internal.h"
#include "util/text.h"

namespace aegis::exports {

namespace {

// HXL 1.1 core hashtags (https://hxlstandard.org/standard/1-1final/dictionary/), without the
// rejected #delivery; checked against the HXL core vocabulary in export_test.cc.
constexpr std::array<std::string_view, 44> kCoreHashtags = {
    "access",   "activity",    "adm1",       "adm2",        "adm3",     "adm4",       "adm5",
    "affected", "beneficiary", "capacity",   "cause",       "channel",  "contact",    "country",
    "crisis",   "currency",    "date",       "description", "event",    "frequency",  "geo",
    "group",    "impact",      "indicator",  "inneed",      "item",     "loc",        "meta",
    "modality", "need",        "operations", "org",         "output",   "population", "reached",
    "region",   "respondee",   "sector",     "service",     "severity", "status",     "subsector",
    "targeted", "value"};

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiAlnum(char c) { return IsAsciiAlpha(c) || (c >= '0' && c <= '9'); }

// Length of an HXL name (letter, then letters, digits, "_") at the start of `s`; 0 if none.
size_t HxlNameLength(std::string_view s) {
  if (s.empty() || !IsAsciiAlpha(s[0])) return 0;
  size_t i = 1;
  while (i < s.size() && (IsAsciiAlnum(s[i]) || s[i] == '_')) ++i;
  return i;
}

}  // namespace

// ---- Formats ------------------------------------------------------------------------------------

Result<Format> ParseFormat(std::string_view name) {
  std::string n = text::ToLowerAscii(text::Trim(name));
  if (n == "csv") return Format::kCsv;
  if (n == "xlsx") return Format::kXlsx;
  if (n == "json") return Format::kJson;
  if (n == "hxl") return Format::kHxl;
  return Status::InvalidArgument("export format: unknown format " +
                                 text::QuoteIfCode(name, "given") +
                                 "; use one of csv, xlsx, json, hxl");
}

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kCsv:
      return "csv";
    case Format::kXlsx:
      return "xlsx";
    case Format::kJson:
      return "json";
    case Format::kHxl:
      return "hxl";
  }
  return "csv";
}

std::string_view ContentType(Format f) {
  switch (f) {
    case Format::kCsv:
    case Format::kHxl:
      return "text/csv; charset=utf-8";
    case Format::kXlsx:
      return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    case Format::kJson:
      return "application/json; charset=utf-8";
  }
  return "application/octet-stream";
}

std::string_view FileExtension(Format f) {
  switch (f) {
    case Format::kCsv:
    case Format::kHxl:
      return "csv";
    case Format::kXlsx:
      return "xlsx";
    case Format::kJson:
      return "json";
  }
  return "bin";
}

// ---- Sinks --------------------------------------------------------------------------------------

Status StringSink::Write(std::string_view bytes) {
  data_.append(bytes);
  return Status::Ok();
}

Result<std::unique_ptr<FileSink>> FileSink::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::IOError("export: cannot create " + path + ": " + std::strerror(errno) +
                           "; check the folder exists and is writable");
  }
  FILE* f = ::fdopen(fd, "wb");
  if (f == nullptr) {
    ::close(fd);
    return Status::IOError("export: cannot open " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<FileSink>(new FileSink(path, f));
}

FileSink::~FileSink() {
  if (file_ != nullptr) std::fclose(file_);
}

Status FileSink::Write(std::string_view bytes) {
  if (file_ == nullptr) return Status::Internal("export: write to " + path_ + " after Close()");
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return Status::IOError("export: writing " + path_ + " failed: " + std::strerror(errno) +
                           "; check the free disk space");
  }
  return Status::Ok();
}

Status FileSink::Close() {
  if (file_ == nullptr) return Status::Ok();
  bool failed = std::fflush(file_) != 0 || std::ferror(file_) != 0;
  int err = errno;
  if (std::fclose(file_) != 0 && !failed) {
    failed = true;
    err = errno;
  }
  file_ = nullptr;
  if (failed) {
    return Status::IOError("export: writing " + path_ + " failed: " + std::strerror(err) +
                           "; check the free disk space");
  }
  return Status::Ok();
}

// ---- Rules --------------------------------------------------------------------------------------

std::string NeutraliseFormula(std::string_view text) {
  if (!text.empty()) {
    char c = text[0];
    if (c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r') {
      std::string out;
      out.reserve(text.size() + 1);
      out += '\'';
      out.append(text);
      return out;
    }
  }
  return std::string(text);
}

Status ValidateHxlTag(std::string_view tag) {
  if (tag.empty()) return Status::Ok();
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("HXL tag \"" + std::string(tag.substr(0, 60)) +
                                   "\": " + std::string(why) +
                                   "; write it as #hashtag+attribute, e.g. #adm2+code");
  };
  if (tag[0] != '#') return bad("does not start with #");
  std::string_view rest = tag.substr(1);
  size_t n = HxlNameLength(rest);
  if (n == 0) return bad("the hashtag must start with a letter (a-z)");
  rest.remove_prefix(n);
  while (!rest.empty()) {
    size_t spaces = 0;
    while (spaces < rest.size() && rest[spaces] == ' ') ++spaces;
    rest.remove_prefix(spaces);
    if (rest.empty()) break;  // trailing spaces
    if (rest[0] != '+') return bad("unexpected character after the hashtag");
    rest.remove_prefix(1);
    n = HxlNameLength(rest);
    if (n == 0) return bad("an attribute must start with a letter after +");
    rest.remove_prefix(n);
  }
  return Status::Ok();
}

bool IsCoreHxlHashtag(std::string_view tag) {
  if (tag.empty() || tag[0] != '#') return false;
  std::string_view rest = tag.substr(1);
  std::string name = text::ToLowerAscii(rest.substr(0, HxlNameLength(rest)));
  for (std::string_view core : kCoreHashtags)
    if (name == core) return true;
  return false;
}

// ---- Factory ------------------------------------------------------------------------------------

Result<std::unique_ptr<TableWriter>> MakeWriter(Format format, Sink& sink,
                                                const ExportOptions& options) {
  switch (format) {
    case Format::kCsv:
      return internal::MakeCsvWriter(sink, options, /*hxl=*/false);
    case Format::kHxl:
      return internal::MakeCsvWriter(sink, options, /*hxl=*/true);
    case Format::kJson:
      return internal::MakeJsonWriter(sink, options);
    case Format::kXlsx:
      return internal::MakeXlsxWriter(sink, options);
  }
  return Status::InvalidArgument("export: unknown format");
}

// ---- Shared pieces ------------------------------------------------------------------------------

namespace internal {

void AppendValidUtf8(std::string_view s, std::string* out) {
  while (!s.empty()) {
    size_t bad = text::FindInvalidUtf8(s);
    if (bad == std::string_view::npos) {
      out->append(s);
      return;
    }
    out->append(s.substr(0, bad));
    out->append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
    s.remove_prefix(bad + 1);
  }
}

std::string FormatDouble(double v) {
  std::array<char, 64> buf{};
  auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string(buf.data(), res.ptr);
}

std::string_view KindName(Column::Kind kind) {
  switch (kind) {
    case Column::Kind::kText:
      return "text";
    case Column::Kind::kInteger:
      return "integer";
    case Column::Kind::kReal:
      return "real";
    case Column::Kind::kDate:
      return "date";
  }
  return "text";
}

Status WriterBase::Fail(Status s) {
  if (error_.ok()) error_ = std::move(s);
  return error_;
}

Status WriterBase::CheckBegin(const std::vector<Column>& columns) {
  if (!error_.ok()) return error_;
  if (state_ != State::kNew) {
    return Fail(Status::Internal(std::string(format_) + " export: Begin called twice"));
  }
  if (columns.empty()) {
    return Fail(Status::InvalidArgument(std::string(format_) +
                                        " export: no columns; choose at least one column"));
  }
  state_ = State::kRows;
  columns_ = columns.size();
  return Status::Ok();
}

Status WriterBase::CheckRow(const std::vector<Cell>& cells) {
  if (!error_.ok()) return error_;
  if (state_ != State::kRows) {
    return Fail(Status::Internal(std::string(format_) + " export: Row called " +
                                 (state_ == State::kNew ? "before Begin" : "after Finish")));
  }
  if (cells.size() != columns_) {
    return Fail(Status::InvalidArgument(std::string(format_) + " export: row " +
                                        std::to_string(rows_ + 1) + " has " +
                                        std::to_string(cells.size()) + " cells but the table has " +
                                        std::to_string(columns_) + " columns"));
  }
  ++rows_;
  return Status::Ok();
}

Status WriterBase::CheckFinish() {
  if (!error_.ok()) return error_;
  if (state_ != State::kRows) {
    return Fail(Status::Internal(std::string(format_) + " export: Finish called " +
                                 (state_ == State::kNew ? "before Begin" : "twice")));
  }
  state_ = State::kDone;
  return Status::Ok();
}

Status WriterBase::WriteToSink(std::string_view bytes) {
  if (!error_.ok()) return error_;
  Status st = sink_.Write(bytes);
  if (!st.ok()) return Fail(std::move(st));
  return Status::Ok();
}

Status WriterBase::Flush(size_t threshold) {
  if (buf_.empty() || buf_.size() < threshold) return error_;
  Status st = WriteToSink(buf_);
  buf_.clear();
  return st;
}

}  // namespace internal

}  // namespace aegis::exports
