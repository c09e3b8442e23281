// AlertStore: early-warning alerts with their events, and the outbox of their deliveries (inbox,
// webhook, e-mail). Part of the Store (store.h); src/alert (the service and the delivery worker)
// and the server's alert routes use it. Records: store/alert_records.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/alert_records.h"
#include "util/status.h"

namespace aegis::store {

// The outbox of deliveries: webhook and e-mail deliveries not yet made, of alerts and of referral
// notices (an inbox item is delivered when it is written), and when the oldest of them was
// created.
struct AlertOutboxState {
  int64_t depth = 0;
  int64_t oldest_created_ms = 0;  // 0 when the outbox is empty
};

class AlertStore {
 public:
  virtual ~AlertStore() = default;

  // An alert with its first event and its deliveries, in one transaction (AlreadyExists when
  // its source_key is taken). Returns the alert's id.
  virtual Result<int64_t> CreateAlert(const AlertRecord& a, const AlertEvent& received,
                                      const std::vector<AlertDelivery>& deliveries) = 0;
  virtual Result<std::optional<AlertRecord>> GetAlert(int64_t id) = 0;
  virtual Result<std::vector<AlertRecord>> ListAlerts(const AlertQuery& q) = 0;
  virtual Result<std::vector<AlertEvent>> ListAlertEvents(int64_t alert_id) = 0;
  virtual Result<std::vector<AlertDelivery>> ListAlertDeliveries(int64_t alert_id) = 0;
  // Alerts with an inbox delivery to any of `recipients`, newest first.
  virtual Result<std::vector<AlertRecord>> ListAlertInbox(
      const std::vector<std::string>& recipients, int limit) = 0;
  // A triage step: the new status and its event together. `into` > 0 merges the alert into
  // that one (a duplicate of the same event). Closing or merging it withdraws, in the same
  // transaction, the life-saving messages that answer it (messaging_store.h) and cancels their
  // sends not yet wired.
  virtual Status SetAlertStatus(int64_t id, const std::string& status, int64_t into,
                                const AlertEvent& e) = 0;
  // Records the first acknowledgement; false when the alert was already acknowledged.
  virtual Result<bool> AcknowledgeAlert(int64_t id, const std::string& by, int64_t at_ms) = 0;
  // Claims up to `limit` undelivered webhook/e-mail deliveries due at `now_ms` for `lease_ms`
  // (one transaction; each claim counts as an attempt).
  virtual Result<std::vector<AlertDelivery>> ClaimAlertDeliveries(int64_t now_ms, int64_t lease_ms,
                                                                  int limit) = 0;
  virtual Status FinishAlertDeliveries(const std::vector<DeliveryOutcome>& outcomes) = 0;
  // The outbox now, alerts', referral notices' and message sends' (one read over each table's index
  // of undelivered deliveries; for GET /metrics).
  virtual Result<AlertOutboxState> AlertOutbox() = 0;
  // Open, unacknowledged alerts whose acknowledgement deadline has passed.
  virtual Result<std::vector<AlertRecord>> DueAlertEscalations(int64_t now_ms, int limit) = 0;
  // Moves an alert to the next routing level: level, deadline, event and new deliveries at once.
  virtual Status EscalateAlert(int64_t id, int level, int64_t ack_due_ms, const AlertEvent& e,
                               const std::vector<AlertDelivery>& deliveries) = 0;
};

}  // namespace aegis::store
