// Fellegi-Sunter linkage with EM. See linkage.h.
#include "match/linkage.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "util/text.h"

namespace aegis::match {

int Table::Column(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return static_cast<int>(i);
  return -1;
}

namespace {

constexpr int kBits = 3;  // agreement level bits per field in a pattern
constexpr int kMaxFields = 64 / kBits;

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

const std::vector<std::string>& LevelNames(FieldKind k) {
  static const std::vector<std::string> kName = {"missing",
                                                 "exact",
                                                 "jaro-winkler >= 0.94",
                                                 "jaro-winkler >= 0.88",
                                                 "same sound (metaphone or consonant key)",
                                                 "jaro-winkler >= 0.70",
                                                 "different",
                                                 "written in the other name field"};
  static const std::vector<std::string> kText = {"missing",
                                                 "exact",
                                                 "token similarity >= 0.95",
                                                 "token similarity >= 0.88",
                                                 "token similarity >= 0.75",
                                                 "different",
                                                 "written in the swapped field"};
  static const std::vector<std::string> kExact = {"missing", "exact", "different"};
  static const std::vector<std::string> kCode = {"missing", "exact", "one edit", "two edits",
                                                 "different"};
  static const std::vector<std::string> kDate = {
      "missing", "exact", "one digit or day/month swapped", "within tolerance", "different"};
  switch (k) {
    case FieldKind::kName:
      return kName;
    case FieldKind::kText:
      return kText;
    case FieldKind::kExact:
      return kExact;
    case FieldKind::kCode:
      return kCode;
    case FieldKind::kDate:
      return kDate;
  }
  return kExact;
}

// One distinct normalised value of a field, with what comparisons need.
struct Value {
  std::string norm;   // Normalize()
  std::string latin;  // ToLatin(): Arabic names compared in Latin letters
  std::string phone;  // Double Metaphone primary of the Latin form
  std::string ckey;   // consonant key
  std::vector<std::string> tokens;
  int64_t count = 0;
};

struct Field {
  FieldSpec spec;
  int col_left = -1, col_right = -1;
  int swap = -1;  // index of the swap_with field
  std::vector<Value> values;
  std::vector<int32_t> left, right;  // value id per row, -1 missing
  std::vector<double> m, u, w;
  double u_exact_random = 0;  // chance that two random records agree exactly
  int levels = 0;
};

// Optimal string alignment distance (Levenshtein with adjacent transpositions), capped at 3.
int Osa(const std::string& a, const std::string& b) {
  size_t la = a.size(), lb = b.size();
  if (la > 32 || lb > 32) return std::min(3, Levenshtein(a, b, 3));
  if ((la > lb ? la - lb : lb - la) > 2) return 3;
  std::array<std::array<int, 33>, 33> d{};
  for (size_t i = 0; i <= la; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= lb; ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= la; ++i)
    for (size_t j = 1; j <= lb; ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int v = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        v = std::min(v, d[i - 2][j - 2] + 1);
      d[i][j] = v;
    }
  return std::min(3, d[la][lb]);
}

double TokenSim(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() || b.empty()) return 0;
  const auto& s = a.size() <= b.size() ? a : b;
  const auto& l = a.size() <= b.size() ? b : a;
  auto one = [](const std::vector<std::string>& x, const std::vector<std::string>& y) {
    double sum = 0;
    for (const auto& p : x) {
      double best = 0;
      for (const auto& q : y) best = std::max(best, p == q ? 1.0 : JaroWinkler(p, q));
      sum += best;
    }
    return sum / static_cast<double>(x.size());
  };
  double core = one(s, l);
  double sym = 0.5 * (core + one(l, s));
  return std::max(sym, core - 0.04 * static_cast<double>(l.size() - s.size()));
}

int CompareValues(const Field& f, int32_t ia, int32_t ib) {
  if (ia < 0 || ib < 0) return 0;
  if (ia == ib) return 1;
  const Value& a = f.values[static_cast<size_t>(ia)];
  const Value& b = f.values[static_cast<size_t>(ib)];
  switch (f.spec.kind) {
    case FieldKind::kName: {
      double jw = JaroWinkler(a.latin, b.latin);
      if (a.latin == b.latin) return 2;
      if (jw >= 0.94) return 2;
      if (jw >= 0.88) return 3;
      if ((!a.phone.empty() && a.phone == b.phone) || (!a.ckey.empty() && a.ckey == b.ckey))
        return 4;
      if (jw >= 0.70) return 5;
      return 6;
    }
    case FieldKind::kText: {
      double s = TokenSim(a.tokens, b.tokens);
      if (s >= 0.95) return 2;
      if (s >= 0.88) return 3;
      if (s >= 0.75) return 4;
      return 5;
    }
    case FieldKind::kExact:
      return 2;
    case FieldKind::kCode: {
      int d = Osa(a.norm, b.norm);
      if (d <= 1) return 2;
      if (d == 2 && a.norm.size() >= 4) return 3;
      return 4;
    }
    case FieldKind::kDate: {
      switch (CompareDates(a.norm, b.norm, f.spec.date_tolerance_days)) {
        case DateAgreement::kMissing:
          return Osa(a.norm, b.norm) <= 1 ? 2 : 4;
        case DateAgreement::kExact:
          return 1;
        case DateAgreement::kTransposed:
        case DateAgreement::kTypo:
          return 2;
        case DateAgreement::kWithinTolerance:
          return Osa(a.norm, b.norm) <= 1 ? 2 : 3;
        case DateAgreement::kDifferent:
          return Osa(a.norm, b.norm) <= 1 ? 2 : 4;
      }
      return 4;
    }
  }
  return 0;
}

bool CloseAcross(const Value& a, const Value& b, FieldKind k) {
  if (k == FieldKind::kName) return a.latin == b.latin || JaroWinkler(a.latin, b.latin) >= 0.92;
  return TokenSim(a.tokens, b.tokens) >= 0.88;
}

std::string DateDigits(const std::string& raw) {
  // Dates keep their separators for CompareDates; other punctuation is dropped.
  std::string out;
  for (char c : raw)
    if ((c >= '0' && c <= '9') || c == '-' || c == '/' || c == '.') out.push_back(c);
  return out;
}

}  // namespace

