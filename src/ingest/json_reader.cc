// JSON records as a table: an array of objects, {"results": [...]} (KoboToolbox API),
// {"value": [...]} (ODK Central OData) or NDJSON (one object per line). Nested objects become
// "group/question" columns; arrays of values are joined with spaces (select_multiple); arrays of
// objects (repeat groups) are kept as JSON text in their column, and a repeat inside a repeat
// ("households/victims" in each "households" item) gets a column of its own too, holding the
// items of all its occurrences in the record, so that a profile finds it at any depth. The first
// row returned is the
// header: the union of keys in order of first appearance. Record numbers count the records from
// 1 (the header is record 0).
#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ingest/table.h"

namespace aegis::ingest {

namespace {

using json = nlohmann::ordered_json;

std::string Scalar(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number_float()) {
    double d = v.get<double>();
    // Whole numbers without ".0"; the range is checked before the conversion, which is
    // undefined for values an int64_t cannot hold (1e300).
    if (std::abs(d) < 1e15 && d == std::trunc(d)) return std::to_string(static_cast<int64_t>(d));
    return v.dump();
  }
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool IsRepeat(const json& v) {
  if (!v.is_array() || v.empty()) return false;
  for (const auto& e : v)
    if (!e.is_object()) return false;
  return true;
}

// Repeats found inside the items of a repeat (and inside groups in them), by their key: all
// their items in order.
void CollectNestedRepeats(const json& items, json* nested) {
  for (const auto& item : items) {
    for (auto it = item.begin(); it != item.end(); ++it) {
      const json& v = it.value();
      if (IsRepeat(v)) {
        json& all = (*nested)[it.key()];
        if (all.is_null()) all = json::array();
        for (const auto& e : v) all.push_back(e);
        CollectNestedRepeats(v, nested);
      } else if (v.is_object()) {
        CollectNestedRepeats(json::array({v}), nested);
      }
    }
  }
}

void Flatten(const json& obj, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>* out) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    std::string key = prefix.empty() ? it.key() : prefix + "/" + it.key();
    const json& v = it.value();
    if (v.is_object()) {
      Flatten(v, key, out);
    } else if (v.is_array()) {
      bool scalars = true;
      for (const auto& e : v) scalars = scalars && !e.is_object() && !e.is_array();
      if (scalars) {
        std::string joined;
        for (const auto& e : v) joined += (joined.empty() ? "" : " ") + Scalar(e);
        out->emplace_back(key, joined);
      } else {
        out->emplace_back(key, v.dump(-1, ' ', false, json::error_handler_t::replace));
        json nested = json::object();
        CollectNestedRepeats(v, &nested);
        for (auto n = nested.begin(); n != nested.end(); ++n) {
          // Kobo names a nested repeat by its full path; a bare name is put under its parent.
          std::string nkey = n.key().find('/') == std::string::npos ? key + "/" + n.key() : n.key();
          if (obj.contains(nkey)) continue;
          out->emplace_back(nkey, n.value().dump(-1, ' ', false, json::error_handler_t::replace));
        }
      }
    } else {
      out->emplace_back(key, Scalar(v));
    }
  }
}

class JsonTable final : public TableReader {
 public:
  JsonTable(std::vector<Row> rows, int64_t size) : rows_(std::move(rows)), size_(size) {}
  bool Next(Row* row) override {
    if (pos_ >= rows_.size()) return false;
    *row = std::move(rows_[pos_++]);
    return true;
  }
  const Status& status() const override { return status_; }
  int64_t record_number() const override { return static_cast<int64_t>(pos_) - 1; }
  int64_t bytes_read() const override {
    return rows_.empty() ? size_
                         : size_ * static_cast<int64_t>(pos_) / static_cast<int64_t>(rows_.size());
  }
  int64_t total_bytes() const override { return size_; }

 private:
  std::vector<Row> rows_;
  size_t pos_ = 0;
  int64_t size_;
  Status status_;
};

// Exports nest a few levels (groups in groups, repeat groups); reading and flattening a value
// recurses once per level, so a hostile file nested 100,000 deep would overflow the stack.
constexpr int kMaxDepth = 64;

// The deepest nesting of arrays and objects in `text` (outside strings), stopping past kMaxDepth.
int NestingDepth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size() && deepest <= kMaxDepth; ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Result<json> ParseAll(const std::string& path, const std::string& textv) {
  if (NestingDepth(textv) > kMaxDepth) {
    return Status::InvalidArgument(path + ": values nested deeper than " +
                                   std::to_string(kMaxDepth) +
                                   " levels; this is not a form export: export the data again");
  }
  try {
    return json::parse(textv);
  } catch (const json::exception& e) {  // a syntax error, or a number no double holds (1e400)
    // Perhaps NDJSON: one object per line.
    json arr = json::array();
    std::istringstream in(textv);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      try {
        arr.push_back(json::parse(line));
      } catch (const json::exception&) {
        return Status::InvalidArgument(path + ": not valid JSON (" + std::string(e.what()) +
                                       "); near line " + std::to_string(n) +
                                       ": the file may be truncated; export it again");
      }
    }
    return arr;
  }
}

}  // namespace

Result<std::unique_ptr<TableReader>> OpenJsonRecords(const std::string& path, Env* env) {
  std::string textv;
  Status read =
      EnvOrDefault(env)->ReadFile(path, std::numeric_limits<size_t>::max(), &textv, nullptr);
  if (read.code() == Status::Code::kNotFound)
    return Status::NotFound(path + ": cannot open; check the path");
  AEGIS_RETURN_IF_ERROR(read);
  AEGIS_ASSIGN_OR_RETURN(json doc, ParseAll(path, textv));
  const json* records = &doc;
  if (doc.is_object()) {
    for (const char* k : {"results", "value", "data"})
      if (doc.contains(k) && doc[k].is_array()) records = &doc[k];
  }
  if (!records->is_array()) {
    return Status::InvalidArgument(path +
                                   ": expected an array of records (or {\"results\": "
                                   "[...]}); export the data as JSON records");
  }
  std::vector<std::string> header;
  std::unordered_map<std::string, size_t> col;
  std::vector<std::vector<std::pair<std::string, std::string>>> flat;
  for (const auto& rec : *records) {
    if (!rec.is_object()) {
      return Status::InvalidArgument(path + ": record " + std::to_string(flat.size() + 1) +
                                     " is not an object");
    }
    flat.emplace_back();
    Flatten(rec, "", &flat.back());
    for (const auto& [k, v] : flat.back())
      if (col.emplace(k, header.size()).second) header.push_back(k);
  }
  std::vector<Row> rows;
  rows.reserve(flat.size() + 1);
  rows.push_back(header);
  for (const auto& f : flat) {
    Row r(header.size());
    for (const auto& [k, v] : f) r[col[k]] = v;
    rows.push_back(std::move(r));
  }
  return std::unique_ptr<TableReader>(
      new JsonTable(std::move(rows), static_cast<int64_t>(textv.size())));
}

}  // namespace aegis::ingest
