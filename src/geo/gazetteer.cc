#include "geo/gazetteer.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "geo/country.h"
#include "geo/gazetteer_internal.h"
#include "geo/name_match_internal.h"
#include "util/text.h"

namespace aegis::geo {

using internal::NormalizeCode;

const char* MethodName(Method m) {
  switch (m) {
    case Method::kPcode:
      return "pcode";
    case Method::kName:
      return "name";
    case Method::kAlias:
      return "alias";
    case Method::kFuzzy:
      return "fuzzy";
    case Method::kPointInPolygon:
      return "point_in_polygon";
    case Method::kNearestCentroid:
      return "nearest_centroid";
    case Method::kNone:
      return "unresolved";
  }
  return "unresolved";
}

std::string LooseCode(std::string_view code) {
  if (!internal::LooksLikePcode(code)) return "";
  size_t letters = 0;
  while (std::isupper(static_cast<unsigned char>(code[letters]))) ++letters;
  std::string prefix(code.substr(0, letters));
  if (letters == 2) prefix = Iso3FromIso2(prefix);
  if (prefix.empty()) return "";
  std::string_view digits = code.substr(letters);
  while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
  return prefix + std::string(digits);
}

// ---------------------------------------------------------------------------------------------
// Impl helpers

void Gazetteer::Impl::IndexName(uint32_t i, const std::string& folded, NameKind kind) {
  if (folded.empty()) return;
  const Area& a = areas[i];
  std::string scope = parent[i] == kNoArea ? RootKey(a.country) : ScopeKey(parent[i]);
  for (const std::string& key : {scope + folded, LevelKey(a.country, a.level) + folded}) {
    std::vector<NameHit>& hits = names[key];
    auto same = [&](const NameHit& h) { return h.area == i; };
    auto it = std::find_if(hits.begin(), hits.end(), same);
    if (it == hits.end()) {
      hits.push_back({i, kind});
    } else if (kind < it->kind) {
      it->kind = kind;
    }
  }
  if (kind == NameKind::kCanonical) return;
  std::vector<std::string>& keys = fuzzy_keys[i];
  if (std::find(keys.begin(), keys.end(), folded) == keys.end()) keys.push_back(folded);
}

void Gazetteer::Impl::IndexArea(uint32_t i) {
  const Area& a = areas[i];
  std::vector<std::pair<std::string, NameKind>> forms = {{a.name, NameKind::kName}};
  for (const std::string& alt : a.alt_names) forms.emplace_back(alt, NameKind::kAltName);
  for (const auto& [raw, kind] : forms) {
    std::string folded = text::FoldName(raw);
    IndexName(i, folded, kind);
    for (const std::string& part : internal::NameParts(raw)) IndexName(i, part, NameKind::kPart);
    std::string stripped = internal::StripDesignators(folded);
    if (stripped != folded) IndexName(i, stripped, NameKind::kDesignator);
    IndexName(i, kCanonicalMark + internal::CanonicalName(folded), NameKind::kCanonical);
  }
}

void Gazetteer::Impl::BuildCentroidPool() {
  centroid_pool.clear();
  std::map<std::string, int> deepest;
  for (const Area& a : areas) {
    if (a.lat && a.lon) deepest[a.country] = std::max(deepest[a.country], a.level);
  }
  for (uint32_t i = 0; i < areas.size(); ++i) {
    const Area& a = areas[i];
    auto it = deepest.find(a.country);
    if (a.lat && a.lon && it != deepest.end() && it->second == a.level) {
      centroid_pool[a.country].push_back(i);
    }
  }
}

int32_t Gazetteer::Impl::FindIndex(std::string_view pcode) const {
  auto it = by_pcode.find(NormalizeCode(pcode));
  return it == by_pcode.end() ? kNoArea : static_cast<int32_t>(it->second);
}

bool Gazetteer::Impl::IsWithin(uint32_t area, uint32_t ancestor) const {
  for (int32_t a = static_cast<int32_t>(area); a != kNoArea; a = parent[a]) {
    if (static_cast<uint32_t>(a) == ancestor) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Building

Gazetteer::Gazetteer() : impl_(std::make_unique<Impl>()) {}
Gazetteer::~Gazetteer() = default;
Gazetteer::Gazetteer(Gazetteer&&) noexcept = default;
Gazetteer& Gazetteer::operator=(Gazetteer&&) noexcept = default;

void Gazetteer::Add(Area a) {
  assert(!impl_->finalized && "Gazetteer::Add after Finalize");
  if (impl_->finalized) return;  // immutable once finalized
  a.pcode = NormalizeCode(a.pcode);
  a.parent_pcode = NormalizeCode(a.parent_pcode);
  a.country = NormalizeCode(a.country);
  a.name = std::string(text::Trim(a.name));
  impl_->areas.push_back(std::move(a));
}

namespace {

// Checks one area against the index; returns "" or a message.
std::string CheckArea(const Gazetteer::Impl& g, uint32_t i) {
  const Area& a = g.areas[i];
  if (a.pcode.empty()) return "an area named '" + a.name + "' has no P-code; give every area one";
  if (a.name.empty()) return "area " + a.pcode + " has no name; fill in the name";
  if (a.country.empty()) {
    return "area " + a.pcode + " has no country; give a country column or a country hint";
  }
  if (a.level < 0 || a.level > 9) {
    return "area " + a.pcode + " has level " + std::to_string(a.level) + "; levels are 0-9";
  }
  if (a.parent_pcode.empty()) {
    if (a.level > 1) {
      return "area " + a.pcode + " (level " + std::to_string(a.level) +
             ") has no parent P-code; give the parent of every area below admin1";
    }
    return "";
  }
  int32_t p = g.FindIndex(a.parent_pcode);
  if (p == Gazetteer::Impl::kNoArea) {
    return "area " + a.pcode + ": parent P-code " + a.parent_pcode +
           " is not loaded; add the parent areas or fix the code";
  }
  const Area& pa = g.areas[p];
  if (pa.level != a.level - 1) {
    return "area " + a.pcode + " (level " + std::to_string(a.level) + ") has parent " + pa.pcode +
           " of level " + std::to_string(pa.level) + "; a parent must be one level up";
  }
  if (pa.country != a.country) {
    return "area " + a.pcode + " (" + a.country + ") has parent " + pa.pcode + " in " + pa.country +
           "; fix the country or the parent";
  }
  return "";
}

void FillCentroids(Gazetteer::Impl& g) {
  int max_level = 0;
  for (const Area& a : g.areas) max_level = std::max(max_level, a.level);
  for (int level = max_level - 1; level >= 0; --level) {
    for (uint32_t i = 0; i < g.areas.size(); ++i) {
      Area& a = g.areas[i];
      if (a.level != level || (a.lat && a.lon)) continue;
      double lat = 0, lon = 0;
      int n = 0;
      for (uint32_t c : g.children[i]) {
        const Area& ch = g.areas[c];
        if (!ch.lat || !ch.lon) continue;
        lat += *ch.lat;
        lon += *ch.lon;
        ++n;
      }
      if (n > 0) {
        a.lat = lat / n;
        a.lon = lon / n;
      }
    }
  }
}

}  // namespace

Status Gazetteer::Finalize() {
  Impl& g = *impl_;
  if (g.finalized) return Status::Ok();
  std::stable_sort(g.areas.begin(), g.areas.end(),
                   [](const Area& a, const Area& b) { return a.pcode < b.pcode; });
  g.by_pcode.clear();
  std::vector<std::string> errors;
  for (uint32_t i = 0; i < g.areas.size(); ++i) {
    auto [it, fresh] = g.by_pcode.emplace(g.areas[i].pcode, i);
    if (!fresh && !g.areas[i].pcode.empty()) {
      errors.push_back("P-code " + g.areas[i].pcode + " is given twice ('" +
                       g.areas[it->second].name + "' and '" + g.areas[i].name +
                       "'); keep one area per P-code");
    }
  }
  for (uint32_t i = 0; i < g.areas.size() && errors.size() < 10; ++i) {
    std::string e = CheckArea(g, i);
    if (!e.empty()) errors.push_back(std::move(e));
  }
  if (!errors.empty()) {
    std::string msg = "gazetteer: " + std::to_string(errors.size()) +
                      (errors.size() >= 10 ? "+" : "") + " problem(s): " + text::Join(errors, "; ");
    return Status::InvalidArgument(msg);
  }
  size_t n = g.areas.size();
  g.parent.assign(n, Impl::kNoArea);
  g.children.assign(n, {});
  g.fuzzy_keys.assign(n, {});
  g.roots.clear();
  g.level_areas.clear();
  for (uint32_t i = 0; i < n; ++i) {
    const Area& a = g.areas[i];
    if (!a.parent_pcode.empty()) {
      g.parent[i] = g.FindIndex(a.parent_pcode);
      g.children[g.parent[i]].push_back(i);
    } else {
      g.roots[a.country].push_back(i);
    }
    g.level_areas[{a.country, a.level}].push_back(i);
    std::string loose = LooseCode(a.pcode);
    if (!loose.empty()) g.loose_codes[loose].push_back(i);
  }
  FillCentroids(g);
  for (uint32_t i = 0; i < n; ++i) g.IndexArea(i);
  g.BuildCentroidPool();
  g.finalized = true;
  return Status::Ok();
}

namespace {

using CsvRow = std::vector<std::string>;

// Parses RFC 4180 CSV text (quotes, "" escapes, CRLF). The aliases file is a small project file;
// geo sits below ingest and does not use its streaming readers.
std::vector<CsvRow> ParseCsv(std::string_view s) {
  std::vector<CsvRow> rows;
  CsvRow row;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      any = false;
    } else {
      field.push_back(c);
      any = true;
    }
  }
  if (any || !field.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

// Column positions of an aliases file.
struct AliasColumns {
  int country = -1, level = -1, alias = -1, pcode = -1;
};

Result<AliasColumns> AliasHeader(const CsvRow& header, const std::string& path) {
  AliasColumns c;
  for (int i = 0; i < static_cast<int>(header.size()); ++i) {
    std::string h = text::ToLowerAscii(text::Trim(header[i]));
    if (text::StartsWith(h, "\xEF\xBB\xBF")) h = h.substr(3);  // UTF-8 byte-order mark
    if (h == "country") c.country = i;
    if (h == "level") c.level = i;
    if (h == "alias") c.alias = i;
    if (h == "pcode" || h == "p-code") c.pcode = i;
  }
  if (c.country < 0 || c.level < 0 || c.alias < 0 || c.pcode < 0) {
    return Status::InvalidArgument(path +
                                   ": header must have the columns country,level,alias,pcode"
                                   "[,note]; fix the first row");
  }
  return c;
}

std::string Cell(const CsvRow& row, int i) {
  return i >= 0 && i < static_cast<int>(row.size()) ? std::string(text::Trim(row[i])) : "";
}

Status AddAliasRow(Gazetteer::Impl& g, const CsvRow& row, const AliasColumns& cols,
                   const std::string& where) {
  std::string alias = Cell(row, cols.alias), code = NormalizeCode(Cell(row, cols.pcode));
  if (alias.empty() && code.empty()) return Status::Ok();
  std::string country = CountryIso3(Cell(row, cols.country));
  if (country.empty()) {
    return Status::InvalidArgument(where + ": unknown country '" + Cell(row, cols.country) +
                                   "'; use an ISO3 code such as SSD");
  }
  if (!g.roots.count(country)) return Status::Ok();  // country not loaded
  int64_t level = -1;
  if (!text::ParseInt64(Cell(row, cols.level), &level)) {
    return Status::InvalidArgument(where + ", column level: not a number; give 1, 2 or 3");
  }
  // Areas loaded to fewer levels (an adm1-2 list) simply do not use deeper aliases.
  if (!g.level_areas.count({country, static_cast<int>(level)})) return Status::Ok();
  int32_t i = g.FindIndex(code);
  if (i == Gazetteer::Impl::kNoArea) {
    return Status::InvalidArgument(where + ": P-code '" + code +
                                   "' is not in the gazetteer; fix the code or remove the row");
  }
  if (g.areas[i].level != level) {
    return Status::InvalidArgument(where + ": " + code + " is a level-" +
                                   std::to_string(g.areas[i].level) + " area, not level " +
                                   std::to_string(level) + "; fix the level column");
  }
  std::string folded = text::FoldName(alias);
  if (folded.empty()) {
    return Status::InvalidArgument(where + ", column alias: empty alias; fill it in");
  }
  g.IndexName(static_cast<uint32_t>(i), folded, NameKind::kAlias);
  return Status::Ok();
}

}  // namespace

Status Gazetteer::AddAliases(const std::string& csv_path) {
  Impl& g = *impl_;
  if (!g.finalized) {
    return Status::InvalidArgument(csv_path +
                                   ": aliases must be added after Finalize; call "
                                   "Gazetteer::Finalize first");
  }
  std::ifstream in(csv_path, std::ios::binary);
  if (!in) return Status::IOError(csv_path + ": cannot open the aliases file; check the path");
  std::stringstream buf;
  buf << in.rdbuf();
  std::vector<CsvRow> rows = ParseCsv(buf.str());
  if (rows.empty()) {
    return Status::InvalidArgument(csv_path +
                                   ": empty file; give a header country,level,alias,pcode,note");
  }
  AEGIS_ASSIGN_OR_RETURN(AliasColumns cols, AliasHeader(rows[0], csv_path));
  for (size_t r = 1; r < rows.size(); ++r) {
    AEGIS_RETURN_IF_ERROR(
        AddAliasRow(g, rows[r], cols, csv_path + " row " + std::to_string(r + 1)));
  }
  return Status::Ok();
}

Status Gazetteer::LoadBoundaries(const std::string& path, int level) {
  Impl& g = *impl_;
  if (!g.finalized) {
    return Status::InvalidArgument(path +
                                   ": boundaries must be loaded after Finalize; call "
                                   "Gazetteer::Finalize first");
  }
  if (!g.boundaries) g.boundaries = std::make_unique<internal::BoundaryIndex>();
  auto area_of = [&g, level](const std::string& code) -> std::optional<uint32_t> {
    int32_t i = g.FindIndex(code);
    if (i == Impl::kNoArea || g.areas[i].level != level) return std::nullopt;
    return static_cast<uint32_t>(i);
  };
  std::vector<internal::BoundaryIndex::Loaded> loaded;
  internal::BoundaryIndex::LoadStats stats;
  AEGIS_RETURN_IF_ERROR(g.boundaries->Load(path, level, area_of, &loaded, &stats));
  for (const auto& l : loaded) {
    Area& a = g.areas[l.area];
    if (!a.lat || !a.lon) {
      a.lat = l.lat;
      a.lon = l.lon;
    }
  }
  g.BuildCentroidPool();
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Queries

const Area* Gazetteer::Find(std::string_view pcode) const {
  if (!impl_->finalized) return nullptr;
  int32_t i = impl_->FindIndex(pcode);
  return i == Impl::kNoArea ? nullptr : &impl_->areas[i];
}

std::vector<const Area*> Gazetteer::Children(std::string_view pcode) const {
  std::vector<const Area*> out;
  if (!impl_->finalized) return out;
  int32_t i = impl_->FindIndex(pcode);
  if (i == Impl::kNoArea) return out;
  for (uint32_t c : impl_->children[i]) out.push_back(&impl_->areas[c]);
  return out;
}

std::vector<const Area*> Gazetteer::AreasAtLevel(int level) const {
  std::vector<const Area*> out;
  for (const Area& a : impl_->areas) {
    if (a.level == level) out.push_back(&a);
  }
  return out;
}

size_t Gazetteer::size() const { return impl_->areas.size(); }
bool Gazetteer::finalized() const { return impl_->finalized; }

}  // namespace aegis::geo
