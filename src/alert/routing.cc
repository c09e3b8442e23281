#include "alert/routing.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "alert/keywords.h"

namespace aegis::alert {

int ParseClock(const std::string& hhmm) {
  int h = 0, m = 0;
  if (hhmm.size() != 5 || hhmm[2] != ':') return -1;
  for (size_t i : {0, 1, 3, 4})
    if (hhmm[i] < '0' || hhmm[i] > '9') return -1;
  h = (hhmm[0] - '0') * 10 + (hhmm[1] - '0');
  m = (hhmm[3] - '0') * 10 + (hhmm[4] - '0');
  if (h > 24 || m > 59 || (h == 24 && m != 0)) return -1;
  return h * 60 + m;
}

namespace {

std::vector<std::string> Strings(const toml::node_view<const toml::node>& v) {
  std::vector<std::string> out;
  if (const toml::array* a = v.as_array())
    for (const auto& n : *a)
      if (auto s = n.value<std::string>()) out.push_back(*s);
  return out;
}

bool ValidRef(const std::string& ref) {
  return ref.rfind("org:", 0) == 0 || ref.rfind("role:", 0) == 0 || ref.rfind("recipient:", 0) == 0;
}

Status ParseHours(const std::string& hours, Rule* r, const std::string& where) {
  if (hours.empty()) return Status::Ok();
  size_t dash = hours.find('-');
  int from = dash == std::string::npos ? -1 : ParseClock(hours.substr(0, dash));
  int to = dash == std::string::npos ? -1 : ParseClock(hours.substr(dash + 1));
  if (from < 0 || to < 0)
    return Status::InvalidArgument(where + ": hours '" + hours + "' must be like \"18:00-06:00\"");
  r->from_minute = from;
  r->to_minute = to;
  return Status::Ok();
}

Result<Rule> ParseRule(const toml::table& t, const std::string& where) {
  Rule r;
  r.name = t["name"].value_or(std::string());
  r.areas = Strings(t["areas"]);
  r.risks = Strings(t["risks"]);
  std::string min_urgency = t["min_urgency"].value_or(std::string("low"));
  r.max_urgency_rank = UrgencyRank(min_urgency);
  if (r.max_urgency_rank < 0)
    return Status::InvalidArgument(where + ": min_urgency '" + min_urgency +
                                   "' must be immediate, high, medium or low");
  AEGIS_RETURN_IF_ERROR(ParseHours(t["hours"].value_or(std::string()), &r, where));
  if (const toml::array* levels = t["levels"].as_array()) {
    for (const auto& level : *levels) {
      std::vector<std::string> refs;
      if (const toml::array* a = level.as_array())
        for (const auto& n : *a)
          if (auto s = n.value<std::string>()) refs.push_back(*s);
      for (const std::string& ref : refs)
        if (!ValidRef(ref))
          return Status::InvalidArgument(where + ": recipient '" + ref +
                                         "' must start with org:, role: or recipient:");
      r.levels.push_back(std::move(refs));
    }
  }
  if (r.levels.empty())
    return Status::InvalidArgument(where + ": levels = [[...], ...] with at least one level");
  return r;
}

Result<Recipient> ParseRecipient(const std::string& id, const toml::table& t,
                                 const std::string& where, const RoutingOptions& options) {
  Recipient r;
  r.id = id;
  r.label = t["label"].value_or(id);
  r.audience = t["audience"].value_or(std::string("outside"));
  if (r.audience != "outside" && r.audience != "member")
    return Status::InvalidArgument(where + ": audience must be outside or member");
  r.webhook = t["webhook"].value_or(std::string());
  r.email = t["email"].value_or(std::string());
  r.secret = t["secret"].value_or(std::string());
  r.secret_env = t["secret_env"].value_or(std::string());
  if (!r.secret_env.empty() && options.variable) {
    std::string v = options.variable(r.secret_env);
    if (!v.empty()) r.secret = std::move(v);
  }
  return r;
}

// The example secret Aegis's routing file once shipped with: known to anyone who read it.
constexpr const char* kShippedSecret = "demo-only-change-me";

// A webhook is signed with a secret of the operation's own (secret_env's variable, or `secret`
// in a file it wrote); none is shipped, and the one that was is refused.
Status CheckWebhookSecret(const Recipient& r, const std::vector<Rule>& rules,
                          const std::string& origin) {
  if (r.webhook.empty()) return Status::Ok();
  std::string used_by;
  int using_rules = 0;
  for (const Rule& rule : rules)
    for (const auto& level : rule.levels)
      if (std::find(level.begin(), level.end(), "recipient:" + r.id) != level.end() &&
          used_by.find("'" + rule.name + "'") == std::string::npos) {
        used_by += std::string(used_by.empty() ? "" : ", ") + "'" + rule.name + "'";
        ++using_rules;
      }
  std::string what =
      origin + ": recipient '" + r.id + "' (" +
      (used_by.empty()
           ? std::string("in no rule")
           : (using_rules > 1 ? "routed to by rules " : "routed to by rule ") + used_by) +
      ") has a webhook";
  std::string variable = r.secret_env;
  if (variable.empty()) {
    variable = "AEGIS_SECRET_";
    for (char ch : r.id)
      variable += std::isalnum(static_cast<unsigned char>(ch))
                      ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch)))
                      : '_';
  }
  std::string set = r.secret_env.empty()
                        ? "add secret_env = \"" + variable + "\" to [recipients." + r.id +
                              "] and set the environment variable " + variable
                        : "set the environment variable " + variable + " (its secret_env)";
  set += " to a long random secret shared with the receiver only (e.g. `openssl rand -hex 32`)";
  if (r.secret.empty())
    return Status::InvalidArgument(what + " but no secret to sign it with: " + set +
                                   ". No secret is shipped with Aegis.");
  if (r.secret == kShippedSecret)
    return Status::InvalidArgument(
        what + " signed with '" + kShippedSecret +
        "', the example once shipped with Aegis and known to anyone: " + set + ".");
  return Status::Ok();
}

}  // namespace

