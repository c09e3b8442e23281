// Loading the analysis facts from the store, and periods.
#include <algorithm>
#include <charconv>
#include <numeric>

#include "analysis/analysis.h"
#include "geo/country.h"
#include "util/text.h"

namespace aegis::analysis {

namespace {
constexpr int kFirstMonth = 1900 * 12, kLastMonth = 2100 * 12 + 11;  // 1900-01 .. 2100-12
const std::string kPeriodForms =
    "write a month (2024-03), a quarter (2024-Q1), a year (2024) or a range of months "
    "(2024-01..2024-06), from 1900-01 to 2100-12";
// ParsePeriod without the range check.
Result<Period> ParsePeriodForm(std::string_view text);
bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
}  // namespace

int MonthIndex(std::string_view d) {
  if (d.size() < 7 || d[4] != '-' || !AllDigits(d.substr(0, 4)) || !AllDigits(d.substr(5, 2)))
    return -1;
  int y = 0, m = 0;
  if (std::from_chars(d.data(), d.data() + 4, y).ec != std::errc() ||
      std::from_chars(d.data() + 5, d.data() + 7, m).ec != std::errc() || m < 1 || m > 12)
    return -1;
  return y * 12 + m - 1;
}

std::string MonthLabel(int month) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", month / 12, month % 12 + 1);
  return buf;
}

Period Period::Shifted(int periods) const {
  Period p = *this;
  p.first += periods * months();
  p.last += periods * months();
  if (kind == Kind::kMonth) {
    p.label = MonthLabel(p.first);
  } else if (kind == Kind::kQuarter) {
    p.label = std::to_string(p.first / 12) + "-Q" + std::to_string(p.first % 12 / 3 + 1);
  } else if (kind == Kind::kYear) {
    p.label = std::to_string(p.first / 12);
  } else {
    p.label = MonthLabel(p.first) + ".." + MonthLabel(p.last);
  }
  return p;
}

Result<Period> ParsePeriod(std::string_view text) {
  Result<Period> p = ParsePeriodForm(text);
  // Analyses step back from a period to compare it (trends, baselines): month indices must stay
  // well above 0, and dates in the store are within the same years (util/date.h).
  if (p.ok() && (p->first < kFirstMonth || p->last > kLastMonth))
    return Status::InvalidArgument("period " + text::QuoteIfCode(text, "given") + ": " +
                                   kPeriodForms);
  return p;
}

namespace {
Result<Period> ParsePeriodForm(std::string_view text) {
  std::string t(text::Trim(text));
  auto bad = [&] {
    return Status::InvalidArgument("period " + text::QuoteIfCode(t, "given") + ": " + kPeriodForms);
  };
  Period p;
  p.label = t;
  if (size_t dots = t.find(".."); dots != std::string::npos) {
    int a = MonthIndex(t.substr(0, dots)), b = MonthIndex(t.substr(dots + 2));
    if (a < 0 || b < 0 || t.size() - dots - 2 != 7 || dots != 7) return bad();
    if (b < a)
      return Status::InvalidArgument("period '" + t + "': the range ends before it starts");
    p.first = a;
    p.last = b;
    p.kind = Period::Kind::kRange;
    return p;
  }
  int year = 0;
  if (t.size() < 4 || !AllDigits(std::string_view(t).substr(0, 4)) ||
      std::from_chars(t.data(), t.data() + 4, year).ec != std::errc())
    return bad();
  if (t.size() == 4) {
    p.first = year * 12;
    p.last = p.first + 11;
    p.kind = Period::Kind::kYear;
    return p;
  }
  if (t.size() == 7 && (t[5] == 'Q' || t[5] == 'q') && t[4] == '-' && t[6] >= '1' && t[6] <= '4') {
    p.first = year * 12 + (t[6] - '1') * 3;
    p.last = p.first + 2;
    p.kind = Period::Kind::kQuarter;
    p.label = t.substr(0, 5) + "Q" + t[6];
    return p;
  }
  if (t.size() == 7 && MonthIndex(t) >= 0) {
    p.first = p.last = MonthIndex(t);
    return p;
  }
  return bad();
}
}  // namespace

