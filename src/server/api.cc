#include "server/api.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "server/ops.h"
#include "util/date.h"
#include "util/text.h"

namespace aegis::server {

Result<StorePool::Lease> StorePool::Acquire() {
  const auto began = std::chrono::steady_clock::now();
  struct Waited {
    StorePool* p;
    std::chrono::steady_clock::time_point began;
    ~Waited() {
      p->wait_ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::steady_clock::now() - began)
                         .count();
    }
  } waited{this, began};
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!free_.empty()) {
      Lease lease{this, std::move(free_.back())};
      free_.pop_back();
      ++leases_;
      ++in_use_;
      return lease;
    }
  }
  store::StoreOptions o;
  o.create_if_missing = false;
  o.migrate = false;
  AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> s, store::Store::Open(url_, o));
  if (on_open_) on_open_(*s);
  ++opened_;
  ++leases_;
  ++in_use_;
  return Lease{this, std::move(s)};
}

void StorePool::Release(std::unique_ptr<store::Store> s) {
  --in_use_;
  if (!s->Usable()) return;  // a lost connection is closed; the next Acquire opens a new one
  std::lock_guard<std::mutex> l(mu_);
  free_.push_back(std::move(s));
}

StorePool::Stats StorePool::stats() {
  Stats s;
  s.leases = leases_.load();
  s.opened = opened_.load();
  s.in_use = in_use_.load();
  s.wait_seconds = static_cast<double>(wait_ns_.load()) / 1e9;
  std::lock_guard<std::mutex> l(mu_);
  s.idle = static_cast<int64_t>(free_.size());
  return s;
}

std::string PrivateDir(const ServerOptions& o) {
  std::string dir = o.db + ".uploads";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  ::chmod(dir.c_str(), 0700);
  return dir;
}

access::Decision Decide(Api& api, const Caller& c, access::Action a, const access::Resource& r) {
  return access::Decide(*api.protocol(), c.subject, a, r);
}

bool Allowed(Api& api, const Caller& c, access::Action a, const access::Resource& r,
             httplib::Response& res) {
  access::Decision d = Decide(api, c, a, r);
  if (d.allowed()) return true;
  SendError(res, {403, "forbidden", d.reason + " under the sharing protocol in force", ""});
  return false;
}

void SendError(httplib::Response& res, const ApiError& e) {
  json j;
  j["error"] = {{"code", e.code},
                {"message", e.message},
                {"field", e.field},
                {"request_id", CurrentRequestId()}};
  res.status = e.status;
  if (e.code == "store_unavailable") res.set_header("Retry-After", "5");
  res.set_content(j.dump(), "application/json");
  // The cause of a 5xx, for the request's log line (the Status when FromStatus kept one).
  if (e.status >= 500 && CurrentRequest().error.empty()) CurrentRequest().error = e.message;
}

void SendJson(httplib::Response& res, const json& j, int status) {
  res.status = status;
  res.set_content(j.dump(), "application/json");
}

ApiError FromStatus(const Status& st) {
  switch (st.code()) {
    case Status::Code::kInvalidArgument:
      return {400, "invalid", st.message(), ""};
    case Status::Code::kNotFound:
      return {404, "not_found", st.message(), ""};
    case Status::Code::kAlreadyExists:
      return {409, "conflict", st.message(), ""};
    case Status::Code::kPermissionDenied:
      return {403, "forbidden", st.message(), ""};
    case Status::Code::kFailedPrecondition:
      return {422, "unprocessable", st.message(), ""};
    case Status::Code::kUnavailable:
      // Internal details (paths, SQL) are not sent to the client.
      CurrentRequest().error = st.ToString();
      return {503, "store_unavailable", "the database cannot be reached for now; retry shortly",
              ""};
    default:
      CurrentRequest().error = st.ToString();
      return {500, "internal", "the server could not complete the request; it has been logged", ""};
  }
}

bool IsIsoDate(const std::string& d, std::string* why) {
  DateParse p = ParseDate(d, DateOrder::kYMD);
  if (d.size() == 10 && p.date) return true;
  *why = "dates are YYYY-MM-DD" + (p.error.empty() ? "" : ": " + p.error);
  return false;
}

std::optional<int64_t> Int(std::string_view v) {
  int64_t out = 0;
  if (!text::ParseInt64(v, &out)) return std::nullopt;
  return out;
}

std::string CookieValue(const httplib::Request& req, const std::string& name) {
  std::string cookies = req.get_header_value("Cookie");
  for (const std::string& part : text::Split(cookies, ';')) {
    std::string p(text::Trim(part));
    if (p.rfind(name + "=", 0) == 0) return p.substr(name.size() + 1);
  }
  return "";
}

void AppendJsonString(std::string& out, std::string_view v) {
  out.push_back('"');
  for (char ch : v) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(ch);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out.push_back(ch);
    }
  }
  out.push_back('"');
}

bool ParseBody(const httplib::Request& req, json* body, ApiError* e) {
  *body = json::parse(req.body, nullptr, false);
  if (body->is_discarded()) {
    *e = {400, "bad_json", "the body is not valid JSON", ""};
    return false;
  }
  if (!body->is_object()) {
    *e = {400, "bad_json", "the body must be a JSON object", ""};
    return false;
  }
  return true;
}

bool StringField(const json& body, const char* name, std::string* out, ApiError* e,
                 size_t max_bytes) {
  if (!body.contains(name) || body[name].is_null()) return true;
  if (!body[name].is_string()) {
    *e = {400, "invalid", std::string(name) + " must be a string", name};
    return false;
  }
  *out = body[name].get<std::string>();
  if (out->size() > max_bytes || text::FindInvalidUtf8(*out) != std::string::npos) {
    *e = {400, "invalid",
          std::string(name) + " must be valid UTF-8 of at most " + std::to_string(max_bytes) +
              " bytes",
          name};
    return false;
  }
  return true;
}

bool IntField(const json& body, const char* name, std::optional<int64_t>* out, ApiError* e,
              int64_t lo, int64_t hi) {
  if (!body.contains(name) || body[name].is_null()) return true;
  if (!body[name].is_number_integer() || body[name].get<int64_t>() < lo ||
      body[name].get<int64_t>() > hi) {
    *e = {400, "invalid",
          std::string(name) + " must be a whole number from " + std::to_string(lo) + " to " +
              std::to_string(hi),
          name};
    return false;
  }
  *out = body[name].get<int64_t>();
  return true;
}

}  // namespace aegis::server