Result<RoutingConfig> RoutingConfig::Parse(const std::string& toml_text, const std::string& origin,
                                           const RoutingOptions& options) {
  toml::table t;
  try {
    t = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(origin + ": " + std::string(e.description()));
  }
  RoutingConfig c;
  c.utc_offset_minutes_ = static_cast<int>(t["utc_offset_minutes"].value_or(int64_t{0}));
  c.smtp_url_ = t["smtp"]["url"].value_or(std::string());
  c.smtp_from_ = t["smtp"]["from"].value_or(c.smtp_from_);
  if (!options.smtp_url.empty()) c.smtp_url_ = options.smtp_url;
  for (const std::string& level : UrgencyLevels())
    c.ack_minutes_[level] = static_cast<int>(t["ack_minutes"][level].value_or(int64_t{0}));
  if (const toml::table* rs = t["recipients"].as_table()) {
    for (const auto& [id, node] : *rs) {
      if (!node.is_table()) continue;
      std::string key(id.str());
      AEGIS_ASSIGN_OR_RETURN(Recipient r, ParseRecipient(key, *node.as_table(),
                                                         origin + " recipient " + key, options));
      c.recipients_[key] = std::move(r);
    }
  }
  if (const toml::array* rules = t["rule"].as_array()) {
    int i = 0;
    for (const auto& node : *rules) {
      ++i;
      if (!node.is_table()) continue;
      AEGIS_ASSIGN_OR_RETURN(Rule r,
                             ParseRule(*node.as_table(), origin + " rule " + std::to_string(i)));
      for (const auto& level : r.levels)
        for (const std::string& ref : level)
          if (ref.rfind("recipient:", 0) == 0 && c.FindRecipient(ref) == nullptr)
            return Status::InvalidArgument(origin + " rule " + std::to_string(i) + ": " + ref +
                                           " is not in [recipients]");
      c.rules_.push_back(std::move(r));
    }
  }
  if (const toml::table* rs = t["referrals"].as_table()) {
    for (const auto& [key, node] : *rs) {
      std::string from(key.str());
      if (from.rfind("org:", 0) != 0 && from.rfind("role:", 0) != 0)
        return Status::InvalidArgument(origin + " [referrals]: '" + from +
                                       "' is not an in-app recipient; write \"org:CODE\" or "
                                       "\"role:NAME\"");
      std::vector<std::string> to = Strings(toml::node_view<const toml::node>(&node));
      for (const std::string& ref : to)
        if (c.FindRecipient(ref) == nullptr)
          return Status::InvalidArgument(origin + " [referrals] " + from + ": " + ref +
                                         " is not in [recipients]; write \"recipient:ID\"");
      c.referral_routes_[from] = std::move(to);
    }
  }
  if (const toml::table* m = t["messages"].as_table()) {
    c.sms_gateway_ = (*m)["sms_gateway"].value_or(std::string());
    c.primary_language_ = (*m)["primary_language"].value_or(c.primary_language_);
    c.phone_region_ = (*m)["region"].value_or(c.phone_region_);
    if (!c.sms_gateway_.empty()) {
      const Recipient* g = c.FindRecipient(c.sms_gateway_);
      if (g == nullptr || g->webhook.empty())
        return Status::InvalidArgument(origin + " [messages] sms_gateway: " + c.sms_gateway_ +
                                       " is not a recipient with a webhook in [recipients]; "
                                       "write \"recipient:ID\"");
    }
    if (c.primary_language_.size() != 3)
      return Status::InvalidArgument(origin +
                                     " [messages] primary_language: an ISO 639-3 code (eng)");
    if (c.phone_region_.size() != 2)
      return Status::InvalidArgument(origin +
                                     " [messages] region: an ISO 3166 alpha-2 code "
                                     "(SS, SD, AF) or ZZ for none");
  }
  for (const auto& [id, r] : c.recipients_)
    AEGIS_RETURN_IF_ERROR(CheckWebhookSecret(r, c.rules_, origin));
  return c;
}

