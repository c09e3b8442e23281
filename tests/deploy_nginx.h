// deploy/nginx.conf made runnable by a test (tests/deploy_test.cc, tests/cluster_test.cc): its
// ports, paths and TLS certificate substituted, nginx in the foreground without a master process
// (so that it dies with the test). Every line a substitution expects must be in the example: a
// changed example fails the calling test until the substitution follows it.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "test_util.h"

namespace aegis::testing {

struct NginxSetup {
  std::string dir;             // pid, logs, temporary files; cert.pem and key.pem
  std::vector<int> upstreams;  // the `aegis serve` ports
  int http_port = 0, https_port = 0;
  std::string location_extra;  // directives added at the top of `location /`
};

// A throwaway self-signed certificate for localhost: dir/cert.pem and dir/key.pem. "" when made,
// else openssl's output.
inline std::string MakeCertificate(const std::string& dir) {
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout " + dir +
      "/key.pem -out " + dir + "/cert.pem 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "openssl could not be run";
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return pclose(p) == 0 ? "" : "openssl failed: " + out;
}

// The text of deploy/nginx.conf for `s`.
inline std::string DeployNginxConf(const NginxSetup& s) {
  std::string conf = ReadFile(kSource + "/deploy/nginx.conf");
  auto replace = [&conf](const std::string& from, const std::string& to) {
    size_t at = conf.find(from);
    EXPECT_NE(at, std::string::npos) << "deploy/nginx.conf no longer has: " << from;
    if (at != std::string::npos) conf.replace(at, from.size(), to);
  };
  const std::string& d = s.dir;
  replace("user www-data;\n", geteuid() == 0 ? "user root;\n" : "");
  replace("worker_processes auto;", "worker_processes 1;\ndaemon off;\nmaster_process off;");
  replace("pid /run/nginx.pid;", "pid " + d + "/nginx.pid;");
  replace("error_log /var/log/nginx/error.log warn;", "error_log " + d + "/nginx-error.log warn;");
  replace("access_log /var/log/nginx/aegis-access.log aegis;",
          "access_log " + d + "/nginx-access.log aegis;\n  client_body_temp_path " + d +
              "/nginx-body;\n  proxy_temp_path " + d + "/nginx-proxy;\n  fastcgi_temp_path " + d +
              "/nginx-fastcgi;\n  uwsgi_temp_path " + d + "/nginx-uwsgi;\n  scgi_temp_path " + d +
              "/nginx-scgi;");
  // The example's upstream lines (one per process) become one per port of the test.
  static const std::regex kServer(R"(    server 127\.0\.0\.1:808\d( [^\n]*)\n)");
  std::smatch first;
  EXPECT_TRUE(std::regex_search(conf, first, kServer)) << "no upstream server line";
  std::string options = first.size() > 1 ? first[1].str() : "";
  options = options.substr(0, options.find('#'));
  conf = std::regex_replace(conf, kServer, "");
  std::string servers;
  for (int port : s.upstreams)
    servers += "    server 127.0.0.1:" + std::to_string(port) + options + "\n";
  replace("    keepalive 64;", servers + "    keepalive 64;");
  replace("listen 80;", "listen 127.0.0.1:" + std::to_string(s.http_port) + ";");
  replace("listen 443 ssl;", "listen 127.0.0.1:" + std::to_string(s.https_port) + " ssl;");
  replace("/etc/ssl/aegis/fullchain.pem", d + "/cert.pem");
  replace("/etc/ssl/aegis/privkey.pem", d + "/key.pem");
  if (!s.location_extra.empty())
    replace("    location / {\n", "    location / {\n      " + s.location_extra + "\n");
  return conf;
}

}  // namespace aegis::testing
