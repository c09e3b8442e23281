// aegis tracing import|list|match|decide (family tracing over the store) and
// aegis duplicates list|confirm|reject (duplicate incidents across partners). Every decision is
// stored and audited; a rejected pair is never proposed again; a confirmed duplicate counts once
// in every aggregate while both reports stay as evidence.
#include <cstdio>

#include "access/decision.h"
#include "access/protocol.h"
#include "cli/cli_internal.h"
#include "linkage/linkage.h"
#include "store/record_states.h"

namespace aegis::cli {

namespace {

struct TracingArgs {
  std::string kind = "registered", organisation, file, keys;
  int64_t request = 0, registered = 0;
  int top = 5;
  bool explain = true;
  bool confirm = false, reject = false;
};

std::string Sex(const std::string& s) {
  std::string n = match::Normalize(s);
  if (n == "m" || n == "male" || n == "boy" || n == "man") return "m";
  if (n == "f" || n == "female" || n == "girl" || n == "woman") return "f";
  return "";
}

Status Import(const GlobalOptions& g, const TracingArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(std::vector<match::Person> people,
                         ReadPeople(a.file, a.kind == "registered"));
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  std::vector<store::TracingRecord> rows;
  rows.reserve(people.size());
  for (const match::Person& p : people) {
    store::TracingRecord r;
    r.kind = a.kind;
    r.organisation = a.organisation;
    r.external_id = p.id;
    r.name = p.name;
    r.relative_names = p.relative_names;
    r.date_of_birth = p.date_of_birth;
    r.sex = Sex(p.sex);
    r.age_min = p.age_min;
    r.age_max = p.age_max;
    r.area_pcode = p.place;
    r.consent_for_tracing = p.consent_for_tracing;
    rows.push_back(std::move(r));
  }
  Progress bar("tracing " + a.kind);
  size_t consent = 0;
  for (size_t i = 0; i < rows.size(); i += 1000) {
    std::vector<store::TracingRecord> batch(
        rows.begin() + static_cast<std::ptrdiff_t>(i),
        rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), i + 1000)));
    for (const auto& r : batch) consent += r.consent_for_tracing ? 1 : 0;
    AEGIS_RETURN_IF_ERROR(st->PutTracingRecords(batch).status());
    bar.Update(static_cast<int64_t>(i + batch.size()), 0, static_cast<int64_t>(rows.size()));
  }
  bar.Done();
  AEGIS_RETURN_IF_ERROR(AuditCommand(g, a.keys, *st, "tracing.import", "tracing_record", a.kind,
                                     std::to_string(rows.size()) + " records"));
  std::printf("%zu %s records stored for %s", rows.size(), a.kind.c_str(), a.organisation.c_str());
  if (a.kind == "registered")
    std::printf(" (%zu with consent for tracing; the others are never matched)", consent);
  std::printf("\n");
  return Status::Ok();
}

Status List(const GlobalOptions& g, const TracingArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  AEGIS_ASSIGN_OR_RETURN(auto rows, st->LoadTracingRecords(a.kind == "all" ? "" : a.kind, false));
  std::printf("%-6s %-10s %-10s %-14s %-28s %-3s %-7s %-10s %-7s %s\n", "id", "kind", "org", "case",
              "name", "sex", "age", "place", "consent", "status");
  for (const auto& r : rows) {
    std::string age = r.age_min < 0 ? ""
                      : r.age_max == r.age_min
                          ? std::to_string(r.age_min)
                          : std::to_string(r.age_min) + "-" + std::to_string(r.age_max);
    std::printf("%-6lld %-10s %-10s %-14s %-28s %-3s %-7s %-10s %-7s %s\n",
                static_cast<long long>(r.id), r.kind.c_str(), r.organisation.c_str(),
                r.external_id.c_str(), r.name.c_str(), r.sex.c_str(), age.c_str(),
                r.area_pcode.c_str(), r.consent_for_tracing ? "yes" : "no",
                std::string(store::Name(r.status)).c_str());
  }
  // Audited by record: the id of every case shown.
  std::string ids;
  for (const auto& r : rows) ids += (ids.empty() ? "" : ",") + std::to_string(r.id);
  AEGIS_RETURN_IF_ERROR(AuditCommand(g, a.keys, *st, "tracing.list", "tracing_record", ids,
                                     std::to_string(rows.size()) + " records (" + a.kind + ")"));
  return Status::Ok();
}

