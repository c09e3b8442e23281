// Do no harm, checked as an auditor would: a real `aegis serve` is given known personal strings
// (a name, a phone number, a narrative, exact coordinates, a break-the-glass reason, a tracing
// case) through every way in (entry, import, bad rows, a header-less upload, alerts, tracing,
// search, wrong fields, failed sign-ins), then its stderr, every answer with an error, every file
// it wrote and every column of its store are searched for them. Personal fields are sealed at
// rest and opened only in answers to those allowed, so the only places a seed may appear are the
// successful answers that return the record to its reader.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "process_util.h"
#include "security/keyring.h"
#include "security/password.h"
#include "store/sql_conn.h"
#include "store/store.h"
#include "test_util.h"

namespace aegis::testing {
namespace {

using json = nlohmann::json;
constexpr const char* kPw = "correct horse battery staple";

// The seeds: strings no code or data file of Aegis contains.
const std::string kName = "Nyabol Qwertyan Dengkur";
const std::string kPhone = "+211955771234";
const std::string kNarrative = "canary narrative: taken at the borehole by men in green 7731";
const std::string kReason = "canary reason: survivor Nyaluak needs urgent referral 5519";
const std::string kTraceName = "Garang Canaryson Malual";
const std::string kRelative = "Ayen Canaryson Bol";
constexpr double kLat = 6.851237, kLon = 31.601772;
// Coordinates are kept in clear rounded to 0.01 degree; finer digits are sealed.
const std::vector<std::string> kCoordinateDigits = {"6.851237", "31.601772", "6.8512", "31.6017"};

std::vector<std::string> Seeds() {
  std::vector<std::string> s = {kName,      kPhone,    kNarrative, kReason,
                                kTraceName, kRelative, "Qwertyan", "955771234"};
  s.insert(s.end(), kCoordinateDigits.begin(), kCoordinateDigits.end());
  return s;
}

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

class SeededSecrets : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_ / "s.sqlite";
    {
      auto s = NewStore(dir_, {}, "s.sqlite");
      ASSERT_TRUE(security::Keyring::Create(db_ + ".keys").ok());
      ASSERT_TRUE(s->EnsureOrganisation({0, "ORG-A", "ORG-A", "ngo"}).ok());
      for (auto [name, role, org] :
           {std::tuple{"coord", "coordinator", "ORG-A"}, std::tuple{"imo", "imo", ""},
            std::tuple{"partner", "partner_focal_point", "ORG-A"},
            std::tuple{"monitor", "field_monitor", "ORG-A"},
            std::tuple{"msg", "messaging_officer", "ORG-A"},
            std::tuple{"gateway", "sms_gateway", ""}}) {
        store::User u;
        u.username = name;
        u.role = role;
        u.organisation_code = org;
        u.password_hash = security::HashPassword(kPw).value();
        ASSERT_TRUE(s->AddUser(u).ok());
      }
    }
    log_ = dir_ / "serve.log";
    pid_ = Spawn(
        {AEGIS_BINARY, "--data-dir", kData, "--db", db_, "serve", "--port", "0", "--threads", "4"},
        {}, log_);
    port_ = ServePort(&pid_, log_, 60);
    ASSERT_GT(port_, 0) << ReadFile(log_);
  }
  void TearDown() override { StopProcess(pid_); }

