#include "ingest/area_import.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <unordered_map>

#include "geo/country.h"
#include "ingest/table.h"
#include "util/text.h"

namespace aegis::ingest {

namespace {

constexpr int kMaxLevel = 5;

// Lower-case letters and digits only: "ADM2_PCODE" -> "adm2pcode", "P-Code" -> "pcode".
std::string Squash(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out;
  for (char c : text::Trim(s)) {
    if (c != ' ') out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

std::string CellAt(const Row& row, int i) {
  return i >= 0 && i < static_cast<int>(row.size()) ? std::string(text::Trim(row[i])) : "";
}

// An HXL tag split into hashtag and attributes: "#adm1 +name +en" -> {"adm1", {"name","en"}}.
struct HxlTag {
  std::string hashtag;
  std::vector<std::string> attrs;
  bool Has(std::string_view a) const {
    return std::find(attrs.begin(), attrs.end(), a) != attrs.end();
  }
};

std::optional<HxlTag> ParseHxl(std::string_view cell) {
  std::string s;
  for (char c : text::Trim(cell)) {
    if (c != ' ') s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (s.size() < 2 || s[0] != '#') return std::nullopt;
  std::vector<std::string> parts = text::Split(std::string_view(s).substr(1), '+');
  HxlTag t{parts[0], {parts.begin() + 1, parts.end()}};
  return t;
}

// A tag row has '#' tags in at least half of its non-empty cells.
bool IsHxlRow(const Row& row) {
  int tags = 0, cells = 0;
  for (const std::string& c : row) {
    std::string_view t = text::Trim(c);
    if (t.empty()) continue;
    ++cells;
    if (ParseHxl(t)) ++tags;
  }
  return tags > 0 && tags * 2 >= cells;
}

// The level named by a header prefix: adm2/admin2 -> 2, state/province -> 1, county/district
// -> 2, payam -> 3; -1 otherwise. *rest gets what follows the prefix.
int HeaderLevel(const std::string& h, std::string* rest) {
  for (const char* p : {"admin", "adm"}) {
    std::string_view pre(p);
    if (h.size() > pre.size() && h.compare(0, pre.size(), pre) == 0 &&
        std::isdigit(static_cast<unsigned char>(h[pre.size()]))) {
      *rest = h.substr(pre.size() + 1);
      return h[pre.size()] - '0';
    }
  }
  static const std::pair<const char*, int> kWords[] = {
      {"state", 1}, {"province", 1}, {"county", 2}, {"district", 2}, {"payam", 3}};
  for (const auto& [word, level] : kWords) {
    std::string_view w(word);
    if (h.size() > w.size() && h.compare(0, w.size(), w) == 0) {
      *rest = h.substr(w.size());
      return level;
    }
  }
  return -1;
}

bool IsLatHeader(const std::string& h) {
  return h == "lat" || h == "latitude" || h == "centroidlat" || h == "ycoord";
}
bool IsLonHeader(const std::string& h) {
  return h == "lon" || h == "long" || h == "lng" || h == "longitude" || h == "centroidlon" ||
         h == "xcoord";
}

// ---------------------------------------------------------------------------------------------
// Column layouts

// Wide layout: codes and names of every level on each row.
struct WideColumns {
  std::array<int, kMaxLevel + 1> code{}, name{};
  std::array<std::vector<int>, kMaxLevel + 1> alt;
  int lat = -1, lon = -1, country = -1;
  bool name_is_english[kMaxLevel + 1] = {};
  WideColumns() {
    code.fill(-1);
    name.fill(-1);
  }
  int MaxLevel() const {
    for (int l = kMaxLevel; l >= 1; --l) {
      if (code[l] >= 0) return l;
    }
    return 0;
  }
};

void AddWideName(WideColumns* w, int level, int col, bool english) {
  if (w->name[level] < 0 || (english && !w->name_is_english[level])) {
    if (w->name[level] >= 0) w->alt[level].push_back(w->name[level]);
    w->name[level] = col;
    w->name_is_english[level] = english;
  } else {
    w->alt[level].push_back(col);
  }
}

void MapWideHeader(WideColumns* w, const std::string& h, int col) {
  if (IsLatHeader(h)) w->lat = col;
  if (IsLonHeader(h)) w->lon = col;
  if (h == "country" || h == "iso3" || h == "countrycode" || h == "countryiso3") w->country = col;
  std::string rest;
  int level = HeaderLevel(h, &rest);
  if (level < 0 || level > kMaxLevel) return;
  if (rest == "pcode" || rest == "code" || rest == "pcod") {
    if (level == 0) {
      if (w->country < 0) w->country = col;
    } else {
      w->code[level] = col;
    }
  } else if (level > 0 && (rest == "name" || rest == "en" || rest == "nameen")) {
    AddWideName(w, level, col, true);
  } else if (level > 0 && (rest == "fr" || rest == "namefr" || rest == "es" || rest == "namees" ||
                           rest == "pt" || rest == "namept")) {
    AddWideName(w, level, col, false);
  } else if (level > 0 && (rest.rfind("ref", 0) == 0 || rest.rfind("alt", 0) == 0)) {
    w->alt[level].push_back(col);
  }
}

void MapWideTag(WideColumns* w, const HxlTag& t, int col) {
  if (t.hashtag == "geo" && t.Has("lat")) w->lat = col;
  if (t.hashtag == "geo" && (t.Has("lon") || t.Has("long"))) w->lon = col;
  if (t.hashtag == "country" && t.Has("code")) w->country = col;
  if (t.hashtag.size() != 4 || t.hashtag.compare(0, 3, "adm") != 0) return;
  int level = t.hashtag[3] - '0';
  if (level < 1 || level > kMaxLevel) return;
  if (t.Has("code")) {
    w->code[level] = col;
  } else if (t.Has("alt") || t.Has("ref")) {
    w->alt[level].push_back(col);
  } else if (t.Has("name")) {
    bool other_language = false;
    for (const std::string& a : t.attrs) {
      if (a.rfind("i_", 0) == 0 && a != "i_en") other_language = true;
    }
    AddWideName(w, level, col, !other_language);
  }
}

// Long layout: one area per row.
struct LongColumns {
  int pcode = -1, name = -1, level = -1, parent = -1, country = -1, alt = -1, lat = -1, lon = -1;
};

std::optional<LongColumns> MapLong(const Row& header) {
  LongColumns c;
  for (int i = 0; i < static_cast<int>(header.size()); ++i) {
    std::string h = Squash(header[i]);
    if (h == "pcode") c.pcode = i;
    if (h == "name") c.name = i;
    if (h == "level" || h == "adminlevel" || h == "admlevel") c.level = i;
    if (h == "parentpcode" || h == "parent") c.parent = i;
    if (h == "country" || h == "location" || h == "iso3" || h == "countrycode") c.country = i;
    if (h == "altnames" || h == "alternativenames" || h == "altname") c.alt = i;
    if (IsLatHeader(h)) c.lat = i;
    if (IsLonHeader(h)) c.lon = i;
  }
  if (c.pcode < 0 || c.name < 0 || c.level < 0) return std::nullopt;
  return c;
}

// ---------------------------------------------------------------------------------------------
// Collecting areas

// Accumulates areas from rows, checking each P-code's name and parent stay the same.
class AreaSet {
 public:
  AreaSet(std::string path, std::vector<std::string>* warnings)
      : path_(std::move(path)), warnings_(warnings) {}

  // Adds or merges an area first seen at `row`. `deepest`: the row is about this area (a
  // repeat is a duplicate row), not a derived parent.
  Status Put(geo::Area a, int64_t row, const std::string& column, bool deepest);
  std::vector<geo::Area>& areas() { return areas_; }
  int64_t RowOf(size_t i) const { return rows_[i]; }
  const geo::Area* Find(const std::string& pcode) const {
    auto it = index_.find(pcode);
    return it == index_.end() ? nullptr : &areas_[it->second];
  }
  void Warn(std::string w) {
    if (warnings_) warnings_->push_back(std::move(w));
  }
  std::string Where(int64_t row, const std::string& column) const {
    return path_ + " row " + std::to_string(row) + (column.empty() ? "" : ", column " + column);
  }

 private:
  std::string path_;
  std::vector<std::string>* warnings_;
  std::vector<geo::Area> areas_;
  std::vector<int64_t> rows_;
  std::unordered_map<std::string, size_t> index_;
};

Status AreaSet::Put(geo::Area a, int64_t row, const std::string& column, bool deepest) {
  auto [it, fresh] = index_.emplace(a.pcode, areas_.size());
  if (fresh) {
    areas_.push_back(std::move(a));
    rows_.push_back(row);
    return Status::Ok();
  }
  geo::Area& old = areas_[it->second];
  std::string first = " (first seen at row " + std::to_string(rows_[it->second]) + ")";
  if (text::FoldName(old.name) != text::FoldName(a.name)) {
    return Status::InvalidArgument(Where(row, column) + ": P-code " + a.pcode + " is named '" +
                                   a.name + "' here and '" + old.name + "'" + first +
                                   "; keep one name per P-code (other spellings go in alt names)");
  }
  if (old.parent_pcode != a.parent_pcode) {
    return Status::InvalidArgument(Where(row, column) + ": P-code " + a.pcode + " has parent " +
                                   a.parent_pcode + " here and " + old.parent_pcode + first +
                                   "; fix the codes so each area has one parent");
  }
  for (std::string& alt : a.alt_names) {
    if (std::find(old.alt_names.begin(), old.alt_names.end(), alt) == old.alt_names.end()) {
      old.alt_names.push_back(std::move(alt));
    }
  }
  if (deepest) Warn(Where(row, "") + ": repeats P-code " + a.pcode + first + "; row ignored");
  return Status::Ok();
}

// ISO3 of an area: the row's country column, else the hint, else the P-code's prefix.
std::string CountryFor(const std::string& column_value, const std::string& hint_iso3,
                       const std::string& pcode) {
  if (!column_value.empty()) return geo::CountryIso3(column_value);
  if (!hint_iso3.empty()) return hint_iso3;
  size_t letters = 0;
  while (letters < pcode.size() && std::isalpha(static_cast<unsigned char>(pcode[letters]))) {
    ++letters;
  }
  return letters == 2 || letters == 3 ? geo::CountryIso3(pcode.substr(0, letters)) : "";
}

Status ParseCoordinate(const Row& row, int col, double limit, const std::string& where,
                       std::optional<double>* out) {
  std::string v = CellAt(row, col);
  if (v.empty()) return Status::Ok();
  double d = 0;
  if (!text::ParseDouble(v, &d) || std::fabs(d) > limit) {
    return Status::InvalidArgument(where + ": '" + v +
                                   "' is not a coordinate in decimal "
                                   "degrees; write e.g. 4.85 (WGS84)");
  }
  *out = d;
  return Status::Ok();
}

void CheckPrefix(AreaSet* set, const geo::Area& a, int64_t row) {
  if (!a.parent_pcode.empty() && !text::StartsWith(a.pcode, a.parent_pcode)) {
    set->Warn(set->Where(row, "") + ": P-code " + a.pcode + " does not start with its parent's " +
              "code " + a.parent_pcode + "; check both codes");
  }
}

// Fills missing centroids with the mean of the children's, deepest level first.
void DeriveCentroids(std::vector<geo::Area>* areas) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < areas->size(); ++i) index[(*areas)[i].pcode] = i;
  for (int level = kMaxLevel; level >= 1; --level) {
    std::unordered_map<std::string, std::array<double, 3>> sums;  // lat, lon, n
    for (const geo::Area& a : *areas) {
      if (a.level != level || !a.lat || !a.lon || a.parent_pcode.empty()) continue;
      auto& s = sums[a.parent_pcode];
      s[0] += *a.lat;
      s[1] += *a.lon;
      s[2] += 1;
    }
    for (const auto& [pcode, s] : sums) {
      auto it = index.find(pcode);
      if (it == index.end()) continue;
      geo::Area& p = (*areas)[it->second];
      if (p.lat && p.lon) continue;
      p.lat = s[0] / s[2];
      p.lon = s[1] / s[2];
    }
  }
}

// Orders areas parents first (by level, stable).
void SortByLevel(std::vector<geo::Area>* areas) {
  std::stable_sort(areas->begin(), areas->end(),
                   [](const geo::Area& a, const geo::Area& b) { return a.level < b.level; });
}

// ---------------------------------------------------------------------------------------------
// Readers

struct Context {
  std::string path;
  std::string hint_iso3;
  TableReader* reader;
  AreaSet* set;
};

Status ReadWideRow(const Context& cx, const WideColumns& w, const Row& row,
                   const std::vector<std::string>& col_names) {
  int64_t r = cx.reader->record_number();
  std::string country = CountryFor(CellAt(row, w.country), "", "");
  if (!cx.hint_iso3.empty() && !country.empty() && country != cx.hint_iso3) return Status::Ok();
  int deepest = 0;
  for (int l = 1; l <= kMaxLevel; ++l) {
    std::string code = CellAt(row, w.code[l]);
    if (w.code[l] < 0 || code.empty()) continue;
    deepest = l;
    std::string folded = text::FoldName(code);
    if (folded == "total" || folded == "grand total") {
      cx.set->Warn(cx.set->Where(r, col_names[w.code[l]]) + ": a '" + code +
                   "' row, not an area; row ignored");
      return Status::Ok();
    }
  }
  std::string parent;
  for (int l = 1; l <= deepest; ++l) {
    if (w.code[l] < 0) continue;
    geo::Area a;
    a.pcode = Upper(CellAt(row, w.code[l]));
    a.name = CellAt(row, w.name[l]);
    const std::string& code_col = col_names[w.code[l]];
    if (a.pcode.empty()) {
      return Status::InvalidArgument(cx.set->Where(r, code_col) +
                                     ": empty P-code above a deeper one; fill in the code");
    }
    if (a.name.empty()) {
      std::string col = w.name[l] >= 0 ? col_names[w.name[l]] : code_col;
      return Status::InvalidArgument(cx.set->Where(r, col) + ": no name for P-code " + a.pcode +
                                     "; fill in the name");
    }
    a.level = l;
    a.parent_pcode = parent;
    a.country = country.empty() ? CountryFor("", cx.hint_iso3, a.pcode) : country;
    if (a.country.empty()) {
      return Status::InvalidArgument(cx.set->Where(r, code_col) + ": cannot tell the country of " +
                                     a.pcode + "; pass a country hint (ISO3, e.g. SSD)");
    }
    for (int c : w.alt[l]) {
      std::string alt = CellAt(row, c);
      if (!alt.empty() && alt != "<Null>" && alt != a.name) a.alt_names.push_back(alt);
    }
    if (l == deepest) {
      AEGIS_RETURN_IF_ERROR(ParseCoordinate(row, w.lat, 90, cx.set->Where(r, "lat"), &a.lat));
      AEGIS_RETURN_IF_ERROR(ParseCoordinate(row, w.lon, 180, cx.set->Where(r, "lon"), &a.lon));
      CheckPrefix(cx.set, a, r);
    }
    parent = a.pcode;
    AEGIS_RETURN_IF_ERROR(cx.set->Put(std::move(a), r, code_col, l == deepest));
  }
  return Status::Ok();
}

Status ReadWide(const Context& cx, const WideColumns& w, const std::vector<std::string>& names) {
  if (w.MaxLevel() == 0) {
    return Status::InvalidArgument(cx.path +
                                   ": no P-code column found; name them adm1_pcode, "
                                   "adm2_pcode, ... or tag them #adm1+code, #adm2+code, ...");
  }
  Row row;
  while (cx.reader->Next(&row)) AEGIS_RETURN_IF_ERROR(ReadWideRow(cx, w, row, names));
  return cx.reader->status();
}

Status ReadLongRow(const Context& cx, const LongColumns& c, const Row& row,
                   const std::vector<std::string>& col_names) {
  int64_t r = cx.reader->record_number();
  geo::Area a;
  a.pcode = Upper(CellAt(row, c.pcode));
  a.name = CellAt(row, c.name);
  if (a.pcode.empty() && a.name.empty()) return Status::Ok();
  std::string raw_country = CellAt(row, c.country);
  a.country = CountryFor(raw_country, cx.hint_iso3, a.pcode);
  if (!cx.hint_iso3.empty() && !raw_country.empty() && a.country != cx.hint_iso3) {
    return Status::Ok();
  }
  if (a.pcode.empty()) {
    return Status::InvalidArgument(cx.set->Where(r, col_names[c.pcode]) + ": no P-code for '" +
                                   a.name + "'; every area needs a P-code");
  }
  if (a.name.empty()) {  // OCHA's own list has a few (Jamaica); a child would then fail below
    cx.set->Warn(cx.set->Where(r, col_names[c.name]) + ": P-code " + a.pcode +
                 " has no name; area skipped (fill in the name to use it)");
    return Status::Ok();
  }
  if (a.country.empty()) {
    return Status::InvalidArgument(cx.set->Where(r, col_names[c.pcode]) +
                                   ": cannot tell the country of " + a.pcode +
                                   "; add a country column or pass a country hint (ISO3)");
  }
  int64_t level = -1;
  if (!text::ParseInt64(CellAt(row, c.level), &level) || level < 0 || level > kMaxLevel) {
    return Status::InvalidArgument(cx.set->Where(r, col_names[c.level]) + ": '" +
                                   CellAt(row, c.level) + "' is not an admin level; give 0-5");
  }
  a.level = static_cast<int>(level);
  a.parent_pcode = Upper(CellAt(row, c.parent));
  for (const std::string& alt : text::SplitAny(CellAt(row, c.alt), "|")) {
    if (alt != a.name) a.alt_names.push_back(alt);
  }
  AEGIS_RETURN_IF_ERROR(ParseCoordinate(row, c.lat, 90, cx.set->Where(r, "lat"), &a.lat));
  AEGIS_RETURN_IF_ERROR(ParseCoordinate(row, c.lon, 180, cx.set->Where(r, "lon"), &a.lon));
  return cx.set->Put(std::move(a), r, col_names[c.pcode], true);
}

// Parents of long lists: a level-1 parent that is a country code becomes empty; any other
// parent must be in the file, one level up.
Status CheckLongParents(AreaSet* set) {
  std::vector<geo::Area>& areas = set->areas();
  for (size_t i = 0; i < areas.size(); ++i) {
    geo::Area& a = areas[i];
    if (a.parent_pcode.empty()) continue;
    const geo::Area* p = set->Find(a.parent_pcode);
    if (p == nullptr && a.level == 1 && geo::CountryIso3(a.parent_pcode) == a.country) {
      a.parent_pcode.clear();
      continue;
    }
    std::string where = set->Where(set->RowOf(i), "Parent P-Code");
    if (p == nullptr) {
      return Status::InvalidArgument(where + ": parent " + a.parent_pcode + " of " + a.pcode +
                                     " is not in the file; add the parent row or fix the code");
    }
    if (p->level != a.level - 1) {
      return Status::InvalidArgument(where + ": parent " + p->pcode + " of " + a.pcode +
                                     " (level " + std::to_string(a.level) + ") has level " +
                                     std::to_string(p->level) + "; fix the level or the parent");
    }
    CheckPrefix(set, a, set->RowOf(i));
  }
  return Status::Ok();
}

Status ReadLong(const Context& cx, const LongColumns& c, const std::vector<std::string>& names) {
  Row row;
  while (cx.reader->Next(&row)) AEGIS_RETURN_IF_ERROR(ReadLongRow(cx, c, row, names));
  AEGIS_RETURN_IF_ERROR(cx.reader->status());
  return CheckLongParents(cx.set);
}

Result<std::string> HintIso3(const std::string& path, const std::string& hint) {
  if (text::Trim(hint).empty()) return std::string();
  std::string iso3 = geo::CountryIso3(hint);
  if (iso3.empty()) {
    return Status::InvalidArgument(path + ": country hint '" + hint +
                                   "' is not a country; give an ISO3 code such as SSD");
  }
  return iso3;
}

}  // namespace

Result<std::vector<geo::Area>> ReadAreas(const std::string& path, const std::string& country_hint) {
  return ReadAreas(path, country_hint, nullptr);
}

Result<std::vector<geo::Area>> ReadAreas(const std::string& path, const std::string& country_hint,
                                         std::vector<std::string>* warnings) {
  AEGIS_ASSIGN_OR_RETURN(std::string hint, HintIso3(path, country_hint));
  AEGIS_ASSIGN_OR_RETURN(auto reader, OpenTable(path, {}));
  Row header;
  if (!reader->Next(&header)) {
    AEGIS_RETURN_IF_ERROR(reader->status());
    return Status::InvalidArgument(path + ": the file is empty; give a header row and areas");
  }
  std::vector<std::string> names;
  for (const std::string& h : header) names.emplace_back(text::Trim(h));
  AreaSet set(path, warnings);
  Context cx{path, hint, reader.get(), &set};
  if (std::optional<LongColumns> lc = MapLong(header)) {
    AEGIS_RETURN_IF_ERROR(ReadLong(cx, *lc, names));
  } else {
    // Wide by header names, unless the next row is an HXL tag row.
    WideColumns w;
    for (int i = 0; i < static_cast<int>(header.size()); ++i) {
      MapWideHeader(&w, Squash(header[i]), i);
    }
    Row second;  // the tag row of HXL (it may also be the first row), else the first data row
    bool has_second = true;
    if (IsHxlRow(header)) {
      second = header;
    } else {
      has_second = reader->Next(&second);
    }
    if (has_second && IsHxlRow(second)) {
      w = WideColumns();
      if (names.size() < second.size()) names.resize(second.size());
      for (int i = 0; i < static_cast<int>(second.size()); ++i) {
        if (auto t = ParseHxl(second[i])) MapWideTag(&w, *t, i);
        if (names[i].empty()) names[i] = text::Trim(second[i]);
      }
    } else if (has_second && w.MaxLevel() > 0) {
      AEGIS_RETURN_IF_ERROR(ReadWideRow(cx, w, second, names));
    }
    AEGIS_RETURN_IF_ERROR(reader->status());
    AEGIS_RETURN_IF_ERROR(ReadWide(cx, w, names));
  }
  std::vector<geo::Area> areas = std::move(set.areas());
  if (areas.empty()) {
    return Status::InvalidArgument(path + ": no admin areas read" +
                                   (hint.empty() ? "" : " for " + hint) +
                                   "; check the columns and the country hint");
  }
  DeriveCentroids(&areas);
  SortByLevel(&areas);
  return areas;
}

Result<std::string> FindGlobalPcodeList(const std::string& data_dir, const std::string& given) {
  std::vector<std::string> tried;
  if (!given.empty()) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(given, ec)) return given;
    tried.push_back(given + " ($AEGIS_GLOBAL_PCODES)");
  }
  for (const std::string& p :
       {data_dir + "/geo/global_pcodes_adm_1_2.csv",
        data_dir + "/../../shared/data/hdx-python-country-pcodes/tests/fixtures/"
                   "fixtures-download-global-pcodes-adm-1-2.csv"}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec))
      return std::filesystem::weakly_canonical(p, ec).string();
    tried.push_back(p);
  }
  return Status::NotFound(
      "OCHA's global P-code list was not found (looked at " + text::Join(tried, ", ") +
      "): download global_pcodes_adm_1_2.csv from https://data.humdata.org/dataset/global-pcodes "
      "into " +
      data_dir + "/geo/, or give its path as FILE or in AEGIS_GLOBAL_PCODES");
}