std::vector<std::pair<std::string, std::string>> RoutingConfig::ReferralTargets(
    const std::string& in_app_recipient) const {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = referral_routes_.find(in_app_recipient);
  if (it == referral_routes_.end()) return out;
  for (const std::string& ref : it->second) {
    const Recipient* r = FindRecipient(ref);
    if (r == nullptr) continue;
    if (!r->webhook.empty()) out.emplace_back(ref, "webhook");
    if (!r->email.empty()) out.emplace_back(ref, "email");
  }
  return out;
}

Result<RoutingConfig> RoutingConfig::Load(const std::string& path, const RoutingOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot read the routing rules");
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path, options);
}

bool RoutingConfig::Matches(const Rule& r, const RouteInput& in) const {
  if (UrgencyRank(in.urgency) > r.max_urgency_rank) return false;
  if (r.from_minute <= r.to_minute) {
    if (in.minute_of_day < r.from_minute || in.minute_of_day >= r.to_minute) return false;
  } else if (in.minute_of_day < r.from_minute && in.minute_of_day >= r.to_minute) {
    return false;
  }
  if (!r.risks.empty() &&
      std::none_of(in.risks.begin(), in.risks.end(), [&](const std::string& code) {
        return std::find(r.risks.begin(), r.risks.end(), code) != r.risks.end();
      }))
    return false;
  if (r.areas.empty()) return true;
  return std::any_of(in.area_chain.begin(), in.area_chain.end(), [&](const std::string& a) {
    return std::find(r.areas.begin(), r.areas.end(), a) != r.areas.end();
  });
}

std::vector<std::string> RoutingConfig::Route(const RouteInput& in, int level) const {
  std::vector<std::string> out;
  for (const Rule& r : rules_) {
    if (level < 0 || static_cast<size_t>(level) >= r.levels.size() || !Matches(r, in)) continue;
    for (const std::string& ref : r.levels[static_cast<size_t>(level)])
      if (std::find(out.begin(), out.end(), ref) == out.end()) out.push_back(ref);
  }
  return out;
}

int RoutingConfig::AckMinutes(const std::string& urgency) const {
  auto it = ack_minutes_.find(urgency);
  return it == ack_minutes_.end() ? 0 : it->second;
}

const Recipient* RoutingConfig::FindRecipient(const std::string& ref) const {
  if (ref.rfind("recipient:", 0) != 0) return nullptr;
  auto it = recipients_.find(ref.substr(10));
  return it == recipients_.end() ? nullptr : &it->second;
}

}  // namespace aegis::alert
