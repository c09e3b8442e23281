// Pieces shared by the export writers (not part of the module's interface).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "export/export.h"

namespace aegis::exports::internal {

// Appends `s` to *out with every invalid UTF-8 byte replaced by U+FFFD.
void AppendValidUtf8(std::string_view s, std::string* out);
// A double in the shortest form that reads back to the same value ("0.1", "1e+20").
std::string FormatDouble(double v);
std::string_view KindName(Column::Kind kind);

// The order of calls, the first error, and an output buffer handed to the sink in chunks.
class WriterBase : public TableWriter {
 protected:
  explicit WriterBase(Sink& sink, std::string_view format) : sink_(sink), format_(format) {}
  // Checks the call order and the arguments; returns the first error if there was one.
  Status CheckBegin(const std::vector<Column>& columns);
  Status CheckRow(const std::vector<Cell>& cells);
  Status CheckFinish();
  // Records the first error and returns it.
  Status Fail(Status s);
  // Hands the buffer to the sink when it holds at least `threshold` bytes.
  Status Flush(size_t threshold = kChunk);
  Status WriteToSink(std::string_view bytes);

  static constexpr size_t kChunk = size_t{64} * 1024;
  Sink& sink_;
  std::string_view format_;
  std::string buf_;
  size_t columns_ = 0;
  int64_t rows_ = 0;

 private:
  enum class State { kNew, kRows, kDone };
  State state_ = State::kNew;
  Status error_;
};

std::unique_ptr<TableWriter> MakeCsvWriter(Sink& sink, const ExportOptions& options, bool hxl);
std::unique_ptr<TableWriter> MakeJsonWriter(Sink& sink, const ExportOptions& options);
Result<std::unique_ptr<TableWriter>> MakeXlsxWriter(Sink& sink, const ExportOptions& options);

}  // namespace aegis::exports::internal