struct Linker::Impl {
  LinkConfig cfg;
  const Table* left = nullptr;
  const Table* right = nullptr;  // == left when de-duplicating
  bool dedup = false;
  std::vector<Field> fields;
  std::vector<uint64_t> pairs;     // a << 32 | b
  std::vector<uint64_t> patterns;  // per pair
  std::vector<Link> cand, links;
  LinkStats stats;
  double lambda = 0.01;

  Status Prepare();
  std::vector<uint64_t> RuleKeys(const BlockingRule& r, const Table& t,
                                 std::vector<uint32_t>* owner) const;
  void Block();
  void Compare();
  void Em();
  void Score();
  double PairWeight(int32_t a, int32_t b, uint64_t pattern) const;
  uint64_t Pattern(int32_t a, int32_t b) const {
    uint64_t p = 0;
    for (size_t f = 0; f < fields.size(); ++f) {
      const Field& fd = fields[f];
      int32_t ia = fd.left[static_cast<size_t>(a)], ib = fd.right[static_cast<size_t>(b)];
      int lv = CompareValues(fd, ia, ib);
      if (fd.swap >= 0 && ia >= 0 && lv >= fd.levels - 3) {
        const Field& g = fields[static_cast<size_t>(fd.swap)];
        int32_t jb = g.right[static_cast<size_t>(b)];
        if (jb >= 0 && CloseAcross(fd.values[static_cast<size_t>(ia)],
                                   g.values[static_cast<size_t>(jb)], fd.spec.kind))
          lv = fd.levels - 1;
      }
      p |= static_cast<uint64_t>(lv) << (kBits * f);
    }
    return p;
  }
};

Linker::Linker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Linker::~Linker() = default;
Linker::Linker(Linker&&) noexcept = default;
Linker& Linker::operator=(Linker&&) noexcept = default;

