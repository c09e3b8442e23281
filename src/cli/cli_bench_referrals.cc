// aegis bench referrals: 10,000 services over South Sudan's 512 payams (at payam, county and
// state level) and 100,000 referrals sent through the referral module (kernel, consent,
// deadline, one transaction with its consent, history and notice) on SQLite. Reports referral
// creation per second and the recipient search (services::Recipients: covering services of a
// type, nearest level first) p50/p99, each beside a baseline measured in the same run on the
// same file: a bare INSERT of the same row per transaction, and a bare lookup of the services
// serving exactly that area.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include "access/decision.h"
#include "cli/cli_internal.h"
#include "ingest/area_import.h"
#include "referral/referral.h"
#include "services/directory.h"

namespace aegis::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  int services = 10000, referrals = 100000, searches = 2000;
  std::string dir = "bench-out";
};

double Ms(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

const char* const kTypes[] = {
    "legal",       "gbv",  "mhpss",      "health", "protection", "education", "child_protection",
    "shelter_nfi", "cash", "livelihoods"};

// Bare SQLite on the same file: the baselines.
class Bare {
 public:
  explicit Bare(const std::string& path) { sqlite3_open(path.c_str(), &db_); }
  ~Bare() { sqlite3_close(db_); }
  Bare(const Bare&) = delete;
  Bare& operator=(const Bare&) = delete;
  void Exec(const char* sql) { sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }
  sqlite3_stmt* Prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db_, sql, -1, &s, nullptr);
    return s;
  }

 private:
  sqlite3* db_ = nullptr;
};

