// MessagingStore: life-saving information to communities. Contacts who opted in to receive
// messages, the messages drafted, approved and sent to them, and the sends of each message
// through the durable outbox (one row per message, contact and channel). Part of the Store
// (store.h); the rules (who drafts, approves and sends, what a text may say, which translation a
// contact gets) are the messaging module's (src/messaging) and the kernel's (access/decision.h).
//
// A contact is a person: their phone number and e-mail address are sealed at rest (FieldCipher
// "contact.phone", "contact.email"); `phone_key`, a keyed pseudonym of the E.164 number
// (security/pseudonym.h), finds a contact by number (an inbound STOP, a re-import) without a
// clear number in any column. A message carries no personal data: the module refuses a text
// with a registered person's name or a phone number before it is stored.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/alert_records.h"
#include "util/status.h"

namespace aegis::store {

struct Contact {
  int64_t id = 0;
  int64_t organisation_id = 0;        // the organisation that registered the contact
  std::string phone;                  // E.164 ("+249912345678"); sealed at rest
  std::string phone_key;              // Pseudonym("phone", phone): unique among contacts
  std::string email;                  // sealed at rest; "" = none
  std::string language;               // ISO 639-3
  std::vector<std::string> areas;     // P-codes (any level): messages to these areas reach them
  std::vector<std::string> channels;  // "sms", "email"
  std::string status = "active";      // active | stopped (opted out) | blocked
  std::string opted_in_date;          // YYYY-MM-DD
  std::string opted_in_via;           // structure | field | import | entered
  int64_t stopped_ms = 0;
  int64_t created_ms = 0, updated_ms = 0;
};

struct ContactQuery {
  std::string area;          // contacts of this area or below ("" = all)
  int64_t organisation = 0;  // registered by this organisation (0 = any)
  std::string status;        // "" = any
  int64_t after_id = 0;
  int limit = 500;
};

// A message: its text in one or more languages, the areas and channels it goes to.
struct Message {
  int64_t id = 0;
  int64_t organisation_id = 0;  // the author's organisation (0 = cluster-wide account)
  std::string title;            // for the list; never sent
  std::string content_type;     // eo_risk, services, safe_routes, ... (vocabularies.json)
  std::vector<std::string> risks;
  int64_t alert_id = 0;  // the flash alert it answers (0 = none): closing it withdraws it
  std::vector<std::string> areas;
  std::vector<std::string> channels;                // sms, email, radio
  std::string base_language;                        // ISO 639-3; translations holds it
  std::map<std::string, std::string> translations;  // ISO 639-3 -> text
  std::vector<int64_t> service_ids;                 // directory entries the text draws on
  std::string status = "draft";                     // draft | approved | sending | sent | withdrawn
  int64_t author_id = 0, approver_id = 0, sent_by = 0;
  int64_t send_at_ms = 0;  // sends are due from this time (0: when sent)
  std::string withdrawn_reason;
  int64_t created_ms = 0, updated_ms = 0, approved_ms = 0, sent_ms = 0, withdrawn_ms = 0;
};

struct MessageQuery {
  std::string status;  // "" = any
  int64_t alert_id = 0;
  int64_t after_id = 0;
  int limit = 200;
};

// How many active contacts a message would reach on a channel, by language.
struct Reach {
  std::string channel, language;
  int64_t contacts = 0;
};

// One send of the outbox: a message to one contact on one channel.
struct MessageSend {
  int64_t id = 0, message_id = 0, contact_id = 0;
  std::string channel, idempotency_key;
  std::string state;  // queued | wired | delivered | failed | cancelled
  int attempts = 0;
  // Claimed for delivery: the contact's address (opened) and language.
  std::string phone, email, language;
};

// Counts of a message's sends by state.
struct SendCounts {
  int64_t queued = 0, wired = 0, delivered = 0, failed = 0, cancelled = 0;
};

// A gateway's report on a send, by its idempotency key.
struct Receipt {
  std::string idempotency_key;
  std::string state;  // delivered | failed
  int64_t at_ms = 0;
};

class MessagingStore {
 public:
  virtual ~MessagingStore() = default;

  // --- contacts --------------------------------------------------------------------------------
  // Adds a contact, or updates the one with the same phone_key (areas, language, channels, e-mail;
  // a stopped contact stays stopped: only `Resubscribe` ends an opt-out). Returns its id and
  // whether it was new.
  virtual Result<std::pair<int64_t, bool>> PutContact(const Contact& c) = 0;
  virtual Result<std::optional<Contact>> GetContact(int64_t id) = 0;
  virtual Result<std::optional<Contact>> FindContactByKey(const std::string& phone_key) = 0;
  virtual Result<std::vector<Contact>> ListContacts(const ContactQuery& q) = 0;
  // Opts a contact out at once: status stopped, and every send of it not yet wired cancelled, in
  // one transaction. False when it was already stopped.
  virtual Result<bool> StopContact(int64_t id, int64_t at_ms) = 0;
  // Counts of contacts by status in `area` or below ("" = all).
  virtual Result<std::map<std::string, int64_t>> ContactCounts(const std::string& area) = 0;

  // --- messages --------------------------------------------------------------------------------
  virtual Result<int64_t> CreateMessage(const Message& m) = 0;
  // Replaces a draft's content (not its author or status); FailedPrecondition when it is no
  // longer a draft.
  virtual Status UpdateDraft(const Message& m) = 0;
  virtual Result<std::optional<Message>> GetMessage(int64_t id) = 0;
  virtual Result<std::vector<Message>> ListMessages(const MessageQuery& q) = 0;
  // Draft -> approved by `approver`; FailedPrecondition when it is not a draft.
  virtual Status ApproveMessage(int64_t id, int64_t approver, int64_t at_ms) = 0;
  // Active contacts in the message's areas (an area or below) with the channel, by language.
  virtual Result<std::vector<Reach>> MessageReach(const Message& m) = 0;
  // Approved -> sending: one send per active contact of the message's areas and each of its
  // channels the contact takes (sms, email), due at `due_ms`, in one transaction. Returns the
  // number enqueued. FailedPrecondition when it is not approved.
  virtual Result<int64_t> EnqueueMessage(int64_t id, int64_t by, int64_t at_ms, int64_t due_ms) = 0;
  // Withdraws a message (not sent in full yet): status withdrawn with the reason, and every send
  // not yet wired cancelled. False when it was already withdrawn or sent.
  virtual Result<bool> WithdrawMessage(int64_t id, const std::string& reason, int64_t at_ms) = 0;
  // Messages that answer `alert_id` and are not withdrawn or sent.
  virtual Result<std::vector<int64_t>> MessagesOfAlert(int64_t alert_id) = 0;
  virtual Result<SendCounts> MessageSendCounts(int64_t id) = 0;

  // --- the outbox ----------------------------------------------------------------------------
  // Claims up to `limit` due sends of active contacts for `lease_ms`, the address opened. A send
  // whose contact stopped is cancelled, never claimed.
  virtual Result<std::vector<MessageSend>> ClaimMessageSends(int64_t now_ms, int64_t lease_ms,
                                                             int limit) = 0;
  // Records the outcomes (delivered = handed to the gateway: state wired) and, for each message
  // whose sends are all done, its status sent.
  virtual Status FinishMessageSends(const std::vector<DeliveryOutcome>& outcomes) = 0;
  // The gateway's delivery receipts; returns how many matched a send.
  virtual Result<int64_t> RecordReceipts(const std::vector<Receipt>& receipts) = 0;
};

}  // namespace aegis::store
