// aegis serve | user add|disable|enable|reset|list | keys init|rotate | audit verify|reanchor
#include <httplib.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <thread>

#include "access/audit.h"
#include "access/cipher.h"
#include "access/protocol.h"
#include "cli/cli_internal.h"
#include "security/keyring.h"
#include "security/password.h"
#include "security/tokens.h"
#include "server/ops.h"
#include "server/server.h"

namespace aegis::cli {

namespace {

// Re-seals every personal field not under the active key. A server that loaded the key file
// before a rotation moves to the new key within a second (access/cipher.h); a second pass after
// that catches what it wrote meanwhile.
Status Reseal(const GlobalOptions& g, const std::string& key_file, int64_t passes_after_ms) {
  AEGIS_ASSIGN_OR_RETURN(auto st, store::Store::Open(g.db));
  AEGIS_ASSIGN_OR_RETURN(std::shared_ptr<access::KeySource> keys,
                         access::KeySource::Load(key_file));
  st->SetCipher(keys);
  Progress progress("re-sealing");
  auto report = [&](int64_t n) { progress.Update(n, 0, 0); };
  AEGIS_ASSIGN_OR_RETURN(int64_t n, st->ResealFields(500, report));
  if (passes_after_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(passes_after_ms));
    AEGIS_ASSIGN_OR_RETURN(int64_t more, st->ResealFields(500, report));
    n += more;
  }
  progress.Done();
  std::printf("re-sealed %lld personal field values with key %s\n", static_cast<long long>(n),
              keys->current()->active_key_id().c_str());
  return Status::Ok();
}

Status RotateKeys(const GlobalOptions& g, const std::string& key_file) {
  AEGIS_ASSIGN_OR_RETURN(security::Keyring k, security::Keyring::Load(key_file));
  AEGIS_RETURN_IF_ERROR(k.Rotate());
  std::printf("active key is now %s\n", k.active_key_id().c_str());
  return Reseal(g, key_file, 2500);
}

std::string ReadPassword(const std::string& prompt) {
  if (const char* e = std::getenv("AEGIS_PASSWORD"); e && *e) return e;  // scripts and tests
  std::fprintf(stderr, "%s", prompt.c_str());
  std::string pw;
  std::getline(std::cin, pw);
  return pw;
}

struct UserArgs {
  std::string username, role, organisation, name, keys;
};

Status Audit(const GlobalOptions& g, const std::string& keys, store::Store& st,
             const std::string& action, const std::string& object_id, const std::string& detail) {
  return AuditCommand(g, keys, st, action, "user", object_id, detail);
}

Status UserAdd(const GlobalOptions& g, const UserArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(access::Protocol proto,
                         access::Protocol::Load(g.data_dir + "/isp/protocol.toml"));
  if (!proto.HasRole(a.role)) {
    std::string roles;
    for (const auto& r : proto.RoleNames()) roles += " " + r;
    return Status::InvalidArgument("role '" + a.role + "': use one of" + roles);
  }
  std::string pw = ReadPassword("password for " + a.username + ": ");
  AEGIS_RETURN_IF_ERROR(security::CheckPasswordPolicy(pw));
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  if (!a.organisation.empty())
    AEGIS_RETURN_IF_ERROR(
        st->EnsureOrganisation({0, a.organisation, a.organisation, "other"}).status());
  store::User u;
  u.username = a.username;
  u.display_name = a.name;
  u.organisation_code = a.organisation;
  u.role = a.role;
  AEGIS_ASSIGN_OR_RETURN(u.password_hash, security::HashPassword(pw));
  AEGIS_ASSIGN_OR_RETURN(int64_t id, st->AddUser(u));
  AEGIS_RETURN_IF_ERROR(Audit(g, a.keys, *st, "user.add", std::to_string(id), "role " + a.role));
  std::printf("user %lld '%s' (%s%s%s) added\n", static_cast<long long>(id), a.username.c_str(),
              a.role.c_str(), a.organisation.empty() ? "" : ", ", a.organisation.c_str());
  return Status::Ok();
}

Status UserChange(const GlobalOptions& g, const UserArgs& a, const std::string& what) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  AEGIS_ASSIGN_OR_RETURN(auto u, st->FindUser(a.username));
  if (!u) return Status::NotFound("user '" + a.username + "': no such user (aegis user list)");
  if (what == "disable" || what == "enable") {
    AEGIS_RETURN_IF_ERROR(st->SetUserDisabled(u->id, what == "disable"));
  } else {
    std::string pw = ReadPassword("new password for " + a.username + ": ");
    AEGIS_RETURN_IF_ERROR(security::CheckPasswordPolicy(pw));
    AEGIS_ASSIGN_OR_RETURN(std::string hash, security::HashPassword(pw));
    AEGIS_RETURN_IF_ERROR(st->SetUserPassword(u->id, hash));
  }
  AEGIS_RETURN_IF_ERROR(Audit(g, a.keys, *st, "user." + what, std::to_string(u->id), ""));
  std::printf("user '%s': %s done%s\n", a.username.c_str(), what.c_str(),
              what == "enable" ? "" : "; their sessions are closed");
  return Status::Ok();
}

