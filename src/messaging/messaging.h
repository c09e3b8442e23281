// Life-saving information to communities: approved messages by risk, area, language and channel,
// to contacts who opted in, never to those who opted out, never carrying a person's name.
//
// The rules live here, not in the HTTP handlers or the CLI:
// - a draft names its areas (known P-codes), channels (sms, email, radio), a base language and a
//   text in it, each language an ISO 639-3 code of Debian's iso-codes; an SMS text is at most
//   10 segments (a carrier limit users met: 10 x 67 Arabic characters);
// - a text that contains a phone number (libphonenumber's matcher) or the name of a person
//   registered for family tracing is refused, at drafting and again at approval;
// - a second person approves, never the author; only an approved message is sent, to the active
//   contacts of its areas (each area or below) on each channel they take;
// - the translation a contact gets: their language, else the operation's primary language,
//   else the message's base language (RapidPro's order);
// - an opted-out contact gets nothing from the moment of the opt-out (the store cancels their
//   sends in the same transaction); an inbound STOP, ARRET or قف opts them out;
// - closing the alert a message answers withdraws it (store::AlertStore::SetAlertStatus).
// Who drafts, approves, sends to which areas, and sees phone numbers is the authorization
// kernel's decision (access/decision.h: kDraftMessage, kApproveMessage, kSendMessage,
// kManageContacts, kMessageGateway, kReadMessages), asked here for every action.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "access/decision.h"
#include "access/protocol.h"
#include "security/keyring.h"
#include "store/area_store.h"
#include "store/messaging_store.h"
#include "store/tracing_store.h"
#include "util/status.h"

namespace aegis::messaging {

// --- SMS segments ------------------------------------------------------------------------------
// GSM 03.38: a text of the basic GSM-7 alphabet goes as 7-bit characters (the extension
// characters ^ { } \ [ ] ~ | € and form feed count two), 160 in one message or 153 in each part
// of a longer one; any other character sends the whole text as UCS-2, 70 in one message or 67
// in each part (a character outside the Basic Multilingual Plane counts two).
struct Segments {
  bool ucs2 = false;
  int units = 0;     // septets (GSM-7) or UTF-16 code units (UCS-2)
  int segments = 0;  // 0 for an empty text
  // The characters that forced UCS-2 (up to 5, as UTF-8), so that a writer can replace them.
  std::vector<std::string> non_gsm;
};
Segments CountSegments(std::string_view utf8);
inline constexpr int kMaxSmsSegments = 10;

// --- languages ---------------------------------------------------------------------------------
inline constexpr const char* kIsoCodesPath = "/usr/share/iso-codes/json/iso_639-3.json";

// The ISO 639-3 codes (Debian's iso-codes: 7,910 in 4.15).
class Languages {
 public:
  // Reads iso_639-3.json; an error names the file and the package that ships it.
  static Result<Languages> Load(const std::string& path = kIsoCodesPath);
  bool Known(std::string_view code) const { return codes_.count(std::string(code)) > 0; }
  size_t size() const { return codes_.size(); }

