#include "server/ops.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "security/tokens.h"
#include "server/api.h"

namespace aegis::server {

namespace {
thread_local RequestState t_request;
}  // namespace

RequestState& CurrentRequest() { return t_request; }

bool SaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char ch : id) {
    const bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

std::string NewRequestId() { return security::RandomToken().substr(0, 16); }

void BeginRequest(const httplib::Request& req, httplib::Response& res) {
  t_request = RequestState{};
  t_request.began = true;
  std::string incoming = req.get_header_value("X-Request-Id");
  t_request.id = SaneRequestId(incoming) ? incoming : NewRequestId();
  res.set_header("X-Request-Id", t_request.id);
}

const std::string& CurrentRequestId() {
  if (t_request.id.empty()) t_request.id = NewRequestId();
  return t_request.id;
}

void EndRequest() { t_request = RequestState{}; }

std::string JsonString(std::string_view v) {
  std::string out;
  AppendJsonString(out, v);
  return out;
}

void LogLine(std::string_view level,
             std::initializer_list<std::pair<std::string_view, std::string>> fields) {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char when[80];
  std::snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  std::string line = "{\"time\":\"";
  line += when;
  line += "\",\"level\":";
  line += JsonString(level);
  for (const auto& [name, value] : fields) {
    line += ',';
    line += JsonString(name);
    line += ':';
    line += value;
  }
  line += "}\n";
  // One write(2) per line: lines of concurrent requests never interleave.
  for (size_t done = 0; done < line.size();) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

void Metrics::Request(const std::string& method, const std::string& route, int status,
                      double seconds) {
  std::lock_guard<std::mutex> l(mu_);
  ++requests_[{method, route, status}];
  Latency& lat = latency_[{method, route}];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) {
      ++lat.buckets[i];
      break;
    }
  ++lat.count;
  lat.sum += seconds;
}

void Metrics::ImportRows(int64_t read, int64_t stored, int64_t quarantined) {
  std::lock_guard<std::mutex> l(mu_);
  import_read_ += read;
  import_stored_ += stored;
  import_quarantined_ += quarantined;
}

void MetricHeader(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void MetricSample(std::string& out, std::string_view name, std::string_view labels, double value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  char v[40];
  if (std::isinf(value)) {
    std::snprintf(v, sizeof v, "%s", value > 0 ? "+Inf" : "-Inf");
  } else if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::snprintf(v, sizeof v, "%.0f", value);
  } else {
    std::snprintf(v, sizeof v, "%.9g", value);
  }
  out += ' ';
  out += v;
  out += '\n';
}

namespace {
// method="GET",route="/api/v1/incidents/{id}" (route patterns and methods need no escaping but
// quotes and backslashes, which they never hold; escaped anyway).
std::string Labels(const std::string& method, const std::string& route) {
  auto quoted = [](const std::string& v) {
    std::string out = "\"";
    for (char ch : v) {
      if (ch == '"' || ch == '\\') out.push_back('\\');
      if (ch == '\n') {
        out += "\\n";
        continue;
      }
      out.push_back(ch);
    }
    return out + "\"";
  };
  return "method=" + quoted(method) + ",route=" + quoted(route);
}
}  // namespace

std::string Metrics::Render() const {
  std::string out;
  std::lock_guard<std::mutex> l(mu_);
  MetricHeader(out, "aegis_http_requests_total", "counter",
               "HTTP requests answered, by method, route pattern and status.");
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    MetricSample(out, "aegis_http_requests_total",
                 Labels(method, route) + ",status=\"" + std::to_string(status) + "\"",
                 static_cast<double>(n));
  }
  MetricHeader(out, "aegis_http_request_duration_seconds", "histogram",
               "Time from a request's first byte to its answer, by method and route pattern.");
  for (const auto& [key, lat] : latency_) {
    const std::string labels = Labels(key.first, key.second);
    int64_t cumulative = 0;
    char le[32];
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += lat.buckets[i];
      std::snprintf(le, sizeof le, "%g", kBuckets[i]);
      MetricSample(out, "aegis_http_request_duration_seconds_bucket", labels + ",le=\"" + le + "\"",
                   static_cast<double>(cumulative));
    }
    MetricSample(out, "aegis_http_request_duration_seconds_bucket", labels + ",le=\"+Inf\"",
                 static_cast<double>(lat.count));
    MetricSample(out, "aegis_http_request_duration_seconds_sum", labels, lat.sum);
    MetricSample(out, "aegis_http_request_duration_seconds_count", labels,
                 static_cast<double>(lat.count));
  }
  MetricHeader(out, "aegis_http_requests_in_flight", "gauge",
               "Requests begun and not yet answered.");
  MetricSample(out, "aegis_http_requests_in_flight", "", static_cast<double>(in_flight_.load()));
  MetricHeader(out, "aegis_import_rows_total", "counter",
               "Rows of imports run by this server process: read from the file, stored (new or "
               "changed records), quarantined.");
  MetricSample(out, "aegis_import_rows_total", "outcome=\"read\"",
               static_cast<double>(import_read_));
  MetricSample(out, "aegis_import_rows_total", "outcome=\"stored\"",
               static_cast<double>(import_stored_));
  MetricSample(out, "aegis_import_rows_total", "outcome=\"quarantined\"",
               static_cast<double>(import_quarantined_));
  return out;
}

}  // namespace aegis::server
