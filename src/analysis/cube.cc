// The aggregation engine: every measure per area (all levels), month and risk slot, built in one
// ordered pass over the incidents and one roll-up pass up the P-code hierarchy.
#include <algorithm>
#include <bit>
#include <thread>

#include "analysis/analysis.h"

namespace aegis::analysis {

namespace {

struct Layout {
  int months, slots, measures, org_words;
  int dim[4];
  const int* row;  // area -> row of the cube
};

// Adds incidents [begin, end) into the leaf cells. Incidents are ordered by (area, month), so
// consecutive incidents write to the same or the next cells.
void AddIncidents(const Facts& f, const Layout& l, int first, int last, size_t begin, size_t end,
                  uint32_t withheld, int32_t* data, uint64_t* orgs, uint32_t* sources) {
  for (size_t i = begin; i < end; ++i) {
    int m = f.month[i];
    if (m < first || m > last) continue;
    const uint32_t risks = f.risks[i] & ~withheld;
    if (risks == 0 && f.risks[i] != 0) continue;  // only withheld risks: not counted at all
    size_t base = (static_cast<size_t>(l.row[f.area[i]]) * l.months + (m - first)) * l.slots;
    uint32_t slots = risks << 1 | 1u;  // slot 0 (all risks) and each risk's slot
    int32_t victims = 0;
    for (uint32_t v = f.victim_begin[i]; v < f.victim_begin[i + 1]; ++v)
      victims += f.victim_count[v];
    while (slots) {
      int s = std::countr_zero(slots);
      slots &= slots - 1;
      size_t cell = base + static_cast<size_t>(s);
      int32_t* c = data + cell * l.measures;
      c[Cube::kIncidents] += 1;
      c[Cube::kKilled] += f.killed[i];
      c[Cube::kInjured] += f.injured[i];
      c[Cube::kVictims] += victims;
      for (uint32_t v = f.victim_begin[i]; v < f.victim_begin[i + 1]; ++v) {
        uint32_t g = f.victim_group[v];
        int32_t n = f.victim_count[v];
        c[l.dim[0] + (g & 0xff)] += n;
        c[l.dim[1] + (g >> 8 & 0xff)] += n;
        c[l.dim[2] + (g >> 16 & 0xff)] += n;
        c[l.dim[3] + (g >> 24)] += n;
      }
      uint64_t* o = orgs + cell * l.org_words;
      if (f.org[i] >= 0) o[f.org[i] >> 6] |= uint64_t{1} << (f.org[i] & 63);
      for (uint32_t e = f.extra_org_begin[i]; e < f.extra_org_begin[i + 1]; ++e)
        o[f.extra_org[e] >> 6] |= uint64_t{1} << (f.extra_org[e] & 63);
      sources[cell] |= 1u << std::min<int>(f.source_type[i], 31);
    }
  }
}

}  // namespace

Cube Cube::Build(const Facts& f, int first, int last, uint32_t withheld_risks) {
  Cube c;
  c.withheld_ = withheld_risks;
  c.first_ = first;
  c.last_ = std::max(last, first - 1);
  c.months_ = c.last_ - first + 1;
  c.slots_ = 1 + static_cast<int>(f.risk_codes.size());
  int off = kFixedMeasures;
  const std::vector<std::string>* dims[4] = {&f.dims.sex, &f.dims.age_band, &f.dims.disability,
                                             &f.dims.displacement};
  for (int d = 0; d < 4; ++d) {
    c.dim_offset_[d] = off;
    off += static_cast<int>(dims[d]->size());
  }
  c.measures_ = off;
  c.org_words_ = std::max<int>(1, static_cast<int>((f.organisations.size() + 63) / 64));
  // Rows only for the areas that hold a record, or have one below them: the others are 0
  // everywhere (a store with OCHA's global list holds 33,000 areas, most of them empty).
  c.row_.assign(f.areas.size(), -1);
  int rows = 0;
  for (size_t a = 0; a < f.areas.size(); ++a)
    if (f.Active(static_cast<int>(a))) c.row_[a] = rows++;
  const size_t block = static_cast<size_t>(std::max(c.months_, 0)) * c.slots_;
  size_t cells = static_cast<size_t>(rows) * block;
  c.data_.assign(cells * c.measures_, 0);
  c.orgs_.assign(cells * c.org_words_, 0);
  c.sources_.assign(cells, 0);
  c.own_row_.assign(f.areas.size(), -1);
  if (c.months_ <= 0) return c;
  Layout l{c.months_,
           c.slots_,
           c.measures_,
           c.org_words_,
           {c.dim_offset_[0], c.dim_offset_[1], c.dim_offset_[2], c.dim_offset_[3]},
           c.row_.data()};
  // Two halves on two threads, split at an area boundary so that no cell is shared.
  size_t n = f.incidents(), mid = n / 2;
  while (mid > 0 && mid < n && f.area[mid] == f.area[mid - 1]) ++mid;
  if (n >= 100000) {
    std::thread t([&] {
      AddIncidents(f, l, first, c.last_, 0, mid, withheld_risks, c.data_.data(), c.orgs_.data(),
                   c.sources_.data());
    });
    AddIncidents(f, l, first, c.last_, mid, n, withheld_risks, c.data_.data(), c.orgs_.data(),
                 c.sources_.data());
    t.join();
  } else {
    AddIncidents(f, l, first, c.last_, 0, n, withheld_risks, c.data_.data(), c.orgs_.data(),
                 c.sources_.data());
  }
  for (const auto& a : f.answers) {
    if (a.month < first || a.month > c.last_) continue;
    if (a.slot > 0 && (withheld_risks >> (a.slot - 1) & 1u) != 0) continue;
    const size_t cell = c.Index(c.row_[a.area], a.month, a.slot);
    int32_t* x = &c.data_[cell * c.measures_];
    x[kReports] += 1;
    x[kReportsPresent] += a.present == 1;
    x[kSeveritySum] += a.severity;
    x[kSeverityMax] = std::max<int32_t>(x[kSeverityMax], a.severity);
    if (a.org >= 0) c.orgs_[cell * c.org_words_ + (a.org >> 6)] |= uint64_t{1} << (a.org & 63);
  }
  // Before the roll-up, each area with sub-areas (that hold records) holds only the records
  // placed on it: kept as its "not further located" part.
  int own_rows = 0;
  for (size_t a = 0; a < f.areas.size(); ++a) {
    const int p = f.areas[a].parent;
    if (p >= 0 && c.row_[a] >= 0 && c.own_row_[p] < 0) c.own_row_[p] = own_rows++;
  }
  c.own_data_.resize(static_cast<size_t>(own_rows) * block * c.measures_);
  c.own_orgs_.resize(static_cast<size_t>(own_rows) * block * c.org_words_);
  c.own_sources_.resize(static_cast<size_t>(own_rows) * block);
  for (size_t a = 0; a < f.areas.size(); ++a) {
    const int r = c.own_row_[a];
    if (r < 0) continue;
    const size_t from = static_cast<size_t>(c.row_[a]);
    std::copy_n(&c.data_[from * block * c.measures_], block * c.measures_,
                &c.own_data_[static_cast<size_t>(r) * block * c.measures_]);
    std::copy_n(&c.orgs_[from * block * c.org_words_], block * c.org_words_,
                &c.own_orgs_[static_cast<size_t>(r) * block * c.org_words_]);
    std::copy_n(&c.sources_[from * block], block, &c.own_sources_[static_cast<size_t>(r) * block]);
  }
  // Roll-up: deepest areas first, each added into its parent.
  std::vector<int> order;
  for (size_t i = 0; i < f.areas.size(); ++i)
    if (c.row_[i] >= 0) order.push_back(static_cast<int>(i));
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return f.areas[a].level > f.areas[b].level; });
  for (int a : order) {
    int p = f.areas[a].parent;
    if (p < 0) continue;
    const size_t ra = static_cast<size_t>(c.row_[a]), rp = static_cast<size_t>(c.row_[p]);
    const int32_t* src = &c.data_[ra * block * c.measures_];
    int32_t* dst = &c.data_[rp * block * c.measures_];
    for (size_t cell = 0; cell < block; ++cell) {
      const int32_t* s = src + cell * c.measures_;
      int32_t* d = dst + cell * c.measures_;
      for (int k = 0; k < c.measures_; ++k) d[k] += s[k];
      d[kSeverityMax] = std::max(d[kSeverityMax] - s[kSeverityMax], s[kSeverityMax]);
    }
    const uint64_t* so = &c.orgs_[ra * block * c.org_words_];
    uint64_t* dob = &c.orgs_[rp * block * c.org_words_];
    for (size_t w = 0; w < block * c.org_words_; ++w) dob[w] |= so[w];
    for (size_t cell = 0; cell < block; ++cell)
      c.sources_[rp * block + cell] |= c.sources_[ra * block + cell];
  }
  return c;
}

