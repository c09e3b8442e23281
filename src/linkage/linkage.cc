#include "linkage/linkage.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "store/record_states.h"

namespace aegis::linkage {

namespace {

int64_t ParseId(const std::string& s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() ? v : -1;
}

}  // namespace

match::Person ToPerson(const store::TracingRecord& r) {
  match::Person p;
  p.id = std::to_string(r.id);
  p.name = r.name;
  p.sex = r.sex;
  p.age_min = r.age_min;
  p.age_max = r.age_max;
  p.date_of_birth = r.date_of_birth;
  p.place = r.area_pcode;
  p.relative_names = r.relative_names;
  p.consent_for_tracing = r.consent_for_tracing;
  return p;
}

Result<StoredDecisions> StoredDecisions::Load(store::TracingStore& s, const std::string& kind) {
  AEGIS_ASSIGN_OR_RETURN(std::vector<store::MatchDecision> all, s.ListMatchDecisions(kind));
  StoredDecisions d;
  for (const store::MatchDecision& m : all) {
    d.decided_.emplace(m.left_id, m.right_id);
    if (m.decision == "rejected") d.rejected_.emplace(m.left_id, m.right_id);
  }
  return d;
}

bool StoredDecisions::IsRejected(const std::string& left, const std::string& right) const {
  return rejected_.count({ParseId(left), ParseId(right)}) > 0;
}

bool StoredDecisions::IsDecided(int64_t a, int64_t b) const {
  return decided_.count({a, b}) > 0 || decided_.count({b, a}) > 0;
}

Result<std::shared_ptr<const match::TranslitModel>> LoadTranslitModel(const std::string& data_dir) {
  std::string path = data_dir + "/match/ar2en-train.tsv";
  auto pairs = match::TranslitModel::ReadPairs(path);
  if (!pairs.ok())
    return Status::NotFound(path + ": " + pairs.status().message() +
                            " (the Arabic-Latin name pairs ship with Aegis in data/match; check "
                            "--data-dir)");
  AEGIS_ASSIGN_OR_RETURN(match::TranslitModel model, match::TranslitModel::Train(*pairs));
  return std::shared_ptr<const match::TranslitModel>(
      std::make_shared<match::TranslitModel>(std::move(model)));
}

Result<TracingSet> BuildTracingSet(store::TracingStore& s, match::TracingOptions o,
                                   std::shared_ptr<const match::TranslitModel> model) {
  AEGIS_ASSIGN_OR_RETURN(std::vector<store::TracingRecord> with_consent,
                         s.LoadTracingRecords("registered", /*consent_only=*/true));
  std::vector<match::Person> people;
  people.reserve(with_consent.size());
  for (const store::TracingRecord& r : with_consent)
    if (r.status == store::TracingStatus::kOpen) people.push_back(ToPerson(r));
  o.model = model && !model->empty() ? model.get() : nullptr;
  AEGIS_ASSIGN_OR_RETURN(match::TracingIndex index,
                         match::TracingIndex::Build(std::move(people), o));
  TracingSet set{std::move(model), std::move(index), with_consent.size()};
  return set;
}

Result<std::vector<std::vector<match::Candidate>>> MatchRequests(
    store::TracingStore& s, const TracingSet& set,
    const std::vector<store::TracingRecord>& requests) {
  AEGIS_ASSIGN_OR_RETURN(StoredDecisions decisions, StoredDecisions::Load(s, "tracing"));
  std::vector<match::Person> people;
  people.reserve(requests.size());
  for (const store::TracingRecord& r : requests) people.push_back(ToPerson(r));
  return set.index.Match(people, &decisions);
}

namespace {

// Incidents of the query within the scope, in pages, with narratives (kept in memory only).
Result<std::vector<store::IncidentRecord>> ReadIncidents(store::IncidentStore& s,
                                                         const store::AccessScope& scope,
                                                         store::IncidentQuery q, size_t max) {
  std::vector<store::IncidentRecord> out;
  q.personal = true;
  q.limit = 1000;
  q.after_id = 0;
  while (out.size() < max) {
    AEGIS_ASSIGN_OR_RETURN(std::vector<store::IncidentRecord> page, s.ListIncidents(scope, q));
    if (page.empty()) break;
    q.after_id = page.back().id;
    for (store::IncidentRecord& r : page)
      if (r.duplicate_of == 0 && out.size() < max) out.push_back(std::move(r));
  }
  return out;
}

match::IncidentRecord ForMatcher(const store::IncidentRecord& r,
                                 std::map<std::string, uint32_t>* bits) {
  match::IncidentRecord m;
  m.id = std::to_string(r.id);
  m.source = r.source;
  m.date = r.date_start.substr(0, 10);
  m.pcode = r.area_pcode;
  for (const std::string& code : r.risks) {
    auto it = bits->find(code);
    if (it == bits->end() && bits->size() < 32) it = bits->emplace(code, 1u << bits->size()).first;
    if (it != bits->end()) m.risk_mask |= it->second;
  }
  m.killed = r.killed ? static_cast<int>(*r.killed) : -1;
  m.narrative = r.narrative;
  return m;
}

void DropPersonal(store::IncidentRecord* r) {
  r->narrative.clear();
  r->contact.clear();
}

}  // namespace

Result<std::vector<DuplicateCandidate>> DuplicateCandidates(store::Store& s,
                                                            const store::AccessScope& scope,
                                                            store::IncidentQuery q,
                                                            const match::IncidentDedupOptions& o,
                                                            size_t max_incidents) {
  AEGIS_ASSIGN_OR_RETURN(std::vector<store::IncidentRecord> incidents,
                         ReadIncidents(s, scope, std::move(q), max_incidents));
  AEGIS_ASSIGN_OR_RETURN(StoredDecisions decisions, StoredDecisions::Load(s, "incident"));
  std::map<std::string, uint32_t> bits;
  std::vector<match::IncidentRecord> input;
  input.reserve(incidents.size());
  for (const store::IncidentRecord& r : incidents) input.push_back(ForMatcher(r, &bits));
  std::vector<match::IncidentPair> pairs = match::IncidentDuplicateCandidates(input, o);
  std::vector<DuplicateCandidate> out;
  for (const match::IncidentPair& p : pairs) {
    const store::IncidentRecord& a = incidents[static_cast<size_t>(p.a)];
    const store::IncidentRecord& b = incidents[static_cast<size_t>(p.b)];
    if (decisions.IsDecided(a.id, b.id)) continue;
    DuplicateCandidate c{a.id < b.id ? a : b, a.id < b.id ? b : a, p.score, p.reasons};
    DropPersonal(&c.kept);
    DropPersonal(&c.duplicate);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace aegis::linkage
