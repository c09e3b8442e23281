#include "ingest/csv_reader.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

namespace aegis::ingest {

namespace {

// Reads until `buf` is full or the file ends (*got < n only at the end).
Status ReadFull(SequentialFile& f, char* buf, size_t n, size_t* got) {
  *got = 0;
  while (*got < n) {
    size_t r = 0;
    AEGIS_RETURN_IF_ERROR(f.Read(n - *got, buf + *got, &r));
    if (r == 0) break;
    *got += r;
  }
  return Status::Ok();
}

// Bytes parsed at a time. Small enough that the rows parsed from one chunk (about 200 of
// ACLED's) are still in the CPU cache when the importer maps them; with 1 MiB chunks every
// cell was a cache miss by the time it was read.
constexpr size_t kChunk = 64 << 10;

// The CSV dialect is libcsv's (this reader used libcsv 3.0 until it showed up as the largest
// cost of an import), reproduced exactly: unquoted fields lose leading and trailing spaces and
// tabs; in a quoted field "" is one quote and separators and line breaks are text; a quote
// inside an unquoted field is text; a closing quote followed by other text does not end the
// field (the quote is kept and the field goes on, still quoted); CR, LF or CRLF end a record;
// empty lines are skipped. The parser below is libcsv's state machine, with loops that copy
// runs of ordinary bytes at once instead of one byte and one callback at a time.
// csv_reader_test.cc pins the dialect down.
constexpr unsigned char kQuote = '"';

bool IsBlankByte(unsigned char c) { return c == ' ' || c == '\t'; }
bool IsLineEnd(unsigned char c) { return c == '\r' || c == '\n'; }

class CsvReader final : public TableReader {
 public:
  CsvReader(std::string path, std::unique_ptr<SequentialFile> f, char delim, int64_t total)
      : path_(std::move(path)),
        file_(std::move(f)),
        delim_(static_cast<unsigned char>(delim)),
        total_(total) {
    buf_.resize(kChunk);
    // Bytes that end a run of text in an unquoted field (a quote does not: it is text there).
    for (unsigned char c :
         {delim_, static_cast<unsigned char>('\r'), static_cast<unsigned char>('\n')})
      ends_unquoted_[c] = c != kQuote;
  }

  bool Next(Row* row) override {
    while (next_ == filled_) {
      if (!status_.ok() || done_) return false;
      Recycle();
      Fill();
    }
    // The caller's previous row takes the slot, so its strings are reused for a later row.
    row->swap(rows_[next_++]);
    ++record_;
    return true;
  }
  const Status& status() const override { return status_; }
  int64_t record_number() const override { return record_; }
  int64_t bytes_read() const override { return read_; }
  int64_t total_bytes() const override { return total_; }

 private:
  // libcsv's parser states.
  enum class State { kRowNotBegun, kFieldNotBegun, kFieldBegun, kFieldMightHaveEnded };

  void Fill() {
    size_t got = 0;
    Status read = ReadFull(*file_, buf_.data(), buf_.size(), &got);
    if (!read.ok()) {
      status_ = Status::IOError(path_ + ": read failed: " + read.message());
      return;
    }
    std::string_view data(buf_.data(), got);
    if (read_ == 0 && data.substr(0, 3) == "\xEF\xBB\xBF") data.remove_prefix(3);  // UTF-8 BOM
    read_ += static_cast<int64_t>(got);
    Parse(data.data(), data.size());
    if (got < buf_.size()) {  // a short read: the end of the file
      if (!Finish()) {
        status_ =
            Status::InvalidArgument(path_ + ": the file ends inside a quoted field (record " +
                                    std::to_string(record_ + (filled_ - next_) + 1) +
                                    "); it is probably truncated: download or export it again");
      }
      done_ = true;
    }
  }

  void Parse(const char* s, size_t n) {
    size_t i = 0;
    while (i < n) {
      switch (state_) {
        case State::kRowNotBegun:
        case State::kFieldNotBegun:
          StartField(static_cast<unsigned char>(s[i++]));
          break;
        case State::kFieldBegun:
          i = quoted_ ? QuotedRun(s, i, n) : UnquotedRun(s, i, n);
          break;
        case State::kFieldMightHaveEnded:
          AfterQuote(static_cast<unsigned char>(s[i++]));
          break;
      }
    }
  }

  // Between fields: blanks are skipped, a line end ends the record (or is an empty line).
  void StartField(unsigned char c) {
    if (IsBlankByte(c) && c != delim_) return;
    if (IsLineEnd(c)) {
      if (state_ == State::kFieldNotBegun) {
        EndField();
        EndRecord();
      }
      return;
    }
    if (c == delim_) {
      EndField();
      return;
    }
    state_ = State::kFieldBegun;
    quoted_ = c == kQuote;
    if (!quoted_) Cell().push_back(static_cast<char>(c));
  }

  // Inside a quoted field everything up to the next quote is text.
  size_t QuotedRun(const char* s, size_t i, size_t n) {
    const void* q = std::memchr(s + i, kQuote, n - i);
    size_t end = q ? static_cast<const char*>(q) - s : n;
    Cell().append(s + i, end - i);
    if (end == n) return n;
    Cell().push_back(static_cast<char>(kQuote));  // dropped again if the field ends here
    state_ = State::kFieldMightHaveEnded;
    return end + 1;
  }