Status UserList(const GlobalOptions& g) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  AEGIS_ASSIGN_OR_RETURN(auto users, st->ListUsers());
  std::printf("%-5s %-20s %-22s %-14s %s\n", "id", "user", "role", "organisation", "state");
  for (const auto& u : users)
    std::printf("%-5lld %-20s %-22s %-14s %s\n", static_cast<long long>(u.id), u.username.c_str(),
                u.role.c_str(), u.organisation_code.c_str(),
                u.disabled ? "disabled" : (!u.locked_until.empty() ? "locked" : "active"));
  return Status::Ok();
}

// The store as it is, for the audit commands: never created, migrated or given a key file.
Result<std::unique_ptr<store::Store>> OpenExistingStore(const GlobalOptions& g) {
  store::StoreOptions o;
  o.create_if_missing = false;
  o.migrate = false;
  return store::Store::Open(g.db, o);
}

Status AuditVerify(const GlobalOptions& g, const std::string& keys) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenExistingStore(g));
  AEGIS_ASSIGN_OR_RETURN(security::Keyring k, security::Keyring::Load(KeyFile(g, keys)));
  access::AuditLog log(&k, security::DefaultAnchorPath(k.path()));
  AEGIS_ASSIGN_OR_RETURN(security::ChainReport r, log.Verify(*st));
  if (!r.ok)
    return Status::Corruption("audit log: " + r.what + " at seq " +
                              std::to_string(r.first_bad_seq) + ": " + r.detail);
  std::printf("audit log: %lld entries verified, chain intact up to seq %lld%s\n",
              static_cast<long long>(r.entries_verified), static_cast<long long>(r.last_seq),
              r.entries_verified > 0 ? ", anchored" : "");
  return Status::Ok();
}

Status AuditReanchor(const GlobalOptions& g, const std::string& keys) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenExistingStore(g));
  AEGIS_ASSIGN_OR_RETURN(security::Keyring k, security::Keyring::Load(KeyFile(g, keys)));
  access::AuditLog log(&k, security::DefaultAnchorPath(k.path()));
  AEGIS_ASSIGN_OR_RETURN(security::ChainReport r, log.Reanchor(*st, "system"));
  std::printf(
      "audit log: %lld entries verified without the anchor; audit.reanchor appended as seq %lld "
      "and anchored (%s)\n",
      static_cast<long long>(r.entries_verified), static_cast<long long>(r.last_seq) + 1,
      security::DefaultAnchorPath(k.path()).c_str());
  return Status::Ok();
}

server::Server* g_server = nullptr;  // for the demo's check, which stops it

