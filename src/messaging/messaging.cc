#include "messaging/messaging.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "match/match.h"
#include "security/pseudonym.h"
#include "util/date.h"
#include "util/text.h"

namespace aegis::messaging {

namespace {

constexpr const char* kChannels[] = {"sms", "email", "radio"};
constexpr const char* kVias[] = {"structure", "field", "import", "entered"};

template <size_t N>
bool OneOf(const std::string& v, const char* const (&list)[N]) {
  return std::find_if(std::begin(list), std::end(list), [&](const char* x) { return v == x; }) !=
         std::end(list);
}

Status Denied(const access::Decision& d) { return Status::PermissionDenied(d.reason); }

access::Decision Ask(const Actor& a, access::Action action, const access::Resource& r = {}) {
  return access::Decide(*a.protocol, a.subject, action, r);
}

// A run of at least 8 digits, spaces, dots, dashes or parentheses between them: a phone number
// however it is written (the matcher needs a region for national numbers).
bool LongDigitRun(std::string_view t) {
  int digits = 0;
  for (char ch : t) {
    if (ch >= '0' && ch <= '9') {
      if (++digits >= 8) return true;
    } else if (ch != ' ' && ch != '-' && ch != '.' && ch != '(' && ch != ')' && ch != '+') {
      digits = 0;
    }
  }
  return false;
}

bool ContainsSequence(const std::vector<std::string>& hay, const std::vector<std::string>& needle) {
  if (needle.empty() || needle.size() > hay.size()) return false;
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

}  // namespace

Result<Languages> Languages::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return Status::NotFound(path +
                            ": cannot read the ISO 639-3 language codes; install Debian's "
                            "iso-codes package (scripts/install-deps.sh does)");
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (!doc.is_object() || !doc.contains("639-3") || !doc["639-3"].is_array())
    return Status::Corruption(path + ": expected an object with a \"639-3\" array");
  Languages out;
  for (const auto& e : doc["639-3"])
    if (e.contains("alpha_3") && e["alpha_3"].is_string())
      out.codes_.insert(e["alpha_3"].get<std::string>());
  if (out.codes_.size() < 7000)
    return Status::Corruption(path + ": only " + std::to_string(out.codes_.size()) +
                              " codes; expected about 7,900");
  return out;
}

std::string ChooseLanguage(const std::map<std::string, std::string>& translations,
                           const std::string& base, const std::string& contact,
                           const std::string& primary) {
  if (!contact.empty() && translations.count(contact)) return contact;
  if (!primary.empty() && translations.count(primary)) return primary;
  return base;
}

Result<std::vector<std::vector<std::string>>> RegisteredNames(store::TracingStore& tracing) {
  AEGIS_ASSIGN_OR_RETURN(auto rows, tracing.LoadTracingRecords("", false));
  std::vector<std::vector<std::string>> out;
  auto add = [&](const std::string& name) {
    std::vector<std::string> t = match::Tokens(name);
    if (t.size() >= 2) out.push_back(std::move(t));
  };
  for (const auto& r : rows) {
    add(r.name);
    for (const std::string& rel : text::SplitAny(r.relative_names, ";|,")) add(rel);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string TextProblem(const std::string& text, bool sms, const Settings& st,
                        const std::vector<std::vector<std::string>>& names) {
  if (text::Trim(text).empty()) return "is empty";
  if (text.size() > 4000) return "is longer than 4,000 bytes";
  if (LongDigitRun(text) || ContainsPhoneNumber(text, st.region))
    return "contains a phone number: messages never carry one (give a short code such as 116, "
           "or the service's name from the directory)";
  const std::vector<std::string> tokens = match::Tokens(text);
  for (const auto& name : names)
    if (ContainsSequence(tokens, name))
      return "contains the name of a person registered for family tracing: messages never name "
             "anyone";
  if (sms) {
    Segments seg = CountSegments(text);
    if (seg.segments > kMaxSmsSegments)
      return "is " + std::to_string(seg.segments) + " SMS segments; at most " +
             std::to_string(kMaxSmsSegments) + " (shorten it" +
             (seg.ucs2 ? ", or replace the characters that force UCS-2" : "") + ")";
  }
  return "";
}

Status CheckDraft(const store::Message& m, const Settings& st, const AreaKnown& known_areas,
                  const std::vector<std::vector<std::string>>& names) {
  if (m.title.size() > 200) return Status::InvalidArgument("title: at most 200 bytes");
  if (m.areas.empty()) return Status::InvalidArgument("areas: at least one P-code");
  for (const std::string& a : m.areas)
    if (!known_areas(a))
      return Status::InvalidArgument("areas: " + text::QuoteIfCode(a, "a value") +
                                     " is not an area of this store");
  if (m.channels.empty()) return Status::InvalidArgument("channels: sms, email and/or radio");
  for (const std::string& c : m.channels)
    if (!OneOf(c, kChannels))
      return Status::InvalidArgument("channels: " + text::QuoteIfCode(c, "a value") +
                                     " is not known; sms, email or radio");
  if (!st.languages) return Status::Internal("no language list loaded");
  if (!st.languages->Known(m.base_language))
    return Status::InvalidArgument(
        "base_language: " + text::QuoteIfCode(m.base_language, "the value") +
        " is not an ISO 639-3 code (e.g. ara, eng, fra, apd)");
  if (!m.translations.count(m.base_language))
    return Status::InvalidArgument("translations: the text in the base language " +
                                   m.base_language + " is required");  // a known code
  const bool sms = std::find(m.channels.begin(), m.channels.end(), "sms") != m.channels.end();
  for (const auto& [lang, t] : m.translations) {
    if (!st.languages->Known(lang))
      return Status::InvalidArgument("translations: " + text::QuoteIfCode(lang, "a key") +
                                     " is not an ISO 639-3 code (e.g. ara, eng, fra, apd)");
    if (text::FindInvalidUtf8(t) != std::string::npos)
      return Status::InvalidArgument("translations." + lang + ": not valid UTF-8");
    std::string why = TextProblem(t, sms, st, names);
    if (!why.empty()) return Status::InvalidArgument("translations." + lang + ": the text " + why);
  }
  return Status::Ok();
}

Result<Cost> CostOf(store::MessagingStore& s, const store::Message& m, const Settings& st) {
  Cost out;
  for (const auto& [lang, t] : m.translations) out.by_language[lang] = CountSegments(t);
  AEGIS_ASSIGN_OR_RETURN(std::vector<store::Reach> reach, s.MessageReach(m));
  std::map<std::pair<std::string, std::string>, int64_t> lines;
  for (const store::Reach& r : reach)
    lines[{r.channel, ChooseLanguage(m.translations, m.base_language, r.language,
                                     st.primary_language)}] += r.contacts;
  for (const auto& [key, n] : lines) {
    CostLine l{key.first, key.second, n, 0, 0};
    if (key.first == "sms") {
      l.segments_each = out.by_language[key.second].segments;
      l.segments = n * l.segments_each;
      out.sms_segments += l.segments;
    }
    out.contacts += n;
    out.lines.push_back(l);
  }
  return out;
}

Result<int64_t> Draft(store::MessagingStore& s, const Actor& a, const Settings& st,
                      const AreaKnown& known_areas,
                      const std::vector<std::vector<std::string>>& names, store::Message m) {
  if (access::Decision d = Ask(a, access::Action::kDraftMessage); !d.allowed()) return Denied(d);
  AEGIS_RETURN_IF_ERROR(CheckDraft(m, st, known_areas, names));
  m.organisation_id = a.subject.organisation_id;
  m.author_id = a.subject.user_id;
  m.created_ms = m.updated_ms = a.now_ms;
  return s.CreateMessage(m);
}

namespace {
Result<store::Message> Existing(store::MessagingStore& s, int64_t id) {
  AEGIS_ASSIGN_OR_RETURN(std::optional<store::Message> m, s.GetMessage(id));
  if (!m) return Status::NotFound("message " + std::to_string(id) + " not found");
  return std::move(*m);
}
}  // namespace

Status Revise(store::MessagingStore& s, const Actor& a, const Settings& st,
              const AreaKnown& known_areas, const std::vector<std::vector<std::string>>& names,
              store::Message m) {
  if (access::Decision d = Ask(a, access::Action::kDraftMessage); !d.allowed()) return Denied(d);
  AEGIS_ASSIGN_OR_RETURN(store::Message old, Existing(s, m.id));
  if (old.author_id != a.subject.user_id && old.organisation_id != a.subject.organisation_id)
    return Status::PermissionDenied("only its author's organisation changes a draft");
  AEGIS_RETURN_IF_ERROR(CheckDraft(m, st, known_areas, names));
  m.updated_ms = a.now_ms;
  return s.UpdateDraft(m);
}

Status Approve(store::MessagingStore& s, const Actor& a, const Settings& st,
               const std::vector<std::vector<std::string>>& names, int64_t id) {
  if (access::Decision d = Ask(a, access::Action::kApproveMessage); !d.allowed()) return Denied(d);
  AEGIS_ASSIGN_OR_RETURN(store::Message m, Existing(s, id));
  if (m.author_id == a.subject.user_id)
    return Status::PermissionDenied(
        "the author of a message cannot approve it: a second person approves");
  if (m.status != "draft")
    return Status::FailedPrecondition("message " + std::to_string(id) + " is " + m.status +
                                      ": only a draft is approved");
  const bool sms = std::find(m.channels.begin(), m.channels.end(), "sms") != m.channels.end();
  for (const auto& [lang, t] : m.translations) {
    std::string why = TextProblem(t, sms, st, names);
    if (!why.empty())
      return Status::InvalidArgument("translations." + lang + ": the text " + why +
                                     "; change the draft before approving it");
  }
  return s.ApproveMessage(id, a.subject.user_id, a.now_ms);
}

Result<int64_t> Send(store::MessagingStore& s, const Actor& a, int64_t id, int64_t send_at_ms) {
  if (access::Decision d = Ask(a, access::Action::kSendMessage); !d.allowed()) return Denied(d);
  AEGIS_ASSIGN_OR_RETURN(store::Message m, Existing(s, id));
  for (const std::string& area : m.areas) {
    access::Resource r;
    r.area = area;
    if (access::Decision d = Ask(a, access::Action::kSendMessage, r); !d.allowed())
      return Denied(d);
  }
  if (m.status != "approved")
    return Status::FailedPrecondition("message " + std::to_string(id) + " is " + m.status +
                                      ": only an approved message is sent");
  return s.EnqueueMessage(id, a.subject.user_id, a.now_ms, std::max(send_at_ms, a.now_ms));
}

Status Withdraw(store::MessagingStore& s, const Actor& a, int64_t id, const std::string& reason) {
  if (!Ask(a, access::Action::kDraftMessage).allowed() &&
      !Ask(a, access::Action::kSendMessage).allowed())
    return Status::PermissionDenied("the role " + a.subject.role +
                                    " neither drafts nor sends messages");
  if (text::Trim(reason).size() < 5)
    return Status::InvalidArgument("reason: say why it is withdrawn (at least 5 characters)");
  AEGIS_ASSIGN_OR_RETURN(store::Message m, Existing(s, id));
  AEGIS_ASSIGN_OR_RETURN(bool done, s.WithdrawMessage(id, reason, a.now_ms));
  if (!done)
    return Status::FailedPrecondition("message " + std::to_string(id) + " is " + m.status +
                                      ": a message sent in full or withdrawn stays so");
  return Status::Ok();
}

std::string RadioScript(const store::Message& m, const std::string& language, const Settings& st) {
  const std::string lang =
      ChooseLanguage(m.translations, m.base_language, language, st.primary_language);
  std::string text = m.translations.count(lang) ? m.translations.at(lang) : "";
  std::ostringstream out;
  out << "RADIO SCRIPT - message " << m.id << " (" << lang << ")\n";
  if (!m.title.empty()) out << m.title << "\n";
  out << "Areas: " << text::Join(m.areas, ", ") << "\n";
  out << "Read twice, slowly. Repeat at the top of each hour while it is valid.\n\n";
  out << text << "\n\n" << text << "\n";
  return out.str();
}

const Template* Templates::ForRisk(const std::string& risk) const {
  for (const Template& t : items)
    if (t.risk == risk) return &t;
  return nullptr;
}

namespace {
std::string Fill(std::string text, const std::string& area, const std::string& services) {
  auto put = [&](const std::string& key, const std::string& v) {
    for (size_t p = text.find(key); p != std::string::npos; p = text.find(key, p + v.size()))
      text.replace(p, key.size(), v);
  };
  put("{area}", area);
  put("{services}", services);
  return text;
}

Result<std::map<std::string, std::string>> Texts(const nlohmann::json& j, const std::string& where,
                                                 const Settings& st) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) return Status::InvalidArgument(where + ": an object of ISO 639-3 -> text");
  for (const auto& [lang, text] : j.items()) {
    if (!st.languages || !st.languages->Known(lang))
      return Status::InvalidArgument(where + ": '" + lang + "' is not an ISO 639-3 code");
    if (!text.is_string()) return Status::InvalidArgument(where + "." + lang + ": a text");
    out[lang] = text.get<std::string>();
  }
  return out;
}
}  // namespace

Result<Templates> LoadTemplates(const std::string& path, const Settings& st,
                                const std::function<bool(const std::string&)>& risk_known,
                                const std::function<bool(const std::string&)>& service_type_known) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path + ": cannot read the message templates");
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (!doc.is_object() || !doc["templates"].is_array() || !doc["base_language"].is_string())
    return Status::InvalidArgument(path + ": expected base_language and a templates array");
  Templates out;
  out.base_language = doc["base_language"].get<std::string>();
  int i = 0;
  for (const auto& j : doc["templates"]) {
    const std::string where = path + " templates[" + std::to_string(i++) + "]";
    Template t;
    t.risk = j.value("risk", "");
    t.content_type = j.value("content_type", "");
    if (!risk_known(t.risk))
      return Status::InvalidArgument(where + ": risk '" + t.risk + "' is not in risks.json");
    if (j.contains("service_types") && j["service_types"].is_array())
      for (const auto& v : j["service_types"]) {
        std::string type = v.is_string() ? v.get<std::string>() : "";
        if (!service_type_known(type))
          return Status::InvalidArgument(where + ": service type '" + type +
                                         "' is not in vocabularies.json");
        t.service_types.push_back(type);
      }
    AEGIS_ASSIGN_OR_RETURN(t.text, Texts(j["text"], where + " text", st));
    AEGIS_ASSIGN_OR_RETURN(t.no_services, Texts(j["no_services"], where + " no_services", st));
    if (!t.text.count(out.base_language) || !t.no_services.count(out.base_language))
      return Status::InvalidArgument(where + ": no text in the base language " + out.base_language);
    const std::string longest(40, 'x');
    for (const auto& [lang, text] : t.text) {
      const std::string why =
          TextProblem(Fill(text, longest, longest + ", " + longest + ", " + longest), true, st, {});
      if (!why.empty()) return Status::InvalidArgument(where + " text." + lang + ": " + why);
    }
    out.items.push_back(std::move(t));
  }
  return out;
}

