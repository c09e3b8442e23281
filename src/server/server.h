// `aegis serve`: the JSON REST API under /api/v1 over one store.
//
// Every request runs as a user (session cookie or API token) whose role and organisation give an
// AccessScope from the information-sharing protocol; every read of individual records goes
// through the store's scoped reads with that scope, so no route can get past the protocol.
// One error body shape: {"error": {"code": "...", "message": "...", "field": "..."}}.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "alert/routing.h"
#include "util/status.h"

namespace aegis::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 = any free port (see Server::port)
  int threads = 64;
  std::string db;               // store URL
  std::string data_dir;         // taxonomy, profiles, the sharing protocol
  std::string key_file;         // the keyring, outside the database
  std::string protocol;         // sharing protocol file; default data_dir/isp/protocol.toml
  bool secure_cookies = false;  // behind TLS
  // Behind a reverse proxy on this host: sign-in limits key on the client address the proxy
  // passes in X-Real-IP (nginx: proxy_set_header X-Real-IP $remote_addr), for requests that
  // come from a loopback address. Off: the connection's address (the proxy's, for everyone).
  bool behind_proxy = false;
  // A request's line and headers must arrive within this many milliseconds (of its first byte;
  // of the accept for a connection's first request), or the connection is closed: slow clients
  // must not hold the worker threads (http.h).
  int header_timeout_ms = 10000;
  size_t max_body_bytes = 1 << 20;              // JSON bodies
  size_t max_upload_bytes = size_t{256} << 20;  // file uploads (POST /api/v1/imports)
  double sign_in_burst = 10;                    // sign-in attempts per client address at once,
  double sign_in_every_s = 6;                   // then one per this many seconds
  int session_hours = 12;
  int max_failed_logins = 5;
  int lockout_minutes = 15;
  // A protocol version added through another server process is in force here within this many
  // milliseconds (through this process: at once); see RefreshProtocol in server.cc. Sessions,
  // users and break-the-glass grants are read from the store on every request.
  int protocol_check_ms = 1000;
  // One structured log line (JSON, level "info") per request on stderr: its id, method, route
  // pattern, status, duration and user id (doc/server.md). Off: only the lines of 5xx answers
  // (level "error", with the Status that caused them). `aegis serve --log-requests=off`.
  bool log_requests = true;
  // On SIGTERM (`aegis serve`): requests in flight have this many milliseconds to finish; past
  // it the process exits with status 1 (cli_server.cc).
  int stop_timeout_ms = 10000;
  // The built web application; "" = data_dir/../web/dist (the source tree's web/dist when
  // data_dir is the source tree's data/). `aegis serve`: $AEGIS_WEB_DIR.
  std::string web_dir;
  // Early warning (server/alerts.cc). The server reads no environment: `aegis serve` fills
  // these from $AEGIS_ALERT_ROUTING, $AEGIS_SMTP_URL (and the variables the routing file's
  // secret_env names), $AEGIS_ALERT_LEASE_MS and $AEGIS_ANALYSIS_EVERY_S (cli_server.cc).
  std::string alert_routing;  // the routing rules; "" = data_dir/alerts/routing.toml
  alert::RoutingOptions routing_options;
  int64_t alert_lease_ms = 60000;       // deliveries are claimed for this long
  int64_t analysis_every_ms = 3600000;  // scheduled analysis alerts; 0 = off
};

// One route of the API, as documented in the OpenAPI document.
struct RouteInfo {
  std::string method;  // GET, POST, ...
  std::string path;    // OpenAPI form: /api/v1/incidents/{id}
  std::string action;  // the authorization kernel's action (access::ActionName); "" = public
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> Create(const ServerOptions& options);
  virtual ~Server() = default;
  // Binds (port 0 = any) and serves until Stop(); returns when stopped.
  virtual Status Run(const std::function<void(int port)>& on_listening = {}) = 0;
  // Stops listening (new connections are refused), lets the requests in flight finish (Run
  // returns once they have) and joins the server's background work. Not async-signal-safe.
  virtual void Stop() = 0;
  virtual const std::vector<RouteInfo>& routes() const = 0;
  // Requests begun and not yet answered.
  virtual int64_t requests_in_flight() const = 0;
  // Store connections leased from the server's pool and not yet given back (0 once stopped:
  // every lease is released when its request or background job ends).
  virtual int64_t store_leases_held() = 0;
};

}  // namespace aegis::server