// Prints a request and its candidates; appends the id of each record shown to `ids`.
void PrintCandidates(const store::TracingRecord& q, const std::vector<match::Candidate>& cands,
                     store::Store& st, bool explain, std::string* ids) {
  *ids += (ids->empty() ? "" : ",") + std::to_string(q.id);
  std::printf("request %lld (%s, %s): %s\n", static_cast<long long>(q.id), q.organisation.c_str(),
              q.external_id.c_str(), q.name.c_str());
  if (cands.empty()) std::printf("  no candidate\n");
  for (const match::Candidate& c : cands) {
    int64_t rid = std::stoll(c.record_id);
    auto person = st.GetTracingRecord(rid);
    if (!person.ok() || !*person || !(*person)->consent_for_tracing) continue;
    *ids += "," + std::to_string(rid);
    std::printf("  %-8s registered %-6lld %-28s (%s %s) probability %.3f  weight %+.1f\n",
                match::BandName(c.band), static_cast<long long>(rid), (*person)->name.c_str(),
                (*person)->organisation.c_str(), (*person)->external_id.c_str(), c.probability,
                c.weight);
    if (!explain) continue;
    for (const match::FieldExplanation& f : c.fields)
      std::printf("      %-15s %-28s | %-28s %-34s %+.1f\n", f.column.c_str(), f.value_a.c_str(),
                  f.value_b.c_str(), f.level.c_str(), f.weight);
  }
}

Status Match(const GlobalOptions& g, const TracingArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  match::TracingOptions o;
  o.top = a.top;
  AEGIS_ASSIGN_OR_RETURN(auto model, linkage::LoadTranslitModel(g.data_dir));
  AEGIS_ASSIGN_OR_RETURN(linkage::TracingSet set, linkage::BuildTracingSet(*st, o, model));
  std::vector<store::TracingRecord> requests;
  if (a.request > 0) {
    AEGIS_ASSIGN_OR_RETURN(auto r, st->GetTracingRecord(a.request));
    if (!r || r->kind != "request")
      return Status::NotFound("tracing request " + std::to_string(a.request) +
                              " not found (aegis tracing list --kind request)");
    requests.push_back(*r);
  } else {
    AEGIS_ASSIGN_OR_RETURN(auto all, st->LoadTracingRecords("request", false));
    for (auto& r : all)
      if (r.status == store::TracingStatus::kOpen) requests.push_back(std::move(r));
  }
  AEGIS_ASSIGN_OR_RETURN(auto ranked, linkage::MatchRequests(*st, set, requests));
  std::printf("%zu open requests against %zu open registered cases with consent for tracing\n\n",
              requests.size(), set.index.size());
  std::string ids;  // audited by record: every request and candidate shown
  for (size_t i = 0; i < requests.size(); ++i)
    PrintCandidates(requests[i], ranked[i], *st, a.explain, &ids);
  return AuditCommand(g, a.keys, *st, "tracing.match", "tracing_record", ids,
                      std::to_string(requests.size()) + " requests");
}

