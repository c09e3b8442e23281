// JSON writer: {"meta":{...},"columns":[{"name":..,"hxl":..,"type":..}],"rows":[[...],...]},
// streamed one row per line. Numbers are JSON numbers, nulls (and non-finite reals) null; text is
// escaped by nlohmann::json, with invalid UTF-8 replaced by U+FFFD. Text is not altered otherwise:
// JSON goes to programs, not to spreadsheet programs.
#include <nlohmann/json.hpp>
#include <string>
#include <variant>

#include "export/writer_internal.h"

namespace aegis::exports::internal {
namespace {

using ordered_json = nlohmann::ordered_json;

void AppendJson(const ordered_json& j, std::string* out) {
  out->append(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

class JsonWriter : public WriterBase {
 public:
  JsonWriter(Sink& sink, const ExportOptions& options)
      : WriterBase(sink, "json"), meta_(options.metadata) {}

  Status Begin(const std::vector<Column>& columns) override {
    AEGIS_RETURN_IF_ERROR(CheckBegin(columns));
    buf_ += '{';
    if (!meta_.empty()) {
      ordered_json meta = ordered_json::object();
      if (!meta_.title.empty()) meta["title"] = meta_.title;
      if (!meta_.generated_at.empty()) meta["generated_at"] = meta_.generated_at;
      if (!meta_.filters.empty()) {
        ordered_json filters = ordered_json::object();
        for (const auto& [name, value] : meta_.filters) filters[name] = value;
        meta["filters"] = std::move(filters);
      }
      if (!meta_.suppression_note.empty()) meta["suppression_note"] = meta_.suppression_note;
      buf_ += "\"meta\":";
      AppendJson(meta, &buf_);
      buf_ += ',';
    }
    ordered_json cols = ordered_json::array();
    for (const Column& c : columns) {
      ordered_json col = {{"name", c.name}};
      if (!c.hxl_tag.empty()) col["hxl"] = c.hxl_tag;
      col["type"] = std::string(KindName(c.kind));
      cols.push_back(std::move(col));
    }
    buf_ += "\"columns\":";
    AppendJson(cols, &buf_);
    buf_ += ",\"rows\":[";
    return Flush();
  }

  Status Row(const std::vector<Cell>& cells) override {
    AEGIS_RETURN_IF_ERROR(CheckRow(cells));
    buf_ += rows_ == 1 ? "\n[" : ",\n[";
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) buf_ += ',';
      const Cell& cell = cells[i];
      if (const auto* n = std::get_if<int64_t>(&cell)) {
        buf_ += std::to_string(*n);
      } else if (const auto* d = std::get_if<double>(&cell)) {
        AppendJson(ordered_json(*d), &buf_);  // non-finite: null
      } else if (const auto* s = std::get_if<std::string>(&cell)) {
        AppendJson(ordered_json(*s), &buf_);
      } else {
        buf_ += "null";
      }
    }
    buf_ += ']';
    return Flush();
  }

  Status Finish() override {
    AEGIS_RETURN_IF_ERROR(CheckFinish());
    buf_ += rows_ == 0 ? "]}\n" : "\n]}\n";
    return Flush(0);
  }

 private:
  Metadata meta_;
};

}  // namespace

std::unique_ptr<TableWriter> MakeJsonWriter(Sink& sink, const ExportOptions& options) {
  return std::make_unique<JsonWriter>(sink, options);
}

}  // namespace aegis::exports::internal