// SIGTERM and SIGINT stop `aegis serve` gracefully. They are blocked in every thread (from before
// the server starts any) and taken by one watcher thread (sigtimedwait), which calls
// Server::Stop, never a signal handler (Stop locks, joins and flushes). Stop refuses new
// connections and Run returns once the requests in flight are answered; if that and Stop's own
// work take longer than `timeout_ms`, the process exits with status 1 and an "error" line.
class StopOnSignal {
 public:
  explicit StopOnSignal(int timeout_ms) : timeout_ms_(timeout_ms) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~StopOnSignal() {
    Finished();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

  // Starts watching for the signals on behalf of `s`.
  void Watch(server::Server* s) {
    watcher_ = std::thread([this, s] { WatchLoop(s); });
  }
  // Run has returned: the watcher ends (once a stop it began is done).
  void Finished() {
    {
      std::lock_guard<std::mutex> l(mu_);
      returned_ = true;
    }
    cv_.notify_all();
    if (watcher_.joinable()) watcher_.join();
  }

 private:
  void WatchLoop(server::Server* s) {
    int sig = -1;
    for (;;) {
      {
        std::lock_guard<std::mutex> l(mu_);
        if (returned_) return;
      }
      timespec tick{0, 200000000L};  // 0.2 s
      sig = sigtimedwait(&set_, nullptr, &tick);
      if (sig > 0) break;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
    server::LogLine("info", {{"event", server::JsonString("stopping")},
                             {"signal", server::JsonString(sig == SIGTERM ? "SIGTERM" : "SIGINT")},
                             {"requests_in_flight", std::to_string(s->requests_in_flight())}});
    bool stopped = false;
    std::thread stopper([&] {
      s->Stop();
      std::lock_guard<std::mutex> l(mu_);
      stopped = true;
      cv_.notify_all();
    });
    std::unique_lock<std::mutex> l(mu_);
    if (!cv_.wait_until(l, deadline, [&] { return returned_ && stopped; })) {
      server::LogLine("error", {{"event", server::JsonString("stop_deadline")},
                                {"timeout_ms", std::to_string(timeout_ms_)},
                                {"requests_in_flight", std::to_string(s->requests_in_flight())},
                                {"store_leases_held", std::to_string(s->store_leases_held())}});
      std::_Exit(1);
    }
    l.unlock();
    stopper.join();
  }

  const int timeout_ms_;
  sigset_t set_{}, old_{};
  std::mutex mu_;
  std::condition_variable cv_;
  bool returned_ = false;
  std::thread watcher_;
};

Status Serve(const GlobalOptions& g, server::ServerOptions o, const std::string& keys,
             const std::function<void(int)>& on_listening = {}) {
  o.db = g.db;
  o.data_dir = g.data_dir;
  o.key_file = KeyFile(g, keys);
  // The server reads no environment: its variables are read here.
  if (o.web_dir.empty()) o.web_dir = Env("AEGIS_WEB_DIR");
  if (o.alert_routing.empty()) o.alert_routing = Env("AEGIS_ALERT_ROUTING");
  o.routing_options = RoutingFromEnvironment();
  AlertWorkerFromEnvironment(&o.alert_lease_ms, &o.analysis_every_ms);
  {
    AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));  // migrates, creates the key file
    AEGIS_ASSIGN_OR_RETURN(auto users, st->ListUsers());
    if (users.empty())
      std::fprintf(stderr,
                   "no user yet: create the first administrator with\n  aegis --db %s user add "
                   "admin --role coordinator\n",
                   g.db.c_str());
  }
  StopOnSignal stop(o.stop_timeout_ms);  // before the server starts any thread
  AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<server::Server> s, server::Server::Create(o));
  g_server = s.get();
  stop.Watch(s.get());
  Status st = s->Run([&](int port) {
    std::printf("Aegis API listening on http://%s:%d/api/v1 (OpenAPI: /api/v1/openapi.json)\n",
                o.host.c_str(), port);
    std::fflush(stdout);
    if (on_listening) on_listening(port);
  });
  stop.Finished();
  g_server = nullptr;
  // Every request has ended and Stop joined the background work: no lease may be left.
  const int64_t leases = s->store_leases_held();
  server::LogLine(leases == 0 ? "info" : "error",
                  {{"event", server::JsonString("stopped")},
                   {"requests_in_flight", std::to_string(s->requests_in_flight())},
                   {"store_leases_held", std::to_string(leases)}});
  return st;
}

}  // namespace