Result<Linker> Linker::Create(LinkConfig config, const Table& left, const Table* right) {
  auto impl = std::make_unique<Impl>();
  impl->cfg = std::move(config);
  impl->left = &left;
  impl->right = right ? right : &left;
  impl->dedup = right == nullptr;
  if (impl->cfg.fields.empty())
    return Status::InvalidArgument("match: no fields to compare; give at least one field");
  if (impl->cfg.fields.size() > static_cast<size_t>(kMaxFields))
    return Status::InvalidArgument("match: at most 21 fields can be compared");
  if (impl->cfg.blocking.empty())
    return Status::InvalidArgument("match: no blocking rule; give at least one");
  for (const FieldSpec& s : impl->cfg.fields) {
    Field f;
    f.spec = s;
    f.col_left = left.Column(s.column);
    f.col_right = impl->right->Column(s.column);
    if (f.col_left < 0 || f.col_right < 0)
      return Status::InvalidArgument("match: column '" + s.column +
                                     "' is missing from a table; name an existing column");
    f.levels = static_cast<int>(LevelNames(s.kind).size());
    impl->fields.push_back(std::move(f));
  }
  for (Field& f : impl->fields) {
    if (f.spec.swap_with.empty()) continue;
    for (size_t g = 0; g < impl->fields.size(); ++g)
      if (impl->fields[g].spec.column == f.spec.swap_with &&
          impl->fields[g].spec.kind == f.spec.kind)
        f.swap = static_cast<int>(g);
    if (f.swap < 0 || (f.spec.kind != FieldKind::kName && f.spec.kind != FieldKind::kText))
      return Status::InvalidArgument("match: swap_with of '" + f.spec.column +
                                     "' must name another compared field of the same kind "
                                     "(names or texts)");
  }
  for (const BlockingRule& r : impl->cfg.blocking)
    for (const KeyPart& p : r.parts)
      if (left.Column(p.column) < 0 || impl->right->Column(p.column) < 0)
        return Status::InvalidArgument("match: blocking column '" + p.column +
                                       "' is missing from a table");
  AEGIS_RETURN_IF_ERROR(impl->Prepare());
  return Linker(std::move(impl));
}

Status Linker::Impl::Prepare() {
  for (Field& f : fields) {
    std::unordered_map<std::string, int32_t> ids;
    auto intern = [&](const Table& t, int col, std::vector<int32_t>* out) {
      out->resize(t.rows.size());
      for (size_t r = 0; r < t.rows.size(); ++r) {
        const auto& row = t.rows[r];
        std::string v =
            static_cast<size_t>(col) < row.size()
                ? (f.spec.kind == FieldKind::kDate ? DateDigits(row[static_cast<size_t>(col)])
                                                   : Normalize(row[static_cast<size_t>(col)]))
                : std::string();
        if (v.empty()) {
          (*out)[r] = -1;
          continue;
        }
        auto [it, added] = ids.try_emplace(v, static_cast<int32_t>(f.values.size()));
        if (added) {
          Value val;
          val.norm = v;
          f.values.push_back(std::move(val));
        }
        f.values[static_cast<size_t>(it->second)].count++;
        (*out)[r] = it->second;
      }
    };
    intern(*left, f.col_left, &f.left);
    if (dedup)
      f.right = f.left;
    else
      intern(*right, f.col_right, &f.right);
    int64_t total = 0;
    for (const Value& v : f.values) total += v.count;
    double sq = 0;
    for (Value& v : f.values) {
      double p = total ? static_cast<double>(v.count) / static_cast<double>(total) : 0;
      sq += p * p;
      if (f.spec.kind == FieldKind::kName) {
        v.latin = HasArabic(v.norm) ? ToLatin(v.norm) : v.norm;
        v.phone = DoubleMetaphone(v.latin).first;
        v.ckey = ConsonantKey(v.norm);
      } else if (f.spec.kind == FieldKind::kText) {
        std::string lat = HasArabic(v.norm) ? ToLatin(v.norm) : v.norm;
        v.tokens = text::SplitAny(lat, " ");
      }
    }
    f.u_exact_random = sq;
  }
  return Status::Ok();
}

