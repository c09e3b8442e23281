#include "ingest/csv_reader.h"

#include <csv.h>

#include <cstdio>
#include <deque>
#include <filesystem>

namespace aegis::ingest {

namespace {

constexpr size_t kChunk = 1 << 20;

class CsvReader final : public TableReader {
 public:
  CsvReader(std::string path, std::FILE* f, char delim, int64_t total)
      : path_(std::move(path)), file_(f), total_(total) {
    csv_init(&parser_, CSV_APPEND_NULL);
    csv_set_delim(&parser_, static_cast<unsigned char>(delim));
    buf_.resize(kChunk);
  }
  ~CsvReader() override {
    csv_free(&parser_);
    if (file_) std::fclose(file_);
  }

  bool Next(Row* row) override {
    while (ready_.empty()) {
      if (!status_.ok() || done_) return false;
      Fill();
    }
    row->swap(ready_.front());
    ready_.pop_front();
    ++record_;
    return true;
  }
  const Status& status() const override { return status_; }
  int64_t record_number() const override { return record_; }
  int64_t bytes_read() const override { return read_; }
  int64_t total_bytes() const override { return total_; }

 private:
  static void OnField(void* data, size_t len, void* self) {
    auto* r = static_cast<CsvReader*>(self);
    r->current_.emplace_back(static_cast<const char*>(data ? data : ""), data ? len : 0);
  }
  static void OnRow(int, void* self) {
    auto* r = static_cast<CsvReader*>(self);
    r->ready_.push_back(std::move(r->current_));
    r->current_.clear();
  }

  void Fill() {
    size_t n = std::fread(buf_.data(), 1, buf_.size(), file_);
    char* data = buf_.data();
    if (read_ == 0 && n >= 3 && static_cast<unsigned char>(data[0]) == 0xEF &&
        static_cast<unsigned char>(data[1]) == 0xBB && static_cast<unsigned char>(data[2]) == 0xBF) {
      data += 3;  // UTF-8 byte-order mark
      n -= 3;
      read_ += 3;
    }
    read_ += static_cast<int64_t>(n);
    if (n > 0 && csv_parse(&parser_, data, n, OnField, OnRow, this) != n) {
      status_ = Status::InvalidArgument(path_ + ": CSV syntax error near byte " +
                                        std::to_string(read_) + " (" +
                                        csv_strerror(csv_error(&parser_)) + ")");
      return;
    }
    if (n < buf_.size()) {
      if (std::ferror(file_)) {
        status_ = Status::IOError(path_ + ": read failed");
        return;
      }
      // An open quote at the end of the file means the file was cut short.
      csv_set_opts(&parser_, CSV_APPEND_NULL | CSV_STRICT | CSV_STRICT_FINI);
      if (csv_fini(&parser_, OnField, OnRow, this) != 0) {
        status_ = Status::InvalidArgument(
            path_ + ": the file ends inside a quoted field (record " +
            std::to_string(record_ + ready_.size() + 1) +
            "); it is probably truncated: download or export it again");
      }
      done_ = true;
    }
  }

  std::string path_;
  std::FILE* file_;
  csv_parser parser_{};
  std::vector<char> buf_;
  std::deque<Row> ready_;
  Row current_;
  Status status_;
  bool done_ = false;
  int64_t record_ = 0, read_ = 0, total_ = 0;
};

std::string ReadFirstLine(std::FILE* f) {
  std::string line;
  bool quoted = false;
  int c;
  while ((c = std::fgetc(f)) != EOF && line.size() < (1 << 20)) {
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == '\n' || c == '\r')) break;
    line.push_back(static_cast<char>(c));
  }
  std::rewind(f);
  return line;
}

}  // namespace

char DetectDelimiter(const std::string& line) {
  const char cands[] = {',', ';', '\t', '|'};
  size_t counts[4] = {0, 0, 0, 0};
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    for (int i = 0; i < 4; ++i)
      if (c == cands[i]) ++counts[i];
  }
  int best = 0;
  for (int i = 1; i < 4; ++i)
    if (counts[i] > counts[best]) best = i;
  return counts[best] == 0 ? ',' : cands[best];
}

Result<std::unique_ptr<TableReader>> OpenCsv(const std::string& path, char delimiter) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return Status::NotFound(path + ": cannot open (" + ec.message() + "); check the path");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::IOError(path + ": cannot open for reading; check its permissions");
  if (delimiter == 0) delimiter = DetectDelimiter(ReadFirstLine(f));
  return std::unique_ptr<TableReader>(
      new CsvReader(path, f, delimiter, static_cast<int64_t>(size)));
}

}  // namespace aegis::ingest
