// Several `aegis serve` processes on one store, as behind a proxy that spreads requests
// round-robin: what one process changes (a sign-out, a disabled account, a changed role, an ended
// break-the-glass grant, a new protocol version, an import) is what the other answers at once
// (the protocol: within its check interval). Two real server processes on one SQLite file.
//
// $AEGIS_SERVE_BINARY runs another build's binary as the two servers (e.g. to see these tests
// fail on a build without the fix); by default the binary of this build.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "access/cipher.h"
#include "process_util.h"
#include "security/keyring.h"
#include "security/password.h"
#include "test_util.h"
#include "util/text.h"

namespace aegis::testing {
namespace {

using json = nlohmann::json;
constexpr const char* kPass = "correct horse battery staple";

// One `aegis serve` child process: started on a free port, stopped (SIGTERM) when destroyed.
class ServeProcess {
 public:
  ServeProcess(const std::string& db, const std::string& log) : log_(log) {
    const char* other = std::getenv("AEGIS_SERVE_BINARY");
    std::string binary = other != nullptr && *other != '\0' ? other : AEGIS_BINARY;
    pid_ =
        Spawn({binary, "--data-dir", kData, "--db", db, "serve", "--port", "0", "--threads", "8"},
              {}, log);
    port_ = ServePort(&pid_, log, 30);
  }
  ~ServeProcess() { StopProcess(pid_); }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;
  int port() const { return port_; }
  std::string log() const { return ReadFile(log_); }
  std::unique_ptr<httplib::Client> Client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_read_timeout(20, 0);
    return c;
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

struct Session {
  std::string cookie, csrf;
  httplib::Headers Get() const { return {{"Cookie", cookie}}; }
  httplib::Headers Unsafe() const { return {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}; }
};

int HttpStatus(const httplib::Result& r) { return r ? r->status : -1; }

class MultiProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_ / "t.sqlite";
    auto store = NewStore(dir_);
    auto cat = ingest::LoadCatalog(*store, kData);  // the risks, as the importer knows them
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    ASSERT_TRUE(security::Keyring::Create(db_ + ".keys").ok());  // serve's default key file
    auto keys = access::KeySource::Load(db_ + ".keys");
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    store->SetCipher(*keys);
    for (const char* org : {"ORG-A", "ORG-B"})
      ASSERT_TRUE(store->EnsureOrganisation({0, org, org, "ngo"}).ok());
    AddUser(*store, "coordinator", "coordinator", "");
    AddUser(*store, "imo", "imo", "");
    AddUser(*store, "partner", "partner_focal_point", "ORG-A");
    AddUser(*store, "monitor", "field_monitor", "ORG-A");
    // Family tracing staff: a case is registered by its own organisation.
    AddUser(*store, "tracer_a", "service_provider", "ORG-A");
    AddUser(*store, "tracer_b", "service_provider", "ORG-B");
    // An incident of ORG-B, GBV, confidential: closed to ORG-A's partner focal point unless they
    // break the glass.
    auto src = store->EnsureDataSource({0, "TEST", "test", "manual", "", "direct_monitoring"});
    ASSERT_TRUE(src.ok());
    store::Incident i;
    i.source_key = "ORG-B|gbv|confidential";
    i.content_hash = text::Hash64(i.source_key);
    i.date_start = i.date_end = "2024-03-02";
    i.country = "SSD";
    i.place = {"SS010101", 3, "pcode", 1, "", ""};
    i.risks = {"GBV"};
    i.organisation_code = "ORG-B";
    i.source_type = "direct_monitoring";
    i.sensitivity = "confidential";
    i.narrative = "SECRET-NARRATIVE";
    Status imported = ImportIncidents(*store, *src, {i});
    ASSERT_TRUE(imported.ok()) << imported.ToString();
    auto all = store->ListIncidents(store::AccessScope{{3, 3, 3, 3}, {}, 0, ""}, {});
    ASSERT_TRUE(all.ok() && all->size() == 1);
    gbv_b_ = all->front().id;
    store.reset();

    a_ = std::make_unique<ServeProcess>(db_, dir_ / "a.log");
    b_ = std::make_unique<ServeProcess>(db_, dir_ / "b.log");
    ASSERT_GT(a_->port(), 0) << a_->log();
    ASSERT_GT(b_->port(), 0) << b_->log();
  }

  static void AddUser(store::Store& s, const std::string& name, const std::string& role,
                      const std::string& org) {
    store::User u;
    u.username = name;
    u.role = role;
    u.organisation_code = org;
    u.password_hash = security::HashPassword(kPass).value();
    ASSERT_TRUE(s.AddUser(u).ok());
  }

