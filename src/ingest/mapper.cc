#include "ingest/mapper.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "geo/country.h"
#include "util/date.h"
#include "util/text.h"

namespace aegis::ingest {

namespace {

// HXL: a pattern "#affected+killed" matches a tag with the same hashtag and at least those
// attributes, in any order ("#affected +killed +f" matches; "#affected" does not).
bool HxlMatches(const std::string& pattern, const std::string& tag) {
  auto parse = [](const std::string& s, std::string* hashtag, std::vector<std::string>* attrs) {
    std::string cleaned;
    for (char c : s)
      if (c != ' ')
        cleaned.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    std::vector<std::string> parts = text::Split(cleaned, '+');
    if (parts.empty() || parts[0].empty() || parts[0][0] != '#') return false;
    *hashtag = parts[0];
    attrs->assign(parts.begin() + 1, parts.end());
    return true;
  };
  std::string ph, th;
  std::vector<std::string> pa, ta;
  if (!parse(pattern, &ph, &pa) || !parse(tag, &th, &ta) || ph != th) return false;
  for (const auto& a : pa)
    if (std::find(ta.begin(), ta.end(), a) == ta.end()) return false;
  return true;
}

std::optional<bool> ParseYesNo(std::string_view raw) {
  if (raw.empty()) return std::nullopt;  // the common case; folds to "", which is neither
  std::string v = text::FoldName(raw);
  if (v == "yes" || v == "y" || v == "1" || v == "true" || v == "oui" || v == "nm") return true;
  if (v == "no" || v == "n" || v == "0" || v == "false" || v == "non" || v == "l") return false;
  return std::nullopt;
}

// Field names by Field, as in KnownFields() (Bind() checks that the two lists agree).
// clang-format off
constexpr std::array<std::string_view, kFieldCount> kFieldNames = {
    "date", "date_end", "country", "pcode", "admin1", "admin2", "admin3", "location",
    "latitude", "longitude", "risks", "event_type", "sub_event_type", "civilian_targeting",
    "act_type", "perpetrator", "perpetrator_detail", "killed", "injured", "victims",
    "victim_sex", "victim_age", "victim_age_band", "victim_disability", "victim_displacement",
    "organisation", "source_type", "verification", "sensitivity", "consent_share",
    "consent_referral", "consent_tracing", "narrative", "respondent_type", "service_type",
    "provider", "provider_name", "provider_type", "service_name", "modality", "groups_served",
    "languages", "hours", "accepts_referrals", "gbv_specialised", "service_status",
    "assured_date", "contact"};
// clang-format on

std::optional<Field> FieldByName(std::string_view name) {
  for (size_t i = 0; i < kFieldCount; ++i)
    if (kFieldNames[i] == name) return static_cast<Field>(i);
  return std::nullopt;
}

Status CheckFieldNames() {
  const auto& known = KnownFields();
  bool same = known.size() == kFieldCount;
  for (size_t i = 0; same && i < kFieldCount; ++i) same = known[i].first == kFieldNames[i];
  if (same) return Status::Ok();
  return Status::Internal("ingest::Field is out of step with KnownFields(): update mapper.h/.cc");
}

// Memo tables stop growing at this many entries: they are cleared and refilled, so a file of
// all-distinct values costs a little time but no unbounded memory.
constexpr size_t kMaxCachedTexts = 1 << 16;

// Appends one part of a composite cache key: its length, then its bytes, so that different
// lists of parts never give the same key, whatever bytes the cells hold.
void AppendKeyPart(std::string* key, std::string_view part) {
  auto n = static_cast<uint32_t>(part.size());
  char len[sizeof n];
  std::memcpy(len, &n, sizeof n);
  key->append(len, sizeof n);
  key->append(part);
}

// Hash input: each field followed by a separator.
void Put(std::string* buf, std::string_view s) {
  buf->append(s);
  buf->push_back('\x1f');
}

void PutInt(std::string* buf, int64_t v) {
  char tmp[24];
  auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
  Put(buf, std::string_view(tmp, end - tmp));
}

// The text std::to_string gives ("%f"), without going through printf.
void PutDouble(std::string* buf, double v) {
  char tmp[64];
  auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v, std::chars_format::fixed, 6);
  if (ec == std::errc())
    Put(buf, std::string_view(tmp, end - tmp));
  else
    Put(buf, std::to_string(v));  // beyond 1e50: not a coordinate anyway
}

void PutOptional(std::string* buf, const std::optional<int64_t>& o) {
  if (o)
    PutInt(buf, *o);
  else
    Put(buf, "-");
}
void PutOptional(std::string* buf, const std::optional<double>& o) {
  if (o)
    PutDouble(buf, *o);
  else
    Put(buf, "-");
}
void PutOptional(std::string* buf, const std::optional<bool>& o) {
  Put(buf, !o ? "-" : *o ? "1" : "0");
}

// Hashing runs once per row; one buffer per thread keeps it free of allocations.
std::string& HashScratch() {
  thread_local std::string buf;
  return buf;
}

}  // namespace

std::string_view FieldName(Field f) { return kFieldNames[static_cast<size_t>(f)]; }

Result<std::unique_ptr<RowMapper>> RowMapper::Create(const MapContext& ctx, const Row& header,
                                                     const Row& hxl_tags,
                                                     const std::string& file_name) {
  std::unique_ptr<RowMapper> m(new RowMapper(ctx, header));
  AEGIS_RETURN_IF_ERROR(m->Bind(hxl_tags, file_name));
  return m;
}

// A column name the profile maps that two header cells carry: which of them is meant is not
// known, so the file is refused (not read from the first one).
Status RowMapper::CheckRepeatedColumns(const std::string& file_name) const {
  const Profile& p = *ctx_.profile;
  std::vector<std::string> names = p.key_columns;
  for (const auto& [field, spec] : p.fields)
    names.insert(names.end(), spec.columns.begin(), spec.columns.end());
  for (const auto& [column, risk] : p.risk_if_positive) names.push_back(column);
  for (const auto& want : names) {
    if (want.empty() || want[0] == '#') continue;  // HXL tags may repeat (summed, or any)
    int first = -1;
    for (size_t i = 0; i < header_.size(); ++i) {
      if (!text::IEquals(text::Trim(header_[i]), want)) continue;
      if (first < 0) {
        first = static_cast<int>(i);
        continue;
      }
      return Status::InvalidArgument(
          file_name + ": columns " + std::to_string(first + 1) + " and " + std::to_string(i + 1) +
          " are both named '" + std::string(text::Trim(header_[i])) +
          "', which the profile reads; rename or delete one of them, then import again");
    }
  }
  return Status::Ok();
}

