// Life-saving messages over real HTTP, with a real webhook receiver on loopback as the SMS
// gateway: contacts who opted in, a draft approved by a second person, sent once to each active
// contact of its areas in the language the fallback chooses, with a valid signature; an opted-out
// contact gets nothing; an inbound STOP opts out before the next delivery cycle; delivery
// receipts come back into the message; closing the alert a message answers withdraws its
// scheduled sends; a text with a phone number or a registered person's name is refused.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "alert_test_util.h"
#include "server_fixture.h"

namespace aegis::testing {
namespace {

class MessagingApiTest : public ServerTest {
 protected:
  void SetUp() override {
    const std::string routing = dir_ / "routing.toml";
    WriteFile(routing,
              "[messages]\nprimary_language = \"eng\"\nregion = \"SS\"\n"
              "sms_gateway = \"recipient:gw\"\n"
              "[recipients.gw]\nlabel = \"loopback gateway\"\nwebhook = \"" +
                  gateway_.url() + "\"\nsecret = \"test-secret\"\n");
    alert_routing_ = routing;
    ServerTest::SetUp();
    AddUser("messaging_officer", "messaging_officer", "ORG-A");
    AddUser("sms_gateway", "sms_gateway", "");
    officer_ = Login("messaging_officer");
    coordinator_ = Login("coordinator");
    imo_ = Login("imo");
    // The gateway reports through an API token of its machine account.
    Session gw = Login("sms_gateway");
    auto t =
        Client()->Post("/api/v1/tokens", gw.Unsafe(),
                       json{{"name", "gateway"}, {"scopes", {"write"}}}.dump(), "application/json");
    ASSERT_TRUE(t && t->status == 201) << (t ? t->body : "");
    gateway_token_ = json::parse(t->body)["token"];
  }

  httplib::Result Post(const Session& s, const std::string& path, const json& body) {
    return Client()->Post(path, s.Unsafe(), body.dump(), "application/json");
  }
  httplib::Result Gateway(const std::string& path, const json& body) {
    return Client()->Post(path, {{"Authorization", "Bearer " + gateway_token_}}, body.dump(),
                          "application/json");
  }
  int64_t AddContact(const std::string& phone, const std::string& lang, const std::string& area) {
    auto r = Post(officer_, "/api/v1/contacts",
                  {{"phone", phone}, {"language", lang}, {"areas", {area}}});
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
    return r && r->status == 201 ? json::parse(r->body)["id"].get<int64_t>() : 0;
  }
  int64_t DraftAndApprove(const json& message) {
    auto d = Post(coordinator_, "/api/v1/messages", message);
    EXPECT_TRUE(d && d->status == 201) << (d ? d->body : "no answer");
    if (!d || d->status != 201) return 0;
    const int64_t id = json::parse(d->body)["id"];
    auto a = Post(imo_, "/api/v1/messages/" + std::to_string(id) + "/approve", json::object());
    EXPECT_TRUE(a && a->status == 200) << (a ? a->body : "no answer");
    return id;
  }
  json Message(int64_t id) {
    auto r = Client()->Get("/api/v1/messages/" + std::to_string(id), coordinator_.Get());
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    return r && r->status == 200 ? json::parse(r->body) : json::object();
  }

