#include "ingest/mapper.h"

#include <algorithm>
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
      if (c != ' ') cleaned.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
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
  std::string v = text::FoldName(raw);
  if (v == "yes" || v == "y" || v == "1" || v == "true" || v == "oui" || v == "nm") return true;
  if (v == "no" || v == "n" || v == "0" || v == "false" || v == "non" || v == "l") return false;
  return std::nullopt;
}

void Put(std::string* buf, std::string_view s) {
  buf->append(s);
  buf->push_back('\x1f');
}

}  // namespace

Result<std::unique_ptr<RowMapper>> RowMapper::Create(const MapContext& ctx, const Row& header,
                                                     const Row& hxl_tags,
                                                     const std::string& file_name) {
  std::unique_ptr<RowMapper> m(new RowMapper(ctx, header));
  AEGIS_RETURN_IF_ERROR(m->Bind(hxl_tags, file_name));
  return m;
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

Status RowMapper::Bind(const Row& hxl_tags, const std::string& file_name) {
  const Profile& p = *ctx_.profile;
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
          b.options.emplace_back(static_cast<int>(i), std::string(text::Trim(header_[i])).substr(at + pre.size()));
      }
    }
    if (spec.required && b.cols.empty() && b.options.empty() && spec.fixed.empty())
      missing.push_back(name + " (" + text::Join(spec.columns, " or ") + ")");
    bound_[name] = std::move(b);
  }
  for (const auto& k : p.key_columns) {
    std::vector<int> c = FindColumns(k, hxl_tags);
    if (c.empty()) missing.push_back("key column " + k);
    else key_cols_.push_back(c[0]);
  }
  if (!p.victims_repeat.empty()) {
    std::vector<int> c = FindColumns(p.repeat_index_column, hxl_tags);
    if (!c.empty()) repeat_index_col_ = c[0];
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
    for (const auto& r : ctx_.taxonomy->risks()) {
      std::string code = text::ToLowerAscii(r.code);
      auto sub = [&](std::string pat) {
        size_t at = pat.find("{risk}");
        if (at != std::string::npos) pat.replace(at, 6, code);
        return pat;
      };
      std::vector<int> c = FindColumns(sub(p.present_pattern), hxl_tags);
      if (!c.empty()) present_cols_.emplace_back(r.code, c[0]);
      if (!p.severity_pattern.empty()) {
        c = FindColumns(sub(p.severity_pattern), hxl_tags);
        if (!c.empty()) severity_cols_.emplace_back(r.code, c[0]);
      }
    }
    if (present_cols_.empty())
      missing.push_back("monitoring columns like " + p.present_pattern);
  }
  if (missing.empty()) return Status::Ok();
  std::string msg = file_name + ": missing required column(s) for profile '" + p.name +
                    "': " + text::Join(missing, "; ") + ". The header has " +
                    std::to_string(header_.size()) + " column(s)";
  if (header_.size() <= 2) {
    std::string h = header_.empty() ? "" : header_[0];
    for (char sep : {';', ',', '\t', '|'}) {
      if (std::count(h.begin(), h.end(), sep) >= 2) {
        std::string name = sep == '\t' ? "TAB" : std::string(1, sep);
        msg += "; the header contains '" + name + "' characters, so the file is probably " +
               name + "-separated: run again with --delimiter '" + name + "'";
        return Status::InvalidArgument(msg);
      }
    }
  }
  std::vector<std::string> shown(header_.begin(), header_.begin() + std::min<size_t>(header_.size(), 12));
  msg += " (" + text::Join(shown, ", ") + (header_.size() > 12 ? ", ..." : "") +
         "); choose the profile that fits this file (aegis import --list-profiles) or edit the "
         "profile's column names";
  return Status::InvalidArgument(msg);
}

std::string RowMapper::ColumnName(int col) const {
  return col >= 0 && static_cast<size_t>(col) < header_.size() ? header_[col] : std::string();
}

std::string RowMapper::Value(const char* field, const Row& row, int* col) const {
  auto it = bound_.find(field);
  if (it == bound_.end()) return {};
  for (int c : it->second.cols) {
    if (static_cast<size_t>(c) < row.size()) {
      std::string_view v = text::Trim(row[c]);
      bool empty = v.empty();
      for (const auto& e : ctx_.profile->empty_values) empty = empty || text::IEquals(v, e);
      if (!empty) {
        if (col) *col = c;
        return std::string(v);
      }
    }
  }
  if (col) *col = it->second.cols.empty() ? -1 : it->second.cols[0];
  return it->second.spec->fixed;
}