 private:
  std::unordered_set<std::string> codes_;
};

// The language of the translation a contact gets: `contact` if the message has it, else
// `primary` (the operation's) if it has that, else `base`.
std::string ChooseLanguage(const std::map<std::string, std::string>& translations,
                           const std::string& base, const std::string& contact,
                           const std::string& primary);

// --- phone numbers -------------------------------------------------------------------------------
// `raw` as E.164 ("+249912345678"): written with its country code, or national in `region`
// (ISO 3166 alpha-2; "ZZ" = none). InvalidArgument (never quoting the number) when it is not a
// valid number.
Result<std::string> NormalizePhone(std::string_view raw, const std::string& region);
// Whether `text` contains something libphonenumber reads as a possible phone number (of `region`
// or written with a country code). Short codes such as 116 are not phone numbers.
bool ContainsPhoneNumber(std::string_view text, const std::string& region);

// Whether a P-code is an area of the store.
using AreaKnown = std::function<bool(const std::string& pcode)>;

// --- settings and actors -----------------------------------------------------------------------
struct Settings {
  std::string primary_language = "eng";  // the operation's language (ISO 639-3)
  std::string region = "ZZ";             // numbers written without a country code
  std::shared_ptr<const Languages> languages;
};

struct Actor {
  const access::Protocol* protocol = nullptr;
  access::Subject subject;
  int64_t now_ms = 0;
};

// The names of registered people (family tracing: names and relatives' names) as folded token
// sequences of two tokens or more, for the text check.
Result<std::vector<std::vector<std::string>>> RegisteredNames(store::TracingStore& tracing);

// Why a text may not go out ("" = it may): a phone number, a registered person's name (never
// quoted), too many SMS segments, an empty text.
std::string TextProblem(const std::string& text, bool sms, const Settings& st,
                        const std::vector<std::vector<std::string>>& names);

// --- messages ----------------------------------------------------------------------------------
// Checks a draft: InvalidArgument naming the field (areas must exist in `areas`, languages in
// iso-codes, the base language's text present, no text with a phone number or a registered
// person's name).
Status CheckDraft(const store::Message& m, const Settings& st, const AreaKnown& known_areas,
                  const std::vector<std::vector<std::string>>& names);

// What sending it would cost: for each language, the SMS segments of its text; for each
// channel and language, the contacts it reaches and (sms) their segments.
struct CostLine {
  std::string channel, language;  // the language sent (after the fallback)
  int64_t contacts = 0;
  int segments_each = 0;  // sms only
  int64_t segments = 0;   // contacts x segments_each
};
struct Cost {
  std::vector<CostLine> lines;
  int64_t contacts = 0, sms_segments = 0;
  std::map<std::string, Segments> by_language;  // every translation's SMS segments
};
Result<Cost> CostOf(store::MessagingStore& s, const store::Message& m, const Settings& st);

// Drafts a message as the actor (kDraftMessage): returns its id.
Result<int64_t> Draft(store::MessagingStore& s, const Actor& a, const Settings& st,
                      const AreaKnown& known_areas,
                      const std::vector<std::vector<std::string>>& names, store::Message m);
// Replaces a draft's content (kDraftMessage; the author or the author's organisation).
Status Revise(store::MessagingStore& s, const Actor& a, const Settings& st,
              const AreaKnown& known_areas, const std::vector<std::vector<std::string>>& names,
              store::Message m);
// Approves another person's draft (kApproveMessage): PermissionDenied for its author; the text
// is checked again (a name registered since it was drafted).
Status Approve(store::MessagingStore& s, const Actor& a, const Settings& st,
               const std::vector<std::vector<std::string>>& names, int64_t id);
// Sends an approved message (kSendMessage for each of its areas): its sends are due at
// `send_at_ms` (0: now). Returns how many were enqueued.
Result<int64_t> Send(store::MessagingStore& s, const Actor& a, int64_t id, int64_t send_at_ms);
// Withdraws a message not yet sent in full (kDraftMessage or kSendMessage), with a reason.
Status Withdraw(store::MessagingStore& s, const Actor& a, int64_t id, const std::string& reason);

// A radio script of the message in `language` (the fallback applies): plain text to read out.
std::string RadioScript(const store::Message& m, const std::string& language, const Settings& st);

// --- suggestions ---------------------------------------------------------------------------------
// A template of data/messaging/templates.json: for a risk, a text per language with {area} and
// {services}, the service types whose providers fill {services}, and the words used when none
// covers the area.
struct Template {
  std::string risk, content_type;
  std::vector<std::string> service_types;
  std::map<std::string, std::string> text, no_services;
};
struct Templates {
  std::string base_language;
  std::vector<Template> items;
  const Template* ForRisk(const std::string& risk) const;
};
// Loads and checks the templates: known risks (`risk_known`), known service types
// (`service_type_known`), ISO 639-3 languages, the base language in every text, and every text,
// filled with a long area name and three long provider names, a valid message (TextProblem).
Result<Templates> LoadTemplates(const std::string& path, const Settings& st,
                                const std::function<bool(const std::string&)>& risk_known,
                                const std::function<bool(const std::string&)>& service_type_known);

// A message suggested for an open alert whose risk has a template: areas, alert, texts filled.
struct Suggestion {
  int64_t alert_id = 0;
  std::string area, area_name, risk;
  store::Message message;  // a draft to review: title, content type, risks, areas, texts
};
// For each open alert (not closed or merged, placed, of a risk with a template), its
// suggestion. `providers(area, types)` gives the providers that may be named (active, accepting,
// not GBV-specialised, visible to the reader) with their directory ids.
using Providers = std::function<std::vector<std::pair<int64_t, std::string>>(
    const std::string& area, const std::vector<std::string>& service_types)>;
std::vector<Suggestion> Suggest(const Templates& t, const std::vector<store::AlertRecord>& alerts,
                                const std::function<std::string(const std::string&)>& area_name,
                                const Providers& providers);

// --- contacts ----------------------------------------------------------------------------------
struct ContactInput {
  std::string phone;  // as written; normalised to E.164
  std::string email, language;
  std::vector<std::string> areas, channels;
  std::string opted_in_date;             // YYYY-MM-DD ("" = today)
  std::string opted_in_via = "entered";  // structure | field | import | entered
  int64_t organisation_id = 0;
};
struct ContactAdded {
  int64_t id = 0;
  bool created = false;
  bool stopped = false;  // the number had opted out: it stays out
};
// The contact `in` describes, checked (InvalidArgument naming the field, never quoting the
// number): its number as E.164 and its phone key, a known language and areas, its channels.
// The kernel is not asked: AddContact asks it; the operator's import (aegis message contacts
// import) is the machine's owner.
Result<store::Contact> PrepareContact(const security::Keyring& keys, const Settings& st,
                                      const AreaKnown& known_areas, const ContactInput& in,
                                      int64_t now_ms);
// Adds or updates a contact (kManageContacts): InvalidArgument naming the field, never quoting
// the number.
Result<ContactAdded> AddContact(store::MessagingStore& s, const security::Keyring& keys,
                                const Actor& a, const Settings& st, const AreaKnown& known_areas,
                                const ContactInput& in);
// Opts a contact out (kManageContacts).
Result<bool> OptOut(store::MessagingStore& s, const Actor& a, int64_t id);

// Whether an inbound text is an opt-out keyword: STOP, ARRET (ARRÊT), قف, and their usual
// variants (UNSUBSCRIBE, STOPALL, END, CANCEL), any case, alone on the message.
bool IsStopKeyword(std::string_view text);
// An inbound message from the gateway (kMessageGateway): a STOP keyword from a known number opts
// it out at once. Returns "opted_out", "already_stopped", "unknown_number" or "ignored".
Result<std::string> Inbound(store::MessagingStore& s, const security::Keyring& keys, const Actor& a,
                            const Settings& st, const std::string& from, const std::string& text);

// The phone key of an E.164 number (security::Pseudonym "phone").
std::string PhoneKey(const security::Keyring& keys, const std::string& e164);

}  // namespace aegis::messaging