  WebhookReceiver gateway_{"test-secret"};
  Session officer_, coordinator_, imo_;
  std::string gateway_token_;
};

const json kRiverRoad = {
    {"title", "river road"},
    {"areas", {"SS01"}},
    {"channels", {"sms"}},
    {"base_language", "eng"},
    {"translations",
     {{"eng", "Avoid the river road after dark: explosive items were found there."},
      {"ara", "تجنب طريق النهر بعد حلول الظلام: تم العثور على أجسام متفجرة هناك."}}}};

TEST_F(MessagingApiTest, AnApprovedMessageReachesEachActiveContactOnceSignedInTheirLanguage) {
  const int64_t ara = AddContact("0912000001", "ara", "SS0101");
  const int64_t fra = AddContact("0912000002", "fra", "SS010101");  // a payam within SS01
  const int64_t prs = AddContact("+211922000003", "prs", "SS01");
  const int64_t stopped = AddContact("0955000004", "eng", "SS0101");
  const int64_t elsewhere = AddContact("0977000005", "eng", "SS02");
  ASSERT_TRUE(ara && fra && prs && stopped && elsewhere);
  // The same number again updates the contact; it does not make a second one.
  auto again = Post(officer_, "/api/v1/contacts",
                    {{"phone", "+211 912 000 001"}, {"language", "ara"}, {"areas", {"SS0101"}}});
  ASSERT_TRUE(again && again->status == 200) << again->body;
  EXPECT_EQ(json::parse(again->body)["id"], ara);
  // An inbound STOP from a known number opts it out at once.
  auto stop = Gateway("/api/v1/messages/inbound", {{"from", "+211955000004"}, {"text", "STOP"}});
  ASSERT_TRUE(stop && stop->status == 200) << stop->body;
  EXPECT_EQ(json::parse(stop->body)["action"], "opted_out");

  const int64_t id = DraftAndApprove(kRiverRoad);
  ASSERT_GT(id, 0);
  // Before it goes: its cost, by channel and the language each contact will get.
  json m = Message(id);
  EXPECT_EQ(m["status"], "approved");
  EXPECT_EQ(m["cost"]["contacts"], 3) << m.dump();
  EXPECT_EQ(m["segments"]["eng"]["segments"], 1);
  EXPECT_EQ(m["segments"]["ara"]["encoding"], "ucs2");
  EXPECT_EQ(m["cost"]["sms_segments"], 1 + 1 + m["segments"]["ara"]["segments"].get<int>());

  auto sent =
      Post(coordinator_, "/api/v1/messages/" + std::to_string(id) + "/send", json::object());
  ASSERT_TRUE(sent && sent->status == 200) << sent->body;
  EXPECT_EQ(json::parse(sent->body)["enqueued"], 3);
  ASSERT_TRUE(gateway_.WaitFor(3, 30));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // nothing more comes
  EXPECT_EQ(gateway_.unique(), 3u);
  EXPECT_EQ(gateway_.bad_signatures(), 0);
  std::map<std::string, std::string> language_of;
  for (const auto& [key, body] : gateway_.bodies()) {
    json b = json::parse(body);
    EXPECT_EQ(b["idempotency_key"], key);
    language_of[b["to"]] = b["language"];
  }
  EXPECT_EQ(language_of["+211912000001"], "ara");  // their own
  EXPECT_EQ(language_of["+211912000002"], "eng");  // fra: none; the operation's eng
  EXPECT_EQ(language_of["+211922000003"], "eng");  // prs: none; the operation's eng
  EXPECT_EQ(language_of.count("+211955000004"), 0u) << "an opted-out contact got a message";
  EXPECT_EQ(language_of.count("+211977000005"), 0u) << "a contact outside the areas got it";

  // Delivery receipts come back into the message.
  json receipts = json::array();
  for (const auto& [key, n] : gateway_.by_key())
    receipts.push_back({{"idempotency_key", key}, {"status", "delivered"}});
  auto rr = Gateway("/api/v1/messages/receipts", {{"receipts", receipts}});
  ASSERT_TRUE(rr && rr->status == 200) << rr->body;
  EXPECT_EQ(json::parse(rr->body)["matched"], 3);
  m = Message(id);
  EXPECT_EQ(m["status"], "sent");
  EXPECT_EQ(m["sends"]["delivered"], 3);

  // A second broadcast, due in two seconds; a STOP in between opts the contact out before it.
  json later = kRiverRoad;
  later["title"] = "river road, again";
  const int64_t id2 = DraftAndApprove(later);
  auto sent2 = Post(coordinator_, "/api/v1/messages/" + std::to_string(id2) + "/send",
                    {{"send_at_ms", alert::NowMs() + 2000}});
  ASSERT_TRUE(sent2 && sent2->status == 200) << sent2->body;
  auto stop2 = Gateway("/api/v1/messages/inbound", {{"from", "0912000002"}, {"text", "ARRÊT"}});
  ASSERT_TRUE(stop2 && stop2->status == 200);
  EXPECT_EQ(json::parse(stop2->body)["action"], "opted_out");
  ASSERT_TRUE(gateway_.WaitFor(5, 30));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(gateway_.unique(), 5u);
  for (const auto& [key, body] : gateway_.bodies()) {
    if (key.rfind("m" + std::to_string(id2) + "-", 0) == 0) {
      EXPECT_NE(json::parse(body)["to"], "+211912000002") << "sent after STOP";
    }
  }
  EXPECT_EQ(Message(id2)["sends"]["cancelled"], 1);
}

TEST_F(MessagingApiTest, TheAuthorCannotApproveAndTextsNamingAPersonOrANumberAreRefused) {
  store::TracingRecord t;
  t.kind = "registered";
  t.organisation = "ORG-A";
  t.external_id = "case-9";
  t.name = "Amina Deng Garang";
  t.consent_for_tracing = true;
  ASSERT_TRUE(store_->PutTracingRecords({t}).ok());

  auto d = Post(coordinator_, "/api/v1/messages", kRiverRoad);
  ASSERT_TRUE(d && d->status == 201) << d->body;
  const std::string id = std::to_string(json::parse(d->body)["id"].get<int64_t>());
  auto own = Post(coordinator_, "/api/v1/messages/" + id + "/approve", json::object());
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 403) << own->body;
  EXPECT_NE(own->body.find("second person"), std::string::npos);
  // An API token never approves, whatever its scopes.
  auto tok = Post(imo_, "/api/v1/tokens", {{"name", "t"}, {"scopes", {"read", "write"}}});
  ASSERT_TRUE(tok && tok->status == 201);
  auto by_token = Client()->Post(
      "/api/v1/messages/" + id + "/approve",
      {{"Authorization", "Bearer " + json::parse(tok->body)["token"].get<std::string>()}}, "{}",
      "application/json");
  ASSERT_TRUE(by_token);
  EXPECT_EQ(by_token->status, 403);
  // Not yet approved: not sent.
  auto early = Post(coordinator_, "/api/v1/messages/" + id + "/send", json::object());
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 422) << early->body;