namespace {

std::vector<std::string> KeyStrings(const KeyPart& p, const std::string& raw) {
  std::vector<std::string> out;
  if (p.of == KeyOf::kYear) {
    int32_t d = 0;
    std::string t(text::Trim(raw));
    if (t.size() >= 4 && ParseDay(t, &d)) {
      out.push_back(t.size() == 8 || t[4] == '-' || t[4] == '/' ? t.substr(0, 4)
                                                                : t.substr(t.size() - 4));
    } else if (t.size() >= 4 &&
               std::all_of(t.begin(), t.begin() + 4, [](char c) { return c >= '0' && c <= '9'; })) {
      out.push_back(t.substr(0, 4));
    }
    return out;
  }
  std::string n = Normalize(raw);
  if (n.empty()) return out;
  switch (p.of) {
    case KeyOf::kValue:
      out.push_back(n);
      break;
    case KeyOf::kPrefix:
      out.push_back(n.substr(0, static_cast<size_t>(std::max(1, p.n))));
      break;
    case KeyOf::kMetaphone: {
      std::string c = DoubleMetaphone(n).first;
      if (!c.empty()) out.push_back(c);
      break;
    }
    case KeyOf::kConsonant: {
      std::string c = ConsonantKey(n);
      if (!c.empty()) out.push_back(c);
      break;
    }
    case KeyOf::kTokens:
    case KeyOf::kTokenPhones:
    case KeyOf::kTokenConsonants: {
      for (const std::string& t : text::SplitAny(n, " ")) {
        std::string c = p.of == KeyOf::kTokens        ? t
                        : p.of == KeyOf::kTokenPhones ? DoubleMetaphone(t).first
                                                      : ConsonantKey(t);
        if (c.size() >= 2 && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
      }
      break;
    }
    case KeyOf::kSortedTokens: {
      std::vector<std::string> t = text::SplitAny(HasArabic(n) ? ToLatin(n) : n, " ");
      std::sort(t.begin(), t.end());
      out.push_back(text::Join(t, " "));
      break;
    }
    case KeyOf::kYear:
      break;
  }
  return out;
}

}  // namespace

std::vector<uint64_t> Linker::Impl::RuleKeys(const BlockingRule& r, const Table& t,
                                             std::vector<uint32_t>* owner) const {
  std::vector<uint64_t> keys;
  std::vector<int> cols;
  for (const KeyPart& p : r.parts) cols.push_back(t.Column(p.column));
  for (size_t row = 0; row < t.rows.size(); ++row) {
    std::vector<std::string> combos = {""};
    for (size_t i = 0; i < r.parts.size() && !combos.empty(); ++i) {
      const auto& cells = t.rows[row];
      std::string raw =
          static_cast<size_t>(cols[i]) < cells.size() ? cells[static_cast<size_t>(cols[i])] : "";
      std::vector<std::string> ks = KeyStrings(r.parts[i], raw);
      std::vector<std::string> next;
      for (const std::string& c : combos)
        for (const std::string& k : ks) next.push_back(c + '\x1f' + k);
      combos = std::move(next);
    }
    for (const std::string& c : combos) {
      keys.push_back(text::Hash64(c));
      owner->push_back(static_cast<uint32_t>(row));
    }
  }
  return keys;
}

void Linker::Impl::Block() {
  auto t0 = std::chrono::steady_clock::now();
  pairs.clear();
  const size_t cap = static_cast<size_t>(std::max(2, cfg.max_block));
  for (const BlockingRule& r : cfg.blocking) {
    // (key, side << 32 | row), sorted by key: each run of equal keys is one block.
    std::vector<uint32_t> owner_l, owner_r;
    std::vector<uint64_t> kl = RuleKeys(r, *left, &owner_l);
    std::vector<std::pair<uint64_t, uint64_t>> entries;
    entries.reserve(kl.size());
    for (size_t i = 0; i < kl.size(); ++i) entries.emplace_back(kl[i], owner_l[i]);
    if (!dedup) {
      std::vector<uint64_t> kr = RuleKeys(r, *right, &owner_r);
      for (size_t i = 0; i < kr.size(); ++i)
        entries.emplace_back(kr[i], (uint64_t{1} << 32) | owner_r[i]);
    }
    std::sort(entries.begin(), entries.end());
    std::vector<uint32_t> ls, rs;
    for (size_t i = 0; i < entries.size();) {
      size_t j = i;
      ls.clear();
      rs.clear();
      while (j < entries.size() && entries[j].first == entries[i].first) {
        auto row = static_cast<uint32_t>(entries[j].second & 0xffffffffu);
        if (entries[j].second >> 32)
          rs.push_back(row);
        else
          ls.push_back(row);
        ++j;
      }
      i = j;
      if (dedup) {
        if (ls.size() < 2 || ls.size() > cap) continue;
        for (size_t x = 0; x < ls.size(); ++x)
          for (size_t y = x + 1; y < ls.size(); ++y) {
            uint32_t a = std::min(ls[x], ls[y]), b = std::max(ls[x], ls[y]);
            if (a != b) pairs.push_back((uint64_t{a} << 32) | b);
          }
      } else {
        if (ls.empty() || rs.empty() || ls.size() > cap || rs.size() > cap) continue;
        for (uint32_t a : ls)
          for (uint32_t b : rs) pairs.push_back((uint64_t{a} << 32) | b);
      }
    }
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  stats.candidate_pairs = static_cast<int64_t>(pairs.size());
  auto nl = static_cast<int64_t>(left->rows.size()), nr = static_cast<int64_t>(right->rows.size());
  stats.full_pairs = dedup ? nl * (nl - 1) / 2 : nl * nr;
  stats.seconds_blocking = Since(t0);
}

void Linker::Impl::Compare() {
  auto t0 = std::chrono::steady_clock::now();
  patterns.assign(pairs.size(), 0);
  int threads = std::max(1, cfg.threads);
  size_t n = pairs.size();
  // Small inputs are not worth the threads.
  ParallelFor(n, n < 10000 ? 1 : threads, [&](size_t, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i)
      patterns[i] = Pattern(static_cast<int32_t>(pairs[i] >> 32),
                            static_cast<int32_t>(pairs[i] & 0xffffffffu));
  });
  stats.seconds_comparing = Since(t0);
}

void Linker::Impl::Em() {
  auto t0 = std::chrono::steady_clock::now();
  // Distinct patterns with counts: EM runs over these, not over pairs.
  std::vector<uint64_t> sorted = patterns;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::pair<uint64_t, double>> pc;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    pc.emplace_back(sorted[i], static_cast<double>(j - i));
    i = j;
  }
  const size_t nf = fields.size();
  auto level = [](uint64_t p, size_t f) { return static_cast<int>((p >> (kBits * f)) & 7u); };
  // u: agreement among random pairs, which are almost all non-matches (as in splink). Estimating
  // u inside the blocks instead lets EM take "same place" or "same block" for the match class.
  const size_t nl = left->rows.size(), nr = right->rows.size();
  const size_t samples = std::min<size_t>(100000, static_cast<size_t>(stats.full_pairs));
  uint64_t rng = 0x9E3779B97F4A7C15ULL;
  auto next = [&rng] {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
  };
  std::vector<std::vector<double>> ucount(nf);
  for (size_t f = 0; f < nf; ++f) ucount[f].assign(static_cast<size_t>(fields[f].levels), 0.5);
  for (size_t k = 0; k < samples && nl > 1; ++k) {
    auto a = static_cast<int32_t>(next() % nl), b = static_cast<int32_t>(next() % nr);
    if (dedup && a == b) continue;
    uint64_t p = Pattern(a, b);
    for (size_t f = 0; f < nf; ++f) ucount[f][static_cast<size_t>(level(p, f))] += 1;
  }
  for (size_t f = 0; f < nf; ++f) {
    Field& fd = fields[f];
    auto L = static_cast<size_t>(fd.levels);
    fd.m.assign(L, 0);
    fd.u.assign(L, 0);
    double su = 0;
    for (size_t l = 1; l < L; ++l) su += ucount[f][l];
    for (size_t l = 1; l < L; ++l) {
      fd.u[l] = ucount[f][l] / su;
      // Start: agreement likely among matches.
      fd.m[l] = l == 1 ? 0.9 : 0.1 / static_cast<double>(L - 2);
    }
  }
  // lambda is the share of matches in the full product (every match assumed to be among the
  // candidates): EM over the candidates with every other pair a known non-match.
  const double full = std::max<double>(1.0, static_cast<double>(stats.full_pairs));
  lambda = cfg.prior_match_share > 0 ? cfg.prior_match_share
                                     : std::min(0.5, static_cast<double>(std::max(nl, nr)) / full);
  std::vector<std::vector<double>> mm(nf);
  int it = 0;
  for (; it < cfg.em_iterations; ++it) {
    for (size_t f = 0; f < nf; ++f) mm[f].assign(static_cast<size_t>(fields[f].levels), 1e-3);
    double sum_p = 0;
    for (const auto& [p, c] : pc) {
      double lm = std::log(lambda), lu = std::log(1 - lambda);
      for (size_t f = 0; f < nf; ++f) {
        int l = level(p, f);
        if (l == 0) continue;
        lm += std::log(fields[f].m[static_cast<size_t>(l)]);
        lu += std::log(fields[f].u[static_cast<size_t>(l)]);
      }
      double post = 1.0 / (1.0 + std::exp(lu - lm));
      sum_p += post * c;
      for (size_t f = 0; f < nf; ++f) {
        int l = level(p, f);
        if (l != 0) mm[f][static_cast<size_t>(l)] += post * c;
      }
    }
    double change = 0;
    for (size_t f = 0; f < nf; ++f) {
      double sm = 0;
      for (size_t l = 1; l < mm[f].size(); ++l) sm += mm[f][l];
      for (size_t l = 1; l < mm[f].size(); ++l) {
        double nm = mm[f][l] / sm;
        change = std::max(change, std::abs(nm - fields[f].m[l]));
        fields[f].m[l] = nm;
      }
    }
    if (cfg.prior_match_share <= 0) {
      double nlambda = std::clamp(sum_p / full, 1e-12, 0.5);
      change = std::max(change, std::abs(std::log(nlambda / lambda)) * 1e-3);
      lambda = nlambda;
    }
    if (change < 1e-6) {
      ++it;
      break;
    }
  }
  for (Field& f : fields) {
    f.w.assign(static_cast<size_t>(f.levels), 0);
    for (size_t l = 1; l < f.w.size(); ++l) f.w[l] = std::log2(f.m[l] / f.u[l]);
  }
  stats.em_iterations_run = it;
  stats.match_share = lambda;
  stats.seconds_em = Since(t0);
}