  // Inside an unquoted field: text up to a separator or line end. Trailing blanks are counted
  // in blanks_ and cut when the field ends.
  size_t UnquotedRun(const char* s, size_t i, size_t n) {
    size_t end = i;
    while (end < n && !ends_unquoted_[static_cast<unsigned char>(s[end])]) ++end;
    size_t text_end = end;
    while (text_end > i && IsBlankByte(static_cast<unsigned char>(s[text_end - 1]))) --text_end;
    blanks_ = text_end > i ? end - text_end : blanks_ + (end - i);
    Cell().append(s + i, end - i);
    if (end == n) return n;
    EndField();
    if (static_cast<unsigned char>(s[end]) != delim_) EndRecord();
    return end + 1;
  }

  // After a quote inside a quoted field: the field ends (at a separator or line end, blanks
  // after the quote dropped), "" stands for one quote, or the quote was text after all.
  void AfterQuote(unsigned char c) {
    if (c == delim_ || IsLineEnd(c)) {
      DropClosingQuote();
      EndField();
      if (c != delim_) EndRecord();
    } else if (IsBlankByte(c)) {
      Cell().push_back(static_cast<char>(c));
      ++blanks_;
    } else if (c == kQuote && blanks_ == 0) {
      state_ = State::kFieldBegun;  // "": the quote already appended is the text
    } else {
      if (c != kQuote) state_ = State::kFieldBegun;
      blanks_ = 0;
      Cell().push_back(static_cast<char>(c));
    }
  }

  // Cuts the closing quote and the blanks after it.
  void DropClosingQuote() {
    std::string& cell = Cell();
    cell.resize(cell.size() - blanks_ - 1);
  }

  // At the end of the input, like libcsv's csv_fini in strict mode: false if a quoted field is
  // still open (a truncated file).
  bool Finish() {
    switch (state_) {
      case State::kFieldBegun:
        if (quoted_) return false;
        break;
      case State::kFieldMightHaveEnded:
        DropClosingQuote();
        break;
      case State::kFieldNotBegun:
        break;
      case State::kRowNotBegun:
        return true;
    }
    EndField();
    EndRecord();
    return true;
  }

  // The text of the field being parsed, in the row being parsed (started empty on first use).
  std::string& Cell() {
    if (!cell_) {
      Row& row = Current();
      if (fields_ == row.size()) row.emplace_back();
      cell_ = &row[fields_];
      cell_->clear();  // a reused row: keep the capacity, drop the old text
    }
    return *cell_;
  }
  void EndField() {
    std::string& cell = Cell();
    if (!quoted_) cell.resize(cell.size() - blanks_);
    ++fields_;
    cell_ = nullptr;
    quoted_ = false;
    blanks_ = 0;
    state_ = State::kFieldNotBegun;
  }
  void EndRecord() {
    Current().resize(fields_);
    fields_ = 0;
    ++filled_;
    state_ = State::kRowNotBegun;
  }

  // The row being parsed: rows_[filled_].
  Row& Current() {
    if (filled_ == rows_.size()) rows_.emplace_back();
    return rows_[filled_];
  }
  // Once every parsed row was handed out, starts filling rows_ from the front again. The row
  // being parsed (a record can span chunks) moves to the front with the fields it has.
  void Recycle() {
    if (filled_ > 0 && filled_ < rows_.size()) std::swap(rows_[0], rows_[filled_]);
    filled_ = next_ = 0;
  }

  std::string path_;
  std::unique_ptr<SequentialFile> file_;
  unsigned char delim_;
  std::array<bool, 256> ends_unquoted_{};
  std::vector<char> buf_;
  // Parser state (libcsv's pstate, quoted and spaces).
  State state_ = State::kRowNotBegun;
  bool quoted_ = false;
  size_t blanks_ = 0;
  std::string* cell_ = nullptr;  // the field being parsed, once started
  // Rows parsed ahead of Next(), reused from chunk to chunk so that the cells' strings keep
  // their capacity: parsing a row then normally allocates nothing.
  std::vector<Row> rows_;
  size_t filled_ = 0;  // complete rows in rows_
  size_t next_ = 0;    // the next row Next() hands out
  size_t fields_ = 0;  // fields parsed so far of the row being parsed
  Status status_;
  bool done_ = false;
  int64_t record_ = 0, read_ = 0, total_ = 0;
};

// The first line of `path` (at most 1 MiB of it), through its own file.
Result<std::string> ReadFirstLine(Env* env, const std::string& path) {
  AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> f, env->NewSequentialFile(path));
  std::string line;
  bool quoted = false;
  std::vector<char> buf(4096);
  while (line.size() < (1 << 20)) {
    size_t got = 0;
    AEGIS_RETURN_IF_ERROR(f->Read(buf.size(), buf.data(), &got));
    if (got == 0) break;
    for (size_t i = 0; i < got; ++i) {
      char c = buf[i];
      if (c == '"') quoted = !quoted;
      if (!quoted && (c == '\n' || c == '\r')) return line;
      line.push_back(c);
    }
  }
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

Result<std::unique_ptr<TableReader>> OpenCsv(const std::string& path, char delimiter, Env* env) {
  env = EnvOrDefault(env);
  auto size = env->FileSize(path);
  if (!size.ok())
    return Status::NotFound(path + ": cannot open (" + size.status().message() +
                            "); check the path");
  auto f = env->NewSequentialFile(path);
  if (!f.ok())
    return Status::IOError(path + ": cannot open for reading (" + f.status().message() +
                           "); check its permissions");
  if (delimiter == 0) {
    AEGIS_ASSIGN_OR_RETURN(std::string first, ReadFirstLine(env, path));
    delimiter = DetectDelimiter(first);
  }
  return std::unique_ptr<TableReader>(
      new CsvReader(path, std::move(f).value(), delimiter, static_cast<int64_t>(*size)));
}

}  // namespace aegis::ingest
