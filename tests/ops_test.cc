// Operating Aegis (doc/server.md): request ids, health and readiness, /metrics read by a real
// Prometheus text parser (python3-prometheus-client), who may read the metrics, the structured
// log lines of a real `aegis serve`, and its graceful stop on SIGTERM.
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "process_util.h"
#include "server_fixture.h"

namespace aegis::testing {
namespace {

class OpsTest : public ServerTest {
 protected:
  // A header as if nginx passed the request for a client elsewhere (not the server's host).
  static constexpr const char* kElsewhere = "192.0.2.7";

  // Every sample of a /metrics text, as python3's prometheus_client parser reads it:
  // [{"family", "type", "name", "labels": {...}, "value"}]. Fails the test when it cannot parse.
  json Parse(const std::string& text) {
    const std::string in = dir_ / "metrics.txt", out = dir_ / "samples.json";
    const std::string script = dir_ / "parse.py";
    WriteFile(in, text);
    WriteFile(script,
              "import json, sys\n"
              "from prometheus_client.parser import text_string_to_metric_families\n"
              "out = []\n"
              "for f in text_string_to_metric_families(open(sys.argv[1]).read()):\n"
              "    for s in f.samples:\n"
              "        out.append({'family': f.name, 'type': f.type, 'name': s.name,\n"
              "                    'labels': s.labels, 'value': s.value})\n"
              "json.dump(out, open(sys.argv[2], 'w'))\n");
    std::filesystem::remove(out);
    // Debian's interpreter, whose packages hold prometheus_client (not a python3 earlier on PATH).
    const std::string cmd = "/usr/bin/python3 " + script + " " + in + " " + out + " 2>&1";
    CommandResult r;
    FILE* p = popen(cmd.c_str(), "r");
    EXPECT_NE(p, nullptr);
    if (!p) return json::array();
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
    EXPECT_EQ(pclose(p), 0) << "the Prometheus parser refused the exposition (python3-"
                               "prometheus-client: scripts/install-deps.sh): "
                            << r.output << "\n"
                            << text;
    json samples = json::parse(ReadFile(out), nullptr, false);
    return samples.is_discarded() ? json::array() : samples;
  }

  // The value of the sample `name` whose labels include `labels`; -1 when there is none.
  static double Value(const json& samples, const std::string& name, const json& labels = {}) {
    for (const auto& s : samples) {
      if (s["name"] != name) continue;
      bool match = true;
      for (const auto& [k, v] : labels.items()) match = match && s["labels"].value(k, "") == v;
      if (match) return s["value"].get<double>();
    }
    return -1;
  }
  static std::set<std::pair<std::string, std::string>> Families(const json& samples) {
    std::set<std::pair<std::string, std::string>> out;
    for (const auto& s : samples)
      out.insert({s["family"].get<std::string>(), s["type"].get<std::string>()});
    return out;
  }
};

TEST_F(OpsTest, HealthAndReadinessAreOpenAndNameTheFailedCheck) {
  auto c = Client();
  auto health = c->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body), json({{"status", "ok"}}));
  auto ready = c->Get("/readyz", {{"X-Real-IP", kElsewhere}});
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  json r = json::parse(ready->body);
  EXPECT_EQ(r["status"], "ready");
  EXPECT_EQ(r["checks"], json({{"store", "ok"}, {"migrations", "ok"}, {"key_file", "ok"}}));
  // The key file cannot be read: not ready, and which check failed.
  const std::string keys = dir_ / "t.keys";
  std::filesystem::rename(keys, keys + ".away");
  auto not_ready = c->Get("/readyz");
  std::filesystem::rename(keys + ".away", keys);
  ASSERT_TRUE(not_ready);
  EXPECT_EQ(not_ready->status, 503);
  r = json::parse(not_ready->body);
  EXPECT_EQ(r["status"], "not_ready");
  EXPECT_EQ(r["failed"], json::array({"key_file"}));
  EXPECT_EQ(r["checks"]["store"], "ok");
  EXPECT_EQ(c->Get("/readyz")->status, 200);
  // A store whose schema is behind (migrations not current) is not ready either.
  ASSERT_TRUE(ExecRaw(db_,
                      "DELETE FROM schema_migration WHERE version = (SELECT max(version) FROM "
                      "schema_migration)"));
  auto behind = c->Get("/readyz");
  ASSERT_TRUE(behind);
  EXPECT_EQ(behind->status, 503) << behind->body;
  EXPECT_EQ(json::parse(behind->body)["failed"], json::array({"migrations"})) << behind->body;
}