std::vector<Suggestion> Suggest(const Templates& t, const std::vector<store::AlertRecord>& alerts,
                                const std::function<std::string(const std::string&)>& area_name,
                                const Providers& providers) {
  std::vector<Suggestion> out;
  for (const store::AlertRecord& a : alerts) {
    if (a.status == store::AlertStatus::kClosed || a.merged_into > 0 || a.area_pcode.empty())
      continue;
    for (const std::string& risk : a.risks) {
      const Template* tpl = t.ForRisk(risk);
      if (tpl == nullptr) continue;
      Suggestion sg;
      sg.alert_id = a.id;
      sg.area = a.area_pcode;
      sg.area_name = area_name(a.area_pcode);
      sg.risk = risk;
      std::vector<std::pair<int64_t, std::string>> names =
          providers(a.area_pcode, tpl->service_types);
      if (names.size() > 3) names.resize(3);
      std::string list;
      for (const auto& [id, name] : names) {
        list += (list.empty() ? "" : ", ") + name;
        sg.message.service_ids.push_back(id);
      }
      store::Message& m = sg.message;
      m.title = tpl->content_type + ": " + sg.area_name;
      m.content_type = tpl->content_type;
      m.risks = {risk};
      m.alert_id = a.id;
      m.areas = {a.area_pcode};
      m.channels = {"sms"};
      m.base_language = t.base_language;
      for (const auto& [lang, text] : tpl->text) {
        const std::string none = tpl->no_services.count(lang)
                                     ? tpl->no_services.at(lang)
                                     : tpl->no_services.at(t.base_language);
        m.translations[lang] = Fill(text, sg.area_name, list.empty() ? none : list);
      }
      out.push_back(std::move(sg));
    }
  }
  return out;
}