std::vector<std::string> RowMapper::Values(const char* field, const Row& row) const {
  auto it = bound_.find(field);
  if (it == bound_.end()) return {};
  const Bound& b = it->second;
  std::vector<std::string> out;
  std::string v = Value(field, row);
  if (!v.empty()) {
    if (b.spec->split.empty()) out.push_back(v);
    else out = text::SplitAny(v, b.spec->split);
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

std::string RowMapper::MapValue(const char* field, const std::string& v) const {
  auto it = bound_.find(field);
  if (it == bound_.end() || it->second.spec->values.empty()) return v;
  auto m = it->second.spec->values.find(text::FoldName(v));
  return m == it->second.spec->values.end() ? v : m->second;
}

std::string RowMapper::RawJson(const Row& row) const {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (size_t i = 0; i < row.size(); ++i) {
    std::string name = i < header_.size() && !header_[i].empty() ? header_[i]
                                                                 : "column " + std::to_string(i + 1);
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
    size_t bad = text::FindInvalidUtf8(row[i]);
    if (bad != std::string::npos) {
      p->column = ColumnName(static_cast<int>(i));
      p->reason = "invalid UTF-8 at byte " + std::to_string(bad + 1) + " of the cell";
      p->hint = "the file is probably in another encoding (e.g. Windows-1252 or Latin-1): save "
                "it as UTF-8 and import again";
      return false;
    }
    if (text::LooksLikeFormula(row[i])) ++stats_.formula_like_cells;
  }
  return true;
}

bool RowMapper::MapDates(const Row& row, std::string* start, std::string* end, Problem* p) {
  int col = -1;
  std::string raw = Value("date", row, &col);
  if (raw.empty()) {
    p->column = ColumnName(col);
    p->reason = "the date is empty";
    p->hint = "every record needs a date: fill it in the source";
    return false;
  }
  DateParse d = ParseDate(raw, ctx_.profile->date_order);
  if (!d.date) {
    p->column = ColumnName(col);
    p->reason = "'" + raw + "' is not a valid date (" + d.error + ")";
    p->hint = "correct the date in the source; if day and month are swapped, set date_order in "
              "the profile";
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
  std::string raw_end = Value("date_end", row, &col);
  if (!raw_end.empty()) {
    DateParse e = ParseDate(raw_end, ctx_.profile->date_order);
    if (!e.date || e.date->Iso() < *start) {
      p->column = ColumnName(col);
      p->reason = "'" + raw_end + "' is not a valid end date" +
                  (e.date ? " (before the start date " + *start + ")" : " (" + e.error + ")");
      p->hint = "correct the end date, or leave it empty for a one-day incident";
      return false;
    }
    *end = e.date->Iso();
  }
  return true;
}

bool RowMapper::MapPlace(const Row& row, store::Placement* place, std::string* country,
                         std::optional<double>* lat, std::optional<double>* lon, Problem* p) {
  geo::PlaceQuery q;
  q.country = Value("country", row);
  q.pcode = Value("pcode", row);
  q.admin1 = Value("admin1", row);
  q.admin2 = Value("admin2", row);
  q.admin3 = Value("admin3", row);
  q.location = Value("location", row);
  int lat_col = -1, lon_col = -1;
  std::string slat = Value("latitude", row, &lat_col), slon = Value("longitude", row, &lon_col);
  double dlat, dlon;
  if (!slat.empty() && !slon.empty()) {
    if (!text::ParseDouble(slat, &dlat) || !text::ParseDouble(slon, &dlon) || dlat < -90 ||
        dlat > 90 || dlon < -180 || dlon > 180) {
      p->column = ColumnName(lat_col);
      p->reason = "coordinates '" + slat + "', '" + slon + "' are not valid decimal degrees";
      p->hint = "write latitude and longitude as decimal degrees (e.g. 4.85, 31.58) or leave "
                "them empty";
      return false;
    }
    *lat = dlat;
    *lon = dlon;
    if (ctx_.profile->coordinates_for_placement) {
      q.lat = dlat;
      q.lon = dlon;
    }
  }
  std::string cache_key = q.country + '\x1f' + q.pcode + '\x1f' + q.admin1 + '\x1f' + q.admin2 +
                          '\x1f' + q.admin3 + '\x1f' + q.location;
  if (q.pcode.empty() && q.admin1.empty() && q.admin2.empty() && q.admin3.empty() &&
      q.location.empty())
    cache_key += '\x1f' + slat + '\x1f' + slon;
  auto it = place_cache_.find(cache_key);
  if (it == place_cache_.end())
    it = place_cache_.emplace(cache_key, ctx_.gazetteer->Resolve(q)).first;
  const geo::Resolution& r = it->second;
  std::vector<std::string> parts;
  for (const std::string* s : {&q.pcode, &q.admin1, &q.admin2, &q.admin3, &q.location})
    if (!s->empty()) parts.push_back(*s);
  place->text = text::Join(parts, " / ");
  if (!q.pcode.empty() && r.method != geo::Method::kPcode) {
    int c = -1;
    Value("pcode", row, &c);
    p->column = ColumnName(c);
    p->reason = "P-code '" + q.pcode + "' is not a known admin area";
    p->hint = "correct the P-code (the names given point to " +
              (r.pcode.empty() ? std::string("no area") : r.pcode) +
              "), or load the current admin areas with aegis areas import";
    return false;
  }
  if (r.pcode.empty() && ctx_.profile->allow_country_level) {
    std::string iso3 = geo::CountryIso3(q.country);
    if (!iso3.empty()) {
      *country = iso3;
      place->level = 0;
      place->method = "country";
      place->confidence = 0.3;
      place->note = "located at country level only (" + r.note + ")";
      ++stats_.place_methods[place->method];
      ++stats_.place_levels[0];
      return true;
    }
  }
  if (r.pcode.empty()) {
    p->column = !q.pcode.empty() ? "pcode" : "place";
    for (const char* f : {"pcode", "admin2", "admin1", "admin3", "location"}) {
      int c = -1;
      if (!Value(f, row, &c).empty()) {
        p->column = ColumnName(c);
        break;
      }
    }
    p->reason = place->text.empty() && !q.lat
                    ? "no place given"
                    : "place '" + place->text + "' could not be resolved to an admin area (" +
                          r.note + ")";
    p->hint = "correct the P-code or name, load the admin areas of this country (aegis areas "
              "import), or add the spelling to data/geo/aliases.csv";
    return false;
  }
  place->pcode = r.pcode;
  place->level = r.level;
  place->method = geo::MethodName(r.method);
  place->confidence = r.confidence;
  place->note = r.note;
  if (const geo::Area* a = ctx_.gazetteer->Find(r.pcode)) *country = a->country;
  ++stats_.place_methods[place->method];
  ++stats_.place_levels[r.level];
  return true;
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
      p->hint = "every row needs its identifier (" + ColumnName(c) + ") so that re-imports can "
                "recognise it";
      return false;
    }
    if (!key->empty()) key->push_back('|');
    key->append(v);
  }
  if (!MapDates(row, date_start, date_end, p)) return false;
  return MapPlace(row, place, country, lat, lon, p);
}

bool RowMapper::MapRisks(const Row& row, std::vector<std::string>* risks, std::string* event_type,
                         std::string* act_type, Problem* p) {
  for (const std::string& v : Values("risks", row)) {
    std::string mapped = MapValue("risks", v);
    for (const std::string& token : text::SplitAny(mapped, " ")) {
      const taxonomy::Risk* r = ctx_.taxonomy->FindRisk(token);
      if (!r) r = ctx_.taxonomy->FindRisk(mapped);
      if (!r) {
        int c = -1;
        Value("risks", row, &c);
        p->column = ColumnName(c);
        p->reason = "'" + v + "' is not one of the 15 GPC protection risks";
        p->hint = "use a risk code or label (see data/taxonomy/risks.json), or map this value in "
                  "the profile's fields.risks.values";
        return false;
      }
      risks->push_back(r->code);
      if (r == ctx_.taxonomy->FindRisk(mapped)) break;
    }
  }
  std::string et = Value("event_type", row), sub = Value("sub_event_type", row);
  *event_type = sub.empty() ? et : et + " / " + sub;
  if (ctx_.event_risks && !et.empty()) {
    const taxonomy::EventRiskRule* rule =
        ctx_.event_risks->Lookup(et, sub, Value("civilian_targeting", row));
    if (!rule) {
      int c = -1;
      Value("event_type", row, &c);
      p->column = ColumnName(c);
      p->reason = "event type '" + *event_type + "' is not in the event-to-risk table";
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

bool RowMapper::MapCount(const char* field, const Row& row, std::optional<int64_t>* out,
                         Problem* p) {
  int col = -1;
  auto it = bound_.find(field);
  if (it != bound_.end() && it->second.spec->sum && it->second.cols.size() > 1) {
    for (int c : it->second.cols) {
      std::string_view cell = text::Trim(row[c]);
      int64_t n;
      if (cell.empty()) continue;
      if (!text::ParseInt64(cell, &n) || n < 0) {
        p->column = ColumnName(c);
        p->reason = "'" + std::string(cell) + "' is not a whole number of people";
        p->hint = "write a whole number (0 or more), or leave the cell empty if unknown";
        return false;
      }
      *out = out->value_or(0) + n;
    }
    return true;
  }
  std::string v = Value(field, row, &col);
  if (v.empty()) return true;
  int64_t n;
  if (!text::ParseInt64(v, &n) || n < 0) {
    p->column = ColumnName(col);
    p->reason = "'" + v + "' is not a whole number of people";
    p->hint = text::LooksLikeFormula(v)
                  ? "the cell holds a spreadsheet formula: export the sheet with values, not "
                    "formulas"
                  : "write a whole number (0 or more), or leave the cell empty if unknown";
    return false;
  }
  *out = n;
  return true;
}

bool RowMapper::MapVocab(const char* field, const Row& row, const std::string& fallback,
                         std::string* out, Problem* p) {
  int col = -1;
  std::string v = Value(field, row, &col);
  if (v.empty()) {
    *out = fallback;
    return true;
  }
  std::string f = field;
  std::string_view vocab = f == "source_type"    ? taxonomy::kSourceType
                           : f == "verification" ? taxonomy::kVerificationStatus
                                                 : taxonomy::kSensitivity;
  std::optional<std::string> norm = ctx_.taxonomy->NormalizeTerm(vocab, MapValue(field, v));
  if (!norm) {
    p->column = ColumnName(col);
    p->reason = "'" + v + "' is not a valid " + f;
    p->hint = "use one of the values in data/taxonomy/vocabularies.json, or map it in the "
              "profile's fields." + f + ".values";
    return false;
  }
  *out = *norm;
  return true;
}

bool RowMapper::MapVictims(const Row& row, store::Incident* inc, Problem* p) {
  if (ctx_.victims_by_parent && repeat_index_col_ >= 0) {
    auto it = ctx_.victims_by_parent->find(std::string(text::Trim(row[repeat_index_col_])));
    if (it != ctx_.victims_by_parent->end()) inc->victims = it->second;
  }
  std::optional<int64_t> count;
  if (!MapCount("victims", row, &count, p)) return false;
  if (!count) return true;
  if (!inc->victims.empty()) return true;  // the repeat group is more detailed
  store::VictimGroup g;
  g.count = *count;
  auto one = [&](const char* field) -> std::string {
    std::vector<std::string> vs = Values(field, row);
    std::vector<std::string> distinct;
    for (auto& v : vs) {
      std::string m = MapValue(field, v);
      if (std::find(distinct.begin(), distinct.end(), m) == distinct.end()) distinct.push_back(m);
    }
    return distinct.size() == 1 ? distinct[0] : std::string();  // several values: unknown
  };
  if (auto s = ctx_.taxonomy->NormalizeSex(one("victim_sex"))) g.sex = *s;
  std::string age = Value("victim_age", row);
  int64_t years;
  if (!age.empty() && text::ParseInt64(age, &years) && years >= 0 && years < 130) {
    if (auto b = ctx_.taxonomy->AgeBandForAge(static_cast<int>(years))) g.age_band = *b;
  } else if (auto b = ctx_.taxonomy->NormalizeAgeBand(one("victim_age_band"))) {
    g.age_band = *b;
  }
  std::string dis = one("victim_disability");
  if (auto yn = ParseYesNo(dis)) g.disability = *yn ? "yes" : "no";
  if (auto d = ctx_.taxonomy->NormalizeDisplacement(one("victim_displacement")))
    g.displacement = *d;
  inc->victims.push_back(g);
  return true;
}

bool RowMapper::MapIncident(const Row& row, store::Incident* inc, Problem* p) {
  if (!MapRisks(row, &inc->risks, &inc->event_type, &inc->act_type, p)) return false;
  std::string act = Value("act_type", row);
  if (!act.empty()) inc->act_type = MapValue("act_type", act);
  std::string perp = Value("perpetrator", row);
  if (!perp.empty()) inc->perpetrator = MapValue("perpetrator", perp);
  inc->perpetrator_detail = Value("perpetrator_detail", row);
  if (!MapCount("killed", row, &inc->killed, p) || !MapCount("injured", row, &inc->injured, p))
    return false;
  if (!MapVictims(row, inc, p)) return false;
  const Profile& pr = *ctx_.profile;
  inc->organisation_code = MapValue("organisation", Value("organisation", row));
  if (inc->organisation_code.empty()) inc->organisation_code = pr.organisation;
  if (!MapVocab("source_type", row, pr.source_type, &inc->source_type, p) ||
      !MapVocab("verification", row, pr.verification, &inc->verification, p) ||
      !MapVocab("sensitivity", row, pr.sensitivity, &inc->sensitivity, p))
    return false;
  inc->consent_share = ParseYesNo(Value("consent_share", row));
  inc->consent_referral = ParseYesNo(Value("consent_referral", row));
  inc->consent_tracing = ParseYesNo(Value("consent_tracing", row));
  inc->narrative = Value("narrative", row);
  return true;
}

bool RowMapper::MapReport(const Row& row, store::MonitoringReport* rep, Problem* p) {
  std::string rt = Value("respondent_type", row);
  if (!rt.empty()) rep->respondent_type = MapValue("respondent_type", rt);
  rep->organisation_code = MapValue("organisation", Value("organisation", row));
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
        p->reason = "severity '" + std::string(v) + "' is not a phase from 1 to 5";
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
                          store::MonitoringReport* rep, store::QuarantinedRow* q) {
  Problem p;
  bool report = ctx_.profile->record == "monitoring_report";
  std::string key;
  bool ok;
  if (report) {
    *rep = store::MonitoringReport();
    std::string country;
    std::optional<double> lat, lon;
    ok = MapCommon(row, &key, &rep->period_start, &rep->period_end, &rep->place, &country, &lat,
                   &lon, &p);
    if (ok && Value("date_end", row).empty()) {  // a report covers its calendar month
      Date d = *ParseDate(rep->period_start).date;
      rep->period_start = Date{d.year, d.month, 1}.Iso();
      Date next = d.month == 12 ? Date{d.year + 1, 1, 1} : Date{d.year, d.month + 1, 1};
      rep->period_end = Date::FromDays(next.DaysSinceEpoch() - 1).Iso();
    }
  } else {
    *inc = store::Incident();
    ok = MapCommon(row, &key, &inc->date_start, &inc->date_end, &inc->place, &inc->country,
                   &inc->lat, &inc->lon, &p) &&
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
  if (report) {
    if (key_cols_.empty()) key = "";
    rep->source_row = record_no;
    rep->content_hash = HashReport(*rep);
    rep->source_key = key_cols_.empty() ? "h:" + std::to_string(rep->content_hash) : key;
    return MapOutcome::kReport;
  }
  inc->source_row = record_no;
  inc->content_hash = HashIncident(*inc);
  inc->source_key = key_cols_.empty() ? "h:" + std::to_string(inc->content_hash) : key;
  return MapOutcome::kIncident;
}

uint64_t HashIncident(const store::Incident& i) {
  std::string b;
  b.reserve(256 + i.narrative.size());
  for (const std::string* s :
       {&i.date_start, &i.date_end, &i.country, &i.place.pcode, &i.place.method, &i.event_type,
        &i.act_type, &i.perpetrator, &i.perpetrator_detail, &i.organisation_code, &i.source_type,
        &i.verification, &i.sensitivity, &i.narrative})
    Put(&b, *s);
  Put(&b, std::to_string(i.place.level));
  for (const auto& r : i.risks) Put(&b, r);
  for (const auto& g : i.victims)
    Put(&b, g.sex + "," + g.age_band + "," + g.disability + "," + g.displacement + "," +
                std::to_string(g.count));
  auto opt = [&](const auto& o) { Put(&b, o ? std::to_string(*o) : "-"); };
  opt(i.killed);
  opt(i.injured);
  opt(i.lat);
  opt(i.lon);
  opt(i.consent_share);
  opt(i.consent_referral);
  opt(i.consent_tracing);
  return text::Hash64(b);
}

uint64_t HashReport(const store::MonitoringReport& r) {
  std::string b;
  for (const std::string* s : {&r.period_start, &r.period_end, &r.place.pcode,
                               &r.respondent_type, &r.organisation_code})
    Put(&b, *s);
  for (const auto& a : r.answers)
    Put(&b, a.risk + (a.present ? (*a.present ? "1" : "0") : "-") +
                (a.severity ? std::to_string(*a.severity) : "-"));
  return text::Hash64(b);
}

}  // namespace aegis::ingest
