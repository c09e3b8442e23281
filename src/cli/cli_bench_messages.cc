// aegis bench messages: a broadcast to 100,000 contacts over 500 of South Sudan's payams on
// SQLite, delivered to an SMS gateway on loopback (an in-process HTTP server that checks every
// signature and counts idempotency keys). Reports the time to enqueue the sends (one INSERT ...
// SELECT over the contacts of the areas) and to deliver them (the send worker: claims, opens each
// number, one signed POST per send over a kept-alive connection, outcomes in batches), each
// beside a baseline measured in the same run: a bare INSERT ... SELECT of as many rows on the same
// file, and as many bare signed POSTs of the same bodies over one connection without the store.
// Then the peak memory of the process.
#include <httplib.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "access/cipher.h"
#include "alert/service.h"
#include "alert/webhook.h"
#include "cli/cli_internal.h"
#include "ingest/area_import.h"
#include "match/eval.h"
#include "messaging/messaging.h"
#include "messaging/worker.h"

namespace aegis::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  int contacts = 100000, areas = 500;
  std::string dir = "bench-out";
};

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The gateway: checks each signature, counts keys.
class Gateway {
 public:
  Gateway() {
    http_.Post("/sms", [this](const httplib::Request& req, httplib::Response& res) {
      const int64_t ts = std::atoll(req.get_header_value("X-Aegis-Timestamp").c_str());
      if (!alert::VerifyWebhookSignature("bench-secret", ts, req.body,
                                         req.get_header_value("X-Aegis-Signature"))) {
        ++bad_;
        res.status = 401;
        return;
      }
      ++posts_;
      const std::string key = req.get_header_value("Idempotency-Key");
      if (key.rfind("bare-", 0) != 0) {
        std::lock_guard<std::mutex> l(mu_);
        keys_.insert(key);
      }
      res.set_content("{}", "application/json");
    });
    http_.set_tcp_nodelay(true);  // as a gateway would: no 40 ms delayed-ACK stall per answer
    port_ = http_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { http_.listen_after_bind(); });
    while (!http_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Gateway() {
    http_.stop();
    thread_.join();
  }
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/sms"; }
  size_t unique() {
    std::lock_guard<std::mutex> l(mu_);
    return keys_.size();
  }
  int64_t posts() const { return posts_; }
  int64_t bad() const { return bad_; }

 private:
  httplib::Server http_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::set<std::string> keys_;
  std::atomic<int64_t> posts_{0}, bad_{0};
};

Status Bench(const GlobalOptions& g, const Args& a) {
  std::error_code ec;
  std::filesystem::create_directories(a.dir, ec);
  const std::string db = a.dir + "/bench_messages.sqlite";
  for (const auto& f : {db, db + "-wal", db + "-shm", db + ".keys"}) std::filesystem::remove(f, ec);
  AEGIS_ASSIGN_OR_RETURN(auto st, store::Store::Open(db));
  AEGIS_ASSIGN_OR_RETURN(security::Keyring keys, security::Keyring::Create(db + ".keys"));
  AEGIS_ASSIGN_OR_RETURN(auto cipher, access::KeySource::Load(db + ".keys"));
  st->SetCipher(cipher);
  AEGIS_ASSIGN_OR_RETURN(
      auto areas, ingest::ReadAreas(g.data_dir + "/geo/ssd/ssd_adm3_payams_pcodes.csv", "SSD"));
  std::vector<store::AreaRow> rows = ingest::ToAreaRows(areas);
  AEGIS_RETURN_IF_ERROR(st->UpsertAreas(rows));
  std::vector<std::string> payams;
  for (const auto& r : rows)
    if (r.level == 3 && static_cast<int>(payams.size()) < a.areas) payams.push_back(r.pcode);
  AEGIS_ASSIGN_OR_RETURN(int64_t org, st->EnsureOrganisation({0, "BENCH", "Bench", "ngo"}));
  AEGIS_ASSIGN_OR_RETURN(messaging::Languages langs, messaging::Languages::Load());
  messaging::Settings settings;
  settings.languages = std::make_shared<messaging::Languages>(std::move(langs));
  settings.region = "SS";
  std::printf("%d contacts over %zu payams; SQLite %s\n", a.contacts, payams.size(), db.c_str());

  // Contacts, through the module's checks (libphonenumber, iso-codes) and the store (sealed).
  const char* kLangs[] = {"ara", "eng", "apd", "dik", "nus"};
  auto t0 = Clock::now();
  const int64_t now = alert::NowMs();
  for (int i = 0; i < a.contacts; ++i) {
    messaging::ContactInput in;
    char phone[32];
    std::snprintf(phone, sizeof phone, "+21191%07d", 2000000 + i);
    in.phone = phone;
    in.language = kLangs[i % 5];
    in.areas = {payams[static_cast<size_t>(i) % payams.size()]};
    in.organisation_id = org;
    in.opted_in_via = "import";
    AEGIS_ASSIGN_OR_RETURN(store::Contact c,
                           messaging::PrepareContact(
                               keys, settings, [](const std::string&) { return true; }, in, now));
    AEGIS_RETURN_IF_ERROR(st->PutContact(c).status());
  }
  const double load_s = Seconds(t0);
  std::printf("contacts registered: %.1f s (%.0f/s; each checked, sealed, one transaction)\n",
              load_s, a.contacts / load_s);

  store::Message m;
  m.organisation_id = org;
  m.title = "bench";
  m.areas = payams;
  m.channels = {"sms"};
  m.base_language = "eng";
  m.translations = {{"eng", "Avoid the river road after dark: explosive items were found there."},
                    {"ara", "تجنب طريق النهر بعد حلول الظلام: تم العثور على أجسام متفجرة هناك."}};
  m.author_id = 1;
  m.created_ms = now;
  AEGIS_ASSIGN_OR_RETURN(int64_t id, st->CreateMessage(m));
  AEGIS_RETURN_IF_ERROR(st->ApproveMessage(id, 2, now));

  t0 = Clock::now();
  AEGIS_ASSIGN_OR_RETURN(int64_t enqueued, st->EnqueueMessage(id, 2, now, now));
  const double enqueue_s = Seconds(t0);
  double bare_enqueue_s = 0;
  {
    sqlite3* raw = nullptr;
    sqlite3_open(db.c_str(), &raw);
    sqlite3_exec(raw,
                 "CREATE TABLE bare_send(message_id INTEGER, contact_id INTEGER, channel TEXT, "
                 "idempotency_key TEXT, created_ms INTEGER)",
                 nullptr, nullptr, nullptr);
    auto b0 = Clock::now();
    sqlite3_exec(raw,
                 "INSERT INTO bare_send SELECT 1, id, 'sms', 'bare-' || id, 0 FROM contact WHERE "
                 "status='active'",
                 nullptr, nullptr, nullptr);
    bare_enqueue_s = Seconds(b0);
    sqlite3_exec(raw, "DROP TABLE bare_send", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
  }
  std::printf(
      "enqueue: %lld sends in %.3f s; baseline (bare INSERT ... SELECT of the contacts, "
      "same file): %.3f s\n",
      static_cast<long long>(enqueued), enqueue_s, bare_enqueue_s);

  Gateway gateway;
  messaging::WorkerOptions wo;
  wo.gateway_url = gateway.url();
  wo.gateway_secret = "bench-secret";
  wo.settings = settings;
  AEGIS_ASSIGN_OR_RETURN(auto worker_store, store::Store::Open(db));
  worker_store->SetCipher(cipher);
  messaging::SendWorker worker(std::move(worker_store), wo);
  t0 = Clock::now();
  for (;;) {
    AEGIS_ASSIGN_OR_RETURN(messaging::SendCounts c, worker.RunOnce(alert::NowMs()));
    if (c.attempted == 0) break;
  }
  const double deliver_s = Seconds(t0);
  // Baseline: as many signed POSTs of a send's body over one connection, without the store.
  store::MessageSend probe;
  probe.idempotency_key = "bare";
  probe.phone = "+211912000000";
  const std::string body = messaging::SmsPayload(probe, m.translations["ara"], "ara");
  alert::WebhookSession bare(gateway.url(), "bench-secret");
  t0 = Clock::now();
  for (int64_t i = 0; i < enqueued; ++i) {
    alert::WebhookResult r = bare.Post("bare-" + std::to_string(i), body);
    if (!r.delivered) return Status::IOError("baseline POST failed: " + r.error);
  }
  const double bare_deliver_s = Seconds(t0);
  std::printf(
      "deliver: %zu distinct sends received in %.1f s (%.0f/s); baseline (bare signed "
      "POSTs over one connection, no store): %.1f s (%.0f/s)\n",
      gateway.unique(), deliver_s, static_cast<double>(enqueued) / deliver_s, bare_deliver_s,
      static_cast<double>(enqueued) / bare_deliver_s);
  AEGIS_ASSIGN_OR_RETURN(store::SendCounts counts, st->MessageSendCounts(id));
  AEGIS_ASSIGN_OR_RETURN(auto after, st->GetMessage(id));
  std::printf(
      "store: %lld wired, %lld queued; message %s; %lld bad signatures; peak memory %.0f "
      "MB\n",
      static_cast<long long>(counts.wired), static_cast<long long>(counts.queued),
      after ? after->status.c_str() : "?", static_cast<long long>(gateway.bad()),
      static_cast<double>(match::PeakRssKb()) / 1024.0);
  if (gateway.unique() != static_cast<size_t>(enqueued) || counts.queued != 0)
    return Status::Internal("not every send was delivered once");
  return Status::Ok();
}

}  // namespace

void AddMessageBench(CLI::App& app, GlobalOptions& g) {
  static Args a;
  std::vector<CLI::App*> found =
      app.get_subcommands([](CLI::App* s) { return s->get_name() == "bench"; });
  if (found.empty()) return;
  auto* cmd = found.front()->add_subcommand(
      "messages",
      "A broadcast to contacts over South Sudan's payams delivered to an SMS gateway on loopback: "
      "enqueue and delivery time beside bare baselines, and the peak memory");
  cmd->add_option("--contacts", a.contacts, "Contacts (default 100,000)")
      ->check(CLI::Range(1, 10000000));
  cmd->add_option("--areas", a.areas, "Payams the contacts are spread over (default 500)")
      ->check(CLI::Range(1, 512));
  cmd->add_option("--dir", a.dir, "Work folder (default bench-out)");
  cmd->callback([&g] {
    if (Status st = Bench(g, a); !st.ok()) throw CLI::RuntimeError(Fail(st));
  });
}

}  // namespace aegis::cli
