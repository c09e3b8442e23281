// Family tracing, incident de-duplication candidates and the Primero-style baseline.
#include "match/tracing.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "util/text.h"

namespace aegis::match {

const char* BandName(Band b) { return b == Band::kLikely ? "likely" : "possible"; }

std::string InMemoryDecisions::Key(const std::string& a, const std::string& b) {
  return a + '\x1f' + b;
}
void InMemoryDecisions::Reject(const std::string& request_id, const std::string& record_id) {
  rejected_.insert(Key(request_id, record_id));
  confirmed_.erase(Key(request_id, record_id));
}
void InMemoryDecisions::Confirm(const std::string& request_id, const std::string& record_id) {
  confirmed_.insert(Key(request_id, record_id));
  rejected_.erase(Key(request_id, record_id));
}
bool InMemoryDecisions::IsRejected(const std::string& request_id,
                                   const std::string& record_id) const {
  return rejected_.count(Key(request_id, record_id)) > 0;
}
bool InMemoryDecisions::IsConfirmed(const std::string& request_id,
                                    const std::string& record_id) const {
  return confirmed_.count(Key(request_id, record_id)) > 0;
}

namespace {

// Field weights of the tracing score: log2(m / u) with m (share among true pairs) and u (share
// among random pairs) as documented in doc/match.md.
double W(double m, double u) { return std::log2(m / u); }

struct NameToken {
  std::string text;   // normalised (Arabic kept)
  std::string latin;  // ToLatin
  std::string ckey;   // consonant key
  bool arabic = false;
};

std::vector<NameToken> PrepareName(const std::string& name) {
  std::vector<NameToken> out;
  for (std::string& t : Tokens(name)) {
    // The article alone ("Al-Rashid" = al + rashid) is not a name part; Arabic writes it joined.
    if (t == "al" || t == "el" || t == "ul" || t == "ال") continue;
    NameToken n;
    n.arabic = HasArabic(t);
    n.latin = n.arabic ? ToLatin(t) : t;
    n.ckey = ConsonantKey(t);
    n.text = std::move(t);
    out.push_back(std::move(n));
  }
  return out;
}

double TokenPairSim(const NameToken& a, const NameToken& b, const TranslitModel* model) {
  if (a.text == b.text) return 1.0;
  double s = JaroWinkler(a.latin, b.latin);
  // The same consonant skeleton: 0.9 within a script (a vowel typo), 0.95 across scripts, where
  // short vowels are not written and the skeleton is all there is to agree on.
  if (!a.ckey.empty() && a.ckey == b.ckey) s = std::max(s, a.arabic != b.arabic ? 0.95 : 0.9);
  if (a.arabic != b.arabic && model && !model->empty()) {
    const NameToken& ar = a.arabic ? a : b;
    const NameToken& la = a.arabic ? b : a;
    s = std::max(s, model->Similarity(ar.text, la.text));
  }
  return s;
}

double NameSim(const std::vector<NameToken>& a, const std::vector<NameToken>& b,
               const TranslitModel* model) {
  if (a.empty() || b.empty()) return -1;
  const auto& s = a.size() <= b.size() ? a : b;
  const auto& l = a.size() <= b.size() ? b : a;
  double sum = 0;
  for (const NameToken& x : s) {
    double best = 0;
    for (const NameToken& y : l) best = std::max(best, TokenPairSim(x, y, model));
    sum += best;
  }
  double core = sum / static_cast<double>(s.size());
  return core - 0.03 * static_cast<double>(l.size() - s.size());
}

char Sex(const std::string& s) {
  std::string n = Normalize(s);
  if (n.empty()) return 0;
  if (n[0] == 'm' || n == "boy" || n == "ذكر") return 'm';
  if (n[0] == 'f' || n == "girl" || n == "انثى" || n[0] == 'w') return 'f';
  return 0;
}

struct Prepared {
  std::vector<NameToken> name, relatives;
  char sex = 0;
  int age_min = -1, age_max = -1;
  std::string dob, place;
};

Prepared Prepare(const Person& p) {
  Prepared r;
  r.name = PrepareName(p.name);
  r.relatives = PrepareName(p.relative_names);
  r.sex = Sex(p.sex);
  r.age_min = p.age_min;
  r.age_max = p.age_max < 0 ? p.age_min : p.age_max;
  r.dob = std::string(text::Trim(p.date_of_birth));
  r.place = Normalize(p.place);
  return r;
}

// Blocking keys of a name; the low bit tells a key of two name parts (1) from one of a single
// part (0): single-part keys of common names are skipped, pairs are specific enough.
std::vector<uint64_t> Keys(const Prepared& p) {
  std::vector<uint64_t> out;
  std::vector<std::string> ck;
  for (const NameToken& t : p.name) {
    if (t.ckey.size() >= 2) ck.push_back(t.ckey);
    std::string dm = DoubleMetaphone(t.latin).first;
    if (dm.size() >= 2) out.push_back(text::Hash64("d" + dm) & ~uint64_t{1});
  }
  std::sort(ck.begin(), ck.end());
  ck.erase(std::unique(ck.begin(), ck.end()), ck.end());
  for (size_t i = 0; i < ck.size(); ++i) {
    out.push_back(text::Hash64("c" + ck[i]) & ~uint64_t{1});
    for (size_t j = i + 1; j < ck.size(); ++j)  // pairs: common single names still block
      out.push_back(text::Hash64("p" + ck[i] + "|" + ck[j]) | 1);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void Add(std::vector<FieldExplanation>* why, double* w, const char* field, const std::string& a,
         const std::string& b, const char* level, double weight) {
  *w += weight;
  if (why) {
    FieldExplanation f;
    f.column = field;
    f.value_a = a;
    f.value_b = b;
    f.level = level;
    f.weight = weight;
    why->push_back(std::move(f));
  }
}

int PlaceLevel(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return 0;
  if (a == b) return 1;
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  if (n == std::min(a.size(), b.size()) || n + 2 >= std::max(a.size(), b.size())) return 2;
  return 3;
}

// The field-by-field weight of a request against a registered person.
double Score(const Person& rq, const Prepared& q, const Person& rc, const Prepared& r,
             const TranslitModel* model, std::vector<FieldExplanation>* why) {
  double w = 0;
  double ns = NameSim(q.name, r.name, model);
  if (ns < 0)
    Add(why, &w, "name", rq.name, rc.name, "missing", 0);
  else if (ns >= 0.97)
    Add(why, &w, "name", rq.name, rc.name, "same name", W(0.70, 0.0005));
  else if (ns >= 0.90)
    Add(why, &w, "name", rq.name, rc.name, "name similarity >= 0.90", W(0.20, 0.003));
  else if (ns >= 0.80)
    Add(why, &w, "name", rq.name, rc.name, "name similarity >= 0.80", W(0.07, 0.03));
  else
    Add(why, &w, "name", rq.name, rc.name, "different names", W(0.03, 0.9665));
  if (!q.sex || !r.sex)
    Add(why, &w, "sex", rq.sex, rc.sex, "missing", 0);
  else if (q.sex == r.sex)
    Add(why, &w, "sex", rq.sex, rc.sex, "same", W(0.97, 0.5));
  else
    Add(why, &w, "sex", rq.sex, rc.sex, "different", W(0.03, 0.5));
  auto age = [](const Person& p) {
    if (p.age_min < 0) return std::string();
    return p.age_max > p.age_min ? std::to_string(p.age_min) + "-" + std::to_string(p.age_max)
                                 : std::to_string(p.age_min);
  };
  if (q.age_min < 0 || r.age_min < 0)
    Add(why, &w, "age", age(rq), age(rc), "missing", 0);
  else if (AgesOverlap(q.age_min, q.age_max, r.age_min, r.age_max, 0))
    Add(why, &w, "age", age(rq), age(rc), "ranges overlap", W(0.85, 0.15));
  else if (AgesOverlap(q.age_min, q.age_max, r.age_min, r.age_max, 3))
    Add(why, &w, "age", age(rq), age(rc), "within 3 years", W(0.12, 0.15));
  else
    Add(why, &w, "age", age(rq), age(rc), "more than 3 years apart", W(0.03, 0.7));
  if (!q.dob.empty() && !r.dob.empty()) {
    switch (CompareDates(q.dob, r.dob, 366)) {
      case DateAgreement::kExact:
        Add(why, &w, "date_of_birth", q.dob, r.dob, "exact", W(0.6, 0.0001));
        break;
      case DateAgreement::kTypo:
      case DateAgreement::kTransposed:
        Add(why, &w, "date_of_birth", q.dob, r.dob, "one digit or day/month swapped",
            W(0.2, 0.001));
        break;
      case DateAgreement::kWithinTolerance:
        Add(why, &w, "date_of_birth", q.dob, r.dob, "within a year", W(0.1, 0.05));
        break;
      case DateAgreement::kDifferent:
        Add(why, &w, "date_of_birth", q.dob, r.dob, "different", W(0.1, 0.95));
        break;
      case DateAgreement::kMissing:
        Add(why, &w, "date_of_birth", q.dob, r.dob, "unreadable", 0);
        break;
    }
  }
  switch (PlaceLevel(q.place, r.place)) {
    case 0:
      Add(why, &w, "place", rq.place, rc.place, "missing", 0);
      break;
    case 1:
      Add(why, &w, "place", rq.place, rc.place, "same area", W(0.5, 0.01));
      break;
    case 2:
      Add(why, &w, "place", rq.place, rc.place, "same parent area (P-code prefix)", W(0.3, 0.1));
      break;
    default:
      Add(why, &w, "place", rq.place, rc.place, "different areas", W(0.2, 0.89));
  }
  if (!q.relatives.empty() && !r.relatives.empty()) {
    double rs = NameSim(q.relatives, r.relatives, model);
    if (rs >= 0.90)
      Add(why, &w, "relative_names", rq.relative_names, rc.relative_names, "similarity >= 0.90",
          W(0.6, 0.005));
    else if (rs >= 0.80)
      Add(why, &w, "relative_names", rq.relative_names, rc.relative_names, "similarity >= 0.80",
          W(0.2, 0.05));
    else
      Add(why, &w, "relative_names", rq.relative_names, rc.relative_names, "different",
          W(0.2, 0.945));
  }
  return w;
}

// The probability that a candidate is the person sought. The sought person is registered (and
// found by blocking) with probability `prior`; if so, each of the request's n blocked candidates
// is a priori as likely to be them, so a candidate's prior is prior/n and its posterior
//   P = 1 / (1 + (1 - prior/n) / (prior/n) * 2^-w).
// Candidates do not compete: a child registered twice (in two scripts, say) is found twice.
struct Posterior {
  double log2_odds = 0;  // log2 of the candidate's prior odds
  double Of(double w) const { return 1.0 / (1.0 + std::exp2(-(w + log2_odds))); }
};

Posterior MakePosterior(size_t candidates, double prior) {
  Posterior p;
  double each = prior / static_cast<double>(std::max<size_t>(1, candidates));
  p.log2_odds = std::log2(each / (1 - each));
  return p;
}

}  // namespace

struct TracingIndex::Impl {
  TracingOptions opt;
  std::vector<Person> people;
  std::vector<Prepared> prep;
  std::vector<std::pair<uint64_t, uint32_t>> index;  // (key, row), sorted
};

TracingIndex::TracingIndex() : impl_(std::make_unique<Impl>()) {}
TracingIndex::~TracingIndex() = default;
TracingIndex::TracingIndex(TracingIndex&&) noexcept = default;
TracingIndex& TracingIndex::operator=(TracingIndex&&) noexcept = default;
size_t TracingIndex::size() const { return impl_->people.size(); }

Result<TracingIndex> TracingIndex::Build(std::vector<Person> registered,
                                         const TracingOptions& options) {
  if (options.top < 1) return Status::InvalidArgument("tracing: top must be at least 1");
  if (!(options.possible <= options.likely))
    return Status::InvalidArgument("tracing: the 'possible' threshold must not exceed 'likely'");
  if (!(options.prior > 0 && options.prior < 1))
    return Status::InvalidArgument("tracing: 'prior' is a probability strictly between 0 and 1");
  TracingIndex t;
  Impl& im = *t.impl_;
  im.opt = options;
  for (Person& p : registered)
    if (p.consent_for_tracing) im.people.push_back(std::move(p));  // consent gate
  registered.clear();
  size_t n = im.people.size();
  im.prep.resize(n);
  std::vector<std::vector<std::pair<uint64_t, uint32_t>>> parts(
      static_cast<size_t>(std::max(1, options.threads)));
  auto work = [&](size_t part, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
      im.prep[i] = Prepare(im.people[i]);
      for (uint64_t k : Keys(im.prep[i])) parts[part].emplace_back(k, static_cast<uint32_t>(i));
    }
  };
  ParallelFor(n, static_cast<int>(parts.size()), work);
  for (auto& p : parts) {
    im.index.insert(im.index.end(), p.begin(), p.end());
    p.clear();
    p.shrink_to_fit();
  }
  std::sort(im.index.begin(), im.index.end());
  return t;
}

std::vector<std::vector<Candidate>> TracingIndex::Match(const std::vector<Person>& requests,
                                                        const DecisionSource* decisions) const {
  const Impl& im = *impl_;
  std::vector<std::vector<Candidate>> out(requests.size());
  auto work = [&](size_t from, size_t to) {
    std::vector<uint32_t> stamp(im.people.size(), 0);
    uint32_t round = 0;
    std::vector<uint32_t> cands;
    std::vector<std::pair<double, uint32_t>> scored;
    for (size_t q = from; q < to; ++q) {
      ++round;
      Prepared pq = Prepare(requests[q]);
      cands.clear();
      for (uint64_t k : Keys(pq)) {
        auto lo = std::lower_bound(im.index.begin(), im.index.end(), std::make_pair(k, 0u));
        auto hi = lo;
        while (hi != im.index.end() && hi->first == k) ++hi;
        int64_t cap = (k & 1) ? 10LL * im.opt.max_block : im.opt.max_block;
        if (hi - lo > cap) continue;
        for (auto it = lo; it != hi; ++it) {
          if (stamp[it->second] == round) continue;
          stamp[it->second] = round;
          cands.push_back(it->second);
        }
      }
      scored.clear();
      for (uint32_t c : cands) {
        const Person& rc = im.people[c];
        if (decisions && decisions->IsRejected(requests[q].id, rc.id)) continue;
        double w = Score(requests[q], pq, rc, im.prep[c], im.opt.model, nullptr);
        scored.emplace_back(w, c);
      }
      Posterior post = MakePosterior(scored.size(), im.opt.prior);
      scored.erase(
          std::remove_if(scored.begin(), scored.end(),
                         [&](const auto& x) { return post.Of(x.first) < im.opt.possible; }),
          scored.end());
      std::sort(scored.begin(), scored.end(), [&](const auto& x, const auto& y) {
        return x.first != y.first ? x.first > y.first
                                  : im.people[x.second].id < im.people[y.second].id;
      });
      if (scored.size() > static_cast<size_t>(im.opt.top))
        scored.resize(static_cast<size_t>(im.opt.top));
      for (const auto& [w, c] : scored) {
        Candidate cd;
        cd.request_id = requests[q].id;
        cd.record_id = im.people[c].id;
        cd.weight = Score(requests[q], pq, im.people[c], im.prep[c], im.opt.model, &cd.fields);
        cd.probability = post.Of(cd.weight);
        cd.band = cd.probability >= im.opt.likely ? Band::kLikely : Band::kPossible;
        out[q].push_back(std::move(cd));
      }
    }
  };
  size_t n = requests.size();
  ParallelFor(n, n < 64 ? 1 : im.opt.threads,
              [&](size_t, size_t from, size_t to) { work(from, to); });
  return out;
}

// --- Incident de-duplication -----------------------------------------------------------------

namespace {

std::vector<std::string> Words(const std::string& s) {
  static const std::unordered_set<std::string> kStop = {
      "the", "a",  "an",  "of",   "in",   "on",   "at",    "and", "to",  "by",   "was", "were",
      "is",  "as", "for", "from", "with", "that", "their", "his", "her", "they", "he",  "she"};
  std::vector<std::string> out;
  for (std::string& t : Tokens(s))
    if (t.size() > 2 && !kStop.count(t)) out.push_back(std::move(t));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

double Jaccard(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() || b.empty()) return -1;
  size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) {
      ++common;
      ++i;
      ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

}  // namespace

std::vector<IncidentPair> IncidentDuplicateCandidates(const std::vector<IncidentRecord>& incidents,
                                                      const IncidentDedupOptions& options) {
  struct Item {
    int32_t day = 0;
    int32_t row = 0;
  };
  std::vector<Item> items;
  for (size_t i = 0; i < incidents.size(); ++i) {
    int32_t d = 0;
    if (ParseDay(incidents[i].date, &d)) items.push_back({d, static_cast<int32_t>(i)});
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.day != b.day ? a.day < b.day : a.row < b.row;
  });
  std::vector<std::vector<std::string>> words(incidents.size());
  for (size_t i = 0; i < incidents.size(); ++i) words[i] = Words(incidents[i].narrative);
  std::vector<IncidentPair> out;
  for (size_t x = 0; x < items.size(); ++x) {
    for (size_t y = x + 1; y < items.size(); ++y) {
      int gap = items[y].day - items[x].day;
      if (gap > options.date_window_days) break;  // sorted by date: a sliding window
      const IncidentRecord& a = incidents[static_cast<size_t>(items[x].row)];
      const IncidentRecord& b = incidents[static_cast<size_t>(items[y].row)];
      if (a.source == b.source) continue;
      int place = PlaceLevel(Normalize(a.pcode), Normalize(b.pcode));
      if (place == 3) continue;  // different areas are different incidents
      IncidentPair p;
      p.a = std::min(items[x].row, items[y].row);
      p.b = std::max(items[x].row, items[y].row);
      double score = 0, total = 0;
      auto part = [&](double weight, double value, const std::string& why) {
        score += weight * value;
        total += weight;
        p.reasons.push_back(why);
      };
      part(2, 1.0 - static_cast<double>(gap) / (options.date_window_days + 1.0),
           gap == 0 ? "same date" : std::to_string(gap) + " day(s) apart");
      part(2,
           place == 1   ? 1.0
           : place == 2 ? 0.6
                        : 0.3,
           place == 1   ? "same area"
           : place == 2 ? "one area contains the other (P-code prefix)"
                        : "area unknown on one side");
      if (a.risk_mask && b.risk_mask) {
        double overlap = static_cast<double>(__builtin_popcount(a.risk_mask & b.risk_mask)) /
                         static_cast<double>(__builtin_popcount(a.risk_mask | b.risk_mask));
        part(1.5, overlap, overlap > 0 ? "protection risks overlap" : "different protection risks");
      }
      auto counts = [&](int ca, int cb, const char* what) {
        if (ca < 0 || cb < 0) return;
        double v = ca == cb
                       ? 1.0
                       : 1.0 - std::min(1.0, std::abs(ca - cb) / std::max(1.0, 0.5 * (ca + cb)));
        part(1, v,
             std::string(what) + (ca == cb ? " equal" : " differ") + " (" + std::to_string(ca) +
                 " vs " + std::to_string(cb) + ")");
      };
      counts(a.victims, b.victims, "victims");
      counts(a.killed, b.killed, "killed");
      double j = Jaccard(words[static_cast<size_t>(p.a)], words[static_cast<size_t>(p.b)]);
      if (j >= 0) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "narratives share %.0f%% of their words", 100 * j);
        part(2, std::min(1.0, j * 2.0), buf);
      }
      p.score = total > 0 ? score / total : 0;
      if (p.score >= options.min_score) out.push_back(std::move(p));
    }
  }
  std::sort(out.begin(), out.end(), [](const IncidentPair& x, const IncidentPair& y) {
    return x.score != y.score ? x.score > y.score : (x.a != y.a ? x.a < y.a : x.b < y.b);
  });
  return out;
}