Status Decide(const GlobalOptions& g, const std::string& kind, int64_t left, int64_t right,
              const std::string& decision, const std::string& keys) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  if (kind == "tracing") {
    AEGIS_ASSIGN_OR_RETURN(auto q, st->GetTracingRecord(left));
    AEGIS_ASSIGN_OR_RETURN(auto r, st->GetTracingRecord(right));
    if (!q || q->kind != "request")
      return Status::NotFound("--request " + std::to_string(left) + ": no such tracing request");
    if (!r || r->kind != "registered")
      return Status::NotFound("--registered " + std::to_string(right) +
                              ": no such registered person");
  }
  store::MatchDecision d;
  d.kind = kind;
  d.left_id = left;
  d.right_id = right;
  d.decision = decision;
  d.decided_by = "cli";
  AEGIS_RETURN_IF_ERROR(st->PutMatchDecision(d));
  AEGIS_RETURN_IF_ERROR(AuditCommand(g, keys, *st, "match." + decision, kind,
                                     std::to_string(left) + "," + std::to_string(right), ""));
  if (kind == "tracing")
    std::printf("request %lld and registered %lld: %s%s\n", static_cast<long long>(left),
                static_cast<long long>(right), decision.c_str(),
                decision == "rejected" ? " (never proposed again)" : "");
  else
    std::printf("incident %lld %s as a duplicate of incident %lld%s\n",
                static_cast<long long>(right), decision == "confirmed" ? "confirmed" : "rejected",
                static_cast<long long>(left),
                decision == "confirmed" ? ": it now counts once, as the kept incident" : "");
  return Status::Ok();
}

struct DuplicateArgs {
  std::string area, from, to, keys;
  int window = 3;
  int top = 50;
  int64_t kept = 0, duplicate = 0;
};

Status ListDuplicates(const GlobalOptions& g, const DuplicateArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  store::IncidentQuery q;
  q.area = a.area;
  q.from = a.from;
  q.to = a.to;
  match::IncidentDedupOptions o;
  o.date_window_days = a.window;
  AEGIS_ASSIGN_OR_RETURN(auto pairs,
                         linkage::DuplicateCandidates(*st, access::OperatorScope(), q, o));
  std::printf("%zu candidate pairs (undecided, across sources)\n", pairs.size());
  int shown = 0;
  std::string ids;  // audited by record: both incidents of every pair shown
  for (const auto& p : pairs) {
    if (shown++ >= a.top) break;
    ids +=
        (ids.empty() ? "" : ",") + std::to_string(p.kept.id) + "," + std::to_string(p.duplicate.id);
    std::printf("  kept %-7lld %-14s %s %-10s | duplicate %-7lld %-14s %s %-10s  score %.2f\n",
                static_cast<long long>(p.kept.id), p.kept.source.c_str(),
                p.kept.date_start.substr(0, 10).c_str(), p.kept.area_pcode.c_str(),
                static_cast<long long>(p.duplicate.id), p.duplicate.source.c_str(),
                p.duplicate.date_start.substr(0, 10).c_str(), p.duplicate.area_pcode.c_str(),
                p.score);
    std::string why;
    for (const auto& r : p.reasons) why += (why.empty() ? "" : "; ") + r;
    std::printf("      %s\n", why.c_str());
  }
  if (!pairs.empty())
    std::printf("Confirm with: aegis duplicates confirm --kept ID --duplicate ID (or reject)\n");
  return AuditCommand(g, a.keys, *st, "incident.duplicates", "incident", ids,
                      std::to_string(std::min<size_t>(pairs.size(), a.top)) + " of " +
                          std::to_string(pairs.size()) + " pairs");
}