double Linker::Impl::PairWeight(int32_t a, int32_t b, uint64_t pattern) const {
  double w = 0;
  for (size_t f = 0; f < fields.size(); ++f) {
    const Field& fd = fields[f];
    auto l = static_cast<size_t>((pattern >> (kBits * f)) & 7u);
    w += fd.w[l];
    if (l == 1 && fd.spec.term_frequency) {
      const Value& v = fd.values[static_cast<size_t>(fd.left[static_cast<size_t>(a)])];
      double share = static_cast<double>(v.count) /
                     static_cast<double>(left->rows.size() + (dedup ? 0 : right->rows.size()));
      // Agreeing on a rare value is stronger evidence than on a common one (as in splink).
      w += std::clamp(std::log2(fd.u_exact_random / std::max(share, 1e-9)), -6.0, 6.0);
    }
  }
  return w;
}

void Linker::Impl::Score() {
  cand.resize(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    Link& k = cand[i];
    k.a = static_cast<int32_t>(pairs[i] >> 32);
    k.b = static_cast<int32_t>(pairs[i] & 0xffffffffu);
    k.weight = static_cast<float>(PairWeight(k.a, k.b, patterns[i]));
    double lo = k.weight + std::log2(lambda / (1 - lambda));
    k.probability = static_cast<float>(1.0 / (1.0 + std::exp2(-lo)));
  }
  links.clear();
  for (const Link& k : cand)
    if (k.probability >= cfg.threshold) links.push_back(k);
  std::sort(links.begin(), links.end(), [](const Link& x, const Link& y) {
    return x.weight != y.weight ? x.weight > y.weight : (x.a != y.a ? x.a < y.a : x.b < y.b);
  });
  if (cfg.one_to_one && !dedup) {
    std::vector<char> ua(left->rows.size()), ub(right->rows.size());
    std::vector<Link> kept;
    for (const Link& k : links) {
      if (ua[static_cast<size_t>(k.a)] || ub[static_cast<size_t>(k.b)]) continue;
      ua[static_cast<size_t>(k.a)] = ub[static_cast<size_t>(k.b)] = 1;
      kept.push_back(k);
    }
    links = std::move(kept);
  }
}

