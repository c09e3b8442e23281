// Aegis as several processes on one store: three `aegis serve` processes on one PostgreSQL
// database (a fresh one on the throwaway server in $AEGIS_TEST_PG, which scripts/test.sh
// starts), behind nginx (deploy/nginx.conf, TLS with a throwaway certificate, round robin,
// HTTP/1.1 keep-alive to the upstreams). Through nginx and
// the processes directly: a session signed in once is valid everywhere; a sign-out through one
// is refused by all; concurrent writes are each answered 201 and stored once; the alert outbox
// is delivered once by the three workers together; the audit log stays one intact chain; the
// analysis of every process sees a write made through another.
//
// As pg.ClusterTest.* (AEGIS_TEST_BACKEND=postgresql) they run on PostgreSQL and skip without
// $AEGIS_TEST_PG; as ClusterTest.* the same checks run on one SQLite file shared by the three.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "alert_test_util.h"
#include "deploy_nginx.h"
#include "process_util.h"

namespace aegis::testing {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kServers = 3;
const std::string kUser = "cluster";
const std::string kPassword = "cluster test password 2026!";
const std::string kNginx = "/usr/sbin/nginx";
const std::string kIncident =
    R"({"date_start":"2026-10-03","area_pcode":"SS010101","risks":["MOV"],"narrative":"cluster"})";

std::string Quote(const std::string& s) {  // for sh -c
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// nginx's port: it serves TLS (deploy/nginx.conf), so clients of that port speak https.
int g_tls_port = 0;

std::unique_ptr<httplib::Client> Client(int port) {
  std::unique_ptr<httplib::Client> c;
  if (port == g_tls_port) {
    c = std::make_unique<httplib::Client>("https://127.0.0.1:" + std::to_string(port));
    c->enable_server_certificate_verification(false);  // the test's own certificate
  } else {
    c = std::make_unique<httplib::Client>("127.0.0.1", port);
  }
  c->set_keep_alive(true);
  c->set_connection_timeout(5, 0);
  c->set_read_timeout(60, 0);
  c->set_write_timeout(60, 0);
  return c;
}

struct Session {
  std::string cookie;  // aegis_session=...
  std::string csrf;
};

httplib::Headers Auth(const Session& s) { return {{"Cookie", s.cookie}, {"X-CSRF-Token", s.csrf}}; }

// The three servers, nginx in front, the webhook receiver the routing rules point at, and the
// store they share; started once per test program (ctest runs each test in its own).
class Cluster {
 public:
  // "" when the cluster is up, else what went wrong.
  std::string Start() {
    url_ = StoreUrl(dir_, "cluster.sqlite");
    if (::access(kNginx.c_str(), X_OK) != 0)
      return "no " + kNginx + ": scripts/install-deps.sh installs it (nginx-light)";
    receiver_ = std::make_unique<WebhookReceiver>("test-secret");
    key_file_ = dir_ / "cluster.keys";
    routing_ = dir_ / "routing.toml";
    WriteFile(routing_, TestRouting(receiver_->url()));
    CommandResult r = Cli("areas import " + Quote(kData + "/geo/ssd/ssd_adm3_payams_pcodes.csv"));
    if (r.exit_code != 0) return "aegis areas import on " + url_ + " failed:\n" + r.output;
    r = Cli("user add " + kUser + " --role coordinator", "AEGIS_PASSWORD=" + Quote(kPassword));
    if (r.exit_code != 0) return "aegis user add failed:\n" + r.output;

    std::vector<std::string> env =
        ChildEnv({"AEGIS_ALERT_ROUTING=" + routing_, "AEGIS_KEY_FILE=" + key_file_},
                 {"AEGIS_ALERT_", "AEGIS_KEY_FILE=", "AEGIS_DB="});
    for (int i = 0; i < kServers; ++i) {
      std::string log = dir_ / ("serve" + std::to_string(i) + ".log");
      logs_.push_back(log);
      servers_.push_back(Spawn({AEGIS_BINARY, "--data-dir", kData, "--db", url_, "serve", "--port",
                                "0", "--threads", "16", "--keys", key_file_, "--behind-proxy"},
                               env, log));
    }
    for (int i = 0; i < kServers; ++i) {
      int port = ServePort(&servers_[i], logs_[i]);
      if (port <= 0) return "aegis serve " + std::to_string(i) + " did not start:\n" + Logs();
      ports_.push_back(port);
    }
    if (std::string cert = MakeCertificate(dir_.path()); !cert.empty()) return cert;
    for (int attempt = 0; attempt < 5 && nginx_port_ == 0; ++attempt) {
      int port = FreePort();
      g_tls_port = port;
      WriteFile(dir_ / "nginx.conf", NginxConf(port));
      pid_t pid = Spawn({kNginx, "-p", dir_.path() + "/", "-c", dir_ / "nginx.conf", "-e",
                         dir_ / "nginx-error.log"},
                        {"PATH=/usr/sbin:/usr/bin:/bin"}, dir_ / "nginx.out");
      if (WaitHttp(&pid, port)) {
        nginx_ = pid;
        nginx_port_ = port;
      } else {
        StopProcess(pid, 1000);
      }
    }
    if (nginx_port_ == 0)
      return "nginx did not start:\n" + ReadFile(dir_ / "nginx-error.log") +
             ReadFile(dir_ / "nginx.out");
    return "";
  }

  ~Cluster() {
    StopProcess(nginx_, 5000);
    for (pid_t p : servers_) StopProcess(p);
    receiver_.reset();
    // The store goes with dir_ (a PostgreSQL database too: TempDir drops it).
  }

  // `aegis --db URL ARGS` with the cluster's key file; `env` is prepended (VAR=value ...).
  CommandResult Cli(const std::string& args, const std::string& env = "") const {
    return Shell("env AEGIS_KEY_FILE=" + Quote(key_file_) + " " + env + " " + AEGIS_BINARY +
                 " --data-dir " + Quote(kData) + " --db " + Quote(url_) + " " + args);
  }

  // The incidents in the store, read directly (not through the servers).
  int64_t CountIncidents() const { return QueryInt(url_, "SELECT count(*) FROM incident"); }

  std::optional<Session> SignIn(int port) const {
    auto c = Client(port);
    auto r = c->Post("/api/v1/session", json{{"username", kUser}, {"password", kPassword}}.dump(),
                     "application/json");
    if (!r || r->status != 200) {
      ADD_FAILURE() << "sign-in on port " << port << ": "
                    << (r ? std::to_string(r->status) + " " + r->body : "no answer");
      return std::nullopt;
    }
    std::string cookie = r->get_header_value("Set-Cookie");
    return Session{cookie.substr(0, cookie.find(';')),
                   json::parse(r->body).value("csrf_token", "")};
  }

  std::string Logs() const {
    std::string out;
    for (const auto& l : logs_) out += "--- " + l + "\n" + ReadFile(l);
    return out;
  }

  const std::vector<int>& ports() const { return ports_; }
  int nginx_port() const { return nginx_port_; }
  const std::string& url() const { return url_; }
  WebhookReceiver& receiver() { return *receiver_; }

 private:
  // nginx answers (a route of the servers behind it) within 20 s, and has not exited.
  static bool WaitHttp(pid_t* pid, int port) {
    auto end = Clock::now() + std::chrono::seconds(20);
    while (Clock::now() < end) {
      if (Exited(pid)) return false;
      auto c = Client(port);
      c->set_connection_timeout(1, 0);
      auto r = c->Get("/api/v1/openapi.json");
      if (r && r->status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // deploy/nginx.conf on `port` (TLS) in front of the servers, one nginx process without a
  // master (it dies with the test); X-Aegis-Upstream names the server that answered.
  std::string NginxConf(int port) const {
    return DeployNginxConf({dir_.path(), ports_, FreePort(), port,
                            "add_header X-Aegis-Upstream $upstream_addr always;"});
  }

  TempDir dir_;
  std::string url_, key_file_, routing_;
  std::unique_ptr<WebhookReceiver> receiver_;
  std::vector<pid_t> servers_;
  std::vector<std::string> logs_;
  std::vector<int> ports_;
  pid_t nginx_ = 0;
  int nginx_port_ = 0;
};

class ClusterTest : public ::testing::Test {
 protected:
  // pg.ClusterTest.*: one PostgreSQL database; ClusterTest.*: one SQLite file (StoreUrl).
  static void SetUpTestSuite() {
    if (OnPostgres() && std::getenv("AEGIS_TEST_PG") == nullptr) return;
    cluster_ = new Cluster();
    error_ = cluster_->Start();
    store_ = OnPostgres() ? "PostgreSQL (" + cluster_->url() + ")" : "one SQLite file";
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  void SetUp() override {
    if (cluster_ == nullptr)
      GTEST_SKIP() << "AEGIS_TEST_PG is not set: pg.ClusterTest.* needs a PostgreSQL server; "
                      "scripts/test.sh starts a throwaway one (scripts/pg-server.sh) and sets it";
    ASSERT_TRUE(error_.empty()) << error_;
  }

  static Cluster& cluster() { return *cluster_; }
  static int nginx() { return cluster_->nginx_port(); }
  static const std::vector<int>& ports() { return cluster_->ports(); }

  static Cluster* cluster_;
  static std::string error_, store_;
};

Cluster* ClusterTest::cluster_ = nullptr;
std::string ClusterTest::error_;
std::string ClusterTest::store_;

// Sends `total` POSTs of `body()` to `path` through nginx from `threads` threads, each on its
// own keep-alive connection. Returns the answers (status and body) and, per upstream, how many.
struct Answers {
  std::vector<std::pair<int, std::string>> answers;
  std::map<std::string, int> upstreams;
};
Answers PostConcurrently(int port, const Session& s, const std::string& path, int total,
                         int threads, const std::function<std::string(int)>& body) {
  Answers out;
  std::mutex mu;
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      auto c = Client(port);
      for (int i = next++; i < total; i = next++) {
        auto r = c->Post(path, Auth(s), body(i), "application/json");
        std::lock_guard<std::mutex> l(mu);
        out.answers.emplace_back(r ? r->status : -1, r ? r->body : httplib::to_string(r.error()));
        if (r) ++out.upstreams[r->get_header_value("X-Aegis-Upstream")];
      }
    });
  for (auto& t : pool) t.join();
  return out;
}

TEST_F(ClusterTest, ASessionSignedInOnceIsValidOnEveryProcess) {
  auto s = cluster().SignIn(nginx());
  ASSERT_TRUE(s);
  auto c = Client(nginx());
  std::map<std::string, int> upstreams;
  int ok = 0;
  constexpr int kReads = 60;
  for (int i = 0; i < kReads; ++i) {
    auto r = c->Get(i % 2 == 0 ? "/api/v1/me" : "/api/v1/incidents?limit=5", Auth(*s));
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200) << r->body;
    ok += r->status == 200 ? 1 : 0;
    ++upstreams[r->get_header_value("X-Aegis-Upstream")];
  }
  EXPECT_EQ(ok, kReads);
  EXPECT_EQ(upstreams.size(), static_cast<size_t>(kServers)) << "nginx did not spread the reads";
  // Each process directly: the cookie reads, and the CSRF token from sign-in writes.
  for (int port : ports()) {
    auto d = Client(port);
    auto me = d->Get("/api/v1/me", Auth(*s));
    ASSERT_TRUE(me);
    EXPECT_EQ(me->status, 200) << "port " << port << ": " << me->body;
    if (me->status == 200) {
      EXPECT_EQ(json::parse(me->body).value("username", ""), kUser);
    }
    auto w = d->Post("/api/v1/incidents", Auth(*s), kIncident, "application/json");
    ASSERT_TRUE(w);
    EXPECT_EQ(w->status, 201) << "port " << port << ": " << w->body;
  }
  std::printf("[figure] cluster (%s): %d reads through nginx, all 200, spread", store_.c_str(),
              kReads);
  for (const auto& [u, n] : upstreams) std::printf(" %s:%d", u.c_str(), n);
  std::printf("; the session and its CSRF token accepted by each of the %d processes\n", kServers);
}

TEST_F(ClusterTest, ASignOutThroughOneProcessIsRefusedByAll) {
  auto s = cluster().SignIn(nginx());
  ASSERT_TRUE(s);
  for (int port : ports()) {  // every process has now seen (and may cache) the session
    auto r = Client(port)->Get("/api/v1/me", Auth(*s));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
  }
  auto out = Client(ports()[0])->Delete("/api/v1/session", Auth(*s));
  ASSERT_TRUE(out);
  ASSERT_EQ(out->status, 200) << out->body;
  const auto signed_out = Clock::now();
  std::vector<int> accepted;
  for (int port : ports()) {
    auto r = Client(port)->Get("/api/v1/me", Auth(*s));
    ASSERT_TRUE(r);
    if (r->status != 401) accepted.push_back(port);
  }
  int through_nginx = 0;
  auto c = Client(nginx());
  for (int i = 0; i < 2 * kServers; ++i) {
    auto r = c->Get("/api/v1/me", Auth(*s));
    ASSERT_TRUE(r);
    through_nginx += r->status != 401 ? 1 : 0;
  }
  // How long the others kept accepting it (for the failure message).
  int64_t refused_after_ms = -1;
  while (Clock::now() - signed_out < std::chrono::seconds(10)) {
    bool any = false;
    for (int port : ports()) {
      auto r = Client(port)->Get("/api/v1/me", Auth(*s));
      any = any || (r && r->status != 401);
    }
    if (!any) {
      refused_after_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - signed_out).count();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string who;
  for (int p : accepted) who += " " + std::to_string(p);
  EXPECT_TRUE(accepted.empty()) << "signed out through port " << ports()[0]
                                << "; the cookie was still accepted right after by port(s)" << who
                                << " (refused by all only after " << refused_after_ms
                                << " ms: each process caches sessions, server.cc auth_cache_ms)";
  EXPECT_EQ(through_nginx, 0) << "of " << 2 * kServers << " reads through nginx after sign-out";
  EXPECT_GE(refused_after_ms, 0) << "still accepted 10 s after sign-out";
}

TEST_F(ClusterTest, ConcurrentWritesThroughNginxAreEachAnsweredAndStoredOnce) {
  constexpr int kWrites = 300;
  auto s = cluster().SignIn(nginx());
  ASSERT_TRUE(s);
  const int64_t before = cluster().CountIncidents();
  const auto t0 = Clock::now();
  Answers a =
      PostConcurrently(nginx(), *s, "/api/v1/incidents", kWrites, 8, [](int) { return kIncident; });
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  const int64_t after = cluster().CountIncidents();
  int created = 0;
  std::set<int64_t> ids;
  std::map<int, int> statuses;
  for (const auto& [status, body] : a.answers) {
    ++statuses[status];
    if (status != 201) continue;
    ++created;
    ids.insert(json::parse(body).value("id", int64_t{0}));
  }
  std::string seen;
  for (const auto& [st, n] : statuses) seen += " " + std::to_string(st) + "x" + std::to_string(n);
  EXPECT_EQ(created, kWrites) << "answers:" << seen;
  EXPECT_EQ(ids.size(), static_cast<size_t>(kWrites)) << "distinct ids in the 201 answers";
  EXPECT_EQ(after - before, kWrites) << "rows before " << before << ", after " << after;
  EXPECT_EQ(a.upstreams.size(), static_cast<size_t>(kServers)) << "nginx did not spread writes";
  std::printf(
      "[figure] cluster (%s): %d concurrent incident writes through nginx (8 connections) in "
      "%.2f s: answers%s; %zu distinct ids; rows %lld -> %lld\n",
      store_.c_str(), kWrites, secs, seen.c_str(), ids.size(), static_cast<long long>(before),
      static_cast<long long>(after));
}

TEST_F(ClusterTest, EachAlertIsDeliveredOnceByTheProcessesTogether) {
  constexpr int kAlerts = 200;
  auto s = cluster().SignIn(nginx());
  ASSERT_TRUE(s);
  Answers a = PostConcurrently(nginx(), *s, "/api/v1/alerts", kAlerts, 4, [](int i) {
    return json{{"text", "ALERT SS0308 attack number " + std::to_string(i) + " on Gumuruk now"}}
        .dump();
  });
  std::set<int64_t> ids;
  for (const auto& [status, body] : a.answers) {
    EXPECT_EQ(status, 201) << body;
    if (status == 201) ids.insert(json::parse(body).value("id", int64_t{0}));
  }
  ASSERT_EQ(ids.size(), static_cast<size_t>(kAlerts));
  WebhookReceiver& rx = cluster().receiver();
  ASSERT_TRUE(rx.WaitFor(kAlerts, 60)) << rx.unique() << " of " << kAlerts << " delivered\n"
                                       << cluster().Logs();
  // A second delivery by another process would come within a worker's idle wait: give it time.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::set<int64_t> received;
  int64_t repeats = 0;
  for (const auto& [key, n] : rx.by_key()) {
    ASSERT_EQ(key.rfind("alert-", 0), 0u) << key;
    received.insert(std::stoll(key.substr(6)));
    repeats += n - 1;
    EXPECT_EQ(n, 1) << key << " posted " << n << " times";
  }
  EXPECT_EQ(received, ids) << "every submitted alert, and only those, reached the webhook";
  EXPECT_EQ(rx.unique(), static_cast<size_t>(kAlerts));
  EXPECT_EQ(rx.posts(), static_cast<int64_t>(kAlerts)) << repeats << " repeated deliveries";
  EXPECT_EQ(rx.bad_signatures(), 0);
  std::printf(
      "[figure] cluster (%s): %d alerts through nginx, %zu distinct webhook keys, %lld posts, "
      "%lld repeats\n",
      store_.c_str(), kAlerts, rx.unique(), static_cast<long long>(rx.posts()),
      static_cast<long long>(repeats));
}

TEST_F(ClusterTest, TheAuditLogStaysOneIntactChainUnderThreeWriters) {
  auto s = cluster().SignIn(nginx());
  ASSERT_TRUE(s);
  // Every read of a page is audited: 3 processes append to one chain at once.
  std::atomic<int> ok{0};
  std::vector<std::thread> pool;
  pool.reserve(6);
  for (int t = 0; t < 6; ++t)
    pool.emplace_back([&] {
      auto c = Client(nginx());
      for (int i = 0; i < 50; ++i) {
        auto r = c->Get("/api/v1/incidents?limit=5", Auth(*s));
        ok += r && r->status == 200 ? 1 : 0;
      }
    });
  for (auto& t : pool) t.join();
  EXPECT_EQ(ok.load(), 300);
  CommandResult v = cluster().Cli("audit verify");  // the cluster's key file and anchor
  EXPECT_EQ(v.exit_code, 0) << v.output;
  EXPECT_NE(v.output.find("chain intact"), std::string::npos) << v.output;
}

TEST_F(ClusterTest, TheAnalysisOfEveryProcessSeesAWriteMadeThroughAnother) {
  auto s = cluster().SignIn(nginx());
  ASSERT_TRUE(s);
  const std::string path = "/api/v1/analysis?level=1&period=2026-10";
  auto read = [&](int port) {
    auto r = Client(port)->Get(path, Auth(*s));
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : httplib::to_string(r.error()));
    return r ? r->body : std::string();
  };
  auto first =
      Client(ports()[0])->Post("/api/v1/incidents", Auth(*s), kIncident, "application/json");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 201) << first->body;
  for (int port : ports()) (void)read(port);  // each process has the analysis now
  for (int i = 0; i < 5; ++i) {
    auto w = Client(ports()[0])->Post("/api/v1/incidents", Auth(*s), kIncident, "application/json");
    ASSERT_TRUE(w);
    ASSERT_EQ(w->status, 201) << w->body;
  }
  const std::string fresh = read(ports()[0]);
  ASSERT_FALSE(fresh.empty());
  for (size_t i = 1; i < ports().size(); ++i) {
    const std::string got = read(ports()[i]);
    EXPECT_TRUE(got == fresh) << "port " << ports()[i]
                              << " answers an analysis without the 5 incidents written through "
                              << "port " << ports()[0] << " (" << got.size() << " and "
                              << fresh.size() << " bytes; its analysis cache, server/data.cc)";
  }
}

}  // namespace
}  // namespace aegis::testing
