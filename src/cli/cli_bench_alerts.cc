// aegis bench alerts: 10,000 flash alerts (SMS texts) routed over 500 generated rules, taken in
// through the real service (parse, route, one transaction with the outbox) while the delivery
// worker posts signed webhooks to a receiver on loopback. Reports routing alerts/s, intake
// alerts/s, delivered/s, and the time from intake to webhook receipt (p50, p99).
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "alert/service.h"
#include "alert/webhook.h"
#include "alert/worker.h"
#include "cli/cli_internal.h"
#include "ingest/area_import.h"
#include "ingest/importer.h"

namespace aegis::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct BenchArgs {
  int alerts = 10000, rules = 500, rate = 0;
};

// Receives webhooks; records when each idempotency key first arrived.
class Receiver {
 public:
  explicit Receiver(std::string secret) : secret_(std::move(secret)) {
    http_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      auto ts = std::atoll(req.get_header_value("X-Aegis-Timestamp").c_str());
      bool ok = alert::VerifyWebhookSignature(secret_, ts, req.body,
                                              req.get_header_value("X-Aegis-Signature"));
      std::lock_guard<std::mutex> l(mu_);
      bad_ += ok ? 0 : 1;
      ++received_;
      first_.try_emplace(req.get_header_value("Idempotency-Key"), Clock::now());
      res.set_content("{}", "application/json");
    });
    http_.set_tcp_nodelay(true);
    port_ = http_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { http_.listen_after_bind(); });
  }
  ~Receiver() {
    http_.stop();
    thread_.join();
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  int port() const { return port_; }
  size_t unique() {
    std::lock_guard<std::mutex> l(mu_);
    return first_.size();
  }
  std::map<std::string, Clock::time_point> first() {
    std::lock_guard<std::mutex> l(mu_);
    return first_;
  }
  int64_t received() {
    std::lock_guard<std::mutex> l(mu_);
    return received_;
  }
  int64_t bad() {
    std::lock_guard<std::mutex> l(mu_);
    return bad_;
  }

 private:
  std::string secret_;
  httplib::Server http_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::map<std::string, Clock::time_point> first_;
  int64_t received_ = 0, bad_ = 0;
};

// 500 rules over random states and counties, risks, urgencies and hours; every rule's first
// level includes the webhook recipient, so each alert makes exactly one webhook delivery.
alert::RoutingConfig BenchRules(const geo::Gazetteer& g, int n, int port,
                                const std::string& secret) {
  alert::RoutingConfig c;
  c.SetRecipient({"hook", "bench receiver", "outside",
                  "http://127.0.0.1:" + std::to_string(port) + "/hook", secret, "", ""});
  std::vector<std::string> areas;
  for (int level : {1, 2})
    for (const geo::Area* a : g.AreasAtLevel(level)) areas.push_back(a->pcode);
  const std::vector<std::string> risks = {"ATK", "ABD", "GBV", "REC", "EO", "MOV", "HLP", "TOR"};
  std::mt19937 rng(42);
  for (int i = 0; i < n; ++i) {
    alert::Rule r;
    r.name = "rule " + std::to_string(i);
    if (i > 0) r.areas = {areas[rng() % areas.size()], areas[rng() % areas.size()]};
    if (i > 0 && rng() % 2 == 0)
      r.risks = {risks[rng() % risks.size()], risks[rng() % risks.size()]};
    r.max_urgency_rank = i == 0 ? 3 : static_cast<int>(rng() % 4);
    if (i > 0 && rng() % 4 == 0) {
      r.from_minute = static_cast<int>(rng() % 1440);
      r.to_minute = static_cast<int>(rng() % 1440);
    }
    r.levels = {{"recipient:hook", "org:ORG-" + std::to_string(i % 20)}, {"role:coordinator"}};
    c.AddRule(std::move(r));
  }
  return c;
}

std::vector<std::string> BenchMessages(const geo::Gazetteer& g, int n) {
  const std::vector<std::string> threats = {
      "gunmen attacking the village now", "abduction of 3 children tonight",
      "attaque en cours hommes armes",    "هجوم مسلحين على القرية",
      "landmine found near school",       "people fleeing, roadblock on the road",
      "looting and burning houses",       "armed men threatening women"};
  std::vector<const geo::Area*> counties = g.AreasAtLevel(2);
  std::mt19937 rng(7);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    const geo::Area* a = counties[rng() % counties.size()];
    std::string place = rng() % 3 == 0 ? a->pcode : a->name;
    out.push_back("ALERT " + place + " " + threats[rng() % threats.size()]);
  }
  return out;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Parse and route every message without storing: alerts/s of the routing itself.