Result<Window> AnalysisWindow(std::string_view text, const Facts& facts) {
  if (facts.max_month < facts.min_month)
    return Status::NotFound(
        "the store holds no placed incidents or monitoring answers yet; import some first "
        "(aegis import --help)");
  Window w;
  w.first_month = facts.min_month;
  w.last_month = facts.max_month;
  if (!text.empty()) {
    AEGIS_ASSIGN_OR_RETURN(w.period, ParsePeriod(text));
  } else {
    w.period.first = w.period.last = facts.max_month;
    w.period.label = MonthLabel(facts.max_month);
  }
  return w;
}

namespace {

// Index of `v` in `list`, else the index of "unknown" (every dimension has one).
class Vocab {
 public:
  explicit Vocab(const std::vector<std::string>& list) {
    for (size_t i = 0; i < list.size(); ++i) index_[list[i]] = static_cast<int>(i);
    auto it = index_.find("unknown");
    unknown_ = it == index_.end() ? 0 : it->second;
  }
  int operator()(std::string_view v) const {
    auto it = index_.find(std::string(v));
    return it == index_.end() ? unknown_ : it->second;
  }

 private:
  std::unordered_map<std::string, int> index_;
  int unknown_ = 0;
};

std::vector<std::string> Ids(const std::vector<taxonomy::Term>& terms) {
  std::vector<std::string> out;
  out.reserve(terms.size() + 1);
  for (const auto& t : terms) out.push_back(t.id);
  if (std::find(out.begin(), out.end(), "unknown") == out.end()) out.emplace_back("unknown");
  return out;
}

// Orders the incidents by (area, month) so that building the cube walks memory in order.
void SortByCell(Facts& f) {
  size_t n = f.incidents();
  int span = std::max(1, f.max_month - f.min_month + 1);
  size_t keys = f.areas.size() * static_cast<size_t>(span);
  std::vector<uint32_t> start(keys + 1, 0);
  auto key = [&](size_t i) {
    return static_cast<size_t>(f.area[i]) * span + static_cast<size_t>(f.month[i] - f.min_month);
  };
  for (size_t i = 0; i < n; ++i) ++start[key(i) + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[start[key(i)]++] = static_cast<uint32_t>(i);
  auto permute = [&](auto& v) {
    std::remove_reference_t<decltype(v)> out(n);
    for (size_t i = 0; i < n; ++i) out[i] = v[order[i]];
    v.swap(out);
  };
  auto permute_csr = [&](std::vector<uint32_t>& begin, auto&... cols) {
    std::vector<uint32_t> nb(n + 1, 0);
    for (size_t i = 0; i < n; ++i) nb[i + 1] = nb[i] + begin[order[i] + 1] - begin[order[i]];
    auto one = [&](auto& col) {
      std::remove_reference_t<decltype(col)> out(col.size());
      for (size_t i = 0; i < n; ++i)
        std::copy(col.begin() + begin[order[i]], col.begin() + begin[order[i] + 1],
                  out.begin() + nb[i]);
      col.swap(out);
    };
    (one(cols), ...);
    begin.swap(nb);
  };
  permute_csr(f.victim_begin, f.victim_group, f.victim_count);
  permute_csr(f.extra_org_begin, f.extra_org);
  permute(f.area);
  permute(f.month);
  permute(f.risks);
  permute(f.killed);
  permute(f.injured);
  permute(f.org);
  permute(f.source_type);
}

}  // namespace

size_t Facts::MemoryBytes() const {
  auto b = [](const auto& v) { return v.capacity() * sizeof(v[0]); };
  return b(area) + b(month) + b(risks) + b(killed) + b(injured) + b(org) + b(source_type) +
         b(extra_org_begin) + b(extra_org) + b(victim_begin) + b(victim_group) + b(victim_count) +
         b(answers);
}

Result<Facts> LoadFacts(store::IncidentStore& incidents, store::AreaStore& areas,
                        const taxonomy::Taxonomy& tax, uint32_t classes) {
  Facts f;
  AEGIS_ASSIGN_OR_RETURN(std::vector<store::AreaRow> rows, areas.LoadAreas());
  for (const auto& r : rows) {
    f.area_index[r.pcode] = static_cast<int>(f.areas.size());
    f.areas.push_back({r.pcode, r.name, r.level, -1, 0, 0});
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    auto it = f.area_index.find(rows[i].parent_pcode);
    if (it != f.area_index.end()) f.areas[i].parent = it->second;
  }
  // Countries: a loaded level-0 area, else a node named by the ISO3 code above the country's top
  // areas, so that records located at country level only have an area to count in.
  std::unordered_map<std::string, int> country_node;
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i].level == 0 && !rows[i].country.empty())
      country_node.emplace(rows[i].country, static_cast<int>(i));
  auto country = [&](const std::string& iso3) -> int {
    auto it = country_node.find(iso3);
    if (it != country_node.end()) return it->second;
    if (iso3.empty() || f.area_index.count(iso3)) return -1;
    int node = static_cast<int>(f.areas.size());
    std::string name = geo::CountryName(iso3);
    f.areas.push_back({iso3, name.empty() ? iso3 : name, 0, -1, 0, 0});
    f.area_index[iso3] = node;
    country_node[iso3] = node;
    return node;
  };
  for (size_t i = 0; i < rows.size(); ++i)
    if (f.areas[i].parent < 0 && rows[i].level > 0) f.areas[i].parent = country(rows[i].country);
  AEGIS_ASSIGN_OR_RETURN(std::vector<store::Population> pop, areas.LoadPopulation());
  for (const auto& p : pop) {  // the latest year of each area
    auto it = f.area_index.find(p.pcode);
    if (it == f.area_index.end()) continue;
    AreaNode& a = f.areas[it->second];
    if (p.year >= a.population_year) {
      a.population = p.total;
      a.population_year = p.year;
    }
  }
  // Risk slots follow the taxonomy's order; store bits are mapped onto them.
  std::unordered_map<std::string, int> slot_of;
  for (const auto& r : tax.risks()) {
    f.risk_codes.push_back(r.code);
    f.risk_labels.push_back(r.label);
    slot_of[r.code] = static_cast<int>(f.risk_codes.size());
  }
  AEGIS_ASSIGN_OR_RETURN(auto bits, areas.RiskBits());
  std::vector<std::pair<int64_t, uint32_t>> bit_map;  // store bit -> slot bit
  for (const auto& [code, bit] : bits) {
    auto it = slot_of.find(code);
    if (it != slot_of.end()) bit_map.emplace_back(bit, 1u << (it->second - 1));
  }
  f.dims.sex = Ids(tax.sex_values());
  for (const auto& b : tax.age_bands()) f.dims.age_band.push_back(b.id);
  if (std::find(f.dims.age_band.begin(), f.dims.age_band.end(), "unknown") == f.dims.age_band.end())
    f.dims.age_band.emplace_back("unknown");
  f.dims.disability = {"yes", "no", "unknown"};
  f.dims.displacement = Ids(tax.displacement_statuses());
  if (const auto* st = tax.Vocabulary("source_type")) f.source_types = Ids(*st);
  Vocab sex(f.dims.sex), age(f.dims.age_band), dis(f.dims.disability), displ(f.dims.displacement),
      src(f.source_types);

  std::unordered_map<int64_t, int32_t> org_slot;
  auto org = [&](int64_t id) -> int32_t {
    if (id == 0) return -1;
    auto [it, added] = org_slot.emplace(id, static_cast<int32_t>(f.organisations.size()));
    if (added) f.organisations.push_back(id);
    return it->second;
  };
  std::vector<int64_t> ids;                         // store id of each entry, ascending
  std::vector<std::pair<int64_t, int32_t>> dups;    // (duplicated incident id, organisation slot)
  std::unordered_map<std::string, int> country_of;  // a record's country as written -> node
  AEGIS_RETURN_IF_ERROR(incidents.ScanIncidentFacts([&](const store::IncidentFact& x) {
    // Records this reader may not count are not counted anywhere, not even as unplaced (and a
    // country with no loaded areas does not appear through them).
    if ((classes & (1U << x.record_class)) == 0) return;
    int area = -1;
    if (!x.area_pcode.empty()) {
      auto a = f.area_index.find(std::string(x.area_pcode));
      if (a != f.area_index.end()) area = a->second;
    } else {  // located at country level only
      auto [it, fresh] = country_of.emplace(std::string(x.country), -1);
      if (fresh) it->second = country(geo::CountryIso3(x.country));
      area = it->second;
    }
    int m = MonthIndex(x.date_start);
    if (area < 0) {
      ++f.unplaced;
      return;
    }
    if (m < 0) {
      ++f.undated;
      return;
    }
    if (x.duplicate_of != 0) {
      ++f.duplicates;
      dups.emplace_back(x.duplicate_of, org(x.organisation_id));
      return;
    }
    uint32_t risks = 0;
    for (const auto& [bit, slot_bit] : bit_map)
      if (x.risk_mask & bit) risks |= slot_bit;
    ids.push_back(x.id);
    f.area.push_back(area);
    f.month.push_back(m);
    f.risks.push_back(risks);
    f.killed.push_back(static_cast<int32_t>(x.killed));
    f.injured.push_back(static_cast<int32_t>(x.injured));
    f.org.push_back(org(x.organisation_id));
    f.source_type.push_back(static_cast<uint8_t>(src(x.source_type)));
  }));
  size_t n = ids.size();
  auto find = [&](int64_t id) -> int64_t {
    auto it = std::lower_bound(ids.begin(), ids.end(), id);
    return it != ids.end() && *it == id ? it - ids.begin() : -1;
  };
  f.victim_begin.assign(n + 1, 0);
  std::vector<std::pair<uint32_t, std::pair<uint32_t, int32_t>>> vic;
  AEGIS_RETURN_IF_ERROR(incidents.ScanVictimFacts([&](const store::VictimFact& v) {
    int64_t i = find(v.incident_id);
    if (i < 0) return;  // a duplicate's or an unplaced incident's victims
    uint32_t g = static_cast<uint32_t>(sex(v.sex)) | static_cast<uint32_t>(age(v.age_band)) << 8 |
                 static_cast<uint32_t>(dis(v.disability)) << 16 |
                 static_cast<uint32_t>(displ(v.displacement)) << 24;
    vic.push_back({static_cast<uint32_t>(i), {g, static_cast<int32_t>(v.count)}});
  }));
  for (const auto& v : vic) ++f.victim_begin[v.first + 1];
  std::partial_sum(f.victim_begin.begin(), f.victim_begin.end(), f.victim_begin.begin());
  f.victim_group.resize(vic.size());
  f.victim_count.resize(vic.size());
  {
    std::vector<uint32_t> pos(f.victim_begin.begin(), f.victim_begin.end() - 1);
    for (const auto& v : vic) {
      uint32_t p = pos[v.first]++;
      f.victim_group[p] = v.second.first;
      f.victim_count[p] = v.second.second;
    }
  }
  // A confirmed duplicate's organisation is one more source of the incident it duplicates.
  f.extra_org_begin.assign(n + 1, 0);
  std::vector<std::pair<uint32_t, int32_t>> extra;
  for (const auto& [of, o] : dups) {
    int64_t i = find(of);
    if (i >= 0 && o >= 0) extra.emplace_back(static_cast<uint32_t>(i), o);
  }
  std::sort(extra.begin(), extra.end());
  for (const auto& e : extra) ++f.extra_org_begin[e.first + 1];
  std::partial_sum(f.extra_org_begin.begin(), f.extra_org_begin.end(), f.extra_org_begin.begin());
  for (const auto& e : extra) f.extra_org.push_back(e.second);

  AEGIS_RETURN_IF_ERROR(incidents.ScanAnswerFacts([&](const store::AnswerFact& x) {
    if ((classes & (1U << static_cast<int>(store::RecordClass::kMonitoring))) == 0) return;
    auto a = f.area_index.find(std::string(x.area_pcode));
    auto s = slot_of.find(std::string(x.risk));
    int m = MonthIndex(x.period_start);
    if (a == f.area_index.end() || s == slot_of.end() || m < 0) return;
    f.answers.push_back({a->second, m, static_cast<int16_t>(s->second),
                         static_cast<int8_t>(x.present), static_cast<int8_t>(x.severity),
                         org(x.organisation_id)});
  }));
  if (n > 0 || !f.answers.empty()) {
    f.min_month = INT32_MAX;
    f.max_month = INT32_MIN;
    for (int m : f.month) {
      f.min_month = std::min(f.min_month, m);
      f.max_month = std::max(f.max_month, m);
    }
    for (const auto& a : f.answers) {
      f.min_month = std::min(f.min_month, a.month);
      f.max_month = std::max(f.max_month, a.month);
    }
  }
  // Areas that hold a record, and their ancestors.
  f.active.assign(f.areas.size(), 0);
  auto mark = [&](int a) {
    for (; a >= 0 && !f.active[static_cast<size_t>(a)]; a = f.areas[static_cast<size_t>(a)].parent)
      f.active[static_cast<size_t>(a)] = 1;
  };
  for (int32_t a : f.area) mark(a);
  for (const auto& a : f.answers) mark(a.area);
  SortByCell(f);
  return f;
}

}  // namespace aegis::analysis
