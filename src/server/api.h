// What the route groups of the API share (internal to the server module): the caller, the error
// shape, a pool of store connections, and `Api`, through which a group registers its routes and
// reaches the keyring, the sharing protocol, the taxonomy and the audit log.
//
// Route groups: server.cc (sign-in, me, areas), records.cc (incidents, monitoring reports),
// admin.cc (organisations, users, API tokens, the protocol, break-the-glass, audit),
// data.cc (analysis, exports, imports).
#pragma once

#include <httplib.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/decision.h"
#include "access/protocol.h"
#include "security/keyring.h"
#include "server/server.h"
#include "store/store.h"
#include "taxonomy/taxonomy.h"

namespace aegis::server {

using json = nlohmann::ordered_json;

// Store connections, one per concurrent request (a SQLite connection is not shared by threads).
class StorePool {
 public:
  StorePool(std::string url, std::function<void(store::Store&)> on_open)
      : url_(std::move(url)), on_open_(std::move(on_open)) {}
  struct Lease {
    Lease(StorePool* p, std::unique_ptr<store::Store> st) : pool(p), s(std::move(st)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    StorePool* pool;
    std::unique_ptr<store::Store> s;
    ~Lease() {
      if (s) pool->Release(std::move(s));
    }
    store::Store* operator->() { return s.get(); }
    store::Store& operator*() { return *s; }
    // Takes the connection out of the pool for good (a background worker's own connection):
    // it is no longer a lease, and is never given back.
    std::unique_ptr<store::Store> Take() {
      if (s) --pool->in_use_;
      return std::move(s);
    }
  };
  // A connection of the pool, or a new one when none is idle. Counted in stats().
  Result<Lease> Acquire();
  void Release(std::unique_ptr<store::Store> s);

  // What the pool has done since the server started (GET /metrics): leases given, how many of
  // them had to open a new connection (none was idle), the time callers spent waiting for a
  // lease (opening included), and the leases held now and the idle connections.
  struct Stats {
    int64_t leases = 0, opened = 0, in_use = 0, idle = 0;
    double wait_seconds = 0;
  };
  Stats stats();

