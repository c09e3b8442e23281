// aegis alert submit|list|show|deliver|from-analysis: early warning from the command line (the
// same service as the API; see doc/alerts.md).
#include <cstdio>
#include <string>
#include <vector>

#include "alert/from_analysis.h"
#include "alert/service.h"
#include "alert/worker.h"
#include "cli/cli_internal.h"
#include "ingest/importer.h"
#include "util/text.h"

namespace aegis::cli {

namespace {

struct AlertArgs {
  std::string text, sender, area, urgency, free_text, routing, period, status;
  std::vector<std::string> risks;
  int level = 2;
  int64_t id = 0;
  bool open = false, dry_run = false, once = false;
};

struct Loaded {
  std::unique_ptr<store::Store> store;
  ingest::Catalog catalog;
  std::unique_ptr<alert::AlertService> service;
};

Result<Loaded> Load(const GlobalOptions& g, const std::string& routing) {
  Loaded l;
  AEGIS_ASSIGN_OR_RETURN(l.store, OpenStore(g));
  AEGIS_ASSIGN_OR_RETURN(l.catalog, ingest::LoadCatalog(*l.store, g.data_dir));
  AEGIS_ASSIGN_OR_RETURN(l.service,
                         alert::AlertService::Load(
                             g.data_dir, routing.empty() ? Env("AEGIS_ALERT_ROUTING") : routing,
                             *l.catalog.gazetteer, *l.catalog.taxonomy, RoutingFromEnvironment()));
  return l;
}

void PrintAlert(const store::AlertRecord& a) {
  std::printf("alert %lld  %s  %s  area %s  risks %s  urgency %s  confidence %.2f%s\n",
              static_cast<long long>(a.id), alert::IsoUtc(a.received_ms).c_str(),
              std::string(store::Name(a.status)).c_str(),
              a.area_pcode.empty() ? "-" : a.area_pcode.c_str(),
              a.risks.empty() ? "-" : text::Join(a.risks, ",").c_str(), a.urgency.c_str(),
              a.confidence, a.needs_review ? "  NEEDS REVIEW" : "");
  if (!a.parse_note.empty()) std::printf("  parse: %s\n", a.parse_note.c_str());
}

Status Submit(const GlobalOptions& g, const AlertArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(Loaded l, Load(g, a.routing));
  alert::Submission s;
  s.channel = a.text.empty() ? "cli" : "sms";
  s.text = a.text;
  s.reporter = a.sender.empty() ? "cli" : a.sender;
  s.actor = "cli";
  s.area_pcode = a.area;
  s.risks = a.risks;
  s.urgency = a.urgency;
  s.free_text = a.free_text;
  alert::IntakeResult r;
  if (a.dry_run) {
    AEGIS_ASSIGN_OR_RETURN(r, l.service->Prepare(s));
  } else {
    AEGIS_ASSIGN_OR_RETURN(r, l.service->Submit(*l.store, s));
  }
  PrintAlert(r.alert);
  for (const auto& d : r.deliveries)
    std::printf("  -> %s (%s)\n", d.recipient.c_str(), d.channel.c_str());
  if (r.deliveries.empty()) std::printf("  -> no recipient: no routing rule matched\n");
  if (a.dry_run) std::printf("(dry run: nothing stored)\n");
  return Status::Ok();
}

Status List(const GlobalOptions& g, const AlertArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  store::AlertQuery q;
  q.open_only = a.open;
  q.status = a.status;
  q.limit = 1000;
  AEGIS_ASSIGN_OR_RETURN(auto rows, st->ListAlerts(q));
  for (const auto& r : rows) PrintAlert(r);
  std::printf("%zu alerts\n", rows.size());
  return Status::Ok();
}

Status Show(const GlobalOptions& g, const AlertArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  AEGIS_ASSIGN_OR_RETURN(auto found, st->GetAlert(a.id));
  if (!found) return Status::NotFound("alert " + std::to_string(a.id) + ": no such alert");
  PrintAlert(*found);
  std::printf("  text: %s\n", found->free_text.c_str());
  AEGIS_ASSIGN_OR_RETURN(auto events, st->ListAlertEvents(a.id));
  for (const auto& e : events)
    std::printf("  %s  %-10s %-20s %s -> %s  %s\n", alert::IsoUtc(e.at_ms).c_str(), e.actor.c_str(),
                e.action.c_str(), e.from_status.c_str(), e.to_status.c_str(), e.reason.c_str());
  AEGIS_ASSIGN_OR_RETURN(auto deliveries, st->ListAlertDeliveries(a.id));
  for (const auto& d : deliveries)
    std::printf("  delivery %s %s level %d attempts %d %s %s\n", d.recipient.c_str(),
                d.channel.c_str(), d.level, d.attempts,
                d.delivered_ms ? ("delivered " + alert::IsoUtc(d.delivered_ms)).c_str() : "pending",
                d.last_error.c_str());
  return Status::Ok();
}

// Drains the outbox and escalates without a server (cron, or a machine without the API).
Status Deliver(const GlobalOptions& g, const AlertArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(Loaded l, Load(g, a.routing));
  AEGIS_ASSIGN_OR_RETURN(auto worker_store, OpenStore(g));
  alert::WorkerOptions wo;  // off unless $AEGIS_ANALYSIS_EVERY_S says otherwise
  wo.severity_rules = g.data_dir + "/analysis/severity.toml";
  AlertWorkerFromEnvironment(&wo.lease_ms, &wo.analysis_every_ms);
  alert::DeliveryWorker w(std::move(worker_store), *l.service, wo);
  alert::PassCounts total;
  for (;;) {
    AEGIS_ASSIGN_OR_RETURN(alert::PassCounts c, w.RunOnce(alert::NowMs()));
    total.attempted += c.attempted;
    total.delivered += c.delivered;
    total.failed += c.failed;
    total.escalated += c.escalated;
    if (c.attempted == 0 || a.once) break;
  }
  std::printf("deliveries attempted %d, delivered %d, failed (retried later) %d; escalated %d\n",
              total.attempted, total.delivered, total.failed, total.escalated);
  return Status::Ok();
}

Status FromAnalysis(const GlobalOptions& g, const AlertArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(Loaded l, Load(g, a.routing));
  alert::FromAnalysisOptions o;
  o.period = a.period;
  o.level = a.level;
  o.severity_rules = g.data_dir + "/analysis/severity.toml";
  AEGIS_ASSIGN_OR_RETURN(auto r,
                         alert::AlertsFromAnalysis(*l.store, *l.service, *l.catalog.taxonomy, o));
  std::printf("%s: %d new alerts for escalating risks, %d already raised\n", r.period.c_str(),
              r.created, r.already);
  return Status::Ok();
}

}  // namespace

void AddAlertCommands(CLI::App& app, GlobalOptions& g) {
  static AlertArgs a;
  auto* cmd = app.add_subcommand("alert", "Early warning: flash alerts (see doc/alerts.md)");
  cmd->require_subcommand(1);
  auto* submit = cmd->add_subcommand("submit", "Take in a flash alert, route it, queue deliveries");
  submit->add_option("--text", a.text, "A compact message: ALERT <P-code or place> <risk> <text>");
  submit->add_option("--sender", a.sender, "Who sent it (relay number); sealed at rest");
  submit->add_option("--area", a.area, "Structured: P-code");
  submit->add_option("--risk", a.risks, "Structured: risk code (repeatable)");
  submit->add_option("--urgency", a.urgency, "immediate, high, medium or low");
  submit->add_option("--free-text", a.free_text, "Structured: what happens");
  submit->add_option("--routing", a.routing,
                     "Routing rules (default $AEGIS_ALERT_ROUTING, else data/alerts/routing.toml)");
  submit->add_flag("--dry-run", a.dry_run, "Parse and route only; store nothing");
  submit->footer("Example:\n  aegis alert submit --text 'ALERT Pibor gunmen attacking now'");
  submit->callback([&g] { Run([&] { return Submit(g, a); }); });
  auto* list = cmd->add_subcommand("list", "Alerts, newest first");
  list->add_flag("--open", a.open, "Only alerts not closed or merged");
  list->add_option("--status", a.status, "Only this status");
  list->callback([&g] { Run([&] { return List(g, a); }); });
  auto* show = cmd->add_subcommand("show", "One alert with its history and deliveries");
  show->add_option("id", a.id, "Alert id")->required();
  show->callback([&g] { Run([&] { return Show(g, a); }); });
  auto* deliver = cmd->add_subcommand("deliver", "Send due deliveries and escalate, then exit");
  deliver->add_flag("--once", a.once, "One batch only");
  deliver->add_option(
      "--routing", a.routing,
      "Routing rules (default $AEGIS_ALERT_ROUTING, else data/alerts/routing.toml)");
  deliver->callback([&g] { Run([&] { return Deliver(g, a); }); });
  auto* fa = cmd->add_subcommand(
      "from-analysis", "Raise an alert for every area whose analysis flags an escalating risk");
  fa->add_option("--period", a.period, "Month or period (default: the latest month with data)");
  fa->add_option("--level", a.level, "Admin level of the areas (default 2)");
  fa->add_option("--routing", a.routing,
                 "Routing rules (default $AEGIS_ALERT_ROUTING, else data/alerts/routing.toml)");
  fa->callback([&g] { Run([&] { return FromAnalysis(g, a); }); });
  AddAlertBench(app, g);
}

}  // namespace aegis::cli
