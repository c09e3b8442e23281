// aegis referral list|show|escalate: the operator's view of referrals (ids, organisations,
// service, area, priority, status, deadlines; never the person's fields, which stay in the API
// for the organisations the consent names), and the overdue check for a cron job.
#include <cstdio>

#include "access/decision.h"
#include "alert/payload.h"
#include "alert/routing.h"
#include "alert/service.h"
#include "cli/cli_internal.h"
#include "referral/referral.h"

namespace aegis::cli {

namespace {

struct ReferralArgs {
  std::string status, keys, routing;
  bool overdue = false;
  int64_t id = 0;
};

std::string When(int64_t ms) { return ms > 0 ? alert::IsoUtc(ms) : "-"; }

Status List(const GlobalOptions& g, const ReferralArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  store::ReferralQuery q;
  q.now_ms = alert::NowMs();
  q.overdue_only = a.overdue;
  if (!a.status.empty()) {
    q.status = store::ParseReferralStatus(a.status);
    if (!q.status)
      return Status::InvalidArgument("--status: sent, accepted, rejected, closed or withdrawn");
  }
  q.limit = 1000;
  std::printf("%-7s %-12s %-12s %-20s %-10s %-9s %-9s %-20s %s\n", "id", "from", "to", "service",
              "area", "priority", "status", "due", "");
  int64_t n = 0;
  for (;;) {
    AEGIS_ASSIGN_OR_RETURN(auto rows, st->ListReferrals(access::OperatorScope(), q));
    for (const auto& rec : rows) {
      const store::Referral& r = rec.r;
      std::printf("%-7lld %-12s %-12s %-20s %-10s %-9s %-9s %-20s %s\n",
                  static_cast<long long>(r.id), r.referring_organisation.c_str(),
                  r.receiving_organisation.c_str(), r.service_type.c_str(), r.area_pcode.c_str(),
                  r.priority.c_str(), store::ReferralStatusName(r.status), When(r.due_ms).c_str(),
                  referral::Overdue(r, q.now_ms) ? "OVERDUE" : "");
      ++n;
    }
    if (rows.size() < static_cast<size_t>(q.limit)) break;
    q.after_id = rows.back().r.id;
  }
  std::printf("%lld referral(s)\n", static_cast<long long>(n));
  return AuditCommand(g, a.keys, *st, "referral.list", "referral", "", std::to_string(n));
}

Status Show(const GlobalOptions& g, const ReferralArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  AEGIS_ASSIGN_OR_RETURN(auto rec, st->GetReferral(access::OperatorScope(), a.id));
  if (!rec) return Status::NotFound("no referral " + std::to_string(a.id));
  const store::Referral& r = rec->r;
  std::printf("referral %lld: %s -> %s, %s in %s, %s priority\n", static_cast<long long>(r.id),
              r.referring_organisation.c_str(), r.receiving_organisation.c_str(),
              r.service_type.c_str(), r.area_pcode.empty() ? "-" : r.area_pcode.c_str(),
              r.priority.c_str());
  std::printf("status %s%s%s; created %s, due %s%s\n", store::ReferralStatusName(r.status),
              r.outcome.empty() ? "" : ", outcome ", r.outcome.c_str(), When(r.created_ms).c_str(),
              When(r.due_ms).c_str(), referral::Overdue(r, alert::NowMs()) ? " (OVERDUE)" : "");
  std::printf(
      "consent: %s%s\n",
      rec->consent.valid() ? ("given by " + rec->consent.given_by).c_str()
                           : "none recorded (sent on an override)",
      rec->consent.withdrawn_ms ? (", withdrawn " + When(rec->consent.withdrawn_ms)).c_str() : "");
  AEGIS_ASSIGN_OR_RETURN(auto events, st->ListReferralEvents(a.id));
  for (const auto& e : events)
    std::printf("  %s  %-24s by %s\n", When(e.at_ms).c_str(), e.action.c_str(), e.actor.c_str());
  return AuditCommand(g, a.keys, *st, "referral.read", "referral", std::to_string(a.id), "");
}

Status Escalate(const GlobalOptions& g, const ReferralArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  // The routing file's [referrals] table: the outside recipients also told (webhook, e-mail,
  // sent by the server's delivery worker from the outbox).
  std::string path = a.routing.empty() ? Env("AEGIS_ALERT_ROUTING") : a.routing;
  if (path.empty()) path = g.data_dir + "/alerts/routing.toml";
  AEGIS_ASSIGN_OR_RETURN(auto routing, alert::RoutingConfig::Load(path, RoutingFromEnvironment()));
  auto config = std::make_shared<const alert::RoutingConfig>(std::move(routing));
  AEGIS_ASSIGN_OR_RETURN(
      int n, referral::EscalateOverdue(*st, alert::NowMs(), [config](const std::string& r) {
        return config->ReferralTargets(r);
      }));
  std::printf("%d overdue referral(s) escalated to the cluster\n", n);
  return AuditCommand(g, a.keys, *st, "referral.escalate", "referral", "", std::to_string(n));
}

}  // namespace

void AddReferralCommands(CLI::App& app, GlobalOptions& g) {
  static ReferralArgs a;
  auto* s = app.add_subcommand("referral", "Referrals of people to services: follow and escalate");
  s->require_subcommand(1);
  s->footer(
      "Referrals are sent, accepted, rejected, closed and withdrawn through the API and the web\n"
      "application, where the authorization kernel and the person's consent decide who sees\n"
      "what (doc/referrals.md). This command shows the operator ids, organisations, service,\n"
      "area, priority, status and deadlines, never a person's field.\n"
      "Deadlines: emergency 24 h, urgent 72 h, normal 14 days to be accepted; a referral not\n"
      "accepted by then is escalated to the cluster once (the server checks every minute).\n"
      "Examples:\n"
      "  aegis referral list --overdue\n"
      "  aegis referral show 12\n"
      "  aegis referral escalate    # e.g. from cron, when no server runs");
  auto* ls = s->add_subcommand("list", "List referrals, newest first");
  ls->add_option("--status", a.status, "sent, accepted, rejected, closed or withdrawn");
  ls->add_flag("--overdue", a.overdue, "Sent and not accepted by the deadline only");
  ls->callback([&g] { Run([&] { return List(g, a); }); });
  auto* sh = s->add_subcommand("show", "One referral: its route, status, consent and history");
  sh->add_option("id", a.id, "The referral's id")->required();
  sh->callback([&g] { Run([&] { return Show(g, a); }); });
  auto* es = s->add_subcommand("escalate", "Escalate referrals not accepted by their deadline");
  es->add_option("--routing", a.routing,
                 "Routing rules whose [referrals] table names outside recipients (default "
                 "$AEGIS_ALERT_ROUTING, else data/alerts/routing.toml)");
  es->callback([&g] { Run([&] { return Escalate(g, a); }); });
  for (auto* sub : {ls, sh, es})
    sub->add_option("--keys", a.keys, "Key file (default: <store>.keys)");
}

}  // namespace aegis::cli