bool SaneId(const std::string& id) {
  return std::regex_match(id, std::regex("[A-Za-z0-9._-]{1,64}"));
}

TEST_F(OpsTest, TheRequestIdIsTakenWhenSaneElseMadeAndEchoedInHeaderAndErrorBody) {
  auto c = Client();
  auto sane = c->Get("/api/v1/incidents", {{"X-Request-Id", "nginx-4f2a.b_9"}});
  ASSERT_TRUE(sane);
  EXPECT_EQ(sane->status, 401);
  EXPECT_EQ(sane->get_header_value("X-Request-Id"), "nginx-4f2a.b_9");
  EXPECT_EQ(json::parse(sane->body)["error"]["request_id"], "nginx-4f2a.b_9");
  for (const std::string& bad : {std::string("has space"), std::string("semi;colon"),
                                 std::string("\"quoted\""), std::string(65, 'a')}) {
    auto r = c->Get("/api/v1/incidents", {{"X-Request-Id", bad}});
    ASSERT_TRUE(r);
    const std::string id = r->get_header_value("X-Request-Id");
    EXPECT_NE(id, bad);
    EXPECT_TRUE(SaneId(id)) << id;
    EXPECT_EQ(json::parse(r->body)["error"]["request_id"], id);
  }
  std::string exactly64(64, 'b');
  EXPECT_EQ(c->Get("/healthz", {{"X-Request-Id", exactly64}})->get_header_value("X-Request-Id"),
            exactly64);
  // Without one, each request gets its own; a 404 of no route too.
  auto a = c->Get("/healthz"), b = c->Get("/api/v1/no-such-route");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->status, 404);
  EXPECT_FALSE(a->get_header_value("X-Request-Id").empty());
  EXPECT_NE(a->get_header_value("X-Request-Id"), b->get_header_value("X-Request-Id"));
  EXPECT_EQ(json::parse(b->body)["error"]["request_id"], b->get_header_value("X-Request-Id"));
  // A request that could not be read (headers over 64 KB) never began: it gets an id all the same.
  auto big = Client()->Get("/healthz", {{"X-Big", std::string(70000, 'a')}});
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 431);
  EXPECT_TRUE(SaneId(big->get_header_value("X-Request-Id")));
  EXPECT_EQ(json::parse(big->body)["error"]["request_id"], big->get_header_value("X-Request-Id"));
}

// The kernel's kReadMetrics over HTTP: the host itself without credentials; through a proxy for
// another address, a coordinator or IMO session, or a token of theirs with the metrics scope.
TEST_F(OpsTest, MetricsAreOpenToTheHostAndToRolesThatManageThem) {
  auto c = Client();
  auto local = c->Get("/metrics");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->status, 200) << local->body;
  EXPECT_EQ(local->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  httplib::Headers elsewhere{{"X-Real-IP", kElsewhere}};
  EXPECT_EQ(c->Get("/metrics", elsewhere)->status, 401);
  EXPECT_EQ(c->Get("/metrics", {{"X-Forwarded-For", kElsewhere}})->status, 401);
  auto as = [&](const Session& s) {
    httplib::Headers h = s.Get();
    h.emplace("X-Real-IP", kElsewhere);
    return c->Get("/metrics", h)->status;
  };
  Session coordinator = Login("coordinator");
  EXPECT_EQ(as(coordinator), 200);
  EXPECT_EQ(as(Login("imo")), 200);
  EXPECT_EQ(as(Login("viewer")), 403);
  EXPECT_EQ(as(Login("partner_focal_point")), 403);
  auto token = [&](const json& scopes) {
    auto r = c->Post("/api/v1/tokens", coordinator.Unsafe(),
                     json{{"name", scopes.dump()}, {"scopes", scopes}}.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "");
    return httplib::Headers{
        {"Authorization", "Bearer " + json::parse(r->body)["token"].get<std::string>()},
        {"X-Real-IP", kElsewhere}};
  };
  httplib::Headers metrics_only = token({"metrics"});
  EXPECT_EQ(c->Get("/metrics", metrics_only)->status, 200);
  EXPECT_EQ(c->Get("/api/v1/me", metrics_only)->status, 403)
      << "a metrics token reads nothing else";
  EXPECT_EQ(c->Get("/api/v1/incidents", metrics_only)->status, 403);
  auto read_only = c->Get("/metrics", token({"read"}));
  EXPECT_EQ(read_only->status, 403);
  EXPECT_EQ(json::parse(read_only->body)["error"]["code"], "scope");
}

