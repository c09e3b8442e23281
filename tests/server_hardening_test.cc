// The breaks found when Aegis was attacked (issue 15, point 4), each closed and kept closed here
// by a test named after what it protects, over real HTTP on loopback, real `aegis serve` and
// `aegis` processes and real SQLite files where the break was seen there.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "access/audit.h"
#include "alert/routing.h"
#include "alert/webhook.h"
#include "alert_test_util.h"
#include "process_util.h"
#include "running_server.h"
#include "security/audit_chain.h"
#include "security/keyring.h"
#include "security/pseudonym.h"
#include "security/tokens.h"
#include "server_fixture.h"
#include "store/store.h"
#include "test_util.h"

namespace aegis::testing {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MsSince(Clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

// A raw TCP connection to 127.0.0.1:`port`, for requests no HTTP client would send.
class Raw {
 public:
  explicit Raw(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~Raw() {
    if (fd_ >= 0) close(fd_);
  }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;
  bool ok() const { return fd_ >= 0; }

  // Sends all of `s`; false when the peer closed or reset the connection.
  bool Send(std::string_view s) {
    while (!s.empty()) {
      ssize_t n = send(fd_, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      s.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // What arrives until the peer closes the connection or `ms` pass; `*closed` says which.
  std::string Read(int ms, bool* closed = nullptr) {
    std::string out;
    auto end = Clock::now() + std::chrono::milliseconds(ms);
    if (closed) *closed = false;
    while (Clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count());
      if (poll(&p, 1, std::max(left, 1)) <= 0) continue;
      char buf[65536];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        if (closed) *closed = true;
        break;
      }
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

  // What arrives until `needle` has arrived, the peer closes, or `ms` pass.
  std::string ReadUntil(const std::string& needle, int ms) {
    std::string out;
    auto end = Clock::now() + std::chrono::milliseconds(ms);
    while (Clock::now() < end && out.find(needle) == std::string::npos) {
      pollfd p{fd_, POLLIN, 0};
      int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count());
      if (poll(&p, 1, std::max(left, 1)) <= 0) continue;
      char buf[65536];
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

  // Whether the peer closed (or reset) the connection within `ms`; bytes that arrive are dropped.
  bool ClosedWithin(int ms) {
    bool closed = false;
    Read(ms, &closed);
    return closed;
  }

 private:
  int fd_ = -1;
};

// Starts measuring this process's peak resident memory afresh (see PeakRssKb).
void ResetPeakRss() {
  int fd = open("/proc/self/clear_refs", O_WRONLY);
  if (fd < 0) return;
  (void)!write(fd, "5", 1);
  close(fd);
}

// This process's peak resident memory (VmHWM), in kB.
int64_t PeakRssKb() {
  std::string status = ReadFile("/proc/self/status");
  size_t at = status.find("VmHWM:");
  return at == std::string::npos ? -1 : std::stoll(status.substr(at + 6));
}

int Count(const std::string& hay, const std::string& needle) {
  int n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

class HardeningTest : public ServerTest {
 protected:
  server::ServerOptions Options() const {
    server::ServerOptions o;
    o.port = 0;
    o.threads = 8;
    o.db = db_;
    o.data_dir = kData;
    o.key_file = dir_ / "t.keys";
    o.sign_in_burst = 1000;
    return o;
  }
};

// --- 1. Static files ---------------------------------------------------------------------------

TEST_F(HardeningTest, StaticFilesServeOnlyTheBuiltWebAppNeverAFileElsewhereOnDisk) {
  const std::string secret = "SECRET-OUTSIDE-THE-WEB-FOLDER";
  std::filesystem::path web = dir_ / "web", outside = dir_ / "outside";
  std::filesystem::create_directories(web / "assets");
  std::filesystem::create_directories(outside);
  WriteFile(web / "index.html", "<!doctype html><title>app</title>");
  WriteFile(web / "assets" / "app-1234.js", "console.log('app')");
  WriteFile(outside / "report.html", secret);
  WriteFile(outside / "notes.txt", secret);
  // Links inside the web folder that point out of it: to a file and to a folder.
  std::filesystem::create_symlink(outside / "report.html", web / "leak.html");
  std::filesystem::create_symlink(outside, web / "linked");
  server::ServerOptions o = Options();
  o.web_dir = web;
  RunningServer srv(o);
  ASSERT_TRUE(srv.ok());
  const int port = srv.port();
  auto get = [&](const std::string& target) {
    Raw r(port);
    EXPECT_TRUE(r.ok());
    r.Send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    return r.Read(3000);
  };
  // The web application itself is served.
  EXPECT_NE(get("/").find("<title>app</title>"), std::string::npos);
  EXPECT_NE(get("/assets/app-1234.js").find("console.log"), std::string::npos);
  const std::string abs = (outside / "report.html").string();  // starts with '/'
  std::string enc_abs;  // every '/' of the absolute path as %2F
  for (char ch : abs) enc_abs += ch == '/' ? std::string("%2F") : std::string(1, ch);
  const std::vector<std::string> attacks = {
      "/" + abs,
      "//" + abs,
      "/%2F" + abs.substr(1),
      "/%2f" + abs.substr(1),
      enc_abs,
      "/" + enc_abs,
      "/../outside/report.html",
      "/assets/../../outside/report.html",
      "/%2e%2e/outside/report.html",
      "/%2E%2E%2Foutside%2Freport.html",
      "/assets/%2e%2e/%2e%2e/outside/report.html",
      "/..%5Coutside%5Creport.html",
      "/..\\outside\\report.html",
      "/index.html%00/../../outside/report.html",
      "/%00" + abs,
      "/./../outside/notes.txt",
      "/leak.html",
      "/linked/report.html",
      "/linked/notes.txt",
      "/linked%2Freport.html",
      "http://127.0.0.1" + abs,
      "/.%2e/outside/report.html",
  };
  for (const auto& target : attacks) {
    std::string answer = get(target);
    EXPECT_EQ(answer.find(secret), std::string::npos) << target << "\n" << answer;
    EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos) << target << "\n" << answer;
  }
}

// --- 2. A header-less upload -------------------------------------------------------------------

TEST_F(HardeningTest, AHeaderlessUploadNeverEchoesARowValueIntoTheLogTheAnswerOrTheRun) {
  // A real `aegis serve` with its stderr in a log, on a store of its own.
  const std::string db = dir_ / "p.sqlite";
  {
    auto s = NewStore(dir_, {}, "p.sqlite");
    ASSERT_TRUE(security::Keyring::Create(db + ".keys").ok());
    store::User u;
    u.username = "imo";
    u.role = "imo";
    u.password_hash = security::HashPassword(kPassword).value();
    ASSERT_TRUE(s->AddUser(u).ok());
  }
  const std::string log = dir_ / "serve.log";
  pid_t pid = Spawn(
      {AEGIS_BINARY, "--data-dir", kData, "--db", db, "serve", "--port", "0", "--threads", "4"}, {},
      log);
  int port = ServePort(&pid, log, 60);
  ASSERT_GT(port, 0) << ReadFile(log);
  struct Stop {
    pid_t* pid;
    ~Stop() { StopProcess(*pid); }
  } stop{&pid};
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(30, 0);
  auto in = c.Post("/api/v1/session", json{{"username", "imo"}, {"password", kPassword}}.dump(),
                   "application/json");
  ASSERT_TRUE(in && in->status == 200);
  std::string cookie = in->get_header_value("Set-Cookie");
  cookie = cookie.substr(0, cookie.find(';'));
  std::string csrf = json::parse(in->body)["csrf_token"];
  // No header row: the first line is a person.
  const std::vector<std::string> personal = {"Nyakuoth Gatluak Ruot", "+211912345678",
                                             "Achol Mabior Deng", "0955123456"};
  std::string body = personal[0] + "," + personal[1] + ",2024-03-02,Bor\n" + personal[2] + "," +
                     personal[3] + ",2024-03-03,Akobo\n";
  std::string answers;
  auto r = c.Post("/api/v1/imports?profile=acled&file_name=people.csv",
                  {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}, body, "text/csv");
  ASSERT_TRUE(r);
  answers += r->body;
  ASSERT_EQ(r->status, 202) << r->body;
  std::string url = json::parse(r->body)["status_url"];
  std::string state;
  for (int i = 0; i < 300 && state != "failed" && state != "completed"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto s = c.Get(url.c_str(), {{"Cookie", cookie}});
    ASSERT_TRUE(s);
    answers += s->body;
    state = json::parse(s->body).value("state", "");
  }
  ASSERT_EQ(state, "failed") << answers;
  // The answer still says what to do: it names the file and the header row.
  EXPECT_NE(answers.find("people.csv"), std::string::npos) << answers;
  EXPECT_NE(answers.find("header"), std::string::npos) << answers;
  std::string run_errors = QueryText(db, "SELECT COALESCE(error, '') FROM import_run");
  EXPECT_FALSE(run_errors.empty());
  StopProcess(pid);
  pid = 0;
  std::string stderr_text = ReadFile(log);
  for (const auto& v : personal) {
    EXPECT_EQ(answers.find(v), std::string::npos) << v << " in an answer: " << answers;
    EXPECT_EQ(stderr_text.find(v), std::string::npos) << v << " in the log: " << stderr_text;
    EXPECT_EQ(run_errors.find(v), std::string::npos) << v << " in import_run: " << run_errors;
  }
}

// --- 3. Slow headers ----------------------------------------------------------------------------

// Every worker thread held by a client that sends its request one byte every 200 ms, far beyond
// the header deadline: they are cut at the deadline, and a normal request waiting behind them is
// answered within the deadline and a small margin.
TEST_F(HardeningTest, SlowHeaderClientsAreCutAtTheDeadlineAndNeverStarveTheOthers) {
  server::ServerOptions o = Options();
  o.threads = 4;
  o.header_timeout_ms = 1500;
  RunningServer srv(o);
  ASSERT_TRUE(srv.ok());
  const int port = srv.port();
  const std::string line = "GET /api/v1/openapi.json HTTP/1.1\r\n";
  const std::string headers = "Host: 127.0.0.1\r\nX-Slow: " + std::string(100, 'a') + "\r\n";
  std::vector<int64_t> held_ms(o.threads, -1);
  std::vector<std::string> answers(o.threads);
  std::vector<std::thread> slow;
  const auto t0 = Clock::now();
  for (int i = 0; i < o.threads; ++i)
    slow.emplace_back([&, i] {
      Raw r(port);
      // Half send the request line at once and then trickle the headers; half trickle it all.
      std::string trickle = i % 2 == 0 ? headers : line + headers;
      if (i % 2 == 0) r.Send(line);
      auto start = Clock::now();
      for (char ch : trickle) {  // never the blank line that ends the headers: ~25 s of bytes
        if (!r.Send(std::string(1, ch))) break;
        bool closed = false;
        answers[i] += r.Read(200, &closed);
        if (closed) break;
      }
      held_ms[i] = MsSince(start);
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // every thread taken
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(30, 0);
  auto asked = Clock::now();
  auto r = c.Get("/api/v1/openapi.json");
  const int64_t waited = MsSince(asked);
  for (auto& t : slow) t.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(waited, o.header_timeout_ms + 1000) << "a normal request waited behind slow clients";
  for (int i = 0; i < o.threads; ++i) {
    EXPECT_GE(held_ms[i], o.header_timeout_ms - 300) << i;
    EXPECT_LT(held_ms[i], o.header_timeout_ms + 1000) << "slow client " << i << " was not cut";
    // Whose request line had arrived is told why.
    if (i % 2 == 0) {
      EXPECT_NE(answers[i].find("HTTP/1.1 408"), std::string::npos) << answers[i];
    }
  }
  EXPECT_LT(MsSince(t0), 3 * o.header_timeout_ms);
}

// --- 4. Bodies are read only for callers allowed to send them ----------------------------------

// A body of 100 MB announced to an upload (and a body to a JSON route) without a valid session,
// or without the CSRF token: refused at once, before the body is read, and the server's memory
// does not grow by the body.
TEST_F(HardeningTest, ABodyIsNeverReadBeforeItsSenderIsAuthenticated) {
  RunningServer srv(Options());
  ASSERT_TRUE(srv.ok());
  const int port = srv.port();
  auto in = srv.Client()->Post("/api/v1/session",
                               json{{"username", "imo"}, {"password", kPassword}}.dump(),
                               "application/json");
  ASSERT_TRUE(in && in->status == 200);
  std::string cookie = in->get_header_value("Set-Cookie");
  cookie = cookie.substr(0, cookie.find(';'));
  const int64_t body_bytes = int64_t{100} << 20;
  struct Case {
    std::string target, headers;
    int64_t length;
    const char* status;
  };
  const std::vector<Case> cases = {
      {"/api/v1/imports?profile=acled&file_name=x.csv", "", body_bytes, "HTTP/1.1 401"},
      {"/api/v1/imports?profile=acled&file_name=x.csv", "Cookie: aegis_session=forged\r\n",
       body_bytes, "HTTP/1.1 401"},
      {"/api/v1/imports?profile=acled&file_name=x.csv", "Cookie: " + cookie + "\r\n", body_bytes,
       "HTTP/1.1 403"},  // no CSRF token
      {"/api/v1/imports?profile=acled&file_name=x.csv", "Authorization: Bearer aegis_forged\r\n",
       body_bytes, "HTTP/1.1 401"},
      {"/api/v1/incidents", "", 1000 * 1000, "HTTP/1.1 401"},
  };
  const std::string chunk(1 << 20, 'x');
  for (const Case& k : cases) {
    ResetPeakRss();
    const int64_t before_kb = PeakRssKb();
    Raw r(port);
    ASSERT_TRUE(r.ok());
    r.Send("POST " + k.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n" +
           k.headers + "Content-Length: " + std::to_string(k.length) + "\r\n\r\n");
    r.Send(chunk.substr(0, 64 * 1024));
    auto t0 = Clock::now();
    std::string answer = r.ReadUntil("\r\n\r\n", 3000);
    const int64_t answer_ms = MsSince(t0);
    EXPECT_EQ(answer.rfind(k.status, 0), 0u) << k.target << " " << k.headers << "\n" << answer;
    EXPECT_LT(answer_ms, 1000) << k.target << " " << k.headers;
    // The rest of the body: the server has stopped reading.
    int64_t sent = 64 * 1024;
    while (sent < k.length &&
           r.Send(std::string_view(chunk).substr(
               0, static_cast<size_t>(std::min<int64_t>(chunk.size(), k.length - sent)))))
      sent += static_cast<int64_t>(chunk.size());
    if (answer.empty()) answer = r.Read(5000);
    // (A body smaller than the socket buffers and the server's 1 MB drain may all be sent.)
    if (k.length > (16 << 20)) {
      EXPECT_LT(sent, k.length) << k.target << ": the server read the whole body";
    }
    EXPECT_LT(PeakRssKb() - before_kb, 30 * 1024) << k.target << " " << k.headers;
  }
  // Refused before its body was read, the connection closes: a request written in the body is
  // never answered.
  const std::string smuggled = "GET /api/v1/openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (const std::string target : {"/api/v1/incidents", "/api/v1/imports?profile=acled"}) {
    Raw r(port);
    r.Send("POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
           std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled);
    bool closed = false;
    std::string answer = r.Read(3000, &closed);
    EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u) << answer;
    EXPECT_EQ(Count(answer, "HTTP/1.1 "), 1) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
    EXPECT_TRUE(closed) << target;
  }
}

// --- 5. No request smuggled in an unread body ---------------------------------------------------

// An answer given before the body was read (413, 401, 411, an unparsable request, a GET with a
// body httplib does not read) closes the connection: a request written in the body is never
// answered.
TEST_F(HardeningTest, AnUnreadBodyIsNeverTakenAsTheNextRequestOnTheConnection) {
  server::ServerOptions o = Options();
  o.max_body_bytes = 1024;
  RunningServer srv(o);
  ASSERT_TRUE(srv.ok());
  const int port = srv.port();
  const std::string smuggled = "GET /api/v1/openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  // Each request's head is sent first and its answer awaited, then its body: a request written
  // there must never be answered (it was, when the body arrived after the answer).
  auto head = [&](const std::string& line, const std::string& length) {
    return line + "Host: 127.0.0.1\r\nContent-Length: " + length + "\r\n\r\n";
  };
  struct Case {
    std::string head, body;
    const char* status;
  };
  const std::string n = std::to_string(smuggled.size());
  const std::vector<Case> cases = {
      {head("POST /api/v1/session HTTP/1.1\r\n", "5000"), smuggled, "HTTP/1.1 413"},
      {head("GET /api/v1/me HTTP/1.1\r\n", n), smuggled, "HTTP/1.1 401"},
      {"POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n",
       n + "\r\n" + smuggled + "\r\n0\r\n\r\n" + smuggled, "HTTP/1.1 411"},
      {"POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nContent-Length: " +
           n + "\r\n\r\n",
       smuggled, "HTTP/1.1 400"},
      {head("BROKEN REQUEST LINE\r\n", n), smuggled, "HTTP/1.1 400"},
      // httplib reads "1,000" as 1: only decimal digits are taken.
      {head("POST /api/v1/session HTTP/1.1\r\n", "1,000"), smuggled, "HTTP/1.1 400"},
  };
  for (const Case& k : cases) {
    Raw r(port);
    ASSERT_TRUE(r.ok());
    r.Send(k.head);
    std::string answer = r.ReadUntil("}}", 3000);
    r.Send(k.body);
    bool closed = false;
    answer += r.Read(2000, &closed);
    const std::string said = k.head + "\n---\n" + answer;
    EXPECT_EQ(answer.rfind(k.status, 0), 0u) << said;
    EXPECT_EQ(Count(answer, "HTTP/1.1 "), 1) << said;
    EXPECT_EQ(answer.find("\"openapi\""), std::string::npos) << said;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << said;
    EXPECT_TRUE(closed) << k.head;
  }
  // Requests framed right still share a connection, even written in one go; and a request
  // without Content-Length has no body (it is answered at once, not after the client leaves).
  Raw r(port);
  ASSERT_TRUE(r.ok());
  r.Send(smuggled + smuggled);
  std::string two = r.Read(1500);
  EXPECT_EQ(Count(two, "HTTP/1.1 200"), 2) << two;
  auto t0 = Clock::now();
  r.Send("POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  std::string no_length = r.ReadUntil("\r\n\r\n", 3000);
  EXPECT_EQ(no_length.rfind("HTTP/1.1 400", 0), 0u) << no_length;
  EXPECT_LT(MsSince(t0), 1000);
}

// --- 6. Sign-in answers -------------------------------------------------------------------------

// After the same number of failures, a locked account and a name that is no account get the same
// status, body and headers (even with the account's right password), in about the same time:
// each pays a password hash.
TEST_F(HardeningTest, ALockedAccountAndAnUnknownUserGetTheSameAnswer) {
  auto c = Client();
  struct Answer {
    int status = 0;
    std::string body, headers;
    int64_t ms = 0;
  };
  auto attempt = [&](const std::string& user, const std::string& password) {
    Answer a;
    auto t0 = Clock::now();
    // One request id for every attempt (else each gets its own, in a header and the body).
    auto r = c->Post("/api/v1/session", {{"X-Request-Id", "same-id"}},
                     json{{"username", user}, {"password", password}}.dump(), "application/json");
    a.ms = MsSince(t0);
    if (!r) return a;
    a.status = r->status;
    a.body = r->body;
    for (const auto& [k, v] : r->headers) a.headers += k + ": " + v + "\n";
    return a;
  };
  for (int i = 0; i < 5; ++i) {
    Answer wrong = attempt("viewer", "not the password");
    Answer unknown = attempt("nobody-of-that-name", "not the password");
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(wrong.body, unknown.body);
    EXPECT_EQ(wrong.headers, unknown.headers);
  }
  auto user = store_->FindUser("viewer");
  ASSERT_TRUE(user.ok() && user->has_value());
  EXPECT_FALSE((*user)->locked_until.empty()) << "five failures lock the account";
  for (const std::string& password : {std::string(kPassword), std::string("another guess")}) {
    Answer locked = attempt("viewer", password);
    Answer unknown = attempt("nobody-of-that-name", password);
    EXPECT_NE(locked.status, 200);
    EXPECT_EQ(locked.status, unknown.status);
    EXPECT_EQ(locked.body, unknown.body);
    EXPECT_EQ(locked.headers, unknown.headers);
  }
  std::vector<int64_t> locked_ms, unknown_ms;
  for (int i = 0; i < 7; ++i) {
    locked_ms.push_back(attempt("viewer", "guess " + std::to_string(i)).ms);
    unknown_ms.push_back(attempt("nobody-of-that-name", "guess " + std::to_string(i)).ms);
  }
  std::sort(locked_ms.begin(), locked_ms.end());
  std::sort(unknown_ms.begin(), unknown_ms.end());
  const int64_t locked = locked_ms[3], unknown = unknown_ms[3];
  std::printf(
      "[figure] failed sign-in, median of 7: locked account %lld ms, unknown name %lld ms\n",
      static_cast<long long>(locked), static_cast<long long>(unknown));
  EXPECT_GT(locked * 3, unknown) << locked << " ms locked, " << unknown << " ms unknown";
  EXPECT_GT(unknown * 3, locked) << locked << " ms locked, " << unknown << " ms unknown";
}

// --- 7. Periods and dates ---------------------------------------------------------------------

// Every route that takes a period or a from/to date refuses one outside 1900-01..2100-12 with a
// 400 that says the accepted form and range (period=0000-01 answered 500).
TEST_F(HardeningTest, PeriodsAndDatesOutside1900To2100AreRefusedWithTheAcceptedForm) {
  Session s = Login("coordinator");
  auto c = Client();
  for (const std::string route : {"/api/v1/analysis?period=", "/api/v1/analysis?format=hxl&period=",
                                  "/api/v1/exports/analysis?format=csv&period="}) {
    for (const std::string p : {"0000-01", "1899-12", "2101-01", "9999-12", "0000-Q1", "0000",
                                "2101", "2024-01..9999-12", "0000-01..2024-01", "-001-01"}) {
      auto r = c->Get((route + p).c_str(), s.Get());
      ASSERT_TRUE(r) << route << p;
      const std::string said = route + p + " " + r->body.substr(0, 300);
      EXPECT_EQ(r->status, 400) << said;
      EXPECT_NE(r->body.find("1900-01"), std::string::npos) << said;
      EXPECT_NE(r->body.find("2100-12"), std::string::npos) << said;
      EXPECT_NE(r->body.find("2024-Q1"), std::string::npos) << said;
    }
    // In range, however far from the data: answered, and without memory for months that hold
    // nothing (1900-01..2100-12 took 30 s and 21 GB on the demo store). The memory bound is the
    // guard; a time bound here failed under AddressSanitizer on a loaded machine (5.95 s against
    // 5 s), and speed is the benchmarks' to measure, not a unit test's.
    ResetPeakRss();
    const int64_t before_kb = PeakRssKb();
    for (const std::string p : {"1900-01", "2100-12", "2024-03", "1900", "1900-01..2100-12"}) {
      auto r = c->Get((route + p).c_str(), s.Get());
      ASSERT_TRUE(r) << route << p;
      EXPECT_EQ(r->status, 200) << route << p << " " << r->body.substr(0, 300);
    }
    EXPECT_LT(PeakRssKb() - before_kb, 200 * 1024) << route;
  }
  for (const std::string route : {"/api/v1/incidents?", "/api/v1/exports/incidents?format=csv&",
                                  "/api/v1/monitoring-reports?", "/api/v1/duplicates/incidents?"}) {
    for (const std::string param : {"from", "to"}) {
      for (const std::string d : {"0000-01-01", "1899-12-31", "2101-01-01", "9999-12-31"}) {
        auto r = c->Get((route + param + "=" + d).c_str(), s.Get());
        ASSERT_TRUE(r) << route << param << d;
        EXPECT_EQ(r->status, 400) << route << param << "=" << d << " " << r->body;
        EXPECT_NE(r->body.find("YYYY-MM-DD"), std::string::npos) << r->body;
        EXPECT_NE(r->body.find("1900"), std::string::npos) << r->body;
        EXPECT_NE(r->body.find("2100"), std::string::npos) << r->body;
      }
    }
    auto r = c->Get((route + "from=1900-01-01&to=2100-12-31").c_str(), s.Get());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << route << " " << r->body;
  }
}

// --- 8. Alert webhooks --------------------------------------------------------------------------

// No secret is shipped, and a routing file with a webhook but no secret of its own (or the old
// shipped one) is refused at start, saying which file, which recipient and rule, and what to set.
TEST(AlertWebhookSecret, AWebhookIsNeverSignedWithAShippedSecret) {
  for (const std::string& line : text::Split(ReadFile(kData + "/alerts/routing.toml"), '\n')) {
    std::string t(text::Trim(line));
    EXPECT_FALSE(t.rfind("secret", 0) == 0 && t.rfind("secret_env", 0) != 0)
        << "a secret is shipped in data/alerts/routing.toml: " << line;
  }
  TempDir dir;
  const std::string db = dir / "r.sqlite";
  { auto s = NewStore(dir, {}, "r.sqlite"); }
  ASSERT_TRUE(security::Keyring::Create(db + ".keys").ok());
  const std::string recipient =
      "[recipients.joc]\nlabel = \"Operations centre\"\nwebhook = \"https://joc.example/hook\"\n"
      "secret_env = \"AEGIS_TEST_SECRET_JOC\"\n";
  const std::string rule =
      "[[rule]]\nname = \"attacks to the operations centre\"\nrisks = [\"ATK\"]\n"
      "levels = [[\"recipient:joc\"]]\n";
  auto serve = [&](const std::string& routing, const std::vector<std::string>& env,
                   std::string* log_text) {
    const std::string file = dir / "routing.toml", log = dir / "serve.log";
    WriteFile(file, routing);
    std::filesystem::remove(log);
    std::vector<std::string> add = env;
    add.push_back("AEGIS_ALERT_ROUTING=" + file);
    pid_t pid = Spawn({AEGIS_BINARY, "--data-dir", kData, "--db", db, "serve", "--port", "0"},
                      ChildEnv(add, {"AEGIS_ALERT_ROUTING=", "AEGIS_TEST_SECRET_JOC="}), log);
    int port = ServePort(&pid, log, 60);
    StopProcess(pid);
    *log_text = ReadFile(log);
    return port;
  };
  std::string log;
  EXPECT_EQ(serve(recipient + rule, {}, &log), 0) << "started with an unsigned webhook:\n" << log;
  for (const std::string& said :
       {dir / "routing.toml", std::string("joc"), std::string("attacks to the operations centre"),
        std::string("AEGIS_TEST_SECRET_JOC")})
    EXPECT_NE(log.find(said), std::string::npos) << said << " not in:\n" << log;
  // The secret the routing file used to ship is refused wherever it is written.
  EXPECT_EQ(serve(recipient + "secret = \"demo-only-change-me\"\n" + rule, {}, &log), 0) << log;
  EXPECT_NE(log.find("demo-only-change-me"), std::string::npos) << log;
  EXPECT_EQ(serve(recipient + rule, {"AEGIS_TEST_SECRET_JOC=demo-only-change-me"}, &log), 0) << log;
  // With a secret of its own, it starts.
  EXPECT_GT(serve(recipient + rule, {"AEGIS_TEST_SECRET_JOC=" + security::RandomToken()}, &log), 0)
      << log;
}

// --- 9. The audit anchor ----------------------------------------------------------------------

// The anchor follows every committed batch of audit rows: the last rows of a running server's
// log, deleted behind its back, are missed by `aegis audit verify` no more.
TEST_F(HardeningTest, DeletingTheLastAuditRowsIsSeenEvenWhileTheServerRuns) {
  RunningServer srv(Options());
  ASSERT_TRUE(srv.ok());
  auto c = srv.Client();
  auto in = c->Post("/api/v1/session", json{{"username", "imo"}, {"password", kPassword}}.dump(),
                    "application/json");
  ASSERT_TRUE(in && in->status == 200);
  std::string cookie = in->get_header_value("Set-Cookie");
  httplib::Headers h{{"Cookie", cookie.substr(0, cookie.find(';'))}};
  for (int i = 0; i < 5; ++i) ASSERT_EQ(c->Get("/api/v1/incidents?limit=1", h)->status, 200);
  // The anchor catches up with the last row while the server stays idle, within a second.
  auto keys = security::Keyring::Load(dir_ / "t.keys");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  const int64_t last = QueryInt(db_, "SELECT max(seq) FROM audit_log");
  int64_t anchored = 0;
  for (int i = 0; i < 100 && anchored < last; ++i) {
    auto a = security::LoadAuditAnchor(*keys, security::DefaultAnchorPath(keys->path()));
    anchored = a.ok() ? a->last_seq : 0;
    if (anchored < last) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(anchored, last);
  const std::string verify = "--db " + db_ + " audit --keys " + (dir_ / "t.keys");
  auto intact = RunAegis(verify + " verify");
  EXPECT_EQ(intact.exit_code, 0) << intact.output;
  ASSERT_TRUE(ExecRaw(db_, "DELETE FROM audit_log WHERE seq >= " + std::to_string(last - 1)));
  auto cut = RunAegis(verify + " verify");
  EXPECT_NE(cut.exit_code, 0) << cut.output;
  EXPECT_NE(cut.output.find("truncated"), std::string::npos) << cut.output;
}

// A missing anchor fails verification and says how to re-anchor; `aegis audit reanchor` does,
// audited; and verify on a store without the audit table is a clear error, not a crash.
TEST_F(HardeningTest, AMissingAuditAnchorFailsVerificationUntilAnOperatorReanchors) {
  (void)Login("coordinator");  // audited
  server_->Stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
  const std::string keys = dir_ / "t.keys", anchor = keys + ".audit-anchor";
  const std::string audit = "--db " + db_ + " audit --keys " + keys;
  ASSERT_TRUE(std::filesystem::exists(anchor));
  std::filesystem::remove(anchor);
  auto v = RunAegis(audit + " verify");
  EXPECT_NE(v.exit_code, 0) << v.output;
  EXPECT_NE(v.output.find(anchor), std::string::npos) << v.output;
  EXPECT_NE(v.output.find("aegis audit reanchor"), std::string::npos) << v.output;
  auto help = RunAegis("audit reanchor --help");
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_NE(help.output.find("restor"), std::string::npos) << help.output;
  auto re = RunAegis(audit + " reanchor");
  EXPECT_EQ(re.exit_code, 0) << re.output;
  auto again = RunAegis(audit + " verify");
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(QueryText(db_, "SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1"),
            "audit.reanchor");
  // A restored older copy of the store: the anchor is ahead of it until re-anchored.
  const int64_t last = QueryInt(db_, "SELECT max(seq) FROM audit_log");
  ASSERT_TRUE(ExecRaw(db_, "DELETE FROM audit_log WHERE seq = " + std::to_string(last)));
  EXPECT_NE(RunAegis(audit + " verify").exit_code, 0);
  EXPECT_EQ(RunAegis(audit + " reanchor").exit_code, 0);
  EXPECT_EQ(RunAegis(audit + " verify").exit_code, 0);
  // An edited log is not re-anchored over.
  ASSERT_TRUE(ExecRaw(db_, "UPDATE audit_log SET detail = 'edited' WHERE seq = 1"));
  EXPECT_NE(RunAegis(audit + " reanchor").exit_code, 0);
  // No audit table: a clear error (exit 1), not a crash; no store is made where there was none.
  ASSERT_TRUE(ExecRaw(db_, "DROP TABLE audit_log"));
  auto none = RunAegis(audit + " verify");
  EXPECT_GT(none.exit_code, 0) << none.output;  // -1: killed by a signal
  EXPECT_NE(none.output.find("audit_log"), std::string::npos) << none.output;
  EXPECT_EQ(none.output.find("internal error"), std::string::npos) << none.output;
  const std::string missing = dir_ / "missing.sqlite";
  auto nowhere = RunAegis("--db " + missing + " audit verify");
  EXPECT_NE(nowhere.exit_code, 0) << nowhere.output;
  EXPECT_FALSE(std::filesystem::exists(missing));
  EXPECT_FALSE(std::filesystem::exists(missing + ".keys"));
}

// --- 10. Reads audited by record -----------------------------------------------------------------

// The ids of `object_id` of every audit row of `action`.
std::set<std::string> AuditedIds(const std::string& db, const std::string& action) {
  std::set<std::string> ids;
  for (const std::string& list : text::Split(
           QueryText(db, "SELECT object_id || ';' FROM audit_log WHERE action = '" + action + "'"),
           ';'))
    for (const std::string& id : text::Split(list, ','))
      if (!id.empty()) ids.insert(id);
  return ids;
}

// An export's audit names every record exported (over several pages), and every list route's
// names every record it answered: tracing cases, alerts (list, inbox, board), duplicate pairs.
TEST_F(HardeningTest, ListAndExportReadsAreAuditedNamingEveryRecordRead) {
  {
    auto src = store_->EnsureDataSource({0, "MANY", "many", "manual", "", "direct_monitoring"});
    ASSERT_TRUE(src.ok());
    std::vector<store::Incident> many;
    for (int i = 0; i < 2100; ++i) {
      store::Incident x;
      x.source_key = "many-" + std::to_string(i);
      x.content_hash = text::Hash64(x.source_key);
      x.date_start = x.date_end = "2024-02-0" + std::to_string(1 + i % 9);
      x.country = "SSD";
      x.place = {"SS010101", 3, "pcode", 1, "", ""};
      x.risks = {"ATK"};
      x.organisation_code = "ORG-A";
      x.source_type = "direct_monitoring";
      x.sensitivity = "public";
      many.push_back(x);
    }
    ASSERT_TRUE(ImportIncidents(*store_, *src, std::move(many)).ok());
    // The same attack reported by two partners: a duplicate pair.
    for (const char* org : {"ORG-A", "ORG-B"}) {
      auto from = store_->EnsureDataSource(
          {0, std::string("DUP-") + org, "dup", "manual", org, "direct_monitoring"});
      ASSERT_TRUE(from.ok());
      store::Incident x;
      x.source_key = std::string("dup-") + org;
      x.content_hash = text::Hash64(x.source_key);
      x.date_start = x.date_end = std::string(org) == "ORG-A" ? "2024-04-02" : "2024-04-03";
      x.country = "SSD";
      x.place = {"SS010101", 3, "pcode", 1, "", ""};
      x.risks = {"ATK"};
      x.killed = 4;
      x.organisation_code = org;
      x.source_type = "direct_monitoring";
      x.sensitivity = "internal";
      x.narrative = "Armed men attacked Bungu market at dawn, four civilians killed";
      ASSERT_TRUE(ImportIncidents(*store_, *from, {x}).ok());
    }
  }
  Session coord = Login("coordinator");
  auto c = Client();
  auto exported = c->Get("/api/v1/exports/incidents?format=csv", coord.Get());
  ASSERT_TRUE(exported);
  ASSERT_EQ(exported->status, 200);
  std::set<std::string> in_file;
  for (const std::string& line : text::Split(exported->body, '\n')) {
    std::string id = line.substr(0, line.find(','));
    if (id.rfind("P-", 0) == 0) in_file.insert(id);  // not the header (after a BOM), nor HXL tags
  }
  ASSERT_GT(in_file.size(), 2000u);
  std::set<std::string> audited;
  auto keys = keys_->current();
  for (const std::string& id : AuditedIds(db_, "export.records"))
    audited.insert(security::Pseudonym(*keys, "incident", id));
  std::string missing;
  for (const auto& id : in_file)
    if (!audited.count(id)) missing += id + " ";
  EXPECT_EQ(audited, in_file) << audited.size() << " audited, " << in_file.size()
                              << " exported; not audited: " << missing;
  // Lists.
  auto ids_of = [](const std::string& body, const char* member) {
    std::set<std::string> ids;
    json j = json::parse(body);
    for (const auto& item : j["items"]) {
      const json& x = member[0] ? item[member] : item;
      ids.insert(std::to_string(x["id"].get<int64_t>()));
    }
    return ids;
  };
  Session sp = Login("service_provider");
  auto added = c->Post("/api/v1/tracing/records", sp.Unsafe(),
                       json{{"kind", "registered"},
                            {"organisation", "ORG-A"},
                            {"external_id", "UASC-9"},
                            {"name", "Achan Deng Malual"},
                            {"sex", "f"},
                            {"age_min", 8},
                            {"area_pcode", "SS010101"},
                            {"consent_for_tracing", true}}
                           .dump(),
                       "application/json");
  ASSERT_TRUE(added && added->status == 201) << (added ? added->body : "");
  auto tracing = c->Get("/api/v1/tracing/records", sp.Get());
  ASSERT_EQ(tracing->status, 200);
  EXPECT_FALSE(ids_of(tracing->body, "").empty());
  EXPECT_EQ(ids_of(tracing->body, ""), AuditedIds(db_, "tracing.list"));
  auto alert =
      c->Post("/api/v1/alerts", coord.Unsafe(),
              json{{"area_pcode", "SS0301"}, {"risks", {"ATK"}}, {"urgency", "high"}}.dump(),
              "application/json");
  ASSERT_TRUE(alert && alert->status == 201) << (alert ? alert->body : "");
  for (const auto& [path, action] : std::vector<std::pair<std::string, std::string>>{
           {"/api/v1/alerts", "alert.list"}, {"/api/v1/alerts/inbox", "alert.inbox"}}) {
    auto r = c->Get(path.c_str(), coord.Get());
    ASSERT_EQ(r->status, 200) << r->body;
    EXPECT_FALSE(ids_of(r->body, "").empty()) << path;
    EXPECT_EQ(ids_of(r->body, ""), AuditedIds(db_, action)) << path;
  }
  auto board = c->Get("/api/v1/alerts/board", coord.Get());
  ASSERT_EQ(board->status, 200) << board->body;
  std::set<std::string> on_board = ids_of(board->body, "");
  EXPECT_FALSE(on_board.empty()) << board->body;
  EXPECT_EQ(on_board, AuditedIds(db_, "alert.board")) << board->body;
  auto pairs = c->Get("/api/v1/duplicates/incidents?from=2024-04-01&to=2024-04-05", coord.Get());
  ASSERT_EQ(pairs->status, 200) << pairs->body;
  std::set<std::string> paired = ids_of(pairs->body, "kept");
  for (const auto& id : ids_of(pairs->body, "duplicate")) paired.insert(id);
  EXPECT_FALSE(paired.empty()) << pairs->body;
  EXPECT_EQ(paired, AuditedIds(db_, "incident.duplicates"));
}

// --- 11. File modes -----------------------------------------------------------------------------

unsigned ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 0777;
}

TEST(FileModes, StoreWalAndKeyFilesAreOwnerOnlyUnderAPermissiveUmask) {
  TempDir dir;
  mode_t old = ::umask(022);
  const std::string db = dir / "m.sqlite";
  {
    auto s = store::Store::Open(db);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_TRUE((*s)->EnsureOrganisation({0, "ORG-M", "ORG-M", "ngo"}).ok());
    ASSERT_TRUE(std::filesystem::exists(db + "-wal"));
    ASSERT_TRUE(std::filesystem::exists(db + "-shm"));
    for (const std::string& f : {db, db + "-wal", db + "-shm"}) EXPECT_EQ(ModeOf(f), 0600u) << f;
  }
  auto keys = security::Keyring::Create(dir / "m.keys");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(ModeOf(dir / "m.keys"), 0600u);
  ::umask(old);
}

}  // namespace
}  // namespace aegis::testing
