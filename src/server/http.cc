#include "server/http.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace aegis::server {

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kMaxHeaderBytes = uint64_t{64} * 1024;  // request line and headers together

// One connection, from its accept to its close; a worker thread serves one at a time.
struct Connection {
  uint64_t consumed = 0;  // bytes handed to httplib so far
  // The request being read: its line and headers are due by `deadline` (none when it is {}).
  Clock::time_point deadline{};
  uint64_t started_at = 0;    // `consumed` when the request began
  Clock::time_point began{};  // when its first byte was there
  bool headers_read = false;
  uint64_t body_from = 0;  // `consumed` when its headers had been read
  const char* failure = "";
  bool close = false;  // close after this answer
};

thread_local Connection* t_conn = nullptr;

// The socket as httplib's Stream: httplib::detail::SocketStream's buffered reads and
// waits, with the header deadline and the header size limit of the request being read.
class SocketStream final : public httplib::Stream {
 public:
  SocketStream(int fd, Connection& c, int read_ms, int write_ms)
      : fd_(fd), c_(c), read_ms_(read_ms), write_ms_(write_ms) {}

  bool is_readable() const override { return off_ < len_ || Wait(POLLIN, read_ms_); }
  bool is_writable() const override { return Wait(POLLOUT, write_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (!c_.headers_read && c_.consumed - c_.started_at >= kMaxHeaderBytes) {
      c_.failure = "too_large";
      return -1;
    }
    if (off_ == len_) {
      if (!Wait(POLLIN, read_ms_)) return -1;
      ssize_t n = Recv(buf_, sizeof buf_);
      if (n <= 0) return n;
      off_ = 0;
      len_ = static_cast<size_t>(n);
    }
    size_t n = std::min(size, len_ - off_);
    std::memcpy(ptr, buf_ + off_, n);
    off_ += n;
    c_.consumed += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    ssize_t n;
    do n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    Address(true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    Address(false, ip, port);
  }
  socket_t socket() const override { return fd_; }

  // Whether a request has begun (bytes buffered or arriving) within `ms`.
  bool Pending(int ms) const { return off_ < len_ || Wait(POLLIN, ms, false); }

  // After the answer to a request whose body is left unread: stop sending, then read and drop
  // what still comes for at most 0.5 s and 1 MB, so that the client reads the answer before the
  // close (closing with unread bytes sends a reset, which can destroy the answer in flight).
  void Linger() {
    ::shutdown(fd_, SHUT_WR);
    auto end = Clock::now() + std::chrono::milliseconds(500);
    for (size_t dropped = 0; dropped < (1u << 20);) {
      int left = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count());
      if (left <= 0 || !Wait(POLLIN, left, false)) return;
      ssize_t n = Recv(buf_, sizeof buf_);
      if (n <= 0) return;
      dropped += static_cast<size_t>(n);
    }
  }

 private:
  // Waits for `events` on the socket for `ms`; reads also stop at the request's header deadline.
  bool Wait(short events, int ms, bool deadline = true) const {
    bool capped = false;
    if (deadline && events == POLLIN && c_.deadline != Clock::time_point{}) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(c_.deadline - Clock::now()).count();
      if (left < ms) {
        ms = static_cast<int>(std::max<int64_t>(left, 0));
        capped = true;
      }
    }
    pollfd p{fd_, events, 0};
    int r;
    do r = ::poll(&p, 1, ms);
    while (r < 0 && errno == EINTR);
    if (r == 0 && capped) c_.failure = "timeout";
    return r > 0;
  }

  ssize_t Recv(char* buf, size_t size) const {
    ssize_t n;
    do n = ::recv(fd_, buf, size, 0);
    while (n < 0 && errno == EINTR);
    return n;
  }

  void Address(bool peer, std::string& ip, int& port) const {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    int r = peer ? ::getpeername(fd_, reinterpret_cast<sockaddr*>(&a), &len)
                 : ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    if (r != 0 || (a.ss_family != AF_INET && a.ss_family != AF_INET6)) return;
    port = ntohs(a.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&a)->sin_port
                                        : reinterpret_cast<sockaddr_in6*>(&a)->sin6_port);
    char host[NI_MAXHOST];
    if (::getnameinfo(reinterpret_cast<sockaddr*>(&a), len, host, sizeof host, nullptr, 0,
                      NI_NUMERICHOST) == 0)
      ip = host;
  }

  int fd_;
  Connection& c_;
  int read_ms_, write_ms_;
  char buf_[16384];
  size_t off_ = 0, len_ = 0;
};