 private:
  std::string url_;
  std::atomic<int64_t> leases_{0}, opened_{0}, in_use_{0}, wait_ns_{0};
  std::function<void(store::Store&)> on_open_;
  std::mutex mu_;
  std::vector<std::unique_ptr<store::Store>> free_;
};

// An API error: HTTP status, a stable code, a message that says what to do, the field at fault.
struct ApiError {
  int status = 400;
  std::string code, message, field;
};

// Who is calling: a signed-in user (session cookie) or a machine client (API token).
struct Caller {
  store::User user;
  int64_t organisation_id = 0;
  store::AccessScope scope;
  std::string session_digest;       // "" for token callers
  int64_t token_id = 0;             // > 0 for token callers
  std::vector<std::string> scopes;  // a token's scopes (read, write, export)
  std::string break_glass_until;    // "" unless an emergency grant widens the scope
  access::Subject subject;          // what the authorization kernel decides on
};

// The data source of records entered through the API by the caller's organisation.
Result<int64_t> ApiSource(store::Store& s, const Caller& c);
// The private folder (mode 0700) beside the store for uploads and spreadsheet temporaries.
std::string PrivateDir(const ServerOptions& o);
// The filters and page of an incident list (area, from, to, risk, organisation, after, limit);
// false with a 400 on a bad value.
bool ReadIncidentQuery(const taxonomy::Taxonomy& tax, const httplib::Request& req,
                       store::IncidentQuery* q, ApiError* e);

// The ids of `rows` (records with an `id`), comma-separated: reads are audited by record.
template <typename Rows>
std::string IdList(const Rows& rows) {
  std::string ids;
  for (const auto& r : rows) {
    if (!ids.empty()) ids.push_back(',');
    ids += std::to_string(r.id);
  }
  return ids;
}

// Sends `e` as the JSON error body, with the request's id (X-Request-Id) as error.request_id;
// "store_unavailable" (503) with a Retry-After header.
void SendError(httplib::Response& res, const ApiError& e);
void SendJson(httplib::Response& res, const json& j, int status = 200);
// The answer to a failed Status: 400 invalid, 403 permission denied, 404, 409, 422 failed
// precondition ("unprocessable": e.g. a referral without consent), 503
// "store_unavailable" when the store cannot be reached, else 500. A 5xx body says nothing of the
// cause; the Status is kept for the request's log line (level "error", ops.h), written once the
// response is sent (Status messages hold no personal values).
ApiError FromStatus(const Status& st);
// A YYYY-MM-DD date that exists; else false with the reason in `why`.
bool IsIsoDate(const std::string& d, std::string* why);
std::optional<int64_t> Int(std::string_view v);
std::string CookieValue(const httplib::Request& req, const std::string& name);
// JSON string literal: quotes, backslashes and control characters escaped; UTF-8 kept.
void AppendJsonString(std::string& out, std::string_view v);
// The JSON body as an object, or false with a 400 (malformed JSON, not an object).
bool ParseBody(const httplib::Request& req, json* body, ApiError* e);
// An optional string member: false (and the error) when it has the wrong type, is not valid
// UTF-8, or is longer than `max_bytes`.
bool StringField(const json& body, const char* name, std::string* out, ApiError* e,
                 size_t max_bytes = 10000);
// An optional whole-number member from `lo` to `hi`.
bool IntField(const json& body, const char* name, std::optional<int64_t>* out, ApiError* e,
              int64_t lo, int64_t hi);

using Handler = std::function<void(const httplib::Request&, httplib::Response&, Caller*)>;

// Route registration and shared services, implemented by the server.
class Api {
 public:
  virtual ~Api() = default;
  // A route for signed-in callers. `path` in OpenAPI form ({id} = digits). `action` is what the
  // route does (the authorization kernel's action, published as x-aegis-action in the OpenAPI
  // document): the caller is authenticated, CSRF is checked on unsafe methods of cookie
  // sessions, and the route answers 403 unless access::MayEver allows the action to the caller.
  // The handler then asks Decide (see Allowed) for the record it holds.
  virtual void Add(const std::string& method, const std::string& path, access::Action action,
                   const Handler& h) = 0;
  // A route without a caller (sign-in, the OpenAPI document); the handler gets nullptr.
  virtual void AddPublic(const std::string& method, const std::string& path, const Handler& h) = 0;
  virtual StorePool& pool() = 0;
  virtual const ServerOptions& options() const = 0;
  // The keyring and the protocol can be replaced while the server runs (key rotation, a new
  // protocol version): hold the returned pointer for the length of a request.
  virtual std::shared_ptr<const security::Keyring> keyring() = 0;
  virtual std::shared_ptr<const access::Protocol> protocol() = 0;
  // Puts `version` (its id in the store) in force unless a newer one already is.
  virtual void SetProtocol(std::shared_ptr<const access::Protocol> p, int64_t version) = 0;
  virtual const taxonomy::Taxonomy& taxonomy() const = 0;
  // Appends an audit row (ids and actions only, never personal data).
  virtual void Audit(store::Store& s, const Caller* c, const std::string& action,
                     const std::string& type, const std::string& id, const std::string& detail) = 0;
  // Level of a known P-code, or -1.
  virtual int AreaLevel(const std::string& pcode) const = 0;
  // An organisation's id by code: 0 for "" (a cluster-wide account), NotFound when unknown.
  // Never creates one: organisations are made only through POST /organisations (and the
  // operator's CLI). Cached per process: ids never change and organisations are never deleted.
  virtual Result<int64_t> OrganisationId(store::Store& s, const std::string& code) = 0;
  // Records were added or changed through this server process: listeners (caches) are told.
  // Other processes are not: their caches must bound their own staleness.
  virtual void DataChanged() = 0;
  virtual void OnDataChanged(std::function<void()> fn) = 0;
  // Runs `fn` when the server stops (before it is destroyed): join background work.
  virtual void AtStop(std::function<void()> fn) = 0;
  // Rows of an import this process ran (the aegis_import_rows_total counter of GET /metrics).
  virtual void CountImportRows(int64_t read, int64_t stored, int64_t quarantined) = 0;
};

// The kernel's decision for the caller (access/decision.h) under the protocol in force.
access::Decision Decide(Api& api, const Caller& c, access::Action a,
                        const access::Resource& r = {});
// True when Decide allows; otherwise sends 403 with the decision's reason and returns false.
bool Allowed(Api& api, const Caller& c, access::Action a, const access::Resource& r,
             httplib::Response& res);

void AddRecordRoutes(Api& api);
void AddAdminRoutes(Api& api);
void AddDataRoutes(Api& api);
void AddExportRoutes(Api& api);
// Family tracing and duplicate incidents (match_routes.cc).
void AddMatchRoutes(Api& api);
// The service directory (services.cc): list, detail, entry, change, coverage by area.
void AddServiceRoutes(Api& api);
// The directory filters of a request (area, type, organisation, active), checked: an unknown
// P-code or service type is a 400 naming the parameter (services.cc).
bool ReadServiceQuery(Api& api, const httplib::Request& req, store::ServiceQuery* q, ApiError* e);
// Referrals (referrals.cc): send with consent, lists, status changes, consent withdrawal, notices.
void AddReferralRoutes(Api& api);
// Early warning (alerts.cc): intake, triage, inbox, board; starts the delivery worker. An error
// when the routing or keyword file cannot be used (the server then does not start).
Status AddAlertRoutes(Api& api);
// Life-saving messages and contacts (messages.cc): drafts, approval, sending, cost, suggestions,
// radio scripts, contacts, the SMS gateway's receipts and inbound messages; starts the send
// worker. An error when the routing file, iso-codes or the templates cannot be used.
Status AddMessageRoutes(Api& api);
// Admin areas (?level=, ?parent=) as JSON items; with `centroids`, each with lat and lon for the
// map (web.cc). Serves GET /areas and GET /map/areas.
void ListAreas(Api& api, const httplib::Request& req, httplib::Response& res, bool centroids);
// The built front end (web/dist) at / and the routes it needs (map areas, mapping profiles).
void AddWebRoutes(Api& api, httplib::Server& http);
// Writes the analysis (its JSON, as the analysis route computes it) as a table in the format of
// the ?format= parameter.
void ExportAnalysisTable(Api& api, const httplib::Request& req, httplib::Response& res,
                         const Caller& c, const std::string& analysis_json);

}  // namespace aegis::server