  static Session Login(const ServeProcess& p, const std::string& user) {
    auto r =
        p.Client()->Post("/api/v1/session", json{{"username", user}, {"password", kPass}}.dump(),
                         "application/json");
    if (!r || r->status != 200) return {};
    std::string cookie = r->get_header_value("Set-Cookie");
    return {cookie.substr(0, cookie.find(';')), json::parse(r->body)["csrf_token"]};
  }

  static int64_t UserId(const ServeProcess& p, const Session& s) {
    auto me = p.Client()->Get("/api/v1/me", s.Get());
    return me && me->status == 200 ? json::parse(me->body)["id"].get<int64_t>() : 0;
  }

  TempDir dir_;
  std::string db_;
  int64_t gbv_b_ = 0;
  std::unique_ptr<ServeProcess> a_, b_;
};

TEST_F(MultiProcessTest, SignOutOnOneProcessRefusesTheCookieOnTheOther) {
  Session s = Login(*a_, "monitor");
  ASSERT_FALSE(s.cookie.empty());
  // Both processes have served the session (and could have remembered it).
  ASSERT_EQ(HttpStatus(a_->Client()->Get("/api/v1/me", s.Get())), 200);
  ASSERT_EQ(HttpStatus(b_->Client()->Get("/api/v1/me", s.Get())), 200);
  ASSERT_EQ(HttpStatus(a_->Client()->Delete("/api/v1/session", s.Unsafe())), 200);
  EXPECT_EQ(HttpStatus(b_->Client()->Get("/api/v1/me", s.Get())), 401);
  EXPECT_EQ(HttpStatus(b_->Client()->Get("/api/v1/incidents", s.Get())), 401);
  EXPECT_EQ(HttpStatus(a_->Client()->Get("/api/v1/me", s.Get())), 401);
}

TEST_F(MultiProcessTest, DisablingAUserOrChangingTheirRoleOnOneProcessIsInForceOnTheOther) {
  Session boss = Login(*a_, "coordinator");
  Session partner = Login(*b_, "partner");
  Session monitor = Login(*b_, "monitor");
  ASSERT_FALSE(boss.cookie.empty() || partner.cookie.empty() || monitor.cookie.empty());
  const int64_t partner_id = UserId(*b_, partner), monitor_id = UserId(*b_, monitor);
  ASSERT_GT(partner_id, 0);
  ASSERT_GT(monitor_id, 0);
  ASSERT_EQ(HttpStatus(b_->Client()->Get("/api/v1/incidents", monitor.Get())), 200);

  // Disabled on A: refused on B at the next request.
  auto off = a_->Client()->Put(("/api/v1/users/" + std::to_string(monitor_id)).c_str(),
                               boss.Unsafe(), json{{"disabled", true}}.dump(), "application/json");
  ASSERT_EQ(HttpStatus(off), 200) << (off ? off->body : "");
  EXPECT_EQ(HttpStatus(b_->Client()->Get("/api/v1/me", monitor.Get())), 401);
  EXPECT_EQ(HttpStatus(b_->Client()->Get("/api/v1/incidents", monitor.Get())), 401);
  // Enabled again, the session closed when the account was disabled stays closed.
  auto on = a_->Client()->Put(("/api/v1/users/" + std::to_string(monitor_id)).c_str(),
                              boss.Unsafe(), json{{"disabled", false}}.dump(), "application/json");
  ASSERT_EQ(HttpStatus(on), 200);
  EXPECT_EQ(HttpStatus(b_->Client()->Get("/api/v1/me", monitor.Get())), 401);

  // A role changed on A is the role B applies at the next request.
  auto me = b_->Client()->Get("/api/v1/me", partner.Get());
  ASSERT_EQ(HttpStatus(me), 200);
  EXPECT_EQ(json::parse(me->body)["role"], "partner_focal_point");
  auto role = a_->Client()->Put(("/api/v1/users/" + std::to_string(partner_id)).c_str(),
                                boss.Unsafe(), json{{"role", "viewer"}}.dump(), "application/json");
  ASSERT_EQ(HttpStatus(role), 200) << (role ? role->body : "");
  me = b_->Client()->Get("/api/v1/me", partner.Get());
  ASSERT_EQ(HttpStatus(me), 200);
  EXPECT_EQ(json::parse(me->body)["role"], "viewer");
  // A viewer may not open a grant; B says so at once.
  auto grant = b_->Client()->Post(
      "/api/v1/break-glass", partner.Unsafe(),
      json{{"reason", "referral of a survivor at imminent risk, case 17"}}.dump(),
      "application/json");
  EXPECT_EQ(HttpStatus(grant), 403);
}

TEST_F(MultiProcessTest, BreakTheGlassOpenedOrEndedOnOneProcessIsInForceOnTheOther) {
  const std::string path = "/api/v1/incidents/" + std::to_string(gbv_b_);
  Session s = Login(*a_, "partner");
  ASSERT_FALSE(s.cookie.empty());
  ASSERT_EQ(HttpStatus(a_->Client()->Get(path.c_str(), s.Get())), 404);
  ASSERT_EQ(HttpStatus(b_->Client()->Get(path.c_str(), s.Get())), 404);
  const json reason = {{"reason", "referral of a survivor at imminent risk, case 17"},
                       {"minutes", 10}};
  auto open = [&](const ServeProcess& p) {
    auto g = p.Client()->Post("/api/v1/break-glass", s.Unsafe(), reason.dump(), "application/json");
    EXPECT_EQ(HttpStatus(g), 201) << (g ? g->body : "");
    return g && g->status == 201 ? json::parse(g->body)["id"].get<int64_t>() : 0;
  };
  auto end = [&](const ServeProcess& p, int64_t id) {
    EXPECT_EQ(HttpStatus(p.Client()->Delete(("/api/v1/break-glass/" + std::to_string(id)).c_str(),
                                            s.Unsafe())),
              200);
  };

  // Opened on A: B opens the record at once.
  int64_t first = open(*a_);
  ASSERT_GT(first, 0);
  auto read = b_->Client()->Get(path.c_str(), s.Get());
  EXPECT_EQ(HttpStatus(read), 200);
  EXPECT_NE(json::parse(b_->Client()->Get("/api/v1/me", s.Get())->body)["break_glass_until"], "");
  end(*a_, first);

  // Opened on B and read there; ended on A: B no longer opens it.
  int64_t second = open(*b_);
  ASSERT_GT(second, 0);
  ASSERT_EQ(HttpStatus(b_->Client()->Get(path.c_str(), s.Get())), 200);
  ASSERT_EQ(HttpStatus(a_->Client()->Get(path.c_str(), s.Get())), 200);
  end(*a_, second);
  EXPECT_EQ(HttpStatus(b_->Client()->Get(path.c_str(), s.Get())), 404);
  EXPECT_EQ(HttpStatus(a_->Client()->Get(path.c_str(), s.Get())), 404);
  EXPECT_EQ(json::parse(b_->Client()->Get("/api/v1/me", s.Get())->body)["break_glass_until"], "");
}

TEST_F(MultiProcessTest, AnImportStartedOnOneProcessReportsItsProgressAndResultOnTheOther) {
  Session imo = Login(*a_, "imo");
  ASSERT_FALSE(imo.cookie.empty());
  const std::string csv =
      "event_id_cnty,event_date,year,event_type,sub_event_type,actor1,country,admin1,admin2,"
      "location,latitude,longitude,fatalities,notes\n"
      "SSD1,2024-03-01,2024,Violence against civilians,Attack,Unknown,South Sudan,Central "
      "Equatoria,Juba,Juba,4.85,31.6,2,SECRET-IMPORTED-NOTE\n"
      "SSD2,not a date,2024,Battles,Armed clash,Unknown,South Sudan,Central Equatoria,Juba,Juba,"
      "4.85,31.6,0,x\n";
  auto started = a_->Client()->Post("/api/v1/imports?profile=acled&file_name=events%20march.csv",
                                    imo.Unsafe(), csv, "text/csv");
  ASSERT_EQ(HttpStatus(started), 202) << (started ? started->body : "");
  const std::string status_url = json::parse(started->body)["status_url"];

  // Polled round-robin, as behind the proxy: every answer is the import's, from either process.
  json job;
  std::vector<std::string> states;
  for (int i = 0; i < 400; ++i) {
    const ServeProcess& p = i % 2 == 0 ? *b_ : *a_;
    auto r = p.Client()->Get(status_url.c_str(), imo.Get());
    ASSERT_EQ(HttpStatus(r), 200) << "poll " << i << " on " << (i % 2 == 0 ? "B" : "A") << ": "
                                  << (r ? r->body : "");
    job = json::parse(r->body);
    EXPECT_EQ(job["profile"], "acled");
    EXPECT_EQ(job["file_name"], "events march.csv");
    states.push_back(job["state"]);
    if (job["state"] == "completed" || job["state"] == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(job["state"], "completed") << job.dump();
  // The result, asked of B (the other process).
  auto done = b_->Client()->Get(status_url.c_str(), imo.Get());
  ASSERT_EQ(HttpStatus(done), 200);
  job = json::parse(done->body);
  EXPECT_EQ(job["state"], "completed");
  EXPECT_EQ(job["summary"]["read"], 2) << job.dump();
  EXPECT_EQ(job["summary"]["imported"], 1) << job.dump();
  EXPECT_EQ(job["summary"]["quarantined"], 1) << job.dump();
  auto q = b_->Client()->Get((status_url + "/quarantine").c_str(), imo.Get());
  ASSERT_EQ(HttpStatus(q), 200) << (q ? q->body : "");
  EXPECT_EQ(json::parse(q->body)["count"], 1);
  // Still only the uploader's (and the audit's managers'), on either process.
  Session monitor = Login(*b_, "monitor");
  EXPECT_EQ(HttpStatus(b_->Client()->Get(status_url.c_str(), monitor.Get())), 404);
  EXPECT_EQ(HttpStatus(a_->Client()->Get(status_url.c_str(), monitor.Get())), 404);
  Session boss = Login(*b_, "coordinator");
  EXPECT_EQ(HttpStatus(b_->Client()->Get(status_url.c_str(), boss.Get())), 200);

  // An import started on B at the same time as one on A: two imports, two ids, each answered
  // as itself by both processes.
  auto on_b = b_->Client()->Post("/api/v1/imports?profile=acled&file_name=b.csv", imo.Unsafe(),
                                 csv +
                                     "SSD3,2024-03-04,2024,Battles,Armed clash,Unknown,South "
                                     "Sudan,Central Equatoria,Juba,Juba,4.85,31.6,1,y\n",
                                 "text/csv");
  ASSERT_EQ(HttpStatus(on_b), 202) << (on_b ? on_b->body : "");
  const std::string b_url = json::parse(on_b->body)["status_url"];
  EXPECT_NE(b_url, status_url);
  for (int i = 0; i < 400; ++i) {
    auto r = a_->Client()->Get(b_url.c_str(), imo.Get());
    ASSERT_EQ(HttpStatus(r), 200) << (r ? r->body : "");
    job = json::parse(r->body);
    EXPECT_EQ(job["file_name"], "b.csv");
    if (job["state"] == "completed" || job["state"] == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_EQ(job["state"], "completed") << job.dump();
  EXPECT_EQ(job["summary"]["read"], 3) << job.dump();
  // The uploads are removed once imported (just after the state says so).
  bool empty = false;
  for (int i = 0; i < 100 && !empty; ++i) {
    empty = std::filesystem::is_empty(db_ + ".uploads");
    if (!empty) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(empty);
}

TEST_F(MultiProcessTest, AFailedImportIsReportedAsFailedByBothProcesses) {
  Session imo = Login(*a_, "imo");
  ASSERT_FALSE(imo.cookie.empty());
  // Not an ACLED export: the header lacks the profile's columns.
  auto started = a_->Client()->Post("/api/v1/imports?profile=acled&file_name=wrong.csv",
                                    imo.Unsafe(), "a,b\n1,2\n", "text/csv");
  ASSERT_EQ(HttpStatus(started), 202) << (started ? started->body : "");
  const std::string url = json::parse(started->body)["status_url"];
  json on_a, on_b;
  for (int i = 0; i < 400; ++i) {
    on_a = json::parse(a_->Client()->Get(url.c_str(), imo.Get())->body);
    if (on_a["state"] == "failed" || on_a["state"] == "completed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(on_a["state"], "failed") << on_a.dump();
  EXPECT_FALSE(on_a["error"].get<std::string>().empty());
  auto r = b_->Client()->Get(url.c_str(), imo.Get());
  ASSERT_EQ(HttpStatus(r), 200) << (r ? r->body : "");
  on_b = json::parse(r->body);
  EXPECT_EQ(on_b["state"], "failed") << on_b.dump();
  EXPECT_EQ(on_b["error"], on_a["error"]) << "the reason, from the store";
  EXPECT_NE(on_b["error"].get<std::string>().find("column"), std::string::npos) << on_b.dump();
  EXPECT_EQ(HttpStatus(b_->Client()->Get((url + "/quarantine").c_str(), imo.Get())), 409);
}

// A child registered through one process is a candidate for a tracing request searched through
// the other at once, although that process had built its tracing index before.
TEST_F(MultiProcessTest, ACaseRegisteredOnOneProcessIsMatchedOnTheOtherAtOnce) {
  Session a_of_a = Login(*a_, "tracer_a"), a_of_b = Login(*a_, "tracer_b");
  Session on_b = Login(*b_, "coordinator");
  ASSERT_FALSE(a_of_a.cookie.empty() || a_of_b.cookie.empty() || on_b.cookie.empty());
  auto put = [&](const json& body) {
    const Session& as = body["organisation"] == "ORG-A" ? a_of_a : a_of_b;
    auto r =
        a_->Client()->Post("/api/v1/tracing/records", as.Unsafe(), body.dump(), "application/json");
    EXPECT_EQ(HttpStatus(r), 201) << (r ? r->body : "");
    return r && r->status == 201 ? json::parse(r->body)["id"].get<int64_t>() : 0;
  };
  int64_t request = put({{"kind", "request"},
                         {"organisation", "ORG-B"},
                         {"external_id", "TR-1"},
                         {"name", "Nyakwoth Gatweach Ruot"},
                         {"sex", "f"},
                         {"age_min", 9},
                         {"area_pcode", "SS0101"}});
  ASSERT_GT(request, 0);
  const std::string path = "/api/v1/tracing/records/" + std::to_string(request) + "/candidates";
  auto candidates = [&] {
    auto r = b_->Client()->Get(path.c_str(), on_b.Get());
    EXPECT_EQ(HttpStatus(r), 200) << (r ? r->body : "");
    return r && r->status == 200 ? json::parse(r->body)["items"] : json::array();
  };
  EXPECT_TRUE(candidates().empty()) << "nobody registered yet (B builds its index now)";
  int64_t child = put({{"kind", "registered"},
                       {"organisation", "ORG-A"},
                       {"external_id", "UASC-1"},
                       {"name", "Nyakuoth Gatwech Ruot"},
                       {"sex", "f"},
                       {"age_min", 8},
                       {"age_max", 9},
                       {"area_pcode", "SS010101"},
                       {"consent_for_tracing", true}});
  json items = candidates();
  ASSERT_EQ(items.size(), 1U) << items.dump();
  EXPECT_EQ(items[0]["registered"]["id"], child);
}

TEST_F(MultiProcessTest, AProtocolVersionPutOnOneProcessIsInForceOnTheOtherWithinASecond) {
  Session boss = Login(*a_, "coordinator");
  ASSERT_FALSE(boss.cookie.empty());
  auto current = b_->Client()->Get("/api/v1/protocol", boss.Get());
  ASSERT_EQ(HttpStatus(current), 200);
  std::string text = json::parse(current->body)["text"];
  // Any change will do: the text is what GET /protocol answers.
  const std::string changed = text + "\n# version of the multi-process test\n";
  auto put = a_->Client()->Put("/api/v1/protocol", boss.Unsafe(), json{{"text", changed}}.dump(),
                               "application/json");
  ASSERT_EQ(HttpStatus(put), 200) << (put ? put->body : "");
  auto t0 = std::chrono::steady_clock::now();
  std::string seen;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5)) {
    seen = json::parse(b_->Client()->Get("/api/v1/protocol", boss.Get())->body)["text"];
    if (seen == changed) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(seen == changed) << "B still serves the previous protocol after " << s << " s";
  EXPECT_LT(s, 1.5);
}

TEST_F(MultiProcessTest, FailedSignInsCountAcrossProcessesAndLockTheAccountOnBoth) {
  auto attempt = [](const ServeProcess& p, const std::string& pw) {
    return HttpStatus(p.Client()->Post("/api/v1/session",
                                       json{{"username", "monitor"}, {"password", pw}}.dump(),
                                       "application/json"));
  };
  // Five wrong passwords, spread over both processes: the account is locked on both (its right
  // password is refused, with the answer of a wrong one).
  for (int i = 0; i < 5; ++i) EXPECT_EQ(attempt(i % 2 == 0 ? *a_ : *b_, "wrong"), 401);
  EXPECT_EQ(attempt(*a_, kPass), 401);
  EXPECT_EQ(attempt(*b_, kPass), 401);
}

TEST_F(MultiProcessTest, ConcurrentWrongPasswordsOnBothProcessesLockTheAccount) {
  // Eight wrong passwords at once, four per process: enough of them are counted to lock the
  // account (when each read the count before its slow check and wrote it after, all eight wrote
  // "1 failure" and the account stayed open).
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([this, i] {
      const ServeProcess& p = i % 2 == 0 ? *a_ : *b_;
      (void)p.Client()->Post("/api/v1/session",
                             json{{"username", "monitor"}, {"password", "wrong"}}.dump(),
                             "application/json");
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(HttpStatus(a_->Client()->Post("/api/v1/session",
                                          json{{"username", "monitor"}, {"password", kPass}}.dump(),
                                          "application/json")),
            401);  // locked: its right password is refused
}

}  // namespace
}  // namespace aegis::testing
