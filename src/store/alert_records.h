// Early warning (issue 6): the records of flash alerts as the store keeps them. The alert module
// (src/alert) parses, routes and delivers; the store only keeps alerts, their triage history and
// the durable delivery outbox. Times are milliseconds since the Unix epoch (UTC), 0 = not set.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/record_states.h"

namespace aegis::store {

// One flash alert. reporter, raw_text, free_text and the reasons of its events are personal
// (names of sources and victims): sealed at rest like incident.narrative.
struct AlertRecord {
  int64_t id = 0;
  std::string source_key;  // unique when set (automatic alerts: "analysis:2024-03:SS0101:ATK")
  std::string channel;     // api, sms, cli, analysis
  std::string reporter;    // sealed: who sent it (user id, the relay's sender number)
  std::string raw_text;    // sealed: the message as received
  std::string free_text;   // sealed: what happens, in the sender's words
  std::string place_text;  // the place as written
  std::string area_pcode;  // resolved area; "" = not placed
  int area_level = -1;
  std::vector<std::string> risks;          // risk codes
  std::string urgency = "high";            // immediate, high, medium, low
  double confidence = 0;                   // of the parse (1 for structured intake)
  std::string parse_note;                  // how place and risk were found
  AlertStatus status = AlertStatus::kNew;  // stored as its text (record_states.h)
  bool needs_review = false;               // the parse was not sure: a person must look at it
  int64_t merged_into = 0;                 // > 0: a duplicate of that alert
  int escalation_level = 0;                // the routing level now waited on
  int64_t received_ms = 0, ack_due_ms = 0, acknowledged_ms = 0, updated_ms = 0;
  std::string acknowledged_by;
};

// One step of an alert's triage: who, when, why.
struct AlertEvent {
  int64_t id = 0, alert_id = 0, at_ms = 0;
  std::string actor;   // user id, "system"
  std::string action;  // received, status, merged, acknowledged, escalated
  std::string from_status, to_status;
  std::string reason;  // sealed
};

// One delivery of an alert to one recipient over one channel: the durable outbox. A webhook or
// e-mail delivery is claimed by a worker (claimed_until_ms), sent, and marked delivered or given
// a next attempt; a worker that dies leaves its claim to expire, so every delivery is made at
// least once. In-app inbox deliveries are delivered when written.
struct AlertDelivery {
  int64_t id = 0, alert_id = 0;
  std::string recipient;        // "org:CODE", "role:NAME", "recipient:ID"
  std::string channel;          // inbox, webhook, email
  int level = 0;                // routing level (0 first, then escalations)
  std::string idempotency_key;  // "" when written: "alert-<id>-<level>-<channel>-<recipient>"
  int attempts = 0;
  int64_t created_ms = 0, next_attempt_ms = 0, claimed_until_ms = 0, delivered_ms = 0;
  std::string last_error;
};

// The result of one delivery attempt.
struct DeliveryOutcome {
  int64_t id = 0;
  bool delivered = false;
  int64_t at_ms = 0;            // when delivered
  int64_t next_attempt_ms = 0;  // when not delivered
  std::string error;
};

struct AlertQuery {
  std::string status;      // "" = any
  bool open_only = false;  // not closed, not merged
  bool review_only = false;
  int64_t after = 0;  // keyset: ids below this when > 0 (newest first)
  int limit = 100;
};

}  // namespace aegis::store