  for (const std::string& text :
       {std::string("Amina Deng GARANG, your family is looking for you"),
        std::string("Call 0912 345 678 for help"), std::string("Call +211912345678")}) {
    json bad = kRiverRoad;
    bad["translations"]["eng"] = text;
    auto r = Post(coordinator_, "/api/v1/messages", bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << text;
    EXPECT_EQ(json::parse(r->body)["error"]["field"], "translations") << r->body;
    EXPECT_EQ(r->body.find("Amina"), std::string::npos);
    EXPECT_EQ(r->body.find("345"), std::string::npos);
  }
  // Unknown language codes and areas are named.
  json lang = kRiverRoad;
  lang["translations"]["xx"] = "text";
  auto rl = Post(coordinator_, "/api/v1/messages", lang);
  ASSERT_TRUE(rl);
  EXPECT_EQ(rl->status, 400);
  EXPECT_NE(rl->body.find("ISO 639-3"), std::string::npos);
  // A name registered after the draft: refused at approval.
  json late = kRiverRoad;
  late["translations"]["eng"] = "Bol Akech Mayen should go to the protection desk";
  auto dl = Post(coordinator_, "/api/v1/messages", late);
  ASSERT_TRUE(dl && dl->status == 201);
  t.external_id = "case-10";
  t.name = "Bol Akech Mayen";
  ASSERT_TRUE(store_->PutTracingRecords({t}).ok());
  auto al = Post(
      imo_,
      "/api/v1/messages/" + std::to_string(json::parse(dl->body)["id"].get<int64_t>()) + "/approve",
      json::object());
  ASSERT_TRUE(al);
  EXPECT_EQ(al->status, 400) << al->body;
}

TEST_F(MessagingApiTest, ClosingTheAlertItAnswersWithdrawsAScheduledMessage) {
  ASSERT_GT(AddContact("0912000001", "eng", "SS0101"), 0);
  ASSERT_GT(AddContact("0912000002", "eng", "SS0101"), 0);
  auto a = Post(coordinator_, "/api/v1/alerts",
                {{"area_pcode", "SS0101"},
                 {"risks", {"EO"}},
                 {"urgency", "high"},
                 {"free_text", "unexploded shells by the river"}});
  ASSERT_TRUE(a && a->status == 201) << a->body;
  const int64_t alert_id = json::parse(a->body)["id"];
  // The suggestion for the open alert: an explosive-ordnance message for its area.
  auto sg = Client()->Get("/api/v1/messages/suggestions", coordinator_.Get());
  ASSERT_TRUE(sg && sg->status == 200) << sg->body;
  json suggestion;
  const json items = json::parse(sg->body);  // kept: a range over a temporary's member dangles
  for (const auto& it : items["items"])
    if (it["alert_id"] == alert_id && it["risk"] == "EO") suggestion = it["message"];
  ASSERT_FALSE(suggestion.is_null()) << sg->body;
  EXPECT_EQ(suggestion["content_type"], "eo_risk");
  EXPECT_EQ(suggestion["areas"], json::array({"SS0101"}));
  ASSERT_TRUE(suggestion["translations"].contains("ara"));

  const int64_t id = DraftAndApprove(suggestion);
  ASSERT_GT(id, 0);
  auto sent = Post(coordinator_, "/api/v1/messages/" + std::to_string(id) + "/send",
                   {{"send_at_ms", alert::NowMs() + int64_t{3600} * 1000}});
  ASSERT_TRUE(sent && sent->status == 200) << sent->body;
  EXPECT_EQ(json::parse(sent->body)["enqueued"], 2);
  auto closed = Post(coordinator_, "/api/v1/alerts/" + std::to_string(alert_id) + "/status",
                     {{"status", "closed"}, {"reason", "area cleared by the mine action team"}});
  ASSERT_TRUE(closed && closed->status == 200) << closed->body;
  json m = Message(id);
  EXPECT_EQ(m["status"], "withdrawn");
  EXPECT_EQ(m["sends"]["cancelled"], 2);
  EXPECT_EQ(m["sends"]["queued"], 0);
  EXPECT_NE(m["withdrawn_reason"].get<std::string>().find("closed"), std::string::npos);
  EXPECT_EQ(gateway_.unique(), 0u);
}

TEST_F(MessagingApiTest, OnlyTheMessagingRoleSeesPhoneNumbers) {
  ASSERT_GT(AddContact("0912000001", "eng", "SS0101"), 0);
  auto own = Client()->Get("/api/v1/contacts", officer_.Get());
  ASSERT_TRUE(own && own->status == 200);
  EXPECT_NE(own->body.find("+211912000001"), std::string::npos);
  for (const Session& s : {coordinator_, imo_}) {
    auto r = Client()->Get("/api/v1/contacts", s.Get());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403);
    EXPECT_EQ(r->body.find("+211"), std::string::npos);
    auto counts = Client()->Get("/api/v1/contacts/counts?area=SS01", s.Get());
    ASSERT_TRUE(counts && counts->status == 200);
    EXPECT_EQ(json::parse(counts->body)["contacts"]["active"], 1);
  }
  for (const char* role : {"viewer", "outside_recipient", "field_monitor"}) {
    auto r = Client()->Get("/api/v1/contacts/counts", Login(role).Get());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << role;
  }
  // A number that is not one is refused without being quoted.
  auto bad = Post(officer_, "/api/v1/contacts",
                  {{"phone", "0912 00"}, {"language", "eng"}, {"areas", {"SS0101"}}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body)["error"]["field"], "phone");
  EXPECT_EQ(bad->body.find("0912"), std::string::npos);
}

