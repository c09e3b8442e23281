// The fixture of the API tests: a store with one incident per organisation x record class x
// sensitivity, one user per role, and `aegis serve` on a free loopback port.
#pragma once

#include <httplib.h>

#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "access/cipher.h"
#include "security/keyring.h"
#include "security/password.h"
#include "server/server.h"
#include "test_util.h"
#include "util/text.h"

namespace aegis::testing {

using json = nlohmann::json;

constexpr const char* kPassword = "correct horse battery staple";
const std::vector<std::string> kClasses = {"incident", "gbv", "child"};
const std::vector<std::string> kSensitivity = {"public", "internal", "confidential",
                                               "strictly_confidential"};

// What the shipped protocol (data/isp/protocol.toml) promises, written out by hand: per role,
// the highest sensitivity rank readable per class (-1 = none), and own-organisation-only.
struct Expect {
  int rank[3];
  bool own_org_only;
};
const std::map<std::string, Expect> kExpected = {
    {"coordinator", {{2, 1, 1}, false}},
    {"imo", {{2, 1, 1}, false}},
    {"partner_focal_point", {{1, -1, -1}, true}},
    {"field_monitor", {{1, -1, -1}, true}},
    {"service_provider", {{1, -1, -1}, true}},
    {"outside_recipient", {{-1, -1, -1}, false}},
    {"viewer", {{-1, -1, -1}, false}},
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = StoreUrl(dir_, "t.sqlite");
    store_ = NewStore(dir_);
    auto cat = ingest::LoadCatalog(*store_, kData);
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    auto keys = security::Keyring::Create(dir_ / "t.keys");
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    // The test's own connection seals personal fields like the server's do.
    auto source = access::KeySource::Load(dir_ / "t.keys");
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    keys_ = *source;
    store_->SetCipher(keys_);
    for (const char* org : {"ORG-A", "ORG-B"})
      ASSERT_TRUE(store_->EnsureOrganisation({0, org, org, "ngo"}).ok());
    SeedIncidents();
    for (const auto& [role, e] : kExpected) AddUser(role, role, e.own_org_only ? "ORG-A" : "");
    server::ServerOptions o;
    o.port = 0;
    o.threads = 8;
    o.db = db_;
    o.data_dir = kData;
    o.key_file = dir_ / "t.keys";
    o.alert_routing = alert_routing_;
    o.max_body_bytes = 64 * 1024;
    o.sign_in_burst = 1000;  // many sign-ins from one address; see SignInIsRateLimitedPerAddress
    o.log_requests = false;  // 5xx lines only (OpsTest checks the access lines)
    auto s = server::Server::Create(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
    std::promise<int> port;
    auto fut = port.get_future();
    thread_ = std::thread([&] { (void)server_->Run([&](int p) { port.set_value(p); }); });
    port_ = fut.get();
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  void AddUser(const std::string& name, const std::string& role, const std::string& org) {
    store::User u;
    u.username = name;
    u.role = role;
    u.organisation_code = org;
    u.password_hash = security::HashPassword(kPassword).value();
    ASSERT_TRUE(store_->AddUser(u).ok());
  }

  // One incident per organisation x class x sensitivity; key "ORG|class|sensitivity".
  void SeedIncidents() {
    auto src = store_->EnsureDataSource({0, "TEST", "test", "manual", "", "direct_monitoring"});
    ASSERT_TRUE(src.ok());
    std::vector<store::Incident> incidents;
    for (const char* org : {"ORG-A", "ORG-B"}) {
      for (size_t c = 0; c < kClasses.size(); ++c) {
        for (const auto& sens : kSensitivity) {
          store::Incident i;
          i.source_key = std::string(org) + "|" + kClasses[c] + "|" + sens;
          i.content_hash = text::Hash64(i.source_key);
          i.date_start = i.date_end = "2024-03-02";
          i.country = "SSD";
          i.place = {"SS010101", 3, "pcode", 1, "", ""};
          i.risks = {c == 0 ? "ATK" : c == 1 ? "GBV" : "REC"};
          i.organisation_code = org;
          i.source_type = "direct_monitoring";
          i.sensitivity = sens;
          i.narrative = "SECRET-NARRATIVE-" + i.source_key;
          incidents.push_back(i);
        }
      }
    }
    ASSERT_TRUE(ImportIncidents(*store_, *src, std::move(incidents)).ok());
  }

  std::unique_ptr<httplib::Client> Client() {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_read_timeout(10, 0);
    return c;
  }

  // Signs in; returns the cookie header value and the CSRF token.
  std::pair<std::string, std::string> SignIn(const std::string& user,
                                             const std::string& pw = kPassword) {
    auto r = Client()->Post("/api/v1/session", json{{"username", user}, {"password", pw}}.dump(),
                            "application/json");
    if (!r || r->status != 200) return {};
    std::string cookie = r->get_header_value("Set-Cookie");
    return {cookie.substr(0, cookie.find(';')), json::parse(r->body)["csrf_token"]};
  }

  // A request with the session cookie (and the CSRF token on unsafe methods).
  struct Session {
    std::string cookie, csrf;
    httplib::Headers Get() const { return {{"Cookie", cookie}}; }
    httplib::Headers Unsafe() const { return {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}; }
  };
  Session Login(const std::string& user) {
    auto [cookie, csrf] = SignIn(user);
    return {cookie, csrf};
  }

  TempDir dir_;
  std::string alert_routing_;  // ServerOptions::alert_routing; set before SetUp
  std::shared_ptr<access::KeySource> keys_;
  std::string db_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace aegis::testing
