// The HTTP server: Debian 12's cpp-httplib (0.11.4) with its connection loop replaced by one
// that adds two things httplib lacks; parsing, routing and writing stay httplib's
// (Server::process_request).
//
//  * A deadline for a request's line and headers: 10 s as shipped (ServerOptions), from the
//    request's first byte (for a connection's first request, from the accept). httplib's read
//    timeout is per read, so a client sending one header byte every few seconds held a worker
//    thread for ever, and a few such clients held the whole pool (slowloris). Past the deadline
//    the connection is closed (with a 408 when the request line had arrived). The line and
//    headers are also limited to 64 KB together (431).
//  * Closing the connection after an answer given before the request's body was read (a 413, a
//    401 before an upload, an error before the headers were whole): otherwise the unread body
//    would be parsed as the next request on the connection (request smuggling). The answer says
//    `Connection: close`; the server then stops sending, reads and drops what is still coming
//    for at most 0.5 s and 1 MB (so that the client reads the answer rather than a reset), and
//    closes. A request without Content-Length or Transfer-Encoding has no body (RFC 9112);
//    httplib 0.11 read until the connection closed.
//
// What it does not do: a body is read with the per-read timeout only (5 s), so a client trickling
// a body holds a thread while it sends. Outside uploads a body is at most 1 MB and any route that
// is not public authenticates before reading it (server.cc); in front of untrusted networks put
// a reverse proxy that buffers requests (nginx, doc/scale.md).
#pragma once

#include <httplib.h>

#include <cstdint>
#include <optional>

namespace aegis::server {

class HttpServer : public httplib::Server {
 public:
  // The request line and headers must arrive within this many milliseconds of the request's
  // first byte, or of the accept for a connection's first request (0 = no deadline).
  void set_header_timeout_ms(int ms) { header_timeout_ms_ = ms; }

  // For the post-routing handler, on the thread that serves the request: when `req`'s body was
  // not read whole, or the request could not be parsed, the connection closes after `res`
  // (`Connection: close` is set).
  static void CloseIfBodyUnread(const httplib::Request& req, httplib::Response& res);
  // For handlers: the connection closes after this answer.
  static void CloseAfterAnswer(httplib::Response& res);
  // The request's Content-Length: one header of decimal digits only (httplib reads "1,000" as 1
  // and "12x" as 12), else nothing. 0 when there is none (no body, RFC 9112).
  static std::optional<uint64_t> ContentLength(const httplib::Request& req);
  // Why the request on this thread could not be read: "" when it could, "timeout" (the header
  // deadline passed) or "too_large" (line and headers over 64 KB). For the error handler.
  static const char* ReadFailure();
  // Seconds since the first byte of the request on this thread arrived (for the logger and the
  // latency histogram); 0 outside a request.
  static double RequestSeconds();

 private:
  bool process_and_close_socket(socket_t sock) override;
  int header_timeout_ms_ = 10000;
};

}  // namespace aegis::server