Result<geo::Gazetteer> BuildGazetteer(const std::vector<std::string>& area_files,
                                      const std::string& aliases_csv,
                                      const std::string& country_hint) {
  geo::Gazetteer g;
  for (const std::string& f : area_files) {
    AEGIS_ASSIGN_OR_RETURN(std::vector<geo::Area> areas, ReadAreas(f, country_hint));
    for (geo::Area& a : areas) g.Add(std::move(a));
  }
  AEGIS_RETURN_IF_ERROR(g.Finalize());
  if (!aliases_csv.empty()) AEGIS_RETURN_IF_ERROR(g.AddAliases(aliases_csv));
  return g;
}

// ---------------------------------------------------------------------------------------------
// Population

namespace {

struct PopColumns {
  int pcode = -1, pcode_rank = -1, total = -1, female = -1, male = -1, year = -1, source = -1;
};

// Rank of a header as the P-code column: its admin level, or 0 for a plain "pcode"; -1 if it
// is not a code column.
int PcodeRank(const std::string& h) {
  std::string rest;
  int level = HeaderLevel(h, &rest);
  if (level >= 1 && (rest == "pcode" || rest == "code" || rest == "pcod")) return level;
  return h == "pcode" ? 0 : -1;
}

void MapPopHeader(PopColumns* c, const std::string& h, int i) {
  int rank = PcodeRank(h);
  if (rank > c->pcode_rank) {
    c->pcode = i;
    c->pcode_rank = rank;
  }
  if (c->total < 0 && (h == "total" || h == "ttl" || h == "population" || h == "totalpopulation" ||
                       h == "pop" || h == "populationtotal")) {
    c->total = i;
  }
  if (c->female < 0 && (h == "ftl" || h == "female" || h == "females")) c->female = i;
  if (c->male < 0 && (h == "mtl" || h == "male" || h == "males")) c->male = i;
  if (c->year < 0 && (h == "year" || h == "referenceyear" || h == "refyear")) c->year = i;
  if (c->source < 0 && h == "source") c->source = i;
}

void MapPopTag(PopColumns* c, const HxlTag& t, int i) {
  if (t.hashtag.size() == 4 && t.hashtag.compare(0, 3, "adm") == 0 && t.Has("code")) {
    int rank = t.hashtag[3] - '0';
    if (rank > c->pcode_rank) {
      c->pcode = i;
      c->pcode_rank = rank;
    }
  }
  if (t.hashtag == "date" && t.Has("year") && c->year < 0) c->year = i;
  if (t.hashtag == "meta" && t.Has("source") && c->source < 0) c->source = i;
  if (t.hashtag != "population") return;
  bool age = false, other = false;
  for (const std::string& a : t.attrs) {
    if (a.rfind("age", 0) == 0 || a == "infants" || a == "children" || a == "adolescents" ||
        a == "adults" || a == "elderly") {
      age = true;
    } else if (a != "f" && a != "m" && a != "female" && a != "male" && a != "total" && a != "ind" &&
               a != "all") {
      other = true;
    }
  }
  if (age || other) return;
  if ((t.Has("f") || t.Has("female")) && c->female < 0) {
    c->female = i;
  } else if ((t.Has("m") || t.Has("male")) && c->male < 0) {
    c->male = i;
  } else if (!t.Has("f") && !t.Has("m") && !t.Has("female") && !t.Has("male") && c->total < 0) {
    c->total = i;
  }
}

Status ParseCount(const Row& row, int col, const std::string& where, std::optional<int64_t>* out) {
  std::string v = CellAt(row, col);
  if (v.empty() || v == "<Null>" || v == "-") return Status::Ok();
  int64_t n = 0;
  if (!text::ParseInt64(v, &n) || n < 0) {
    return Status::InvalidArgument(where + ": '" + v +
                                   "' is not a whole number of people; "
                                   "write digits, optionally with thousands separators");
  }
  *out = n;
  return Status::Ok();
}

Status ReadPopRow(const std::string& path, const PopColumns& c, const Row& row, int64_t r,
                  const std::vector<std::string>& names, std::vector<PopulationFigure>* out) {
  PopulationFigure f;
  f.pcode = Upper(CellAt(row, c.pcode));
  if (f.pcode.empty()) return Status::Ok();
  auto where = [&](int col) {
    return path + " row " + std::to_string(r) + ", column " + names[col];
  };
  std::optional<int64_t> total;
  AEGIS_RETURN_IF_ERROR(ParseCount(row, c.total, where(c.total), &total));
  if (!total) return Status::Ok();
  f.total = *total;
  if (c.female >= 0) AEGIS_RETURN_IF_ERROR(ParseCount(row, c.female, where(c.female), &f.female));
  if (c.male >= 0) AEGIS_RETURN_IF_ERROR(ParseCount(row, c.male, where(c.male), &f.male));
  if (c.year >= 0) {
    int64_t y = 0;
    std::string v = CellAt(row, c.year);
    if (!v.empty() && (!text::ParseInt64(v, &y) || y < 1900 || y > 2200)) {
      return Status::InvalidArgument(where(c.year) + ": '" + v +
                                     "' is not a year; write e.g. 2023");
    }
    f.year = static_cast<int>(y);
  }
  f.source = c.source >= 0 && !CellAt(row, c.source).empty()
                 ? CellAt(row, c.source)
                 : std::filesystem::path(path).filename().string();
  out->push_back(std::move(f));
  return Status::Ok();
}

// Uses the HXL tags of `row` when they name a P-code and a total.
void ApplyPopTags(const Row& row, PopColumns* c) {
  PopColumns tagged;
  for (int i = 0; i < static_cast<int>(row.size()); ++i) {
    if (auto t = ParseHxl(row[i])) MapPopTag(&tagged, *t, i);
  }
  if (tagged.pcode >= 0 && tagged.total >= 0) *c = tagged;
}

}  // namespace

