// Routing rules as data (data/alerts/routing.toml): which recipients get an alert, by area (an
// area or any area under it), risk, urgency and time of day, level by level (level 0 first; an
// alert not acknowledged before its deadline goes to the next level). Recipients are written
// "org:CODE" (the in-app inbox of an organisation), "role:NAME" (the inbox of every user of a
// role) or "recipient:ID" (a named outside recipient: webhook and/or e-mail, see [recipients]).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "util/status.h"

namespace aegis::alert {

struct Recipient {
  std::string id, label;
  // "outside": place, threat and time only, never the free text, the reporter or names;
  // "member": a partner's own system, which also gets the free text.
  std::string audience = "outside";
  std::string webhook;  // URL
  // HMAC key of the webhook: the value of the variable `secret_env` names (looked up through
  // RoutingOptions::variable), else `secret` in the file. Required for a webhook; none is
  // shipped (RoutingConfig::Parse).
  std::string secret;
  std::string email;
  std::string secret_env;
};

struct Rule {
  std::string name;
  std::vector<std::string> areas;            // P-codes; empty = everywhere (and unplaced alerts)
  std::vector<std::string> risks;            // codes; empty = any
  int max_urgency_rank = 3;                  // min_urgency as a rank (0 immediate .. 3 low)
  int from_minute = 0, to_minute = 24 * 60;  // local time of day; wraps when from > to
  std::vector<std::vector<std::string>> levels;
};

// What routing looks at.
struct RouteInput {
  std::vector<std::string> area_chain;  // the area's P-code then its ancestors; empty = unplaced
  std::vector<std::string> risks;
  std::string urgency;
  int minute_of_day = 0;  // local time
};

// What the routing file leaves to its deployment. The library reads no environment: the CLI
// fills these from its own (cli_server.cc, cli_alert.cc).
struct RoutingOptions {
  // Replaces the file's [smtp] url when not empty (the CLI passes $AEGIS_SMTP_URL).
  std::string smtp_url;
  // The value of the variable a recipient's `secret_env` names, "" when unset (the CLI passes a
  // lookup of its environment). Empty function: `secret_env` is not resolved, `secret` stands.
  std::function<std::string(const std::string& name)> variable;
};

class RoutingConfig {
 public:
  // A webhook without a secret, or with the example secret once shipped, is refused: the error
  // names the file, the recipient, the rules that route to it and the variable to set.
  static Result<RoutingConfig> Load(const std::string& path, const RoutingOptions& options = {});
  static Result<RoutingConfig> Parse(const std::string& toml_text, const std::string& origin,
                                     const RoutingOptions& options = {});

  // Recipients of every matching rule at `level`, without repeats, in rule order.
  std::vector<std::string> Route(const RouteInput& in, int level) const;
  // Minutes allowed to acknowledge an alert of this urgency (0 = no deadline).
  int AckMinutes(const std::string& urgency) const;
  const Recipient* FindRecipient(const std::string& ref) const;  // "recipient:ID"
  // Referral notices beyond the in-app inbox (the file's [referrals] table): for an in-app
  // recipient ("org:CODE", "role:NAME"), each outside recipient named for it and the channels it
  // has, as ("recipient:ID", "webhook" or "email") pairs.
  std::vector<std::pair<std::string, std::string>> ReferralTargets(
      const std::string& in_app_recipient) const;
  // Life-saving messages (the file's [messages] table; src/messaging): the SMS gateway, a
  // recipient with a webhook ("recipient:ID", "" = none: SMS sends wait in the outbox), the
  // operation's primary language (ISO 639-3, the second choice of the translation a contact
  // gets) and the region (ISO 3166 alpha-2) of phone numbers written without a country code.
  const Recipient* sms_gateway() const { return FindRecipient(sms_gateway_); }
  const std::string& primary_language() const { return primary_language_; }
  const std::string& phone_region() const { return phone_region_; }
  int utc_offset_minutes() const { return utc_offset_minutes_; }
  const std::string& smtp_url() const { return smtp_url_; }
  const std::string& smtp_from() const { return smtp_from_; }
  const std::vector<Rule>& rules() const { return rules_; }
  void AddRule(Rule r) { rules_.push_back(std::move(r)); }
  void SetRecipient(Recipient r) { recipients_[r.id] = std::move(r); }

 private:
  bool Matches(const Rule& r, const RouteInput& in) const;
  std::map<std::string, Recipient> recipients_;
  std::map<std::string, std::vector<std::string>> referral_routes_;  // in-app -> "recipient:ID"
  std::vector<Rule> rules_;
  std::map<std::string, int> ack_minutes_;
  int utc_offset_minutes_ = 0;
  std::string smtp_url_, smtp_from_ = "aegis-alerts@localhost";
  std::string sms_gateway_, primary_language_ = "eng", phone_region_ = "ZZ";
};

// "18:00" -> 1080; -1 if malformed.
int ParseClock(const std::string& hhmm);

}  // namespace aegis::alert