std::string PhoneKey(const security::Keyring& keys, const std::string& e164) {
  return security::Pseudonym(keys, "phone", e164);
}

Result<store::Contact> PrepareContact(const security::Keyring& keys, const Settings& st,
                                      const AreaKnown& known_areas, const ContactInput& in,
                                      int64_t now_ms) {
  if (in.organisation_id <= 0)
    return Status::InvalidArgument("organisation: a contact is registered by an organisation");
  AEGIS_ASSIGN_OR_RETURN(std::string phone, NormalizePhone(in.phone, st.region));
  if (!st.languages || !st.languages->Known(in.language))
    return Status::InvalidArgument("language: " + text::QuoteIfCode(in.language, "the value") +
                                   " is not an ISO 639-3 code (e.g. ara, apd, eng, fra)");
  if (in.areas.empty()) return Status::InvalidArgument("areas: at least one P-code");
  for (const std::string& area : in.areas)
    if (!known_areas(area))
      return Status::InvalidArgument("areas: " + text::QuoteIfCode(area, "a value") +
                                     " is not an area of this store");
  std::vector<std::string> channels =
      in.channels.empty() ? std::vector<std::string>{"sms"} : in.channels;
  for (const std::string& c : channels)
    if (c != "sms" && c != "email")
      return Status::InvalidArgument("channels: " + text::QuoteIfCode(c, "a value") +
                                     " is not known; sms or email");
  if (std::find(channels.begin(), channels.end(), "email") != channels.end() &&
      in.email.find('@') == std::string::npos)
    return Status::InvalidArgument("email: an address is required for the email channel");
  if (!OneOf(in.opted_in_via, kVias))
    return Status::InvalidArgument("opted_in_via: structure, field, import or entered");
  std::string date = in.opted_in_date.empty() ? TodayUtc() : in.opted_in_date;
  int y = 0, mo = 0, d = 0;
  if (date.size() != 10 || std::sscanf(date.c_str(), "%4d-%2d-%2d", &y, &mo, &d) != 3 ||
      !IsValidDate(y, mo, d))
    return Status::InvalidArgument("opted_in_date: YYYY-MM-DD, the day the person opted in");
  store::Contact c;
  c.organisation_id = in.organisation_id;
  c.phone = phone;
  c.phone_key = PhoneKey(keys, phone);
  c.email = in.email;
  c.language = in.language;
  c.areas = in.areas;
  c.channels = channels;
  c.opted_in_date = date;
  c.opted_in_via = in.opted_in_via;
  c.created_ms = c.updated_ms = now_ms;
  return c;
}

