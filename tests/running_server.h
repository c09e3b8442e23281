// An in-process `aegis serve` on a free loopback port, for tests that need a server of their own
// options beside (or without) the API fixture's; stopped when destroyed.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <future>
#include <memory>
#include <thread>

#include "server/server.h"

namespace aegis::testing {

class RunningServer {
 public:
  explicit RunningServer(server::ServerOptions o) {
    o.port = 0;
    auto s = server::Server::Create(o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) return;
    server_ = std::move(*s);
    std::promise<int> port;
    auto fut = port.get_future();
    thread_ = std::thread([&] { (void)server_->Run([&](int p) { port.set_value(p); }); });
    port_ = fut.get();
  }
  ~RunningServer() {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  std::unique_ptr<httplib::Client> Client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_read_timeout(60, 0);
    return c;
  }

 private:
  std::unique_ptr<server::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace aegis::testing
