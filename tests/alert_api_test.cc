// The early-warning API on a real server: intake by SMS text, what each role sees, triage with
// reasons, merging duplicates, acknowledgement, the inbox and the board, webhooks delivered by
// the server's worker, and an audit log without text.
#include <gtest/gtest.h>

#include "alert_test_util.h"
#include "server_fixture.h"

namespace aegis::testing {
namespace {

class AlertApiTest : public ServerTest {
 protected:
  void SetUp() override {
    std::string routing = TestRouting(receiver_.url()) +
                          "[[rule]]\nrisks = [\"ATK\"]\nlevels = [[\"role:outside_recipient\"]]\n";
    WriteFile(dir_ / "routing.toml", routing);
    alert_routing_ = dir_ / "routing.toml";
    ServerTest::SetUp();
  }
  json Post(const Session& s, const std::string& path, const json& body, int expect) {
    auto r = Client()->Post(path, s.Unsafe(), body.dump(), "application/json");
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, expect) << path << " " << r->body;
    return json::parse(r->body, nullptr, false);
  }
  json Get(const Session& s, const std::string& path, int expect) {
    auto r = Client()->Get(path, s.Get());
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, expect) << path << " " << r->body;
    return json::parse(r->body, nullptr, false);
  }
  WebhookReceiver receiver_{"test-secret"};
};

const char* kText = "ALERT Pibor gunmen attacking Gumuruk now, Nyakuoth Gatluak taken";

TEST_F(AlertApiTest, IntakeTriageAcknowledgementAndWhatEachRoleSees) {
  Session monitor = Login("field_monitor"), coord = Login("coordinator");
  Session outside = Login("outside_recipient"), partner = Login("partner_focal_point");
  Session viewer = Login("viewer");
  json a = Post(monitor, "/api/v1/alerts", {{"text", kText}, {"sender", "+211912345678"}}, 201);
  ASSERT_TRUE(a.contains("id"));
  const std::string id = std::to_string(a["id"].get<int64_t>());
  EXPECT_EQ(a["area"]["pcode"], "SS0308");
  EXPECT_EQ(a["risks"][0], "ATK");
  EXPECT_EQ(a["urgency"], "immediate");
  EXPECT_EQ(a["channel"], "sms");
  EXPECT_FALSE(a.contains("reporter"));  // a monitor sees the text, not the source
  EXPECT_TRUE(a.contains("text"));
  EXPECT_EQ(a["routed_to"].size(), 4u);
  Post(viewer, "/api/v1/alerts", {{"text", kText}}, 403);
  Post(monitor, "/api/v1/alerts", {{"area_pcode", "XX99"}}, 400);

  // The server's worker posts the webhook, signed, without names.
  ASSERT_TRUE(receiver_.WaitFor(1, 10));
  EXPECT_EQ(receiver_.bodies().begin()->second.find("Nyakuoth"), std::string::npos);

  // Coordination sees everything, with the history.
  json full = Get(coord, "/api/v1/alerts/" + id, 200);
  EXPECT_EQ(full["reporter"], "+211912345678");
  EXPECT_EQ(full["raw_text"], kText);
  EXPECT_EQ(full["history"][0]["action"], "received");
  EXPECT_FALSE(full["deliveries"].empty());

  // An outside recipient gets place, threat and time only.
  json inbox = Get(outside, "/api/v1/alerts/inbox", 200);
  ASSERT_EQ(inbox["count"], 1);
  EXPECT_FALSE(inbox["items"][0].contains("text"));
  EXPECT_FALSE(inbox["items"][0].contains("reporter"));
  EXPECT_EQ(inbox["items"][0]["area"]["pcode"], "SS0308");
  EXPECT_EQ(Get(viewer, "/api/v1/alerts/inbox", 200)["count"], 0);
  Get(viewer, "/api/v1/alerts/" + id, 404);

  // Triage: coordination only, always with a reason.
  Post(coord, "/api/v1/alerts/" + id + "/status", {{"status", "verified"}}, 400);
  Post(monitor, "/api/v1/alerts/" + id + "/status", {{"status", "verified"}, {"reason", "x"}}, 403);
  Post(coord, "/api/v1/alerts/" + id + "/status",
       {{"status", "verified"}, {"reason", "confirmed by phone with the county focal point"}}, 200);
  json dup = Post(monitor, "/api/v1/alerts", {{"text", "ALERT SS0308 attack on Gumuruk now"}}, 201);
  const std::string dup_id = std::to_string(dup["id"].get<int64_t>());
  EXPECT_EQ(Get(coord, "/api/v1/alerts/" + id, 200)["possible_duplicates"],
            json::array({dup["id"]}));
  Post(coord, "/api/v1/alerts/" + dup_id + "/merge",
       {{"into", a["id"]}, {"reason", "same attack, second focal point"}}, 200);
  json merged = Get(coord, "/api/v1/alerts/" + dup_id, 200);
  EXPECT_EQ(merged["status"], "closed");
  EXPECT_EQ(merged["merged_into"], a["id"]);
  EXPECT_EQ(merged["history"].back()["action"], "merged");
  EXPECT_EQ(merged["history"].back()["reason"], "same attack, second focal point");

  // The board shows what waits on whom; the partner of Jonglei acknowledges.
  json board = Get(coord, "/api/v1/alerts/board", 200);
  EXPECT_EQ(board["open"], 1);  // the duplicate is merged
  EXPECT_FALSE(board["items"][0]["waiting_on"].empty());
  Get(monitor, "/api/v1/alerts/board", 403);
  json ack = Post(partner, "/api/v1/alerts/" + id + "/ack", json::object(), 200);
  EXPECT_TRUE(ack["first"]);
  EXPECT_TRUE(Get(coord, "/api/v1/alerts/board", 200)["items"][0]["waiting_on"].empty());
  EXPECT_EQ(Get(coord, "/api/v1/alerts", 200)["count"], 2);

  // The audit log holds ids and actions, never the text or the sender.
  bool audited = false;
  ASSERT_TRUE(store_
                  ->ScanAudit([&](const store::AuditRow& r) {
                    audited = audited || r.action == "alert.create";
                    EXPECT_EQ(r.detail.find("Nyakuoth"), std::string::npos);
                    EXPECT_EQ(r.detail.find("+211"), std::string::npos);
                  })
                  .ok());
  EXPECT_TRUE(audited);
}

}  // namespace
}  // namespace aegis::testing