Result<ContactAdded> AddContact(store::MessagingStore& s, const security::Keyring& keys,
                                const Actor& a, const Settings& st, const AreaKnown& known_areas,
                                const ContactInput& in) {
  access::Resource r;
  r.organisation_id = in.organisation_id;
  if (access::Decision d = Ask(a, access::Action::kManageContacts, r); !d.allowed())
    return Denied(d);
  AEGIS_ASSIGN_OR_RETURN(store::Contact c, PrepareContact(keys, st, known_areas, in, a.now_ms));
  AEGIS_ASSIGN_OR_RETURN(std::optional<store::Contact> old, s.FindContactByKey(c.phone_key));
  if (old && old->organisation_id != in.organisation_id) {
    access::Resource theirs;
    theirs.organisation_id = old->organisation_id;
    if (access::Decision d = Ask(a, access::Action::kManageContacts, theirs); !d.allowed())
      return Status::AlreadyExists(
          "phone: this number is already registered by another organisation");
  }
  AEGIS_ASSIGN_OR_RETURN(auto put, s.PutContact(c));
  return ContactAdded{put.first, put.second, old && old->status == "stopped"};
}

Result<bool> OptOut(store::MessagingStore& s, const Actor& a, int64_t id) {
  AEGIS_ASSIGN_OR_RETURN(std::optional<store::Contact> c, s.GetContact(id));
  if (!c) return Status::NotFound("contact " + std::to_string(id) + " not found");
  access::Resource r;
  r.organisation_id = c->organisation_id;
  if (access::Decision d = Ask(a, access::Action::kManageContacts, r); !d.allowed())
    return Denied(d);
  return s.StopContact(id, a.now_ms);
}