TEST_F(OpsTest, APrometheusParserReadsTheMetricsAndTheCountersFollowTheRequests) {
  auto c = Client();
  Session imo = Login("imo");
  json before = Parse(c->Get("/metrics")->body);
  const json me = {{"method", "GET"}, {"route", "/api/v1/me"}, {"status", "200"}};
  const json detail = {{"method", "GET"}, {"route", "/api/v1/incidents/{id}"}, {"status", "404"}};
  const double me_before = std::max(0.0, Value(before, "aegis_http_requests_total", me));
  const double waits_before = Value(before, "aegis_store_pool_waits_total");
  for (int i = 0; i < 7; ++i) ASSERT_EQ(c->Get("/api/v1/me", imo.Get())->status, 200);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(c->Get("/api/v1/incidents/987654321", imo.Get())->status, 404);
  // An import through the server: 2 rows read, 1 stored, 1 quarantined.
  const std::string csv =
      "event_id_cnty,event_date,year,event_type,sub_event_type,actor1,country,admin1,admin2,"
      "location,latitude,longitude,fatalities,notes\n"
      "SSD1,2024-03-01,2024,Violence against civilians,Attack,Unknown,South Sudan,Central "
      "Equatoria,Juba,Juba,4.85,31.6,2,note\n"
      "SSD2,not a date,2024,Battles,Armed clash,Unknown,South Sudan,Central Equatoria,Juba,Juba,"
      "4.85,31.6,0,x\n";
  auto started =
      c->Post("/api/v1/imports?profile=acled&file_name=events.csv", imo.Unsafe(), csv, "text/csv");
  ASSERT_TRUE(started && started->status == 202) << (started ? started->body : "");
  std::string status_url = json::parse(started->body)["status_url"];
  for (int i = 0; i < 200; ++i) {
    json job = json::parse(c->Get(status_url.c_str(), imo.Get())->body);
    if (job["state"] == "completed" || job["state"] == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // A request is counted once its answer is sent, just after the client has it: read the
  // metrics until the last ones are in (at most 5 s), then check every value.
  std::string text;
  json after;
  for (int i = 0; i < 50; ++i) {
    auto res = c->Get("/metrics");
    ASSERT_TRUE(res && res->status == 200);
    text = res->body;
    after = Parse(text);
    if (Value(after, "aegis_http_requests_total", me) >= me_before + 7 &&
        Value(after, "aegis_http_requests_total", detail) >= 3 &&
        Value(after, "aegis_http_requests_in_flight") <= 1)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(text.find("987654321"), std::string::npos) << "a raw path in the metrics";
  const std::set<std::pair<std::string, std::string>> expected = {
      {"aegis_http_requests", "counter"},
      {"aegis_http_request_duration_seconds", "histogram"},
      {"aegis_http_requests_in_flight", "gauge"},
      {"aegis_store_pool_waits", "counter"},
      {"aegis_store_pool_wait_seconds", "counter"},
      {"aegis_store_pool_opened", "counter"},
      {"aegis_store_pool_leases_in_use", "gauge"},
      {"aegis_store_pool_idle", "gauge"},
      {"aegis_alert_outbox_depth", "gauge"},
      {"aegis_alert_outbox_oldest_age_seconds", "gauge"},
      {"aegis_import_rows", "counter"}};
  std::set<std::pair<std::string, std::string>> families = Families(after);
  for (const auto& f : expected) EXPECT_EQ(families.count(f), 1u) << f.first << " " << f.second;
  EXPECT_EQ(Value(after, "aegis_http_requests_total", me), me_before + 7);
  EXPECT_EQ(Value(after, "aegis_http_requests_total", detail), 3);
  const json me_route = {{"method", "GET"}, {"route", "/api/v1/me"}};
  EXPECT_GE(Value(after, "aegis_http_request_duration_seconds_count", me_route), 7);
  json inf = me_route;
  inf["le"] = "+Inf";
  EXPECT_EQ(Value(after, "aegis_http_request_duration_seconds_bucket", inf),
            Value(after, "aegis_http_request_duration_seconds_count", me_route));
  EXPECT_GT(Value(after, "aegis_http_request_duration_seconds_sum", me_route), 0);
  EXPECT_GE(Value(after, "aegis_store_pool_waits_total"), waits_before + 10);
  EXPECT_GT(Value(after, "aegis_store_pool_wait_seconds_total"), 0);
  EXPECT_EQ(Value(after, "aegis_alert_outbox_depth"), 0);
  EXPECT_EQ(Value(after, "aegis_alert_outbox_oldest_age_seconds"), 0);
  EXPECT_EQ(Value(after, "aegis_import_rows_total", {{"outcome", "read"}}), 2);
  EXPECT_EQ(Value(after, "aegis_import_rows_total", {{"outcome", "stored"}}), 1);
  EXPECT_EQ(Value(after, "aegis_import_rows_total", {{"outcome", "quarantined"}}), 1);
  EXPECT_EQ(Value(after, "aegis_http_requests_in_flight"), 1) << "the /metrics request itself";
  // Every route label is a documented pattern (or the two catch-alls), never a path.
  std::set<std::string> patterns = {"(unmatched)", "/{web}"};
  for (const auto& r : server_->routes()) patterns.insert(r.path);
  for (const auto& s : after)
    if (s["labels"].contains("route")) {
      EXPECT_EQ(patterns.count(s["labels"]["route"].get<std::string>()), 1u) << s.dump();
    }
  std::printf("[figure] /metrics: %zu samples in %zu families, %zu bytes\n", after.size(),
              families.size(), text.size());
}

// --- a real `aegis serve` ----------------------------------------------------------------------

class ServeProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_ / "p.sqlite";
    auto s = NewStore(dir_, {}, "p.sqlite");
    ASSERT_TRUE(security::Keyring::Create(db_ + ".keys").ok());
    store::User u;
    u.username = "imo";
    u.role = "imo";
    u.password_hash = security::HashPassword(kPassword).value();
    auto id = s->AddUser(u);
    ASSERT_TRUE(id.ok());
    user_id_ = *id;
  }
  void TearDown() override { StopProcess(pid_); }

  // Starts `aegis serve` with `extra` arguments; its stdout and stderr in log_.
  void Start(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {AEGIS_BINARY, "--data-dir", kData, "--db",      db_,
                                     "serve",      "--port",     "0",   "--threads", "4"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = Spawn(args, {}, log_);
    port_ = ServePort(&pid_, log_, 60);
    ASSERT_GT(port_, 0) << ReadFile(log_);
  }
  // The log's JSON lines (each must parse).
  std::vector<json> Lines() {
    std::vector<json> out;
    for (const std::string& line : text::Split(ReadFile(log_), '\n')) {
      if (line.empty() || line[0] != '{') continue;
      json j = json::parse(line, nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << line;
      if (!j.is_discarded()) out.push_back(j);
    }
    return out;
  }
  // Waits for the child to exit; its exit status, or -1 if it did not within `seconds`.
  int ExitStatus(int seconds) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
  // A connection to the server on which a request is sent by hand.
  int Connect() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    return fd;
  }
  static void SendAll(int fd, const std::string& s) {
    ASSERT_EQ(send(fd, s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
  }
  static std::string ReadAll(int fd) {
    timeval tv{20, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;)
      out.append(buf, static_cast<size_t>(n));
    return out;
  }

  TempDir dir_;
  std::string db_, log_ = dir_ / "serve.log";
  int64_t user_id_ = 0;
  pid_t pid_ = 0;
  int port_ = 0;
};

TEST_F(ServeProcessTest, EachRequestIsOneJsonLineWithItsRoutePatternAndNoPathOrQuery) {
  Start({});
  httplib::Client c("127.0.0.1", port_);
  c.set_read_timeout(30, 0);
  auto in = c.Post("/api/v1/session", json{{"username", "imo"}, {"password", kPassword}}.dump(),
                   "application/json");
  ASSERT_TRUE(in && in->status == 200);
  std::string cookie = in->get_header_value("Set-Cookie");
  httplib::Headers h{{"Cookie", cookie.substr(0, cookie.find(';'))},
                     {"X-Request-Id", "ops-test-1"}};
  // A search for a name and a record id in the path: neither may reach the log.
  ASSERT_EQ(c.Get("/api/v1/incidents?q=Nyakuoth+Gatluak&area=SS01", h)->status, 200);
  ASSERT_EQ(c.Get("/api/v1/incidents/987654321", h)->status, 404);
  ASSERT_EQ(c.Get("/api/v1/Nyakuoth-Gatluak")->status, 404);
  StopProcess(pid_);
  pid_ = 0;
  const std::string text = ReadFile(log_);
  for (const char* secret : {"Nyakuoth", "Gatluak", "987654321", "SS01", "aegis_session="})
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in the log:\n" << text;
  std::vector<json> access;
  for (const json& j : Lines())
    if (j.contains("route")) access.push_back(j);
  ASSERT_EQ(access.size(), 4u) << text;
  for (const json& j : access) {
    for (const char* field :
         {"time", "level", "request_id", "method", "route", "status", "duration_ms", "user_id"})
      EXPECT_TRUE(j.contains(field)) << field << " missing: " << j.dump();
    EXPECT_EQ(j["level"], "info");
    EXPECT_GE(j["duration_ms"].get<double>(), 0);
  }
  // Lines are written once each answer is sent, by the thread that served it: their order may
  // differ from the requests' under load.
  std::map<std::string, json> by_route;
  for (const json& j : access) by_route[j["route"].get<std::string>()] = j;
  ASSERT_EQ(by_route.size(), 4u) << text;
  EXPECT_TRUE(by_route["/api/v1/session"]["user_id"].is_null());
  const json& list = by_route["/api/v1/incidents"];
  EXPECT_EQ(list["request_id"], "ops-test-1");
  EXPECT_EQ(list["user_id"], user_id_);
  EXPECT_EQ(list["status"], 200);
  EXPECT_EQ(by_route["/api/v1/incidents/{id}"]["status"], 404);
  EXPECT_EQ(by_route["(unmatched)"]["status"], 404);
}

TEST_F(ServeProcessTest, WithAccessLinesOffOnlyA5xxIsLoggedAsAnErrorWithItsStatus) {
  Start({"--log-requests=off"});
  httplib::Client c("127.0.0.1", port_);
  ASSERT_EQ(c.Get("/healthz")->status, 200);
  std::filesystem::rename(db_ + ".keys", db_ + ".keys.away");
  auto r = c.Get("/readyz", {{"X-Request-Id", "ready-1"}});
  std::filesystem::rename(db_ + ".keys.away", db_ + ".keys");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  StopProcess(pid_);
  pid_ = 0;
  std::vector<json> requests;
  for (const json& j : Lines())
    if (j.contains("route")) requests.push_back(j);
  ASSERT_EQ(requests.size(), 1u) << ReadFile(log_);
  EXPECT_EQ(requests[0]["level"], "error");
  EXPECT_EQ(requests[0]["route"], "/readyz");
  EXPECT_EQ(requests[0]["status"], 503);
  EXPECT_EQ(requests[0]["request_id"], "ready-1");
  EXPECT_NE(requests[0]["error"].get<std::string>().find("key_file"), std::string::npos);
}

// SIGTERM while a request is being read: the server stops listening, the request is answered,
// every store lease is given back and the process exits 0. A request that does not finish within
// --stop-timeout makes it exit 1.
TEST_F(ServeProcessTest, SigtermLetsTheRequestInFlightFinishThenExitsZero) {
  Start({});
  const std::string body = json{{"username", "imo"}, {"password", kPassword}}.dump();
  int fd = Connect();
  SendAll(fd,
          "POST /api/v1/session HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
          "Content-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_EQ(kill(pid_, SIGTERM), 0);
  // The listening socket closes at once: new connections are refused while the request runs.
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    refused = !Accepts(port_);
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(refused);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  SendAll(fd, body.substr(10));
  const std::string answer = ReadAll(fd);
  close(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("Set-Cookie: aegis_session="), std::string::npos) << answer;
  EXPECT_EQ(ExitStatus(15), 0) << ReadFile(log_);
  bool stopping = false, stopped = false;
  for (const json& j : Lines()) {
    if (j.value("event", "") == "stopping") stopping = j["requests_in_flight"] == 1;
    if (j.value("event", "") == "stopped")
      stopped = j["store_leases_held"] == 0 && j["requests_in_flight"] == 0;
  }
  EXPECT_TRUE(stopping) << ReadFile(log_);
  EXPECT_TRUE(stopped) << ReadFile(log_);
}

TEST_F(ServeProcessTest, ARequestPastTheStopTimeoutMakesTheProcessExitOne) {
  Start({"--stop-timeout", "1"});
  int fd = Connect();
  SendAll(fd,
          "POST /api/v1/session HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
          "Content-Length: 100\r\n\r\n{\"user");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto sent = std::chrono::steady_clock::now();
  ASSERT_EQ(kill(pid_, SIGTERM), 0);
  EXPECT_EQ(ExitStatus(15), 1) << ReadFile(log_);
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
  EXPECT_LT(waited, 3.0) << "the body read's own timeout (5 s) is not what ended it";
  close(fd);
  bool deadline = false;
  for (const json& j : Lines())
    if (j.value("event", "") == "stop_deadline") deadline = j["requests_in_flight"] == 1;
  EXPECT_TRUE(deadline) << ReadFile(log_);
}

}  // namespace
}  // namespace aegis::testing