Status ServeDemo(const GlobalOptions& g, server::ServerOptions o, bool check_only) {
  const std::string user = "coordinator";
  std::string password = "demo-" + security::RandomToken().substr(0, 16);
  {
    AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
    AEGIS_ASSIGN_OR_RETURN(std::string hash, security::HashPassword(password));
    AEGIS_ASSIGN_OR_RETURN(auto found, st->FindUser(user));
    if (found) {
      AEGIS_RETURN_IF_ERROR(st->SetUserPassword(found->id, hash));
    } else {
      store::User u;
      u.username = user;
      u.display_name = "Demo cluster coordinator";
      u.role = "coordinator";
      u.password_hash = hash;
      AEGIS_RETURN_IF_ERROR(st->AddUser(u).status());
    }
    AEGIS_RETURN_IF_ERROR(Audit(g, "", *st, "user.reset", user, "demo sign-in"));
  }
  if (check_only) o.port = 0;
  std::string report;
  std::thread checker;
  auto on_listening = [&](int port) {
    std::printf(
        "\n6. The server is up. Open the web application at http://%s:%d/\n"
        "   First sign-in (a new password each demo run):\n"
        "   user: %s   password: %s\n"
        "   curl -c jar -H 'Content-Type: application/json' -d "
        "'{\"username\":\"%s\",\"password\":\"%s\"}' http://%s:%d/api/v1/session\n"
        "   curl -b jar 'http://%s:%d/api/v1/analysis?level=1'\n",
        o.host.c_str(), port, user.c_str(), password.c_str(), user.c_str(), password.c_str(),
        o.host.c_str(), port, o.host.c_str(), port);
    std::fflush(stdout);
    if (!check_only) {
      std::printf("   Stop it with Ctrl-C.\n");
      std::fflush(stdout);
      return;
    }
    // Check mode: sign in and read, over real HTTP, from another thread; then stop.
    checker = std::thread([&, port] {
      httplib::Client c(o.host, port);
      c.set_read_timeout(60, 0);
      auto r = c.Post("/api/v1/session",
                      "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}",
                      "application/json");
      if (r && r->status == 200) {
        std::string cookie = r->get_header_value("Set-Cookie");
        httplib::Headers h{{"Cookie", cookie.substr(0, cookie.find(';'))}};
        auto a = c.Get("/api/v1/analysis?level=1", h);
        auto page = c.Get("/");
        report = a ? "signed in; GET /api/v1/analysis?level=1 answered " +
                         std::to_string(a->status) + " with " + std::to_string(a->body.size()) +
                         " bytes"
                   : "signed in; the analysis did not answer";
        report += page ? "; the web application (GET /) answered " + std::to_string(page->status)
                       : "; the web application did not answer";
      } else {
        report = "sign-in failed: " + (r ? std::to_string(r->status) + " " + r->body : "no answer");
      }
      if (g_server) g_server->Stop();
    });
  };
  Status served = Serve(g, o, "", on_listening);
  if (checker.joinable()) checker.join();
  AEGIS_RETURN_IF_ERROR(served);
  if (check_only) {
    std::printf(
        "   check: %s; server stopped.\n   To keep it running: ./build/aegis --db %s serve\n",
        report.c_str(), g.db.c_str());
    if (report.rfind("signed in; GET /api/v1/analysis?level=1 answered 200", 0) != 0)
      return Status::Internal("the demo server check failed: " + report);
    if (report.find("(GET /) answered 200") == std::string::npos)
      return Status::Internal("the demo server check failed: " + report +
                              " (build the web application with scripts/build-web.sh)");
  }
  return Status::Ok();
}