std::vector<int> RowMapper::FindColumns(const std::string& want, const Row& hxl_tags) const {
  std::vector<int> out;
  if (!want.empty() && want[0] == '#') {
    for (size_t i = 0; i < hxl_tags.size(); ++i)
      if (HxlMatches(want, hxl_tags[i])) out.push_back(static_cast<int>(i));
    return out;
  }
  for (size_t i = 0; i < header_.size(); ++i)
    if (text::IEquals(text::Trim(header_[i]), want)) return {static_cast<int>(i)};
  // Kobo "group/question" and ODK "group-question": match the last part when unique.
  char sep = ctx_.profile->group_separator;
  for (size_t i = 0; i < header_.size(); ++i) {
    std::string_view h = text::Trim(header_[i]);
    size_t p = h.rfind(sep);
    if (p != std::string_view::npos && text::IEquals(h.substr(p + 1), want))
      out.push_back(static_cast<int>(i));
  }
  if (out.size() > 1) out.clear();  // ambiguous: the profile must name the full path
  return out;
}

// The option a header cell names under a monitoring pattern ("grp/risks_present/{option}"), or
// nothing: the pattern fits the whole name or its part after a group separator.
std::optional<std::string> RowMapper::OptionOf(std::string_view header,
                                               const std::string& pattern) const {
  size_t at = pattern.find("{option}");
  size_t len = 8;
  if (at == std::string::npos) {
    at = pattern.find("{risk}");
    len = 6;
  }
  if (at == std::string::npos) return std::nullopt;
  std::string pre = text::ToLowerAscii(pattern.substr(0, at));
  std::string post = text::ToLowerAscii(pattern.substr(at + len));
  std::string h = text::ToLowerAscii(text::Trim(header));
  for (size_t from = 0; from != std::string::npos;) {
    std::string_view part = std::string_view(h).substr(from);
    if (part.size() > pre.size() + post.size() && part.starts_with(pre) && part.ends_with(post)) {
      std::string_view original = text::Trim(header);
      original = original.substr(from + pre.size());
      return std::string(original.substr(0, original.size() - post.size()));
    }
    size_t sep = h.find(ctx_.profile->group_separator, from);
    from = sep == std::string::npos ? sep : sep + 1;
  }
  return std::nullopt;
}

// The risk an option of a monitoring form stands for, or nullptr.
const taxonomy::Risk* RowMapper::OptionRisk(const std::string& option) const {
  const auto& opts = ctx_.profile->monitoring_options;
  auto it = opts.find(text::FoldName(option));
  return ctx_.taxonomy->FindRisk(it != opts.end() ? it->second : option);
}

// Monitoring reports: each column that fits the present (severity) pattern is an option of the
// form; options map to risks; those that do not are listed (monitoring_unmapped).
Status RowMapper::BindMonitoring(const std::string& file_name) {
  const Profile& p = *ctx_.profile;
  for (const auto& [option, risk] : p.monitoring_options) {
    if (!ctx_.taxonomy->FindRisk(risk)) {
      return Status::InvalidArgument(p.path + ": monitoring.options: '" + risk +
                                     "' is not a risk code; see data/taxonomy/risks.json");
    }
  }
  for (size_t i = 0; i < header_.size(); ++i) {
    int col = static_cast<int>(i);
    if (std::optional<std::string> o = OptionOf(header_[i], p.present_pattern)) {
      const taxonomy::Risk* r = OptionRisk(*o);
      if (!r) {
        stats_.unmapped_options.push_back(*o);
      } else if (std::none_of(present_cols_.begin(), present_cols_.end(),
                              [&](const auto& pc) { return pc.first == r->code; })) {
        present_cols_.emplace_back(r->code, col);
      } else {
        return Status::InvalidArgument(
            file_name + ": two columns answer for risk " + r->code + " (the second is '" +
            header_[i] + "'); map each option of the form to its own risk in [monitoring.options]");
      }
    } else if (!p.severity_pattern.empty()) {
      if (std::optional<std::string> so = OptionOf(header_[i], p.severity_pattern)) {
        if (const taxonomy::Risk* r = OptionRisk(*so)) severity_cols_.emplace_back(r->code, col);
      }
    }
  }
  return Status::Ok();
}

Status RowMapper::Bind(const Row& hxl_tags, const std::string& file_name) {
  AEGIS_RETURN_IF_ERROR(CheckFieldNames());
  const Profile& p = *ctx_.profile;
  AEGIS_RETURN_IF_ERROR(CheckRepeatedColumns(file_name));
  std::vector<std::string> missing;
  for (const auto& [name, spec] : p.fields) {
    Bound b;
    b.spec = &spec;
    for (const auto& c : spec.columns) {
      for (int idx : FindColumns(c, hxl_tags)) b.cols.push_back(idx);
    }
    if (!spec.prefix.empty()) {
      for (size_t i = 0; i < header_.size(); ++i) {
        // "risks/abduction", or within a group path: "grp_what/risks/abduction".
        std::string h = text::ToLowerAscii(text::Trim(header_[i]));
        std::string pre = text::ToLowerAscii(spec.prefix);
        size_t at = h.rfind(pre);
        bool starts = at == 0 || (at != std::string::npos && at > 0 &&
                                  h[at - 1] == ctx_.profile->group_separator);
        if (starts && h.size() > at + pre.size())
          b.options.emplace_back(static_cast<int>(i),
                                 std::string(text::Trim(header_[i])).substr(at + pre.size()));
      }
    }
    if (spec.required && b.cols.empty() && b.options.empty() && spec.fixed.empty())
      missing.push_back(name + " (" + text::Join(spec.columns, " or ") + ")");
    if (std::optional<Field> f = FieldByName(name)) bound_[static_cast<size_t>(*f)] = std::move(b);
  }
  for (const auto& k : p.key_columns) {
    std::vector<int> c = FindColumns(k, hxl_tags);
    if (c.empty())
      missing.push_back("key column " + k);
    else
      key_cols_.push_back(c[0]);
  }
  if (!p.victims_repeat.empty()) {
    std::vector<int> c = FindColumns(p.repeat_index_column, hxl_tags);
    if (!c.empty()) repeat_index_col_ = c[0];
    c = FindColumns(p.victims_repeat, hxl_tags);
    if (!c.empty()) repeat_json_col_ = c[0];
  }
  for (const auto& [colname, risk] : p.risk_if_positive) {
    if (!ctx_.taxonomy->FindRisk(risk)) {
      return Status::InvalidArgument(p.path + ": risks.if_positive: '" + risk +
                                     "' is not a risk code; see data/taxonomy/risks.json");
    }
    std::vector<int> c = FindColumns(colname, hxl_tags);
    if (!c.empty()) positive_risk_cols_.emplace_back(c[0], ctx_.taxonomy->FindRisk(risk)->code);
  }
  if (!p.present_pattern.empty()) {
    AEGIS_RETURN_IF_ERROR(BindMonitoring(file_name));
    if (present_cols_.empty()) missing.push_back("monitoring columns like " + p.present_pattern);
  }
  if (missing.empty()) return Status::Ok();
  if (ctx_.report_only) {
    missing_ = std::move(missing);
    return Status::Ok();
  }
  std::string msg = file_name + ": missing required column(s) for profile '" + p.name +
                    "': " + text::Join(missing, "; ") + ". The header has " +
                    std::to_string(header_.size()) + " column(s)";
  if (header_.size() <= 2) {
    std::string h = header_.empty() ? "" : header_[0];
    for (char sep : {';', ',', '\t', '|'}) {
      if (std::count(h.begin(), h.end(), sep) >= 2) {
        std::string name = sep == '\t' ? "TAB" : std::string(1, sep);
        msg += "; the header contains '" + name + "' characters, so the file is probably " + name +
               "-separated: run again with --delimiter '" + name + "'";
        return Status::InvalidArgument(msg);
      }
    }
  }
  // The header's cells are not shown: in a file without a header row they are the first
  // record's values (a name, a phone number), and this message reaches logs and the uploader.
  msg +=
      ". If the file has no header row (its first row is a record), add one with the "
      "profile's column names; otherwise choose the profile that fits this file (aegis import "
      "--list-profiles) or edit the profile's column names";
  return Status::InvalidArgument(msg);
}