  struct Session {
    std::string cookie, csrf;
  };
  Session SignIn(const std::string& user) {
    auto r = Client().Post("/api/v1/session", json{{"username", user}, {"password", kPw}}.dump(),
                           "application/json");
    EXPECT_TRUE(r && r->status == 200) << user;
    if (!r || r->status != 200) return {};
    std::string cookie = r->get_header_value("Set-Cookie");
    return {cookie.substr(0, cookie.find(';')), json::parse(r->body)["csrf_token"]};
  }
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    return c;
  }
  // Sends a request; keeps the body of every answer that is not a success, where no seed may be.
  httplib::Result Send(const Session& s, const std::string& method, const std::string& path,
                       const std::string& body = "", const std::string& type = "application/json") {
    httplib::Headers h = {{"Cookie", s.cookie}, {"X-CSRF-Token", s.csrf}};
    httplib::Client c = Client();
    httplib::Result r = method == "GET"   ? c.Get(path, h)
                        : method == "PUT" ? c.Put(path, h, body, type.c_str())
                                          : c.Post(path, h, body, type.c_str());
    EXPECT_TRUE(r) << method << " " << path;
    if (r && r->status >= 300) error_bodies_ += r->body + "\n";  // not the path: it holds seeds
    ++requests_;
    return r;
  }
  // Uploads `csv` as `profile` and waits for the import to end; the answers are kept like errors
  // (an import's status answer is where a bad row's value would be echoed).
  void Import(const Session& s, const std::string& profile, const std::string& csv) {
    auto r = Send(s, "POST", "/api/v1/imports?profile=" + profile + "&file_name=seeded.csv", csv,
                  "text/csv");
    ASSERT_TRUE(r && r->status == 202) << (r ? r->body : "");
    std::string url = json::parse(r->body)["status_url"];
    for (int i = 0; i < 300; ++i) {
      auto st = Send(s, "GET", url);
      ASSERT_TRUE(st && st->status == 200);
      error_bodies_ += st->body + "\n";
      std::string state = json::parse(st->body).value("state", "");
      if (state == "completed" || state == "failed") {
        import_runs_.push_back(json::parse(st->body).value("id", int64_t{0}));
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "the import did not end";
  }

  TempDir dir_;
  std::string db_, log_;
  pid_t pid_ = 0;
  int port_ = 0;
  std::string error_bodies_;
  std::vector<int64_t> import_runs_;
  int requests_ = 0;
};

TEST_F(SeededSecrets, NoPersonalStringInTheLogAnErrorAnswerAStoredFileOrAClearColumn) {
  Session coord = SignIn("coord"), imo = SignIn("imo"), partner = SignIn("partner"),
          monitor = SignIn("monitor");
  const std::string contact = kName + ", " + kPhone;
  const json location = {{"lat", kLat}, {"lon", kLon}};

  // 1. Entry, valid: every personal field at once, by a partner and by a field monitor.
  for (const Session* s : {&partner, &monitor}) {
    auto r = Send(*s, "POST", "/api/v1/incidents",
                  json{{"date_start", "2024-03-02"},
                       {"area_pcode", "SS010101"},
                       {"risks", {"ATK"}},
                       {"narrative", kNarrative},
                       {"contact", contact},
                       {"location", location}}
                      .dump());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201) << r->body;
  }
  // 2. Entry, invalid: each seed typed into a field that does not take it.
  for (auto [field, value] : std::vector<std::pair<std::string, json>>{
           {"date_start", kName},
           {"date_end", kPhone},
           {"area_pcode", kPhone},
           {"risks", json::array({kNarrative})},
           {"sensitivity", kName},
           {"perpetrator", kName},
           {"act_type", kNarrative},
           {"killed", kPhone},
           {"consent_share", kName},
           {"location", json{{"lat", kName}, {"lon", kLon}}},
           {"location", json{{"lat", kLat}, {"lon", 1000.5}}}}) {
    json body = {{"date_start", "2024-03-02"},
                 {"area_pcode", "SS010101"},
                 {"risks", {"ATK"}},
                 {"narrative", kNarrative},
                 {"contact", contact}};
    body[field] = value;
    auto r = Send(partner, "POST", "/api/v1/incidents", body.dump());
    ASSERT_TRUE(r);
    EXPECT_GE(r->status, 400) << field << ": " << r->body;
  }
  // A body that is not JSON, quoting a seed.
  Send(partner, "POST", "/api/v1/incidents", "{\"narrative\": \"" + kNarrative + "\", oops");

  // 3. Import: a good row, rows whose bad cells hold the seeds (kept in quarantine, sealed), and
  // a header-less file whose first line is a person.
  Import(imo, "hxl-incident",
         "id,date,pcode,risk,description,lat,lon\n"
         "#meta+id,#date,#adm3+code,#indicator+risk,#description,#geo+lat,#geo+lon\n"
         "k1,2024-03-04,SS010101,ATK," +
             kNarrative + "," + std::to_string(kLat) + "," + std::to_string(kLon) +
             "\n"
             "k2," +
             kName + ",SS010101,ATK," + kNarrative + ",,\n" + "k3,2024-03-04," + kPhone + ",ATK," +
             kNarrative + ",,\n" + "k4,2024-03-04,SS010101," + kName + "," + kNarrative + ",,\n" +
             "k5,2024-03-04,SS010101,ATK," + kNarrative + "," + kName + "," + kPhone + "\n");
  Import(imo, "hxl-incident", kName + "," + kPhone + ",2024-03-02,Bor\n");
  Import(monitor, "acled", kName + "," + kPhone + "," + kNarrative + "\n");

  // 4. Alerts: by the web form and as an SMS relayed with the sender's number.
  Send(monitor, "POST", "/api/v1/alerts",
       json{{"area_pcode", "SS010101"},
            {"risks", {"GBV"}},
            {"urgency", "immediate"},
            {"free_text", kNarrative + " " + contact}}
           .dump());
  Send(coord, "POST", "/api/v1/alerts",
       json{{"text", "ALERT SS010101 GBV " + kNarrative + " call " + kPhone},
            {"sender", kPhone},
            {"channel", "sms"}}
           .dump());
  Send(coord, "POST", "/api/v1/alerts",
       json{{"text", kName + " " + kPhone}, {"sender", kPhone}, {"channel", "sms"}}.dump());

  // 5. Tracing: a registered child and a sought relative; then a wrong field quoting a name.
  Send(coord, "POST", "/api/v1/tracing/records",
       json{{"kind", "registered"},
            {"external_id", "case-1"},
            {"name", kTraceName},
            {"relative_names", kRelative},
            {"date_of_birth", "2015-04-01"},
            {"sex", "m"},
            {"area_pcode", "SS010101"},
            {"consent_for_tracing", true}}
           .dump());
  Send(coord, "POST", "/api/v1/tracing/records",
       json{{"kind", "registered"},
            {"external_id", "case-2"},
            {"name", kTraceName},
            {"date_of_birth", kRelative}}
           .dump());

  // 5b. The service directory: a focal point's name and phone as the contact (sealed), and a
  // name where a P-code and a service type belong (refused without echoing it).
  auto svc = Send(partner, "POST", "/api/v1/services",
                  json{{"service_type", "gbv"},
                       {"provider", "ORG-A"},
                       {"pcodes", {"SS0101"}},
                       {"contact", kName + ", " + kPhone}}
                      .dump());
  EXPECT_TRUE(svc && svc->status == 201) << (svc ? svc->body : "no answer");
  Send(partner, "POST", "/api/v1/services",
       json{{"service_type", kName}, {"provider", "ORG-A"}, {"pcodes", {kPhone}}}.dump());
  Send(partner, "POST", "/api/v1/services",
       json{{"service_type", "gbv"}, {"provider", "ORG-A"}, {"pcodes", {kPhone}}}.dump());
  Send(coord, "GET", "/api/v1/services?area=" + httplib::detail::encode_query_param(kName));

  // 5c. Life-saving messages: a contact with the seed's number (sealed, found by its phone key),
  // the number and a name where they do not belong, messages quoting the tracing case's name and
  // the number (refused), and an inbound STOP from the number through the gateway's token.
  Session msg = SignIn("msg"), gw = SignIn("gateway");
  auto contact_r = Send(msg, "POST", "/api/v1/contacts",
                        json{{"phone", kPhone}, {"language", "ara"}, {"areas", {"SS0101"}}}.dump());
  EXPECT_TRUE(contact_r && contact_r->status == 201) << (contact_r ? contact_r->body : "");
  Send(msg, "POST", "/api/v1/contacts",
       json{{"phone", kName}, {"language", "ara"}, {"areas", {"SS0101"}}}.dump());
  Send(msg, "POST", "/api/v1/contacts",
       json{{"phone", kPhone}, {"language", kName}, {"areas", {kPhone}}}.dump());
  for (const std::string& text : {kTraceName + " is looking for family", "Call " + kPhone})
    Send(coord, "POST", "/api/v1/messages",
         json{{"areas", {"SS0101"}},
              {"channels", {"sms"}},
              {"base_language", "eng"},
              {"translations", {{"eng", text}}}}
             .dump());
  Send(coord, "POST", "/api/v1/messages",
       json{{"areas", {kPhone}},
            {"channels", {"sms"}},
            {"base_language", kName},
            {"translations", {{"eng", "ok"}}}}
           .dump());
  auto gw_token =
      Send(gw, "POST", "/api/v1/tokens", json{{"name", "gw"}, {"scopes", {"write"}}}.dump());
  ASSERT_TRUE(gw_token && gw_token->status == 201);
  {
    httplib::Client c = Client();
    auto r = c.Post(
        "/api/v1/messages/inbound",
        {{"Authorization", "Bearer " + json::parse(gw_token->body)["token"].get<std::string>()}},
        json{{"from", kPhone}, {"text", "STOP"}}.dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_NE(r->body.find("opted_out"), std::string::npos) << r->body;
  }
  Send(msg, "GET", "/api/v1/contacts");

  // 6. Break the glass with a reason that names a survivor.
  Send(imo, "POST", "/api/v1/break-glass", json{{"reason", kReason}}.dump());

  // 7. Reads and searches with a seed in the query; a sign-in with a name as the user name.
  for (const std::string& q :
       {"/api/v1/incidents?q=" + httplib::detail::encode_query_param(kName),
        "/api/v1/incidents?area=" + httplib::detail::encode_query_param(kPhone),
        "/api/v1/incidents?from=" + httplib::detail::encode_query_param(kName),
        "/api/v1/analysis?period=" + httplib::detail::encode_query_param(kName),
        "/api/v1/exports/incidents?format=" + httplib::detail::encode_query_param(kName),
        "/api/v1/tracing/records?kind=" + httplib::detail::encode_query_param(kTraceName)}) {
    Send(coord, "GET", q);
  }
  Send(coord, "GET", "/api/v1/incidents?limit=1000");
  Send(coord, "GET", "/api/v1/audit");
  for (int i = 0; i < 3; ++i) {
    auto r =
        Client().Post("/api/v1/session", json{{"username", kName}, {"password", kPhone}}.dump(),
                      "application/json");
    if (r && r->status >= 300) error_bodies_ += r->body + "\n";
  }
  // The records went in: a scan of an empty store would prove nothing.
  auto list = Send(coord, "GET", "/api/v1/incidents?limit=1000");
  ASSERT_TRUE(list && list->status == 200);
  EXPECT_GE(json::parse(list->body)["items"].size(), 3u) << list->body;
  const int64_t quarantined = QueryInt(db_, "SELECT count(*) FROM quarantine");
  EXPECT_GE(quarantined, 4);
  EXPECT_GE(QueryInt(db_, "SELECT count(*) FROM alert"), 2);
  EXPECT_GE(QueryInt(db_, "SELECT count(*) FROM tracing_record"), 1);
  EXPECT_GE(QueryInt(db_, "SELECT count(*) FROM break_glass"), 1);
  EXPECT_EQ(QueryInt(db_, "SELECT count(*) FROM contact WHERE status='stopped'"), 1);

  StopProcess(pid_);
  pid_ = 0;

  // The scan: stderr, the answers with errors, every file written (the keys aside: random bytes),
  // and every row of every table as the engine stores it.
  std::vector<std::pair<std::string, std::string>> places = {
      {"stderr", ReadFile(log_)}, {"error answers", error_bodies_}, {"store", StoredBytes(db_)}};
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.path())) {
    if (!e.is_regular_file()) continue;
    const std::string p = e.path().string();
    ++files;
    if (p.size() >= 5 && p.substr(p.size() - 5) == ".keys") {
      EXPECT_EQ(ModeOf(p), 0600u) << p;
      continue;
    }
    places.emplace_back(p, ReadFile(p));
  }
  for (const std::string& f : {db_, db_ + "-wal", db_ + "-shm", db_ + ".keys"})
    if (std::filesystem::exists(f)) {
      EXPECT_EQ(ModeOf(f), 0600u) << f;
    }
  int found = 0;
  for (const auto& [where, text] : places) {
    for (const auto& seed : Seeds()) {
      size_t at = text.find(seed);
      if (at == std::string::npos) continue;
      ++found;
      ADD_FAILURE() << "\"" << seed << "\" in " << where << ": ..."
                    << text.substr(at < 120 ? 0 : at - 120, 240 + seed.size()) << "...";
    }
  }
  // Numbers are stored as numbers: no coordinate column holds more than 0.01 degree.
  auto conn = store::sql::Open(db_, false);
  ASSERT_TRUE(conn.ok());
  auto tables =
      store::sql::Prepare(conn->get(), "SELECT name FROM sqlite_master WHERE type='table'");
  ASSERT_TRUE(tables.ok());
  Status st;
  int columns = 0;
  while (tables->Step(&st)) {
    std::string table = tables->Text(0);
    auto info = store::sql::Prepare(conn->get(), "PRAGMA table_info(" + table + ")");
    ASSERT_TRUE(info.ok());
    Status st2;
    while (info->Step(&st2)) {
      std::string col = info->Text(1);
      ++columns;
      auto v = store::sql::Prepare(conn->get(), "SELECT \"" + col + "\" FROM " + table +
                                                    " WHERE typeof(\"" + col + "\")='real'");
      ASSERT_TRUE(v.ok());
      Status st3;
      while (v->Step(&st3)) {
        double x = v->Real(0);
        EXPECT_FALSE(std::abs(x - kLat) < 1e-5 || std::abs(x - kLon) < 1e-5)
            << table << "." << col << " holds " << x << " in clear";
      }
    }
  }
  EXPECT_EQ(found, 0);
  std::printf(
      "[ seeded scan ] %d requests, %zu places (%d files), %d columns, %zu seeds: %d found\n",
      requests_, places.size(), files, columns, Seeds().size(), found);
}

}  // namespace
}  // namespace aegis::testing