void AddServerCommands(CLI::App& app, GlobalOptions& g) {
  static server::ServerOptions so;
  static std::string keys;
  static UserArgs ua;
  CLI::App* serve = app.add_subcommand("serve", "Serve the JSON API (/api/v1) over the store");
  serve->add_option("--host", so.host, "Address to listen on (default 127.0.0.1)");
  serve->add_option("--port", so.port, "Port (default 8080; 0 = any free port)");
  serve->add_option("--threads", so.threads, "Worker threads (default 64)");
  serve->add_option("--keys", keys,
                    "Key file (default $AEGIS_KEY_FILE, else STORE.keys; created if missing)");
  serve->add_flag("--secure-cookies", so.secure_cookies, "Mark cookies Secure (behind TLS)");
  serve->add_flag("--behind-proxy", so.behind_proxy,
                  "Behind a reverse proxy on this host (nginx): sign-in limits per client "
                  "address from its X-Real-IP header (see doc/scale.md)");
  static std::string log_requests = "on";
  serve
      ->add_option("--log-requests", log_requests,
                   "One JSON log line per request on stderr: on (default) or off (5xx answers "
                   "are logged either way)")
      ->check(CLI::IsMember({"on", "off"}));
  static int stop_timeout_s = 10;
  serve
      ->add_option("--stop-timeout", stop_timeout_s,
                   "Seconds requests in flight have to finish after SIGTERM (default 10)")
      ->check(CLI::Range(1, 3600));
  serve->callback([&g] {
    so.log_requests = log_requests == "on";
    so.stop_timeout_ms = stop_timeout_s * 1000;
    Status st = Serve(g, so, keys);
    if (!st.ok()) throw CLI::RuntimeError(Fail(st));
  });

  CLI::App* user = app.add_subcommand("user", "Accounts: add, disable, enable, reset, list");
  user->require_subcommand(1);
  auto* add =
      user->add_subcommand("add", "Add a user (password read from stdin or $AEGIS_PASSWORD)");
  add->add_option("USERNAME", ua.username)->required();
  add->add_option("--role", ua.role,
                  "coordinator, imo, partner_focal_point, field_monitor, service_provider, "
                  "outside_recipient or viewer (data/isp/protocol.toml)")
      ->required();
  add->add_option("--organisation", ua.organisation, "Organisation code (partners)");
  add->add_option("--name", ua.name, "Display name");
  add->add_option("--keys", ua.keys, "Key file (for the audit log)");
  add->callback([&g] {
    Status st = UserAdd(g, ua);
    if (!st.ok()) throw CLI::RuntimeError(Fail(st));
  });
  for (const char* what : {"disable", "enable", "reset"}) {
    auto* c = user->add_subcommand(what, std::string(what) == "reset"
                                             ? "Set a new password and close the user's sessions"
                                             : std::string(what) + " a user");
    c->add_option("USERNAME", ua.username)->required();
    c->add_option("--keys", ua.keys, "Key file (for the audit log)");
    c->callback([&g, w = std::string(what)] {
      Status st = UserChange(g, ua, w);
      if (!st.ok()) throw CLI::RuntimeError(Fail(st));
    });
  }
  user->add_subcommand("list", "List users")->callback([&g] {
    Status st = UserList(g);
    if (!st.ok()) throw CLI::RuntimeError(Fail(st));
  });

  CLI::App* k = app.add_subcommand("keys", "The key file: init, rotate");
  k->require_subcommand(1);
  k->add_option("--keys", keys, "Key file (default $AEGIS_KEY_FILE, else STORE.keys)");
  k->add_subcommand("init", "Create the key file")->callback([&g] {
    auto r = security::Keyring::Create(KeyFile(g, keys));
    if (!r.ok()) throw CLI::RuntimeError(Fail(r.status()));
    std::printf("created %s (mode 0600)\n", r->path().c_str());
  });
  k->add_subcommand("rotate",
                    "Add a new active data key, then re-seal every stored personal field with it "
                    "while the server keeps running (old keys stay for backups)")
      ->callback([&g] {
        if (Status st = RotateKeys(g, KeyFile(g, keys)); !st.ok())
          throw CLI::RuntimeError(Fail(st));
      });
  k->add_subcommand("reseal",
                    "Seal personal fields stored in clear or under an old key with the active key "
                    "(rotate does this; run it again if a rotation was interrupted)")
      ->callback([&g] {
        if (Status st = Reseal(g, KeyFile(g, keys), 0); !st.ok()) throw CLI::RuntimeError(Fail(st));
      });

  CLI::App* au = app.add_subcommand("audit", "The tamper-evident audit log");
  au->require_subcommand(1);
  au->add_option("--keys", keys, "Key file (default $AEGIS_KEY_FILE, else STORE.keys)");
  au->add_subcommand("verify",
                     "Check the hash chain against its anchor: detects any edit, insertion or "
                     "deletion, the last entries included; fails when the anchor is missing")
      ->callback([&g] {
        Status st = AuditVerify(g, keys);
        if (!st.ok()) throw CLI::RuntimeError(Fail(st));
      });
  au->add_subcommand(
        "reanchor",
        "Anchor the audit log where it ends now, after a deliberate restore of the store from a "
        "backup (verify then says \"truncated\": the anchor is ahead of the restored log) or "
        "after the anchor file was lost (\"no_anchor\"). First make sure the log is the one you "
        "expect: re-anchoring accepts its end as it is, so deleted last entries go unseen. A log "
        "whose chain is damaged (edited, inserted, reordered entries) is refused. The command "
        "is itself audited: it appends an audit.reanchor entry (saying where the anchor was) "
        "and anchors the log at it. Stop the servers of the store first.")
      ->callback([&g] {
        Status st = AuditReanchor(g, keys);
        if (!st.ok()) throw CLI::RuntimeError(Fail(st));
      });
}

Status AuditCommand(const GlobalOptions& g, const std::string& keys, store::Store& st,
                    const std::string& action, const std::string& object_type,
                    const std::string& object_id, const std::string& detail) {
  AEGIS_ASSIGN_OR_RETURN(security::Keyring k, LoadOrCreateKeys(KeyFile(g, keys)));
  access::AuditLog log(&k, security::DefaultAnchorPath(k.path()));
  store::AuditRow r;
  r.actor = "system";
  r.action = action;
  r.object_type = object_type;
  r.object_id = object_id;
  r.detail = detail;
  return log.Append(st, r);
}

}  // namespace aegis::cli