std::string RowMapper::ColumnName(int col) const {
  return col >= 0 && static_cast<size_t>(col) < header_.size() ? header_[col] : std::string();
}

bool RowMapper::IsEmptyValue(std::string_view v) const {
  if (v.empty()) return true;
  for (const auto& e : ctx_.profile->empty_values)
    if (text::IEquals(v, e)) return true;
  return false;
}

std::string_view RowMapper::Value(Field f, const Row& row, int* col) const {
  const Bound& b = bound(f);
  if (!b.spec) return {};
  for (int c : b.cols) {
    if (static_cast<size_t>(c) < row.size()) {
      std::string_view v = text::Trim(row[c]);
      if (!IsEmptyValue(v)) {
        if (col) *col = c;
        return v;
      }
    }
  }
  if (col) *col = b.cols.empty() ? -1 : b.cols[0];
  return b.spec->fixed;
}

std::vector<std::string> RowMapper::Values(Field f, const Row& row) const {
  const Bound& b = bound(f);
  if (!b.spec) return {};
  std::vector<std::string> out;
  std::string_view v = Value(f, row);
  if (!v.empty()) {
    if (b.spec->split.empty())
      out.emplace_back(v);
    else
      out = text::SplitAny(v, b.spec->split);
  } else {
    for (const auto& [c, option] : b.options) {  // select_multiple as 0/1 columns
      if (static_cast<size_t>(c) < row.size()) {
        std::string_view cell = text::Trim(row[c]);
        if (cell == "1" || text::IEquals(cell, "true") || text::IEquals(cell, "yes"))
          out.push_back(option);
      }
    }
  }
  return out;
}

std::string_view RowMapper::MapValue(Field f, std::string_view v) {
  const Bound& b = bound(f);
  if (!b.spec || b.spec->values.empty()) return v;
  cache_key_.clear();
  cache_key_.push_back(static_cast<char>(f));
  cache_key_.append(v);
  auto it = value_cache_.find(cache_key_);
  if (it == value_cache_.end()) {
    if (value_cache_.size() >= kMaxCachedTexts) value_cache_.clear();
    auto m = b.spec->values.find(text::FoldName(v));
    it = value_cache_.emplace(cache_key_, m == b.spec->values.end() ? std::string(v) : m->second)
             .first;
  }
  return it->second;
}

HeaderReport RowMapper::Report() {
  HeaderReport rep;
  rep.missing = missing_;
  std::vector<bool> used(header_.size(), false);
  auto use = [&](int c) {
    if (c >= 0 && static_cast<size_t>(c) < used.size()) used[c] = true;
  };
  for (const auto& [name, spec] : ctx_.profile->fields) {
    std::optional<Field> f = FieldByName(name);
    if (!f) continue;
    const Bound& b = bound(*f);
    std::vector<std::string> cols;
    for (int c : b.cols) {
      use(c);
      cols.push_back(ColumnName(c));
    }
    for (const auto& [c, option] : b.options) {
      use(c);
      cols.push_back(ColumnName(c));
    }
    if (!cols.empty())
      rep.found.emplace_back(name, text::Join(cols, ", "));
    else if (!spec.columns.empty() && !spec.required)
      rep.not_found.push_back(name + " (" + text::Join(spec.columns, " or ") + ")");
    if (*f == Field::kRisks) {
      for (const auto& [c, option] : b.options) {
        std::string mapped(MapValue(Field::kRisks, option));
        if (!ctx_.taxonomy->FindRisk(mapped)) rep.unmapped_options.push_back(ColumnName(c));
      }
    }
  }
  for (int c : key_cols_) use(c);
  use(repeat_index_col_);
  use(repeat_json_col_);
  for (const auto& [c, risk] : positive_risk_cols_) use(c);
  for (const auto& [risk, c] : present_cols_) use(c);
  for (const auto& [risk, c] : severity_cols_) use(c);
  for (const auto& o : stats_.unmapped_options) rep.unmapped_options.push_back(o);
  for (size_t i = 0; i < header_.size(); ++i)
    if (!used[i] && !text::Trim(header_[i]).empty()) rep.unused.push_back(header_[i]);
  return rep;
}

void RowMapper::UnmappedRisks(const Row& row, std::vector<std::string>* out) {
  for (const std::string& v : Values(Field::kRisks, row)) {
    std::string mapped(MapValue(Field::kRisks, v));
    if (ctx_.taxonomy->FindRisk(mapped)) continue;
    for (const std::string& token : text::SplitAny(mapped, " ")) {
      if (!ctx_.taxonomy->FindRisk(token)) {
        if (std::find(out->begin(), out->end(), v) == out->end()) out->push_back(v);
        break;
      }
    }
  }
}