// --- Primero-style baseline ------------------------------------------------------------------

std::vector<std::vector<BaselineHit>> PrimeroBaseline(const Table& queries, const Table& records,
                                                      const std::vector<BaselineField>& fields,
                                                      bool skip_self, int threads) {
  struct FieldIndex {
    int qcol = -1, rcol = -1;
    double boost = 1;
    bool phonetic = false;
    std::unordered_map<std::string, std::vector<int32_t>> postings;
  };
  // Solr's text_phonetic: lower-cased tokens, plus Double Metaphone codes of Latin words
  // (inject=true keeps the originals). Arabic words are not encoded (Primero's LanguageService).
  auto tokens = [](const std::string& v, bool phonetic) {
    std::vector<std::string> out;
    for (std::string& t : Tokens(v)) {
      if (phonetic && !HasArabic(t)) {
        std::string c = DoubleMetaphone(t).first;
        if (!c.empty()) out.push_back("#" + c);
      }
      out.push_back(std::move(t));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  };
  std::vector<FieldIndex> idx(fields.size());
  for (size_t f = 0; f < fields.size(); ++f) {
    idx[f].qcol = queries.Column(fields[f].column);
    idx[f].rcol = records.Column(fields[f].column);
    idx[f].boost = fields[f].boost;
    idx[f].phonetic = fields[f].phonetic;
    if (idx[f].rcol < 0) continue;
    for (size_t r = 0; r < records.rows.size(); ++r)
      for (const std::string& t :
           tokens(records.rows[r][static_cast<size_t>(idx[f].rcol)], idx[f].phonetic))
        idx[f].postings[t].push_back(static_cast<int32_t>(r));
  }
  const double n = static_cast<double>(records.rows.size());
  std::vector<std::vector<BaselineHit>> out(queries.rows.size());
  auto work = [&](size_t from, size_t to) {
    std::vector<double> acc(records.rows.size(), 0);
    std::vector<int32_t> touched;
    for (size_t q = from; q < to; ++q) {
      touched.clear();
      for (const FieldIndex& fi : idx) {
        if (fi.qcol < 0 || fi.rcol < 0) continue;
        for (const std::string& t :
             tokens(queries.rows[q][static_cast<size_t>(fi.qcol)], fi.phonetic)) {
          auto it = fi.postings.find(t);
          if (it == fi.postings.end()) continue;
          double idf = 1.0 + std::log(n / (static_cast<double>(it->second.size()) + 1.0));
          for (int32_t r : it->second) {
            if (acc[static_cast<size_t>(r)] == 0) touched.push_back(r);
            acc[static_cast<size_t>(r)] += fi.boost * idf;
          }
        }
      }
      std::vector<std::pair<double, int32_t>> hits;
      for (int32_t r : touched) {
        if (!(skip_self && static_cast<size_t>(r) == q))
          hits.emplace_back(acc[static_cast<size_t>(r)], r);
        acc[static_cast<size_t>(r)] = 0;
      }
      size_t keep = std::min<size_t>(20, hits.size());  // top 20 (paginate per_page: 20)
      std::partial_sort(hits.begin(), hits.begin() + static_cast<ptrdiff_t>(keep), hits.end(),
                        [](const auto& a, const auto& b) {
                          return a.first != b.first ? a.first > b.first : a.second < b.second;
                        });
      hits.resize(keep);
      if (hits.empty()) continue;
      double best = hits.front().first, mean = 0;
      for (const auto& h : hits) mean += h.first / best;
      mean /= static_cast<double>(hits.size());
      std::vector<BaselineHit> kept;
      for (const auto& h : hits) {
        double s = h.first / best;
        if (s <= 0.1) continue;
        kept.push_back({h.second, s, s - mean > 0.7 ? Band::kLikely : Band::kPossible});
      }
      if (kept.size() == 1) kept[0].band = Band::kLikely;
      out[q] = std::move(kept);
    }
  };
  ParallelFor(queries.rows.size(), threads,
              [&](size_t, size_t from, size_t to) { work(from, to); });
  return out;
}

}  // namespace aegis::match
