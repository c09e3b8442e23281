// deploy/: the nginx example runs (ports, paths and a throwaway certificate substituted) in front
// of two real `aegis serve` processes, and systemd accepts the unit (systemd-analyze verify).
#include <httplib.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "deploy_nginx.h"
#include "process_util.h"
#include "security/keyring.h"
#include "security/password.h"
#include "test_util.h"
#include "util/text.h"

namespace aegis::testing {
namespace {

using json = nlohmann::json;

bool HasProgram(const std::string& name) {
  return Shell("command -v " + name + " >/dev/null").exit_code == 0;
}

class DeployTest : public ::testing::Test {
 protected:
  void TearDown() override {
    StopProcess(nginx_);
    for (pid_t& p : servers_) StopProcess(p);
  }

  // `aegis serve --behind-proxy` on the store of this test; its port, or 0.
  int StartServer(const std::string& db, int i) {
    const std::string log = dir_ / ("serve" + std::to_string(i) + ".log");
    logs_.push_back(log);
    pid_t pid = Spawn({AEGIS_BINARY, "--data-dir", kData, "--db", db, "serve", "--port", "0",
                       "--threads", "4", "--behind-proxy"},
                      {}, log);
    servers_.push_back(pid);
    return ServePort(&servers_.back(), log, 60);
  }

  TempDir dir_;
  std::vector<pid_t> servers_;
  std::vector<std::string> logs_;
  pid_t nginx_ = 0;
};

TEST_F(DeployTest, TheNginxExampleServesTwoProcessesOverTlsAndPassesTheRequestId) {
  for (const char* program : {"nginx", "openssl", "curl"})
    if (!HasProgram(program))
      GTEST_SKIP() << program << " is not installed (scripts/install-deps.sh installs it)";
  const std::string db = dir_ / "d.sqlite";
  {
    auto s = NewStore(dir_, {}, "d.sqlite");
    ASSERT_TRUE(security::Keyring::Create(db + ".keys").ok());
  }
  const int a = StartServer(db, 0), b = StartServer(db, 1);
  ASSERT_GT(a, 0) << ReadFile(logs_[0]);
  ASSERT_GT(b, 0) << ReadFile(logs_[1]);
  const std::string d = dir_.path();
  ASSERT_EQ(MakeCertificate(d), "");
  const int http = FreePort(), https = FreePort(), dead = FreePort();
  // A third process that is down (nothing listens): nginx passes its requests to the others.
  const std::string conf = DeployNginxConf({d, {a, b, dead}, http, https, ""});
  const std::string conf_path = dir_ / "nginx.conf";
  WriteFile(conf_path, conf);
  auto check = Shell("nginx -t -p " + d + " -c " + conf_path);
  ASSERT_EQ(check.exit_code, 0) << check.output << "\n" << conf;
  std::printf("[figure] nginx -t accepts deploy/nginx.conf after substitution\n");
  nginx_ = Spawn({"/usr/sbin/nginx", "-p", d, "-c", conf_path}, {}, dir_ / "nginx.out");
  for (int i = 0; i < 200 && !Accepts(https); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  ASSERT_TRUE(Accepts(https)) << ReadFile(dir_ / "nginx-error.log");
  const std::string base = "https://127.0.0.1:" + std::to_string(https);
  auto curl = [&](const std::string& args) {
    return Shell("curl -sk -D - -o /dev/null --max-time 20 " + args);
  };
  // Every request answered, over both processes and past the one that is down.
  for (int i = 0; i < 6; ++i) {
    auto r = curl(base + "/healthz");
    EXPECT_EQ(r.output.rfind("HTTP/1.1 200", 0), 0u) << r.output;
    // nginx's own id when the client sends none: 32 hex digits.
    EXPECT_TRUE(std::regex_search(r.output, std::regex("X-Request-Id: [0-9a-f]{32}\r")))
        << r.output;
  }
  auto ours = curl("-H 'X-Request-Id: deploy-test-7' " + base + "/readyz");
  EXPECT_EQ(ours.output.rfind("HTTP/1.1 200", 0), 0u) << ours.output;
  EXPECT_NE(ours.output.find("X-Request-Id: deploy-test-7"), std::string::npos) << ours.output;
  // Through the proxy, /metrics is never the server's own host: credentials are needed.
  auto metrics = curl(base + "/metrics");
  EXPECT_EQ(metrics.output.rfind("HTTP/1.1 401", 0), 0u) << metrics.output;
  auto plain = curl("http://127.0.0.1:" + std::to_string(http) + "/healthz");
  EXPECT_EQ(plain.output.rfind("HTTP/1.1 301", 0), 0u) << plain.output;
  int served_by_a = 0, served_by_b = 0;
  StopProcess(nginx_);
  nginx_ = 0;
  for (pid_t& p : servers_) {
    StopProcess(p);
    p = 0;
  }
  for (size_t i = 0; i < logs_.size(); ++i)
    for (const std::string& line : text::Split(ReadFile(logs_[i]), '\n'))
      if (line.find("\"route\":\"/healthz\"") != std::string::npos)
        ++(i == 0 ? served_by_a : served_by_b);
  EXPECT_GT(served_by_a, 0);
  EXPECT_GT(served_by_b, 0);
  EXPECT_EQ(served_by_a + served_by_b, 6);
  EXPECT_NE(ReadFile(logs_[0]).find("deploy-test-7") + ReadFile(logs_[1]).find("deploy-test-7"),
            2 * std::string::npos)
      << "the request id in Aegis's log line";
}

TEST(DeployUnitTest, SystemdAcceptsTheUnit) {
  if (!HasProgram("systemd-analyze"))
    GTEST_SKIP() << "systemd-analyze is not installed: the unit is not verified here";
  TempDir dir;
  std::string unit = ReadFile(kSource + "/deploy/aegis.service");
  // The binary must exist to verify: the one just built.
  const std::string binary = "/usr/local/bin/aegis";
  ASSERT_NE(unit.find("ExecStart=" + binary + " "), std::string::npos);
  unit.replace(unit.find(binary), binary.size(), AEGIS_BINARY);
  for (const char* key : {"User=aegis", "NoNewPrivileges=yes", "ProtectSystem=strict",
                          "ReadWritePaths=/var/lib/aegis", "PrivateTmp=yes", "Restart=on-failure",
                          "KillSignal=SIGTERM", "TimeoutStopSec=", " --db ", " --keys "})
    EXPECT_NE(unit.find(key), std::string::npos) << key;
  WriteFile(dir / "aegis.service", unit);
  auto r = Shell("systemd-analyze verify " + (dir / "aegis.service"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << "systemd warns about the unit";
}

}  // namespace
}  // namespace aegis::testing