std::string RowMapper::RawJson(const Row& row) const {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (size_t i = 0; i < row.size(); ++i) {
    std::string name =
        i < header_.size() && !header_[i].empty() ? header_[i] : "column " + std::to_string(i + 1);
    if (j.contains(name)) name += " (" + std::to_string(i + 1) + ")";
    j[name] = row[i];
  }
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

bool RowMapper::CheckCells(const Row& row, Problem* p) {
  if (row.size() != header_.size()) {
    bool fewer = row.size() < header_.size();
    p->reason = "row has " + std::to_string(row.size()) + " fields but the header has " +
                std::to_string(header_.size());
    p->hint = fewer ? "the row is cut short: the file may be truncated or a value holds a line "
                      "break without quotes; export the file again"
                    : "a value probably contains an unquoted separator; quote it or export the "
                      "file again";
    return false;
  }
  for (size_t i = 0; i < row.size(); ++i) {
    size_t bad = text::IsAscii(row[i]) ? std::string::npos : text::FindInvalidUtf8(row[i]);
    if (bad != std::string::npos) {
      p->column = ColumnName(static_cast<int>(i));
      p->reason = "invalid UTF-8 at byte " + std::to_string(bad + 1) + " of the cell";
      p->hint =
          "the file is probably in another encoding (e.g. Windows-1252 or Latin-1): save "
          "it as UTF-8 and import again";
      return false;
    }
    if (text::LooksLikeFormula(row[i])) ++stats_.formula_like_cells;
  }
  return true;
}

namespace {

// The date of an Excel serial day number ("44405" = 2021-07-28), as a spreadsheet writes a date
// cell that has no date format; empty if `raw` is not such a number.
std::optional<Date> ExcelSerialDate(std::string_view raw) {
  raw = text::Trim(raw);
  if (raw.empty() || raw.size() > 12) return std::nullopt;
  double v = 0;
  if (!text::ParseDouble(raw, &v) || v < 1 || v > 2958465 || raw.find_first_of("eE-+") != raw.npos)
    return std::nullopt;
  return DateFromExcelSerial(std::floor(v));
}

}  // namespace

// A date cell: a written date, or an Excel serial day number where the profile allows it.
DateParse RowMapper::ParseDateCell(std::string_view raw, std::string* hint) const {
  DateParse d = ParseDate(raw, ctx_.profile->date_order);
  if (d.date) return d;
  std::optional<Date> serial = ExcelSerialDate(raw);
  if (!serial) return d;
  if (ctx_.profile->excel_serial_dates) {
    d.date = serial;
    return d;
  }
  *hint = text::QuoteIfCode(raw, "the number") + " looks like an Excel serial date (" +
          serial->Iso() +
          "): set excel_serial_dates = true in the profile to read such numbers as dates, or "
          "format the column as dates in the spreadsheet and export it again";
  return d;
}

bool RowMapper::MapDates(const Row& row, std::string* start, std::string* end, Problem* p) {
  int col = -1;
  std::string_view raw = Value(Field::kDate, row, &col);
  if (raw.empty()) {
    p->column = ColumnName(col);
    p->reason = "the date is empty";
    p->hint = "every record needs a date: fill it in the source";
    return false;
  }
  std::string serial_hint;
  DateParse d = ParseDateCell(raw, &serial_hint);
  if (!d.date) {
    p->column = ColumnName(col);
    p->reason = text::QuoteIfCode(raw, "the value") + " is not a valid date (" + d.error + ")";
    p->hint = !serial_hint.empty() ? serial_hint
                                   : "correct the date in the source; if day and month are "
                                     "swapped, set date_order in the profile";
    return false;
  }
  *start = d.date->Iso();
  if (*start > ctx_.today) {
    p->column = ColumnName(col);
    p->reason = "date " + *start + " is in the future";
    p->hint = "correct the date; if day and month are swapped, set date_order in the profile";
    return false;
  }
  *end = *start;
  std::string_view raw_end = Value(Field::kDateEnd, row, &col);
  if (!raw_end.empty()) {
    std::string end_hint;
    DateParse e = ParseDateCell(raw_end, &end_hint);
    if (!e.date || e.date->Iso() < *start) {
      p->column = ColumnName(col);
      p->reason = text::QuoteIfCode(raw_end, "the value") + " is not a valid end date" +
                  (e.date ? " (before the start date " + *start + ")" : " (" + e.error + ")");
      p->hint = !end_hint.empty() ? end_hint
                                  : "correct the end date, or leave it empty for a one-day "
                                    "incident";
      return false;
    }
    *end = e.date->Iso();
  }
  return true;
}

std::string RowMapper::PlaceCells::Text() const {
  std::string out;
  for (std::string_view s : {pcode, admin1, admin2, admin3, location}) {
    if (s.empty()) continue;
    if (!out.empty()) out += " / ";
    out += s;
  }
  return out;
}

const RowMapper::ResolvedPlace& RowMapper::CachedPlace(const PlaceCells& c,
                                                       std::optional<double> lat,
                                                       std::optional<double> lon) {
  cache_key_.clear();
  for (std::string_view part : {c.country, c.pcode, c.admin1, c.admin2, c.admin3, c.location})
    AppendKeyPart(&cache_key_, part);
  // The coordinates are part of the key only when no name is given. (With names the resolver
  // uses them only to fill a gap below the names, and the first row's result is then reused for
  // those names whatever the coordinates: behaviour kept as it was.)
  if (c.names_empty()) {
    AppendKeyPart(&cache_key_, c.lat);
    AppendKeyPart(&cache_key_, c.lon);
  }
  auto it = place_cache_.find(cache_key_);
  if (it != place_cache_.end()) return it->second;
  geo::PlaceQuery q;
  q.country = c.country;
  q.pcode = c.pcode;
  q.admin1 = c.admin1;
  q.admin2 = c.admin2;
  q.admin3 = c.admin3;
  q.location = c.location;
  q.lat = lat;
  q.lon = lon;
  ResolvedPlace rp;
  rp.r = ctx_.gazetteer->Resolve(q);
  rp.text = c.Text();
  if (!rp.r.pcode.empty()) rp.area = ctx_.gazetteer->Find(rp.r.pcode);
  return place_cache_.emplace(cache_key_, std::move(rp)).first->second;
}

bool RowMapper::MapPlace(const Row& row, store::Placement* place, std::string* country,
                         std::optional<double>* lat, std::optional<double>* lon, Problem* p) {
  PlaceCells c;
  c.country = Value(Field::kCountry, row);
  c.pcode = Value(Field::kPcode, row);
  c.admin1 = Value(Field::kAdmin1, row);
  c.admin2 = Value(Field::kAdmin2, row);
  c.admin3 = Value(Field::kAdmin3, row);
  c.location = Value(Field::kLocation, row);
  int lat_col = -1, lon_col = -1;
  c.lat = Value(Field::kLatitude, row, &lat_col);
  c.lon = Value(Field::kLongitude, row, &lon_col);
  std::optional<double> q_lat, q_lon;  // coordinates offered to the resolver
  if (!c.lat.empty() && !c.lon.empty()) {
    double dlat, dlon;
    if (!text::ParseDouble(c.lat, &dlat) || !text::ParseDouble(c.lon, &dlon) || dlat < -90 ||
        dlat > 90 || dlon < -180 || dlon > 180) {
      p->column = ColumnName(lat_col);
      // Never quoted: even a wrong coordinate can point at a home.
      p->reason = "the coordinates are not valid decimal degrees";
      p->hint =
          "write latitude and longitude as decimal degrees (e.g. 4.85, 31.58) or leave "
          "them empty";
      return false;
    }
    *lat = dlat;
    *lon = dlon;
    if (ctx_.profile->coordinates_for_placement) {
      q_lat = dlat;
      q_lon = dlon;
    }
  }
  const ResolvedPlace& rp = CachedPlace(c, q_lat, q_lon);
  const geo::Resolution& r = rp.r;
  place->text = rp.text;
  if (r.pcode.empty() || PcodeUnknown(c, r))
    return PlaceFallback(row, c, q_lat.has_value(), rp, place, country, p);
  place->pcode = r.pcode;
  place->level = r.level;
  place->method = geo::MethodName(r.method);
  place->confidence = r.confidence;
  place->note = r.note;
  if (rp.area) *country = rp.area->country;
  return true;
}

// A P-code was given but is not an area the store knows. (A known P-code refined below by a
// name, e.g. a county code with a payam name, resolves with method "name": that is fine.)
bool RowMapper::PcodeUnknown(const PlaceCells& c, const geo::Resolution& r) const {
  return !c.pcode.empty() && r.method != geo::Method::kPcode &&
         ctx_.gazetteer->Find(c.pcode) == nullptr;
}

// A row whose place did not resolve to an area, or whose P-code is unknown: placed at country
// level when the profile allows it, else a problem naming the place column.
bool RowMapper::PlaceFallback(const Row& row, const PlaceCells& c, bool has_lat,
                              const ResolvedPlace& rp, store::Placement* place,
                              std::string* country, Problem* p) {
  const geo::Resolution& r = rp.r;
  if (PcodeUnknown(c, r)) {
    int col = -1;
    Value(Field::kPcode, row, &col);
    p->column = ColumnName(col);
    p->reason = "P-code " + text::QuoteIfCode(c.pcode, "given") + " is not a known admin area";
    bool names = !c.admin1.empty() || !c.admin2.empty() || !c.admin3.empty() || !c.location.empty();
    std::string names_say =
        !names ? "" : " (the names given point to " + (r.pcode.empty() ? "no area" : r.pcode) + ")";
    p->hint = "correct the P-code" + names_say +
              ", or load the current admin areas with aegis areas import";
    return false;
  }
  if (ctx_.profile->allow_country_level) {  // here r.pcode is empty
    std::string iso3 = geo::CountryIso3(c.country);
    if (!iso3.empty()) {
      *country = iso3;
      place->level = 0;
      place->method = "country";
      place->confidence = 0.3;
      place->note = "located at country level only (" + r.note + ")";
      return true;
    }
  }
  p->column = !c.pcode.empty() ? "pcode" : "place";
  for (Field f :
       {Field::kPcode, Field::kAdmin2, Field::kAdmin1, Field::kAdmin3, Field::kLocation}) {
    int col = -1;
    if (!Value(f, row, &col).empty()) {
      p->column = ColumnName(col);
      break;
    }
  }
  p->reason =
      place->text.empty() && !has_lat
          ? "no place given"
          : "place '" + place->text + "' could not be resolved to an admin area (" + r.note + ")";
  p->hint =
      "correct the P-code or name, load the admin areas of this country (aegis areas "
      "import), or add the spelling to data/geo/aliases.csv";
  return false;
}

bool RowMapper::MapCommon(const Row& row, std::string* key, std::string* date_start,
                          std::string* date_end, store::Placement* place, std::string* country,
                          std::optional<double>* lat, std::optional<double>* lon, Problem* p) {
  if (!CheckCells(row, p)) return false;
  for (int c : key_cols_) {
    std::string_view v = text::Trim(row[c]);
    if (v.empty()) {
      p->column = ColumnName(c);
      p->reason = "the record key is empty";
      p->hint = "every row needs its identifier (" + ColumnName(c) +
                ") so that re-imports can "
                "recognise it";
      return false;
    }
    if (!key->empty()) key->push_back('|');
    key->append(v);
  }
  if (!MapDates(row, date_start, date_end, p)) return false;
  return MapPlace(row, place, country, lat, lon, p);
}

const taxonomy::EventRiskRule* RowMapper::CachedRule(std::string_view event_type,
                                                     std::string_view sub_event_type,
                                                     std::string_view civilian_targeting) {
  cache_key_.clear();
  for (std::string_view part : {event_type, sub_event_type, civilian_targeting})
    AppendKeyPart(&cache_key_, part);
  auto it = rule_cache_.find(cache_key_);
  if (it != rule_cache_.end()) return it->second;
  if (rule_cache_.size() >= kMaxCachedTexts) rule_cache_.clear();
  const taxonomy::EventRiskRule* rule =
      ctx_.event_risks->Lookup(event_type, sub_event_type, civilian_targeting);
  rule_cache_.emplace(cache_key_, rule);
  return rule;
}

bool RowMapper::MapRisks(const Row& row, std::vector<std::string>* risks, std::string* event_type,
                         std::string* act_type, Problem* p) {
  for (const std::string& v : Values(Field::kRisks, row)) {
    std::string mapped(MapValue(Field::kRisks, v));
    for (const std::string& token : text::SplitAny(mapped, " ")) {
      const taxonomy::Risk* r = ctx_.taxonomy->FindRisk(token);
      if (!r) r = ctx_.taxonomy->FindRisk(mapped);
      if (!r) {
        int c = -1;
        Value(Field::kRisks, row, &c);
        p->column = ColumnName(c);
        p->reason =
            text::QuoteIfCode(v, "the value") + " is not one of the 15 GPC protection risks";
        p->hint =
            "use a risk code or label (see data/taxonomy/risks.json), or map this value in "
            "the profile's fields.risks.values";
        return false;
      }
      risks->push_back(r->code);
      if (r == ctx_.taxonomy->FindRisk(mapped)) break;
    }
  }
  std::string_view et = Value(Field::kEventType, row), sub = Value(Field::kSubEventType, row);
  event_type->assign(et);
  if (!sub.empty()) event_type->append(" / ").append(sub);
  if (ctx_.event_risks && !et.empty()) {
    const taxonomy::EventRiskRule* rule =
        CachedRule(et, sub, Value(Field::kCivilianTargeting, row));
    if (!rule) {
      int c = -1;
      Value(Field::kEventType, row, &c);
      p->column = ColumnName(c);
      p->reason = "event type " + text::QuoteIfCode(*event_type, "given") +
                  " is not in the event-to-risk table";
      p->hint = "add a row for it to " + ctx_.profile->event_risk_table;
      return false;
    }
    for (const auto& code : rule->risk_codes) risks->push_back(code);
    if (act_type->empty()) *act_type = rule->act_type;
  }
  for (const auto& [c, risk] : positive_risk_cols_) {
    std::string_view v = text::Trim(row[c]);
    int64_t n;
    if ((text::ParseInt64(v, &n) && n > 0) || ParseYesNo(v).value_or(false)) risks->push_back(risk);
  }
  std::sort(risks->begin(), risks->end());
  risks->erase(std::unique(risks->begin(), risks->end()), risks->end());
  if (risks->empty()) ++stats_.no_risk;
  return true;
}

bool RowMapper::MapCount(Field f, const Row& row, std::optional<int64_t>* out, Problem* p) {
  int col = -1;
  const Bound& b = bound(f);
  if (b.spec && b.spec->sum && b.cols.size() > 1) {
    for (int c : b.cols) {
      std::string_view cell = text::Trim(row[c]);
      int64_t n;
      if (cell.empty()) continue;
      if (!text::ParseInt64(cell, &n) || n < 0) {
        p->column = ColumnName(c);
        p->reason = text::QuoteIfCode(cell, "the value") + " is not a whole number of people";
        p->hint = "write a whole number (0 or more), or leave the cell empty if unknown";
        return false;
      }
      *out = out->value_or(0) + n;
    }
    return true;
  }
  std::string_view v = Value(f, row, &col);
  if (v.empty()) return true;
  int64_t n;
  if (!text::ParseInt64(v, &n) || n < 0) {
    p->column = ColumnName(col);
    p->reason = text::QuoteIfCode(v, "the value") + " is not a whole number of people";
    p->hint = text::LooksLikeFormula(v)
                  ? "the cell holds a spreadsheet formula: export the sheet with values, not "
                    "formulas"
                  : "write a whole number (0 or more), or leave the cell empty if unknown";
    return false;
  }
  *out = n;
  return true;
}

bool RowMapper::MapVocab(Field f, const Row& row, const std::string& fallback, std::string* out,
                         Problem* p) {
  int col = -1;
  std::string_view v = Value(f, row, &col);
  if (v.empty()) {
    *out = fallback;
    return true;
  }
  std::string_view vocab = f == Field::kSourceType      ? taxonomy::kSourceType
                           : f == Field::kVerification  ? taxonomy::kVerificationStatus
                           : f == Field::kServiceType   ? "service_type"
                           : f == Field::kModality      ? "service_modality"
                           : f == Field::kServiceStatus ? "service_status"
                                                        : taxonomy::kSensitivity;
  std::optional<std::string> norm = ctx_.taxonomy->NormalizeTerm(vocab, MapValue(f, v));
  if (!norm) {
    std::string name(FieldName(f));
    p->column = ColumnName(col);
    p->reason = text::QuoteIfCode(v, "the value") + " is not a valid " + name;
    p->hint =
        "use one of the values in data/taxonomy/vocabularies.json, or map it in the "
        "profile's fields." +
        name + ".values";
    return false;
  }
  *out = *norm;
  return true;
}

store::VictimGroup VictimFromCells(const taxonomy::Taxonomy& tax, const VictimCells& c) {
  store::VictimGroup g;
  g.count = 1;
  int64_t n;
  if (!c.count.empty() && text::ParseInt64(c.count, &n) && n >= 0) g.count = n;
  if (auto s = tax.NormalizeSex(c.sex)) g.sex = *s;
  if (!c.age.empty() && text::ParseInt64(c.age, &n) && n >= 0 && n < 130) {
    if (auto b = tax.AgeBandForAge(static_cast<int>(n))) g.age_band = *b;
  } else if (auto b = tax.NormalizeAgeBand(c.age_band)) {
    g.age_band = *b;
  }
  if (auto yn = ParseYesNo(c.disability)) g.disability = *yn ? "yes" : "no";
  if (auto d = tax.NormalizeDisplacement(c.displacement)) g.displacement = *d;
  return g;
}

void AddVictimGroup(std::vector<store::VictimGroup>* groups, const store::VictimGroup& g) {
  for (auto& e : *groups) {
    if (e.sex == g.sex && e.age_band == g.age_band && e.disability == g.disability &&
        e.displacement == g.displacement) {
      e.count += g.count;
      return;
    }
  }
  groups->push_back(g);
}

// Kobo JSON keeps a repeat group inline: an array of objects keyed by full paths
// ("victims/sex"). Read with the profile's victim field names, matched on the last part.
void RowMapper::VictimsFromJson(std::string_view cell, std::vector<store::VictimGroup>* out) const {
  nlohmann::json arr = nlohmann::json::parse(cell, nullptr, /*allow_exceptions=*/false);
  if (!arr.is_array()) return;
  auto pick = [&](const nlohmann::json& o, Field f) -> std::string {
    const FieldSpec* spec = ctx_.profile->Field(std::string(FieldName(f)));
    if (!spec || !o.is_object()) return {};
    for (const auto& [k, v] : o.items()) {
      size_t at = k.rfind(ctx_.profile->group_separator);
      std::string_view last =
          at == std::string::npos ? std::string_view(k) : std::string_view(k).substr(at + 1);
      for (const auto& want : spec->columns)
        if (text::IEquals(last, want)) return v.is_string() ? v.get<std::string>() : v.dump();
    }
    return {};
  };
  for (const auto& o : arr) {
    std::string sex = pick(o, Field::kVictimSex), age = pick(o, Field::kVictimAge),
                band = pick(o, Field::kVictimAgeBand), dis = pick(o, Field::kVictimDisability),
                disp = pick(o, Field::kVictimDisplacement), count = pick(o, Field::kVictims);
    AddVictimGroup(out, VictimFromCells(*ctx_.taxonomy, {sex, age, band, dis, disp, count}));
  }
}

bool RowMapper::MapVictims(const Row& row, store::Incident* inc, Problem* p) {
  if (ctx_.victims_by_parent && repeat_index_col_ >= 0) {
    auto it = ctx_.victims_by_parent->find(std::string(text::Trim(row[repeat_index_col_])));
    if (it != ctx_.victims_by_parent->end()) inc->victims = it->second;
  }
  if (inc->victims.empty() && repeat_json_col_ >= 0) {
    std::string_view cell = text::Trim(row[repeat_json_col_]);
    if (!cell.empty() && cell.front() == '[') VictimsFromJson(cell, &inc->victims);
  }
  std::optional<int64_t> count;
  if (!MapCount(Field::kVictims, row, &count, p)) return false;
  if (!count) return true;
  if (!inc->victims.empty()) return true;  // the repeat group is more detailed
  store::VictimGroup g;
  g.count = *count;
  auto one = [&](Field field) -> std::string {
    std::vector<std::string> vs = Values(field, row);
    std::vector<std::string> distinct;
    for (auto& v : vs) {
      std::string m(MapValue(field, v));
      if (std::find(distinct.begin(), distinct.end(), m) == distinct.end()) distinct.push_back(m);
    }
    return distinct.size() == 1 ? distinct[0] : std::string();  // several values: unknown
  };
  if (auto s = ctx_.taxonomy->NormalizeSex(one(Field::kVictimSex))) g.sex = *s;
  std::string_view age = Value(Field::kVictimAge, row);
  int64_t years;
  if (!age.empty() && text::ParseInt64(age, &years) && years >= 0 && years < 130) {
    if (auto b = ctx_.taxonomy->AgeBandForAge(static_cast<int>(years))) g.age_band = *b;
  } else if (auto b = ctx_.taxonomy->NormalizeAgeBand(one(Field::kVictimAgeBand))) {
    g.age_band = *b;
  }
  std::string dis = one(Field::kVictimDisability);
  if (auto yn = ParseYesNo(dis)) g.disability = *yn ? "yes" : "no";
  if (auto d = ctx_.taxonomy->NormalizeDisplacement(one(Field::kVictimDisplacement)))
    g.displacement = *d;
  inc->victims.push_back(g);
  return true;
}

bool RowMapper::MapIncident(const Row& row, store::Incident* inc, Problem* p) {
  if (!MapRisks(row, &inc->risks, &inc->event_type, &inc->act_type, p)) return false;
  std::string_view act = Value(Field::kActType, row);
  if (!act.empty()) inc->act_type = MapValue(Field::kActType, act);
  std::string_view perp = Value(Field::kPerpetrator, row);
  if (!perp.empty()) inc->perpetrator = MapValue(Field::kPerpetrator, perp);
  inc->perpetrator_detail = Value(Field::kPerpetratorDetail, row);
  if (!MapCount(Field::kKilled, row, &inc->killed, p) ||
      !MapCount(Field::kInjured, row, &inc->injured, p))
    return false;
  if (!MapVictims(row, inc, p)) return false;
  const Profile& pr = *ctx_.profile;
  inc->organisation_code = MapValue(Field::kOrganisation, Value(Field::kOrganisation, row));
  if (inc->organisation_code.empty()) inc->organisation_code = pr.organisation;
  if (!MapVocab(Field::kSourceType, row, pr.source_type, &inc->source_type, p) ||
      !MapVocab(Field::kVerification, row, pr.verification, &inc->verification, p) ||
      !MapVocab(Field::kSensitivity, row, pr.sensitivity, &inc->sensitivity, p))
    return false;
  inc->consent_share = ParseYesNo(Value(Field::kConsentShare, row));
  inc->consent_referral = ParseYesNo(Value(Field::kConsentReferral, row));
  inc->consent_tracing = ParseYesNo(Value(Field::kConsentTracing, row));
  inc->narrative = Value(Field::kNarrative, row);
  return true;
}

bool RowMapper::MapReport(const Row& row, store::MonitoringReport* rep, Problem* p) {
  std::string_view rt = Value(Field::kRespondentType, row);
  if (!rt.empty()) rep->respondent_type = MapValue(Field::kRespondentType, rt);
  rep->organisation_code = MapValue(Field::kOrganisation, Value(Field::kOrganisation, row));
  if (rep->organisation_code.empty()) rep->organisation_code = ctx_.profile->organisation;
  for (const auto& [risk, col] : present_cols_) {
    store::RiskAnswer a;
    a.risk = risk;
    a.present = ParseYesNo(row[col]);
    for (const auto& [srisk, scol] : severity_cols_) {
      if (srisk != risk) continue;
      std::string_view v = text::Trim(row[scol]);
      int64_t s;
      if (v.empty()) break;
      if (!text::ParseInt64(v, &s) || s < 1 || s > 5) {
        p->column = ColumnName(scol);
        p->reason = "severity " + text::QuoteIfCode(v, "given") + " is not a phase from 1 to 5";
        p->hint = "write 1 (minimal) to 5 (catastrophic), or leave it empty";
        return false;
      }
      a.severity = static_cast<int>(s);
    }
    rep->answers.push_back(a);
  }
  return true;
}

MapOutcome RowMapper::Map(const Row& row, int64_t record_no, store::Incident* inc,
                          store::MonitoringReport* rep, store::Service* svc,
                          store::QuarantinedRow* q, uint64_t* core_hash) {
  // Records are reset by copy-assigning blank ones: every field gets its default, and strings
  // and vectors keep their capacity, so a record the importer reuses is refilled without
  // allocating. The key is built in place for the same reason.
  static const store::Incident kBlankIncident;
  static const store::MonitoringReport kBlankReport;
  Problem p;
  const bool report = ctx_.profile->record == "monitoring_report";
  const bool service = ctx_.profile->record == "service";
  bool ok;
  if (service) {
    *svc = store::Service();
    ok = CheckCells(row, &p) && MapService(row, record_no, svc, &p);
  } else if (report) {
    *rep = kBlankReport;
    std::string country;
    std::optional<double> lat, lon;
    ok = MapCommon(row, &rep->source_key, &rep->period_start, &rep->period_end, &rep->place,
                   &country, &lat, &lon, &p);
    if (ok && Value(Field::kDateEnd, row).empty()) {  // a report covers its calendar month
      Date d = *ParseDate(rep->period_start).date;
      rep->period_start = Date{d.year, d.month, 1}.Iso();
      Date next = d.month == 12 ? Date{d.year + 1, 1, 1} : Date{d.year, d.month + 1, 1};
      rep->period_end = Date::FromDays(next.DaysSinceEpoch() - 1).Iso();
    }
  } else {
    *inc = kBlankIncident;
    ok = MapCommon(row, &inc->source_key, &inc->date_start, &inc->date_end, &inc->place,
                   &inc->country, &inc->lat, &inc->lon, &p) &&
         MapIncident(row, inc, &p);
  }
  if (ok && report) ok = MapReport(row, rep, &p);
  if (!ok) {
    q->row = record_no;
    q->column = p.column;
    q->reason = p.reason;
    q->hint = p.hint;
    q->raw_json = RawJson(row);
    return MapOutcome::kQuarantined;
  }
  if (service) {
    svc->source_row = record_no;
    svc->content_hash = HashService(*svc);
    if (key_cols_.empty()) svc->source_key = "h:" + std::to_string(svc->content_hash);
    return MapOutcome::kService;
  }
  if (report) {
    rep->source_row = record_no;
    rep->content_hash = HashReport(*rep);
    if (key_cols_.empty()) rep->source_key = "h:" + std::to_string(rep->content_hash);
    return MapOutcome::kReport;
  }
  inc->source_row = record_no;
  IncidentHashes hashes = HashIncidentParts(*inc);
  inc->content_hash = hashes.content;
  if (core_hash) *core_hash = hashes.core;
  if (key_cols_.empty()) inc->source_key = "h:" + std::to_string(inc->content_hash);
  return MapOutcome::kIncident;
}

IncidentHashes HashIncidentParts(const store::Incident& i) {
  std::string& b = HashScratch();
  b.clear();
  for (const std::string* s : {&i.date_start, &i.date_end, &i.country, &i.place.pcode,
                               &i.place.method, &i.event_type, &i.act_type, &i.organisation_code,
                               &i.source_type, &i.verification, &i.sensitivity, &i.narrative})
    Put(&b, *s);
  PutInt(&b, i.place.level);
  for (const auto& r : i.risks) Put(&b, r);
  for (const auto& g : i.victims) {
    for (const std::string* s : {&g.sex, &g.age_band, &g.disability, &g.displacement})
      b.append(*s).push_back(',');
    PutInt(&b, g.count);
  }
  PutOptional(&b, i.killed);
  PutOptional(&b, i.injured);
  PutOptional(&b, i.lat);
  PutOptional(&b, i.lon);
  PutOptional(&b, i.consent_share);
  PutOptional(&b, i.consent_referral);
  PutOptional(&b, i.consent_tracing);
  IncidentHashes h;
  h.core = text::Hash64(b);
  b.clear();
  Put(&b, i.perpetrator);
  Put(&b, i.perpetrator_detail);
  h.content = text::Hash64(b, h.core);
  return h;
}

bool RowMapper::MapServiceAreas(const Row& row, store::Service* svc, Problem* p) {
  int col = -1;
  Value(Field::kPcode, row, &col);
  for (const std::string& code : Values(Field::kPcode, row)) {
    std::string mapped(MapValue(Field::kPcode, code));
    if (ctx_.gazetteer->Find(mapped) == nullptr) {
      p->column = ColumnName(col);
      p->reason = text::QuoteIfCode(mapped, "a P-code given") + " is not a known area";
      p->hint =
          "correct the P-code, or load the country's areas first (aegis areas import --global "
          "--country ISO3)";
      return false;
    }
    if (std::find(svc->pcodes.begin(), svc->pcodes.end(), mapped) == svc->pcodes.end())
      svc->pcodes.push_back(std::move(mapped));
  }
  if (!svc->pcodes.empty()) return true;
  // No P-code: one place by its names (as for incidents).
  store::Placement place;
  std::string country;
  std::optional<double> lat, lon;
  if (!MapPlace(row, &place, &country, &lat, &lon, p)) return false;
  if (place.pcode.empty()) {
    p->column = ColumnName(col);
    p->reason = "the service has no area";
    p->hint = "give the P-code (or the names) of at least one area it serves";
    return false;
  }
  svc->pcodes.push_back(place.pcode);
  return true;
}

bool RowMapper::MapService(const Row& row, int64_t record_no, store::Service* svc, Problem* p) {
  for (int c : key_cols_) {
    std::string_view v = text::Trim(row[c]);
    if (v.empty()) {
      p->column = ColumnName(c);
      p->reason = "the record key is empty";
      p->hint = "every row needs its identifier (" + ColumnName(c) +
                ") so that re-imports can recognise it";
      return false;
    }
    if (!svc->source_key.empty()) svc->source_key.push_back('|');
    svc->source_key.append(v);
  }
  const Profile& pr = *ctx_.profile;
  int col = -1;
  Value(Field::kServiceType, row, &col);
  if (!MapVocab(Field::kServiceType, row, "", &svc->service_type, p)) return false;
  if (svc->service_type.empty()) {
    p->column = ColumnName(col);
    p->reason = "the service type is empty";
    p->hint = "give the type of service (data/taxonomy/vocabularies.json service_type)";
    return false;
  }
  svc->provider = Value(Field::kProvider, row);
  svc->provider_name = Value(Field::kProviderName, row);
  svc->provider_type = Value(Field::kProviderType, row);
  if (svc->provider.empty() && svc->provider_name.empty()) {
    Value(Field::kProvider, row, &col);
    p->column = ColumnName(col);
    p->reason = "the provider is empty";
    p->hint = "give the organisation that provides the service (its acronym or name)";
    return false;
  }
  if (svc->provider_name.empty() && svc->provider_type.empty()) {
    ++stats_.provider_code_only;
    if (stats_.provider_code_only_rows.size() < 10)
      stats_.provider_code_only_rows.push_back(record_no);
  }
  if (!MapServiceAreas(row, svc, p)) return false;
  svc->name = Value(Field::kServiceName, row);
  if (!MapVocab(Field::kModality, row, "static", &svc->modality, p) ||
      !MapVocab(Field::kServiceStatus, row, "active", &svc->status, p) ||
      !MapVocab(Field::kSensitivity, row, pr.sensitivity, &svc->sensitivity, p))
    return false;
  for (const std::string& g : Values(Field::kGroupsServed, row)) {
    auto id = ctx_.taxonomy->NormalizeTerm("service_group", MapValue(Field::kGroupsServed, g));
    if (!id) {
      Value(Field::kGroupsServed, row, &col);
      p->column = ColumnName(col);
      p->reason = text::QuoteIfCode(g, "a value") + " is not a group served";
      p->hint =
          "use the groups of data/taxonomy/vocabularies.json service_group, or map the value "
          "in the profile's fields.groups_served.values";
      return false;
    }
    svc->groups.push_back(*id);
  }
  for (const std::string& l : Values(Field::kLanguages, row))
    svc->languages.push_back(text::ToLowerAscii(MapValue(Field::kLanguages, l)));
  svc->hours = Value(Field::kHours, row);
  svc->accepts_referrals = ParseYesNo(Value(Field::kAcceptsReferrals, row)).value_or(true);
  svc->gbv_specialised =
      ParseYesNo(Value(Field::kGbvSpecialised, row)).value_or(svc->service_type == "gbv");
  std::string_view assured = Value(Field::kAssuredDate, row, &col);
  if (!assured.empty()) {
    std::string hint;
    DateParse d = ParseDateCell(assured, &hint);
    if (!d.date) {
      p->column = ColumnName(col);
      p->reason =
          text::QuoteIfCode(assured, "the value") + " is not a valid date (" + d.error + ")";
      p->hint = !hint.empty() ? hint : "write the date the entry was last confirmed";
      return false;
    }
    svc->assured_date = d.date->Iso();
  }
  svc->contact = Value(Field::kContact, row);
  svc->organisation_code = MapValue(Field::kOrganisation, Value(Field::kOrganisation, row));
  if (svc->organisation_code.empty()) svc->organisation_code = pr.organisation;
  return true;
}

uint64_t HashService(const store::Service& v) {
  std::string b;
  for (const std::string* s :
       {&v.organisation_code, &v.provider, &v.provider_name, &v.provider_type, &v.service_type,
        &v.name, &v.modality, &v.hours, &v.status, &v.assured_date, &v.sensitivity, &v.contact})
    Put(&b, *s);
  for (const auto* list : {&v.pcodes, &v.groups, &v.languages}) {
    for (const std::string& x : *list) Put(&b, x);
    b.push_back(';');
  }
  b.push_back(v.accepts_referrals ? '1' : '0');
  b.push_back(v.gbv_specialised ? '1' : '0');
  return text::Hash64(b);
}

uint64_t HashReport(const store::MonitoringReport& r) {
  std::string b;
  for (const std::string* s :
       {&r.period_start, &r.period_end, &r.place.pcode, &r.respondent_type, &r.organisation_code})
    Put(&b, *s);
  for (const auto& a : r.answers)
    Put(&b, a.risk + (a.present ? (*a.present ? "1" : "0") : "-") +
                (a.severity ? std::to_string(*a.severity) : "-"));
  return text::Hash64(b);
}

}  // namespace aegis::ingest