Cube::Block Cube::BlockOf(int area, Part part) const {
  const auto a = static_cast<size_t>(area);
  if (part == Part::kNotFurtherLocated && a < own_row_.size() && own_row_[a] >= 0)
    return {&own_data_, &own_orgs_, &own_sources_, own_row_[a]};
  return {&data_, &orgs_, &sources_, a < row_.size() ? row_[a] : -1};
}

int64_t Cube::Sum(int area, int m0, int m1, int slot, int measure, Part part) const {
  m0 = std::max(m0, first_);
  m1 = std::min(m1, last_);
  const Block b = BlockOf(area, part);
  if (b.row < 0) return 0;  // no record in or below the area
  int64_t s = 0;
  for (int m = m0; m <= m1; ++m) {
    int64_t v = (*b.data)[Index(b, m, slot) * measures_ + measure];
    s = measure == kSeverityMax ? std::max(s, v) : s + v;
  }
  return s;
}

int Cube::DistinctOrgs(int area, int m0, int m1, int slot, Part part) const {
  m0 = std::max(m0, first_);
  m1 = std::min(m1, last_);
  const Block b = BlockOf(area, part);
  if (b.row < 0) return 0;
  int n = 0;
  for (int w = 0; w < org_words_; ++w) {
    uint64_t bits = 0;
    for (int m = m0; m <= m1; ++m) bits |= (*b.orgs)[Index(b, m, slot) * org_words_ + w];
    n += std::popcount(bits);
  }
  return n;
}

uint32_t Cube::SourceTypes(int area, int m0, int m1, int slot, Part part) const {
  m0 = std::max(m0, first_);
  m1 = std::min(m1, last_);
  const Block b = BlockOf(area, part);
  if (b.row < 0) return 0;
  uint32_t bits = 0;
  for (int m = m0; m <= m1; ++m) bits |= (*b.sources)[Index(b, m, slot)];
  return bits;
}

}  // namespace aegis::analysis