Status Linker::Run() {
  impl_->Block();
  impl_->Compare();
  impl_->Em();
  impl_->Score();
  impl_->patterns.clear();
  impl_->patterns.shrink_to_fit();
  return Status::Ok();
}

const std::vector<Link>& Linker::links() const { return impl_->links; }
const std::vector<Link>& Linker::candidates() const { return impl_->cand; }
const LinkStats& Linker::stats() const { return impl_->stats; }

double Linker::Probability(double weight) const {
  double lo = weight + std::log2(impl_->lambda / (1 - impl_->lambda));
  return 1.0 / (1.0 + std::exp2(-lo));
}

std::vector<int32_t> Linker::Clusters() const { return Clusters(impl_->cfg.threshold); }

std::vector<int32_t> Linker::Clusters(double min_probability) const {
  std::vector<int32_t> parent(impl_->left->rows.size());
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int32_t x) {
    while (parent[static_cast<size_t>(x)] != x) {
      parent[static_cast<size_t>(x)] = parent[static_cast<size_t>(parent[static_cast<size_t>(x)])];
      x = parent[static_cast<size_t>(x)];
    }
    return x;
  };
  for (const Link& k : impl_->cand) {
    if (k.probability < min_probability) continue;
    int32_t ra = find(k.a), rb = find(k.b);
    if (ra != rb) parent[static_cast<size_t>(std::max(ra, rb))] = std::min(ra, rb);
  }
  for (size_t i = 0; i < parent.size(); ++i) parent[i] = find(static_cast<int32_t>(i));
  return parent;
}

