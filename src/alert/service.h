// The early-warning service: intake (a compact text message or structured fields) -> parse ->
// route -> one transaction with the alert, its first event and its level-0 deliveries (the
// durable outbox). Shared by the API, the CLI, automatic alerts and the benchmark.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alert/keywords.h"
#include "alert/parser.h"
#include "alert/payload.h"
#include "alert/place.h"
#include "alert/routing.h"
#include "geo/gazetteer.h"
#include "store/store.h"
#include "taxonomy/taxonomy.h"

namespace aegis::alert {

struct Submission {
  std::string channel = "api";  // api, sms, cli, analysis
  std::string reporter;         // user id or the relay's sender (sealed)
  std::string actor;            // who submitted it, for the history ("" = reporter)
  // Either a compact text message (parsed) ...
  std::string text;
  // ... or structured fields (used when text is empty).
  std::string area_pcode;
  std::vector<std::string> risks;
  std::string urgency;  // "" = high
  std::string free_text;
  std::string source_key;   // optional; unique
  int64_t received_ms = 0;  // 0 = now
};

struct IntakeResult {
  store::AlertRecord alert;
  std::vector<store::AlertDelivery> deliveries;
};

class AlertService {
 public:
  // Keywords from `data_dir`/alerts/keywords.toml; rules from `routing_path` ("" =
  // `data_dir`/alerts/routing.toml; the CLI passes --routing or $AEGIS_ALERT_ROUTING), read with
  // `routing_options`.
  static Result<std::unique_ptr<AlertService>> Load(const std::string& data_dir,
                                                    const std::string& routing_path,
                                                    const geo::Gazetteer& gazetteer,
                                                    const taxonomy::Taxonomy& taxonomy,
                                                    const RoutingOptions& routing_options = {});
  AlertService(const geo::Gazetteer& gazetteer, const taxonomy::Taxonomy& taxonomy,
               Keywords keywords, RoutingConfig routing);

  // Validates, parses, routes and stores. InvalidArgument names the field at fault.
  Result<IntakeResult> Submit(store::AlertStore& store, const Submission& s) const;
  // Builds the alert and its level-0 deliveries without storing them (also for the benchmark).
  Result<IntakeResult> Prepare(const Submission& s) const;
  // Deliveries of `level` for an alert (none when no rule has that level).
  std::vector<store::AlertDelivery> DeliveriesFor(const store::AlertRecord& a, int level,
                                                  int64_t now_ms) const;
  RouteInput RouteInputFor(const store::AlertRecord& a, int64_t at_ms) const;
  // The acknowledgement deadline of an alert of `urgency` routed at `now_ms` (0 = none).
  int64_t AckDue(const std::string& urgency, int64_t now_ms) const;
  Audience AudienceOf(const std::string& recipient) const;

  const RoutingConfig& routing() const { return routing_; }
  const AlertParser& parser() const { return parser_; }
  PayloadContext context() const { return {&gazetteer_, &taxonomy_}; }
  const geo::Gazetteer& gazetteer() const { return gazetteer_; }
  const taxonomy::Taxonomy& taxonomy() const { return taxonomy_; }

 private:
  Status Structured(const Submission& s, store::AlertRecord* a) const;

  const geo::Gazetteer& gazetteer_;
  const taxonomy::Taxonomy& taxonomy_;
  Keywords keywords_;
  RoutingConfig routing_;
  PlaceFinder places_;
  AlertParser parser_;
};

// Milliseconds since the Unix epoch, now: Env::Default()->NowMs(), the clock of code that takes
// no Env (the delivery worker takes one in WorkerOptions).
int64_t NowMs();

}  // namespace aegis::alert