// The operator's import of a list of people who opted in: good rows in (a number written twice is
// one contact), each bad row reported by row and column with its reason, never its value, and
// listed in FILE.rejected.csv; then the counts, a message's cost and its radio script.
TEST(MessagingCli, ContactsImportReportsEveryRejectedRowWithoutQuotingIt) {
  TempDir dir;
  const std::string db = dir / "t.sqlite";
  {
    auto st = NewStore(dir);
    ASSERT_TRUE(ingest::LoadCatalog(*st, kData).ok());
    ASSERT_TRUE(st->EnsureOrganisation({0, "ORG-A", "ORG-A", "ngo"}).ok());
  }
  const std::string csv = dir / "opted-in.csv";
  WriteFile(csv,
            "phone,language,areas,channels\n"
            "0912000001,ara,SS0101,sms\n"
            "+211 912 000 002,eng,SS0101 SS0102,sms\n"
            "0912000001,ara,SS0101,sms\n"          // the same number again: one contact
            "0912 00,ara,SS0101,sms\n"             // not a number
            "0912000004,Nyabol Deng,SS0101,sms\n"  // a name where a language belongs
            "0912000005,eng,SS9999,sms\n"          // an unknown area
            "0912000006,eng,SS0101,pigeon\n");     // an unknown channel
  CommandResult r = RunAegis("--db " + db + " message contacts import " + csv + " --org ORG-A");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("2 contact(s) added, 1 updated"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("4 rejected"), std::string::npos) << r.output;
  for (const char* line :
       {":5: column phone", ":6: column language", ":7: column areas", ":8: column channels"})
    EXPECT_NE(r.output.find(line), std::string::npos) << line << "\n" << r.output;
  EXPECT_EQ(r.output.find("Nyabol"), std::string::npos);
  EXPECT_EQ(r.output.find("0912 00"), std::string::npos);
  const std::string rejected = ReadFile(csv + ".rejected.csv");
  EXPECT_NE(rejected.find("\n5,phone,"), std::string::npos) << rejected;
  EXPECT_EQ(rejected.find("Nyabol"), std::string::npos);
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM contact"), 2);
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM contact WHERE phone LIKE '%0912%'"), 0)
      << "a number in clear";

  CommandResult counts = RunAegis("--db " + db + " message contacts counts --area SS01");
  EXPECT_EQ(counts.exit_code, 0) << counts.output;
  EXPECT_NE(counts.output.find("active 2"), std::string::npos) << counts.output;
  CommandResult seg = RunAegis("message segments \"Don\xE2\x80\x99t go near the bridge\"");
  EXPECT_NE(seg.output.find("UCS-2 because of"), std::string::npos) << seg.output;
  CommandResult bad = RunAegis("--db " + db + " message contacts import " + csv + " --org NOPE");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("--org NOPE"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace aegis::testing