bool IsStopKeyword(std::string_view text) {
  std::string t = text::ToLowerAscii(text::Trim(text));
  while (!t.empty() && (t.back() == '.' || t.back() == '!')) t.pop_back();
  // Lower-cased as ASCII only: the accented capitals are listed as written.
  static const char* kWords[] = {"stop",    "stopall", "unsubscribe", "end",     "cancel",
                                 "arret",   "arrêt",   "arrÊt",       "arreter", "arrêter",
                                 "arrÊter", "قف",      "توقف",        "الغاء",   "إلغاء"};
  return std::any_of(std::begin(kWords), std::end(kWords), [&](const char* w) { return t == w; });
}

Result<std::string> Inbound(store::MessagingStore& s, const security::Keyring& keys, const Actor& a,
                            const Settings& st, const std::string& from, const std::string& text) {
  if (access::Decision d = Ask(a, access::Action::kMessageGateway); !d.allowed()) return Denied(d);
  if (!IsStopKeyword(text)) return std::string("ignored");
  AEGIS_ASSIGN_OR_RETURN(std::string phone, NormalizePhone(from, st.region));
  AEGIS_ASSIGN_OR_RETURN(std::optional<store::Contact> c,
                         s.FindContactByKey(PhoneKey(keys, phone)));
  if (!c) return std::string("unknown_number");
  AEGIS_ASSIGN_OR_RETURN(bool stopped, s.StopContact(c->id, a.now_ms));
  return std::string(stopped ? "opted_out" : "already_stopped");
}

}  // namespace aegis::messaging
