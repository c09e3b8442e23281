// Child processes for the tests that run real servers (aegis serve, nginx, an SMTP server): free
// ports, starting a program with its output in a log, waiting for `aegis serve` to listen, and
// stopping it.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

extern char** environ;

namespace aegis::testing {

// A free TCP port on 127.0.0.1 (bound, read, closed: another program could take it first, so
// callers that bind it themselves retry).
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

// Whether something accepts connections on 127.0.0.1:`port`.
inline bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// This process's environment without the variables whose "NAME=" starts with one of `drop`,
// after the entries of `add`.
inline std::vector<std::string> ChildEnv(std::vector<std::string> add,
                                         const std::vector<std::string>& drop) {
  for (char** e = environ; *e != nullptr; ++e) {
    std::string v(*e);
    bool dropped = false;
    for (const auto& d : drop) dropped = dropped || v.rfind(d, 0) == 0;
    if (!dropped) add.push_back(v);
  }
  return add;
}

// Starts `args` (args[0] a path) with `env` (empty: this process's), stdout and stderr appended
// to `log`. The child dies with the test (PR_SET_PDEATHSIG), so a test killed by a timeout leaves
// nothing behind. Vectors are built before fork: the child only calls async-signal-safe functions
// before exec.
inline pid_t Spawn(std::vector<std::string> args, std::vector<std::string> env,
                   const std::string& log) {
  if (env.empty()) env = ChildEnv({}, {});
  std::vector<char*> argv, envp;
  argv.reserve(args.size() + 1);
  envp.reserve(env.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    dup2(fd, 1);
    dup2(fd, 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(fd);
  return pid;
}

// SIGTERM, then SIGKILL after `grace_ms`; reaps the child.
inline void StopProcess(pid_t pid, int grace_ms = 10000) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > end) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// Whether the child exited; if so it is reaped and `*pid` becomes 0 (nothing left to stop).
inline bool Exited(pid_t* pid) {
  int status = 0;
  if (*pid <= 0 || waitpid(*pid, &status, WNOHANG) != *pid) return false;
  *pid = 0;
  return true;
}

// The port an `aegis serve --port 0` printed in `log` ("listening on http://127.0.0.1:PORT/"),
// or 0 if it exited or did not listen within `seconds`.
inline int ServePort(pid_t* pid, const std::string& log, int seconds = 60) {
  static const std::regex kListening(R"(listening on http://[^:/]+:(\d+)/)");
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < end) {
    std::smatch m;
    std::string text = ReadFile(log);
    if (std::regex_search(text, m, kListening)) return std::stoi(m[1].str());
    if (Exited(pid)) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

}  // namespace aegis::testing