Result<std::vector<PopulationFigure>> ReadPopulation(const std::string& path) {
  AEGIS_ASSIGN_OR_RETURN(auto reader, OpenTable(path, {}));
  Row header, row;
  if (!reader->Next(&header)) {
    AEGIS_RETURN_IF_ERROR(reader->status());
    return Status::InvalidArgument(path + ": the file is empty; give a header and figures");
  }
  std::vector<std::string> names;
  PopColumns c;
  for (int i = 0; i < static_cast<int>(header.size()); ++i) {
    names.emplace_back(text::Trim(header[i]));
    MapPopHeader(&c, Squash(header[i]), i);
  }
  bool pending = false;  // `row` holds a data row not yet read
  if (IsHxlRow(header)) {
    ApplyPopTags(header, &c);
  } else if (reader->Next(&row)) {
    pending = !IsHxlRow(row);
    if (!pending) {
      ApplyPopTags(row, &c);
      if (names.size() < row.size()) names.resize(row.size());
      for (size_t i = 0; i < row.size(); ++i) {
        if (names[i].empty()) names[i] = text::Trim(row[i]);
      }
    }
  }
  if (c.pcode < 0 || c.total < 0) {
    return Status::InvalidArgument(path + ": no " + (c.pcode < 0 ? "P-code" : "total") +
                                   " column found; name them e.g. adm2_pcode and total, or tag "
                                   "them #adm2+code and #population");
  }
  std::vector<PopulationFigure> out;
  if (pending) {
    AEGIS_RETURN_IF_ERROR(ReadPopRow(path, c, row, reader->record_number(), names, &out));
  }
  while (reader->Next(&row)) {
    AEGIS_RETURN_IF_ERROR(ReadPopRow(path, c, row, reader->record_number(), names, &out));
  }
  AEGIS_RETURN_IF_ERROR(reader->status());
  return out;
}

std::vector<store::AreaRow> ToAreaRows(const std::vector<geo::Area>& areas) {
  std::vector<store::AreaRow> rows;
  rows.reserve(areas.size());
  for (const auto& a : areas)
    rows.push_back(
        {a.pcode, a.level, a.name, a.parent_pcode, a.country, a.alt_names, a.lat, a.lon});
  return rows;
}

geo::Area ToGeoArea(store::AreaRow row) {
  geo::Area g;
  g.pcode = std::move(row.pcode);
  g.level = row.level;
  g.name = std::move(row.name);
  g.parent_pcode = std::move(row.parent_pcode);
  g.country = std::move(row.country);
  g.alt_names = std::move(row.alt_names);
  g.lat = row.lat;
  g.lon = row.lon;
  return g;
}

}  // namespace aegis::ingest