void AddTracing(CLI::App& app, GlobalOptions& g) {
  static TracingArgs a;
  auto* t = app.add_subcommand(
      "tracing",
      "Family tracing in the store: import registered people and tracing requests, rank "
      "candidates, confirm or reject them");
  t->require_subcommand(1);
  t->footer(
      "Names, relatives and dates of birth are encrypted at rest. Registered people without "
      "consent\nfor tracing are never matched. Every list, match and decision is audited.\n"
      "Example:\n"
      "  aegis tracing import --kind registered --org UNICEF children.csv\n"
      "  aegis tracing import --kind request --org ICRC requests.csv\n"
      "  aegis tracing match\n"
      "  aegis tracing decide --request 12 --registered 3 --reject");
  auto* imp = t->add_subcommand("import", "Store people from a CSV (columns: aegis match --help)");
  imp->add_option("--kind", a.kind, "registered (children, adults on record) or request")
      ->check(CLI::IsMember({"registered", "request"}))
      ->capture_default_str();
  imp->add_option("--org", a.organisation, "Code of the organisation holding the cases")
      ->required();
  imp->add_option("file", a.file, "CSV file")->required()->check(CLI::ExistingFile);
  imp->callback([&g] { Run([&] { return Import(g, a); }); });
  auto* ls = t->add_subcommand("list", "List cases (names shown: audited)");
  ls->add_option("--kind", a.kind, "registered, request or all")
      ->check(CLI::IsMember({"registered", "request", "all"}));
  ls->callback([&g] { Run([&] { return List(g, a); }); });
  auto* m = t->add_subcommand("match", "Rank registered people for open requests");
  m->add_option("--request", a.request, "One request's id (default: every open request)");
  m->add_option("--top", a.top, "Candidates per request at most (default 5)")
      ->check(CLI::Range(1, 100));
  m->add_flag("!--no-explain", a.explain, "Do not print the field-by-field explanation");
  m->callback([&g] { Run([&] { return Match(g, a); }); });
  auto* d = t->add_subcommand("decide", "Confirm or reject a proposed pair (audited)");
  d->add_option("--request", a.request, "The tracing request's id")->required();
  d->add_option("--registered", a.registered, "The registered person's id")->required();
  d->add_flag("--confirm", a.confirm, "The request's person is this registered person");
  d->add_flag("--reject", a.reject, "Not the same person: never propose this pair again");
  d->callback([&g] {
    Run([&] {
      if (a.confirm == a.reject)
        return Status::InvalidArgument("tracing decide: give --confirm or --reject");
      return Decide(g, "tracing", a.request, a.registered, a.confirm ? "confirmed" : "rejected",
                    a.keys);
    });
  });
  for (auto* sub : {imp, ls, m, d})
    sub->add_option("--keys", a.keys, "Key file (default: <store>.keys)");
}

void AddDuplicates(CLI::App& app, GlobalOptions& g) {
  static DuplicateArgs a;
  auto* t = app.add_subcommand(
      "duplicates",
      "Duplicate incidents reported by different partners: candidates, confirm, reject");
  t->require_subcommand(1);
  t->footer(
      "A confirmed duplicate counts once in every aggregate (as the kept incident; its partner "
      "counts\nas a further source); both reports stay in the store as evidence. Decisions are "
      "audited.\nExample:\n"
      "  aegis duplicates list --from 2024-01-01 --to 2024-03-31\n"
      "  aegis duplicates confirm --kept 120 --duplicate 4711");
  auto* ls = t->add_subcommand("list", "Candidate pairs, best first, with the reasons");
  ls->add_option("--area", a.area, "P-code: only incidents in this area");
  ls->add_option("--from", a.from, "First date (YYYY-MM-DD)");
  ls->add_option("--to", a.to, "Last date (YYYY-MM-DD)");
  ls->add_option("--window", a.window, "Days apart at most (default 3)")->check(CLI::Range(0, 31));
  ls->add_option("--top", a.top, "Pairs shown at most (default 50)");
  ls->callback([&g] { Run([&] { return ListDuplicates(g, a); }); });
  for (const char* what : {"confirm", "reject"}) {
    auto* c = t->add_subcommand(what, std::string(what) == std::string("confirm")
                                          ? "Confirm that --duplicate reports --kept again"
                                          : "Not the same incident: never propose it again");
    c->add_option("--kept", a.kept, "The incident that stays (the earlier report)")->required();
    c->add_option("--duplicate", a.duplicate, "The incident that repeats it")->required();
    std::string decision = std::string(what) == "confirm" ? "confirmed" : "rejected";
    c->callback([&g, decision] {
      Run([&] { return Decide(g, "incident", a.kept, a.duplicate, decision, a.keys); });
    });
    c->add_option("--keys", a.keys, "Key file (default: <store>.keys)");
  }
  ls->add_option("--keys", a.keys, "Key file (default: <store>.keys)");
}

}  // namespace

void AddTracingCommands(CLI::App& app, GlobalOptions& g) {
  AddTracing(app, g);
  AddDuplicates(app, g);
}

}  // namespace aegis::cli