int Ms(time_t sec, time_t usec) { return static_cast<int>(sec * 1000 + usec / 1000); }

}  // namespace

// httplib's keep-alive loop (detail::process_server_socket), with the deadline, the close after
// an unread body, and one stream for the whole connection (httplib made one per request and so
// dropped bytes it had buffered of the next one).
bool HttpServer::process_and_close_socket(socket_t sock) {
  Connection conn;
  SocketStream strm(sock, conn, Ms(read_timeout_sec_, read_timeout_usec_),
                    Ms(write_timeout_sec_, write_timeout_usec_));
  t_conn = &conn;
  const Clock::time_point accepted = Clock::now();
  const int keep_alive_ms = static_cast<int>(keep_alive_timeout_sec_ * 1000);
  bool ret = false;
  for (size_t left = keep_alive_max_count_; left > 0; --left) {
    // Idle before a request: up to the keep-alive timeout (the first request: also within its
    // header deadline, which runs from the accept), looking at the server's state every 0.1 s so
    // that a stopping server is not held up by an idle connection.
    const bool first = left == keep_alive_max_count_;
    const int idle_ms = first && header_timeout_ms_ > 0
                            ? std::min(keep_alive_ms, header_timeout_ms_)
                            : keep_alive_ms;
    bool pending = false;
    for (int waited = 0; !pending && waited < idle_ms; waited += 100)
      pending = svr_sock_ != INVALID_SOCKET && strm.Pending(std::min(100, idle_ms - waited));
    if (!pending || svr_sock_ == INVALID_SOCKET) break;
    conn.started_at = conn.consumed;
    conn.began = Clock::now();
    conn.headers_read = false;
    conn.failure = "";
    conn.deadline = header_timeout_ms_ > 0 ? (first ? accepted : Clock::now()) +
                                                 std::chrono::milliseconds(header_timeout_ms_)
                                           : Clock::time_point{};
    bool client_closes = false;
    ret = process_request(strm, left == 1, client_closes, [&conn](httplib::Request& req) {
      conn.deadline = {};
      conn.headers_read = true;
      conn.body_from = conn.consumed;
      // A request without Content-Length or Transfer-Encoding has no body (RFC 9112 6.3).
      if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding"))
        req.set_header("Content-Length", "0");
    });
    if (!ret || client_closes || conn.close || !conn.headers_read) break;
  }
  t_conn = nullptr;
  if (conn.close && ret) strm.Linger();
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ret;
}

void HttpServer::CloseIfBodyUnread(const httplib::Request& req, httplib::Response& res) {
  Connection* c = t_conn;
  if (c == nullptr) return;
  bool unread = !c->headers_read;  // the line or headers could not be parsed
  if (!unread) {
    uint64_t read = c->consumed - c->body_from;
    if (req.has_header("Transfer-Encoding")) {
      unread = read == 0 || res.status >= 400;  // its end is known only to httplib's reader
    } else {
      std::optional<uint64_t> length = ContentLength(req);
      unread = !length || read < *length;
    }
  }
  if (unread) CloseAfterAnswer(res);
}

double HttpServer::RequestSeconds() {
  if (t_conn == nullptr || t_conn->began == Clock::time_point{}) return 0;
  return std::chrono::duration<double>(Clock::now() - t_conn->began).count();
}

void HttpServer::CloseAfterAnswer(httplib::Response& res) {
  if (t_conn != nullptr) t_conn->close = true;
  res.headers.erase("Keep-Alive");
  res.headers.erase("Connection");
  res.set_header("Connection", "close");
}

std::optional<uint64_t> HttpServer::ContentLength(const httplib::Request& req) {
  if (req.get_header_value_count("Content-Length") == 0) return uint64_t{0};
  const std::string v = req.get_header_value("Content-Length");
  if (req.get_header_value_count("Content-Length") > 1 || v.empty() || v.size() > 18 ||
      !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoull(v);
}

const char* HttpServer::ReadFailure() { return t_conn != nullptr ? t_conn->failure : ""; }

}  // namespace aegis::server