Explanation Linker::Explain(int32_t a, int32_t b) const {
  const Impl& im = *impl_;
  Explanation e;
  uint64_t p = im.Pattern(a, b);
  e.weight = im.PairWeight(a, b, p);
  e.probability = Probability(e.weight);
  for (size_t f = 0; f < im.fields.size(); ++f) {
    const Field& fd = im.fields[f];
    FieldExplanation x;
    x.column = fd.spec.column;
    auto cell = [](const Table& t, size_t row, int col) {
      return static_cast<size_t>(col) < t.rows[row].size() ? t.rows[row][static_cast<size_t>(col)]
                                                           : std::string();
    };
    x.value_a = cell(*im.left, static_cast<size_t>(a), fd.col_left);
    x.value_b = cell(*im.right, static_cast<size_t>(b), fd.col_right);
    auto l = static_cast<size_t>((p >> (kBits * f)) & 7u);
    x.level = LevelNames(fd.spec.kind)[l];
    x.weight = fd.w.empty() ? 0 : fd.w[l];
    x.m = fd.m.empty() ? 0 : fd.m[l];
    x.u = fd.u.empty() ? 0 : fd.u[l];
    e.fields.push_back(std::move(x));
  }
  return e;
}

Quality Evaluate(std::vector<std::pair<int32_t, int32_t>> predicted,
                 std::vector<std::pair<int32_t, int32_t>> truth) {
  std::sort(predicted.begin(), predicted.end());
  predicted.erase(std::unique(predicted.begin(), predicted.end()), predicted.end());
  std::sort(truth.begin(), truth.end());
  truth.erase(std::unique(truth.begin(), truth.end()), truth.end());
  Quality q;
  q.true_pairs = static_cast<int64_t>(truth.size());
  q.predicted = static_cast<int64_t>(predicted.size());
  size_t i = 0, j = 0;
  while (i < predicted.size() && j < truth.size()) {
    if (predicted[i] == truth[j]) {
      ++q.correct;
      ++i;
      ++j;
    } else if (predicted[i] < truth[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  q.precision = q.predicted ? static_cast<double>(q.correct) / static_cast<double>(q.predicted) : 0;
  q.recall = q.true_pairs ? static_cast<double>(q.correct) / static_cast<double>(q.true_pairs) : 0;
  q.f1 = q.precision + q.recall > 0 ? 2 * q.precision * q.recall / (q.precision + q.recall) : 0;
  return q;
}

Quality EvaluateClusters(const std::vector<int32_t>& predicted,
                         const std::vector<std::string>& truth) {
  std::unordered_map<std::string, int32_t> tid;
  std::vector<int32_t> t(truth.size());
  for (size_t i = 0; i < truth.size(); ++i)
    t[i] = tid.try_emplace(truth[i], static_cast<int32_t>(tid.size())).first->second;
  auto pairs_of = [](std::unordered_map<int64_t, int64_t>& counts) {
    int64_t s = 0;
    for (const auto& [k, c] : counts) s += c * (c - 1) / 2;
    return s;
  };
  std::unordered_map<int64_t, int64_t> cp, ct, cb;
  for (size_t i = 0; i < predicted.size() && i < t.size(); ++i) {
    cp[predicted[i]]++;
    ct[t[i]]++;
    cb[(static_cast<int64_t>(predicted[i]) << 32) | t[i]]++;
  }
  Quality q;
  q.predicted = pairs_of(cp);
  q.true_pairs = pairs_of(ct);
  q.correct = pairs_of(cb);
  q.precision = q.predicted ? static_cast<double>(q.correct) / static_cast<double>(q.predicted) : 0;
  q.recall = q.true_pairs ? static_cast<double>(q.correct) / static_cast<double>(q.true_pairs) : 0;
  q.f1 = q.precision + q.recall > 0 ? 2 * q.precision * q.recall / (q.precision + q.recall) : 0;
  return q;
}

}  // namespace aegis::match
