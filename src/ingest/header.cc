#include "ingest/header.h"

#include <algorithm>
#include <vector>

#include "util/text.h"

namespace aegis::ingest {

bool IsTagRow(const Row& row) {
  int tags = 0;
  for (const auto& c : row) {
    std::string_view v = text::Trim(c);
    if (v.empty()) continue;
    if (v[0] != '#') return false;
    ++tags;
  }
  return tags > 0;
}

bool IsBlank(const Row& row) {
  for (const auto& c : row)
    if (!text::Trim(c).empty()) return false;
  return true;
}

Result<HeaderInfo> ReadHeader(TableReader& reader, const std::string& file) {
  HeaderInfo h;
  std::vector<std::pair<int64_t, Row>> ahead;
  Row row;
  while (ahead.size() < 25 && reader.Next(&row)) ahead.emplace_back(reader.record_number(), row);
  AEGIS_RETURN_IF_ERROR(reader.status());
  if (ahead.empty()) {
    return Status::InvalidArgument(file +
                                   ": the file is empty (no header row); check that the "
                                   "export finished and choose the right file");
  }
  size_t tag_at = ahead.size();
  for (size_t i = 0; i < ahead.size(); ++i) {
    if (IsTagRow(ahead[i].second)) {
      tag_at = i;
      break;
    }
  }
  size_t data_from;
  if (tag_at < ahead.size()) {
    h.tags = ahead[tag_at].second;
    if (tag_at > 0)
      h.header = ahead[tag_at - 1].second;
    else
      h.header = h.tags;
    data_from = tag_at + 1;
  } else {
    h.header = ahead[0].second;
    data_from = 1;
  }
  h.header.resize(std::max(h.header.size(), h.tags.size()));
  h.tags.resize(h.header.size());
  for (size_t i = data_from; i < ahead.size(); ++i) h.pending.push_back(std::move(ahead[i]));
  return h;
}

}  // namespace aegis::ingest
