// Operations (internal to the server module): request ids, the structured log and the metrics
// (doc/server.md, "Operating Aegis").
//
// Nothing here ever holds a personal value: a request is known by its id, its method, its route
// PATTERN (/api/v1/incidents/{id}, never the raw path or query, which may hold names typed in a
// search), its status, its duration and the id of its user. Error lines carry a Status, whose
// messages name what failed, never a value.
#pragma once

#include <httplib.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

namespace aegis::server {

// The request served on this thread: httplib serves one request on one thread, from its
// pre-routing handler (or, for a request that could not be parsed, its error handler) to its
// logger, which ends it (EndRequest).
struct RequestState {
  std::string id;       // X-Request-Id; "" until BeginRequest or CurrentRequestId
  std::string route;    // the route pattern; "" until a route is known
  int64_t user_id = 0;  // the caller's user id once authenticated; 0 = none
  std::string error;    // the Status behind a 5xx answer, for its log line
  bool began = false;   // BeginRequest ran (the request counts as in flight)
};
RequestState& CurrentRequest();

// Whether `id` may be taken from a client or a proxy as the request's id: 1 to 64 characters of
// [A-Za-z0-9._-].
bool SaneRequestId(std::string_view id);
// A new request id: 16 random characters of a session token's alphabet (sane).
std::string NewRequestId();
// Starts the request on this thread: its id is the request's X-Request-Id when sane, else a new
// one, and is sent back in the X-Request-Id header.
void BeginRequest(const httplib::Request& req, httplib::Response& res);
// This request's id (made now for a request that never began: one that could not be parsed).
const std::string& CurrentRequestId();
// Clears the request's state on this thread (after its log line).
void EndRequest();

// One log line on stderr: a JSON object with time (UTC, milliseconds), level, then `fields`
// (already JSON values: numbers, or strings made with AppendJsonString). Lines are written whole
// (one write each), so concurrent threads do not interleave them.
void LogLine(std::string_view level,
             std::initializer_list<std::pair<std::string_view, std::string>> fields);
// A JSON string literal of `v` (for LogLine's fields).
std::string JsonString(std::string_view v);

// The counters and histograms of the server process, rendered in Prometheus text format 0.0.4.
// Label values are route patterns, methods and statuses: bounded by the routes the server has.
class Metrics {
 public:
  // A request answered with `status` after `seconds`, on the route pattern `route`.
  void Request(const std::string& method, const std::string& route, int status, double seconds);
  // Rows of an import run by this server process: read from the file, stored (new or changed
  // records), quarantined.
  void ImportRows(int64_t read, int64_t stored, int64_t quarantined);
  void RequestBegan() { in_flight_.fetch_add(1); }
  void RequestEnded() { in_flight_.fetch_sub(1); }
  int64_t in_flight() const { return in_flight_.load(); }
  // The request counter, histogram, import rows and requests in flight, in exposition format.
  std::string Render() const;

  // The histogram's upper bounds in seconds (+Inf implied).
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25,  0.5,   1,    2.5,   5,    10};

 private:
  struct Latency {
    std::array<int64_t, kBuckets.size()> buckets{};  // cumulative when rendered
    int64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, int64_t> requests_;  // method, route, status
  std::map<std::pair<std::string, std::string>, Latency> latency_;         // method, route
  int64_t import_read_ = 0, import_stored_ = 0, import_quarantined_ = 0;
  std::atomic<int64_t> in_flight_{0};
};

// Appends one metric family's HELP and TYPE lines.
void MetricHeader(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help);
// Appends `name{labels} value` (labels already formatted, may be "").
void MetricSample(std::string& out, std::string_view name, std::string_view labels, double value);

}  // namespace aegis::server