Result<double> RouteOnly(const alert::AlertService& service,
                         const std::vector<std::string>& messages, size_t* deliveries) {
  auto t0 = Clock::now();
  for (const std::string& m : messages) {
    alert::Submission s;
    s.channel = "sms";
    s.text = m;
    AEGIS_ASSIGN_OR_RETURN(alert::IntakeResult r, service.Prepare(s));
    *deliveries += r.deliveries.size();
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct IntakeRun {
  double intake_s = 0, total_s = 0;
  std::map<int64_t, Clock::time_point> sent;  // alert id -> intake start
};

// Takes the messages in (paced at `rate` per second when > 0) while the worker delivers; waits
// until the receiver has every alert (at most 2 minutes).
Result<IntakeRun> IntakeAndDeliver(const std::string& db, store::Store& st,
                                   const alert::AlertService& service,
                                   const std::vector<std::string>& messages, int rate,
                                   Receiver& receiver) {
  AEGIS_ASSIGN_OR_RETURN(auto worker_store, store::Store::Open(db));
  alert::DeliveryWorker worker(std::move(worker_store), service);
  worker.Start();
  IntakeRun run;
  auto t1 = Clock::now();
  for (size_t i = 0; i < messages.size(); ++i) {
    if (rate > 0)
      std::this_thread::sleep_until(
          t1 + std::chrono::microseconds(1000000LL * static_cast<int64_t>(i) / rate));
    alert::Submission s;
    s.channel = "sms";
    s.text = messages[i];
    auto start = Clock::now();
    AEGIS_ASSIGN_OR_RETURN(alert::IntakeResult r, service.Submit(st, s));
    run.sent[r.alert.id] = start;
    worker.Wake();
  }
  run.intake_s = std::chrono::duration<double>(Clock::now() - t1).count();
  auto deadline = Clock::now() + std::chrono::seconds(120);
  while (receiver.unique() < messages.size() && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  run.total_s = std::chrono::duration<double>(Clock::now() - t1).count();
  worker.Stop();
  return run;
}

void Report(const BenchArgs& b, size_t n, double route_s, size_t routed, const IntakeRun& run,
            Receiver& receiver) {
  std::vector<double> latency_ms;
  for (const auto& [key, at] : receiver.first()) {
    int64_t id = std::atoll(key.c_str() + 6);  // "alert-<id>-0-webhook-recipient:hook"
    auto it = run.sent.find(id);
    if (it != run.sent.end())
      latency_ms.push_back(std::chrono::duration<double, std::milli>(at - it->second).count());
  }
  const std::string offered = b.rate > 0 ? "offered " + std::to_string(b.rate) + " alerts/s"
                                         : "offered as fast as intake takes them";
  std::printf("aegis bench alerts: %d alerts (SMS texts), %d rules, %s\n", b.alerts, b.rules,
              offered.c_str());
  std::printf("  parse + route only:        %8.0f alerts/s  (%zu deliveries)\n",
              static_cast<double>(n) / route_s, routed);
  std::printf("  intake (parse, route, store with outbox): %8.0f alerts/s\n",
              static_cast<double>(n) / run.intake_s);
  std::printf(
      "  webhooks received:         %zu unique of %zu (%lld posts, %lld bad signatures) in "
      "%.2f s = %.0f/s\n",
      receiver.unique(), n, static_cast<long long>(receiver.received()),
      static_cast<long long>(receiver.bad()), run.total_s,
      static_cast<double>(receiver.unique()) / run.total_s);
  std::printf("  intake -> webhook receipt: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
              Percentile(latency_ms, 0.50), Percentile(latency_ms, 0.99),
              Percentile(latency_ms, 1.0));
}

Status RunBench(const GlobalOptions& g, const BenchArgs& b) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("aegis-bench-alerts-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string db = (dir / "bench.sqlite").string();
  AEGIS_ASSIGN_OR_RETURN(auto st, store::Store::Open(db));
  AEGIS_ASSIGN_OR_RETURN(
      auto areas, ingest::ReadAreas(g.data_dir + "/geo/ssd/ssd_adm3_payams_pcodes.csv", "SSD"));
  AEGIS_RETURN_IF_ERROR(st->UpsertAreas(ingest::ToAreaRows(areas)));
  AEGIS_ASSIGN_OR_RETURN(ingest::Catalog cat, ingest::LoadCatalog(*st, g.data_dir));
  AEGIS_ASSIGN_OR_RETURN(alert::Keywords kw,
                         alert::Keywords::Load(g.data_dir + "/alerts/keywords.toml"));
  const std::string secret = "bench-secret";
  Receiver receiver(secret);
  alert::AlertService service(*cat.gazetteer, *cat.taxonomy, std::move(kw),
                              BenchRules(*cat.gazetteer, b.rules, receiver.port(), secret));
  const std::vector<std::string> messages = BenchMessages(*cat.gazetteer, b.alerts);
  size_t routed = 0;
  AEGIS_ASSIGN_OR_RETURN(double route_s, RouteOnly(service, messages, &routed));
  AEGIS_ASSIGN_OR_RETURN(IntakeRun run,
                         IntakeAndDeliver(db, *st, service, messages, b.rate, receiver));
  Report(b, messages.size(), route_s, routed, run, receiver);
  st.reset();
  fs::remove_all(dir);
  return Status::Ok();
}

}  // namespace

void AddAlertBench(CLI::App& app, GlobalOptions& g) {
  static BenchArgs b;
  std::vector<CLI::App*> found =
      app.get_subcommands([](CLI::App* s) { return s->get_name() == "bench"; });
  if (found.empty()) return;
  auto* cmd = found.front()->add_subcommand(
      "alerts", "Flash alerts: routing over generated rules, intake, webhook delivery latency");
  cmd->add_option("--alerts", b.alerts, "Alerts (default 10,000)")->check(CLI::Range(1, 10000000));
  cmd->add_option("--rules", b.rules, "Routing rules (default 500)")->check(CLI::Range(1, 100000));
  cmd->add_option("--rate", b.rate, "Offered alerts per second (default: as fast as possible)");
  cmd->callback([&g] {
    if (Status st = RunBench(g, b); !st.ok()) throw CLI::RuntimeError(Fail(st));
  });
}

}  // namespace aegis::cli