Status Run(const GlobalOptions& g, const Args& a) {
  std::error_code ec;
  std::filesystem::create_directories(a.dir, ec);
  const std::string db = a.dir + "/bench_referrals.sqlite";
  for (const auto& f : {db, db + "-wal", db + "-shm"}) std::filesystem::remove(f, ec);
  AEGIS_ASSIGN_OR_RETURN(auto st, store::Store::Open(db));
  AEGIS_ASSIGN_OR_RETURN(
      auto areas, ingest::ReadAreas(g.data_dir + "/geo/ssd/ssd_adm3_payams_pcodes.csv", "SSD"));
  std::vector<store::AreaRow> rows = ingest::ToAreaRows(areas);
  AEGIS_RETURN_IF_ERROR(st->UpsertAreas(rows));
  std::vector<std::string> payams, any;
  for (const auto& r : rows) {
    if (r.level == 3) payams.push_back(r.pcode);
    if (r.level >= 1) any.push_back(r.pcode);
  }
  std::printf("areas: %zu payams, %zu areas of levels 1-3\n", payams.size(), any.size());
  const int orgs = 50;
  for (int i = 0; i < orgs; ++i) {
    AEGIS_RETURN_IF_ERROR(
        st->EnsureOrganisation({0, "ORG" + std::to_string(i), "", "ngo"}).status());
  }
  AEGIS_ASSIGN_OR_RETURN(int64_t src,
                         st->EnsureDataSource({0, "BENCH", "bench", "manual", "", "secondary"}));
  std::mt19937_64 rng(7);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  auto t0 = Clock::now();
  for (int i = 0; i < a.services; ++i) {
    store::Service s;
    s.source_key = "s" + std::to_string(i);
    s.organisation_code = "ORG" + std::to_string(i % orgs);
    s.provider = s.organisation_code;
    s.service_type = kTypes[rng() % std::size(kTypes)];
    s.pcodes = {pick(any)};
    if (rng() % 4 == 0) s.pcodes.push_back(pick(payams));
    s.assured_date = "2026-11-01";
    AEGIS_RETURN_IF_ERROR(st->CreateService(s, src).status());
  }
  std::printf("services: %d over %d organisations in %.1f s\n", a.services, orgs, Ms(t0) / 1000);

  // Referral creation through the module, as a partner of ORG0.
  AEGIS_ASSIGN_OR_RETURN(access::Protocol protocol,
                         access::Protocol::Load(g.data_dir + "/isp/protocol.toml"));
  referral::Actor actor;
  actor.protocol = &protocol;
  actor.subject.role = "partner_focal_point";
  actor.subject.user_id = 1;
  AEGIS_ASSIGN_OR_RETURN(auto org0, st->ListOrganisations());
  for (const auto& o : org0)
    if (o.code == "ORG0") actor.subject.organisation_id = o.id;
  actor.organisation_code = "ORG0";
  actor.scope = access::ReadScope(protocol, actor.subject);
  std::vector<double> create_ms;
  create_ms.reserve(a.referrals);
  t0 = Clock::now();
  for (int i = 0; i < a.referrals; ++i) {
    referral::Draft d;
    store::Referral& r = d.referral;
    r.receiving_organisation = "ORG" + std::to_string(1 + i % (orgs - 1));
    r.service_type = kTypes[i % std::size(kTypes)];
    r.priority = referral::kPriorities[i % 3];
    r.area_pcode = payams[i % payams.size()];
    r.case_code = "C-" + std::to_string(i);
    r.person.name = "Bench Person " + std::to_string(i);
    r.person.age = 30;
    d.consent.given_by = "person";
    d.consent.purpose = r.purpose;
    d.consent.receiving_organisation = r.receiving_organisation;
    d.consent.fields = {"name"};
    d.consent.given_ms = 1;
    actor.now_ms = 1767225600000 + i;
    auto c0 = Clock::now();
    AEGIS_RETURN_IF_ERROR(referral::Create(*st, *st, actor, std::move(d)).status());
    create_ms.push_back(Ms(c0));
  }
  const double create_s = Ms(t0) / 1000;

  // Recipient search: a random payam and type.
  std::vector<double> search_ms;
  size_t found = 0;
  for (int i = 0; i < a.searches; ++i) {
    const std::string area = pick(payams), type = kTypes[rng() % std::size(kTypes)];
    auto c0 = Clock::now();
    AEGIS_ASSIGN_OR_RETURN(
        auto r, services::Recipients(*st, access::OperatorScope(), area, type, "2026-12-07"));
    search_ms.push_back(Ms(c0));
    found += r.size();
  }
  st.reset();

  // Baselines on the same file, bare SQLite.
  Bare bare(db);
  bare.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  bare.Exec("CREATE TABLE bare_referral(a INTEGER, b INTEGER, c TEXT, d TEXT, e TEXT)");
  sqlite3_stmt* ins = bare.Prepare("INSERT INTO bare_referral VALUES (?,?,?,?,?)");
  t0 = Clock::now();
  for (int i = 0; i < a.referrals; ++i) {
    bare.Exec("BEGIN IMMEDIATE");
    sqlite3_bind_int64(ins, 1, i);
    sqlite3_bind_int64(ins, 2, i % orgs);
    sqlite3_bind_text(ins, 3, kTypes[i % std::size(kTypes)], -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 4, payams[i % payams.size()].c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 5, "Bench Person", -1, SQLITE_STATIC);
    sqlite3_step(ins);
    sqlite3_reset(ins);
    bare.Exec("COMMIT");
  }
  const double bare_insert_s = Ms(t0) / 1000;
  sqlite3_finalize(ins);
  sqlite3_stmt* look = bare.Prepare(
      "SELECT v.id FROM service v JOIN service_area a ON a.service_id=v.id WHERE "
      "a.area_pcode=? AND v.service_type=? AND v.status='active'");
  std::vector<double> bare_ms;
  for (int i = 0; i < a.searches; ++i) {
    const std::string area = pick(payams), type = kTypes[rng() % std::size(kTypes)];
    auto c0 = Clock::now();
    sqlite3_bind_text(look, 1, area.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(look, 2, type.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(look) == SQLITE_ROW) {
    }
    sqlite3_reset(look);
    bare_ms.push_back(Ms(c0));
  }
  sqlite3_finalize(look);

  std::printf(
      "\nreferral creation (kernel, consent, deadline; referral, consent, history and "
      "notice in one transaction):\n");
  std::printf("  %d referrals in %.2f s -> %.0f referrals/s (p50 %.2f ms, p99 %.2f ms)\n",
              a.referrals, create_s, a.referrals / create_s, Percentile(create_ms, 0.5),
              Percentile(create_ms, 0.99));
  std::printf(
      "  baseline, a bare INSERT of one row per transaction: %.0f rows/s (aegis %.2fx "
      "its time)\n",
      a.referrals / bare_insert_s, create_s / bare_insert_s);
  std::printf(
      "recipient search (%d searches: covering services of a type, nearest level first; "
      "%.1f found on average):\n",
      a.searches, static_cast<double>(found) / a.searches);
  std::printf("  p50 %.3f ms, p99 %.3f ms (goal p99 < 20 ms: %s)\n", Percentile(search_ms, 0.5),
              Percentile(search_ms, 0.99), Percentile(search_ms, 0.99) < 20 ? "met" : "NOT met");
  std::printf(
      "  baseline, a bare lookup of the services serving exactly that area: p50 %.3f ms, "
      "p99 %.3f ms\n",
      Percentile(bare_ms, 0.5), Percentile(bare_ms, 0.99));
  return Status::Ok();
}

}  // namespace

void AddReferralBench(CLI::App& app, GlobalOptions& g) {
  static Args a;
  std::vector<CLI::App*> found =
      app.get_subcommands([](CLI::App* s) { return s->get_name() == "bench"; });
  if (found.empty()) return;
  auto* cmd = found.front()->add_subcommand(
      "referrals",
      "Services over South Sudan's payams and referrals sent through the referral module: "
      "creation per second and recipient search p50/p99, beside bare-SQLite baselines");
  cmd->add_option("--services", a.services, "Services (default 10,000)")
      ->check(CLI::Range(1, 10000000));
  cmd->add_option("--referrals", a.referrals, "Referrals (default 100,000)")
      ->check(CLI::Range(1, 100000000));
  cmd->add_option("--searches", a.searches, "Recipient searches timed (default 2,000)")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--dir", a.dir, "Work folder (default bench-out)");
  cmd->callback([&g] {
    if (Status st = Run(g, a); !st.ok()) throw CLI::RuntimeError(Fail(st));
  });
}

}  // namespace aegis::cli
