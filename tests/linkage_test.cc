// Record linkage over the store: tracing cases sealed at rest, consent, decisions that persist
// (a rejected pair never comes back, across connections), and confirmed duplicate incidents that
// count once in the analysis while both reports stay.
#include "linkage/linkage.h"

#include <fstream>
#include <sstream>

#include "access/cipher.h"
#include "analysis/analysis.h"
#include "security/keyring.h"
#include "test_util.h"
#include "util/text.h"

namespace aegis::testing {
namespace {

class LinkageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = NewStore(dir_);
    ASSERT_TRUE(security::Keyring::Create(dir_ / "t.keys").ok());
    auto source = access::KeySource::Load(dir_ / "t.keys");
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    keys_ = *source;
    store_->SetCipher(keys_);
    for (const char* org : {"UNICEF", "ICRC"})
      ASSERT_TRUE(store_->EnsureOrganisation({0, org, org, "ngo"}).ok());
  }

  store::TracingRecord Person(const std::string& kind, const std::string& org,
                              const std::string& id, const std::string& name, bool consent,
                              int age = 9) {
    store::TracingRecord r;
    r.kind = kind;
    r.organisation = org;
    r.external_id = id;
    r.name = name;
    r.sex = "f";
    r.age_min = r.age_max = age;
    r.area_pcode = "SS010101";
    r.relative_names = "Mary Achol";
    r.consent_for_tracing = consent;
    return r;
  }

  std::unique_ptr<store::Store> Reopen() {
    auto s = store::Store::Open(StoreUrl(dir_, "t.sqlite"));
    EXPECT_TRUE(s.ok());
    (*s)->SetCipher(keys_);
    return std::move(*s);
  }

  TempDir dir_;
  std::shared_ptr<access::KeySource> keys_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(LinkageTest, TracingCasesAreSealedAtRestAndUpsertedByCaseNumber) {
  auto ids =
      store_->PutTracingRecords({Person("registered", "UNICEF", "U-1", "Nyakuoth Gatwech", true),
                                 Person("registered", "UNICEF", "U-2", "Akech Deng", false),
                                 Person("request", "ICRC", "R-1", "Nyakwoth Gatweach", false)});
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  ASSERT_EQ(ids->size(), 3u);
  // Names and relatives never reach the file in clear.
  std::string bytes = StoredBytes(StoreUrl(dir_));
  ASSERT_NE(bytes.find("UNICEF"), std::string::npos) << "the store's contents were read";
  for (const char* secret : {"Nyakuoth", "Akech Deng", "Gatweach", "Mary Achol"})
    EXPECT_EQ(bytes.find(secret), std::string::npos) << secret;
  // Consent filter: the registered person without consent is not read for matching.
  auto with_consent = store_->LoadTracingRecords("registered", true);
  ASSERT_TRUE(with_consent.ok());
  ASSERT_EQ(with_consent->size(), 1u);
  EXPECT_EQ(with_consent->front().name, "Nyakuoth Gatwech");
  // Same organisation and case number: the record is updated, not duplicated.
  auto again =
      store_->PutTracingRecords({Person("registered", "UNICEF", "U-2", "Akech Deng Majok", true)});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->front(), (*ids)[1]);
  auto r = store_->GetTracingRecord((*ids)[1]);
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_EQ((*r)->name, "Akech Deng Majok");
  EXPECT_TRUE((*r)->consent_for_tracing);
  // Key rotation re-seals them: 3 names + 3 relatives' names, no date of birth given.
  auto k = security::Keyring::Load(dir_ / "t.keys");
  ASSERT_TRUE(k.ok() && k->Rotate().ok());
  auto fresh = access::KeySource::Load(dir_ / "t.keys");
  ASSERT_TRUE(fresh.ok());
  store_->SetCipher(*fresh);
  auto resealed = store_->ResealFields(100);
  ASSERT_TRUE(resealed.ok()) << resealed.status().ToString();
  EXPECT_EQ(*resealed, 6);
  EXPECT_EQ(store_->GetTracingRecord((*ids)[0]).value()->name, "Nyakuoth Gatwech");
  // An unknown organisation is refused with the fix in the message, and nothing is written.
  auto bad = store_->PutTracingRecords({Person("registered", "UNICEF", "U-9", "A B", true),
                                        Person("registered", "NOPE", "N-1", "C D", true)});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("organisation 'NOPE' is not known"), std::string::npos);
  EXPECT_EQ(store_->LoadTracingRecords("", false)->size(), 3u);
}

TEST_F(LinkageTest, ARejectedPairIsNeverProposedAgainAndConsentIsKept) {
  auto ids = store_->PutTracingRecords(
      {Person("registered", "UNICEF", "U-1", "Nyakuoth Gatwech", true),
       Person("registered", "UNICEF", "U-2", "Nyakwoth Gatwec", true),
       Person("registered", "UNICEF", "U-3", "Nyakuoth Gatwech Both", false),
       Person("request", "ICRC", "R-1", "Nyakuoth Gatweach", false)});
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  const int64_t request = (*ids)[3];
  auto candidates = [&](store::Store& s) {
    auto set = linkage::BuildTracingSet(s, match::TracingOptions{}, nullptr);
    EXPECT_TRUE(set.ok());
    auto req = s.GetTracingRecord(request);
    auto ranked = linkage::MatchRequests(s, *set, {**req});
    EXPECT_TRUE(ranked.ok());
    std::vector<std::string> ids_out;
    for (const auto& c : ranked->front()) ids_out.push_back(c.record_id);
    return ids_out;
  };
  auto first = candidates(*store_);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first.front(), std::to_string((*ids)[0]));
  // Never the registered person without consent, however close the name.
  for (const auto& id : first) EXPECT_NE(id, std::to_string((*ids)[2]));
  store::MatchDecision d;
  d.kind = "tracing";
  d.left_id = request;
  d.right_id = (*ids)[0];
  d.decision = "rejected";
  d.decided_by = "7";
  ASSERT_TRUE(store_->PutMatchDecision(d).ok());
  // Another connection (another server process, the CLI) sees the decision.
  auto other = Reopen();
  auto second = candidates(*other);
  for (const auto& id : second) EXPECT_NE(id, std::to_string((*ids)[0]));
  EXPECT_NE(std::find(second.begin(), second.end(), std::to_string((*ids)[1])), second.end());
  auto decisions = other->ListMatchDecisions("tracing");
  ASSERT_TRUE(decisions.ok());
  ASSERT_EQ(decisions->size(), 1u);
  EXPECT_EQ(decisions->front().decided_by, "7");
}

// Two partners report the same attack; a third report is another event.
void SeedDuplicates(store::Store& s) {
  auto cat = ingest::LoadCatalog(s, kData);
  ASSERT_TRUE(cat.ok());
  for (const char* src : {"PARTNER-A", "PARTNER-B"}) {
    auto id = s.EnsureDataSource({0, src, src, "manual", src, "direct_monitoring"});
    ASSERT_TRUE(id.ok());
    std::vector<store::Incident> incidents;
    store::Incident i;
    i.source_key = std::string(src) + "-1";
    i.content_hash = text::Hash64(i.source_key);
    i.date_start = i.date_end = std::string(src) == "PARTNER-A" ? "2024-03-02" : "2024-03-03";
    i.country = "SSD";
    i.place = {"SS010101", 3, "pcode", 1, "", ""};
    i.risks = {"ATK"};
    i.killed = 4;
    i.organisation_code = src;
    i.source_type = "direct_monitoring";
    i.sensitivity = "internal";
    i.narrative = "Armed men attacked Bungu market at dawn, four civilians killed, shops burned";
    incidents.push_back(i);
    if (std::string(src) == "PARTNER-B") {
      store::Incident other = i;
      other.source_key = "PARTNER-B-2";
      other.content_hash = text::Hash64(other.source_key);
      other.date_start = other.date_end = "2024-03-20";
      other.risks = {"ABD"};
      other.killed.reset();
      other.narrative = "Two boys abducted on the road to Juba";
      incidents.push_back(other);
    }
    ASSERT_TRUE(ImportIncidents(s, *id, std::move(incidents)).ok());
  }
}

store::AccessScope All() {
  store::AccessScope s;
  for (int c = 0; c < store::kRecordClasses; ++c) {
    s.max_rank[c] = 3;
    s.aggregate[c] = true;
  }
  return s;
}

TEST_F(LinkageTest, AConfirmedDuplicateCountsOnceAndBothReportsStay) {
  SeedDuplicates(*store_);
  auto cat = ingest::LoadCatalog(*store_, kData);
  ASSERT_TRUE(cat.ok());
  auto before = analysis::LoadFacts(*store_, *cat->taxonomy);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->incidents(), 3u);

  auto pairs = linkage::DuplicateCandidates(*store_, All(), {}, {});
  ASSERT_TRUE(pairs.ok()) << pairs.status().ToString();
  ASSERT_EQ(pairs->size(), 1u);  // the abduction 17 days later is not proposed
  const auto& p = pairs->front();
  EXPECT_EQ(p.kept.source, "PARTNER-A");
  EXPECT_EQ(p.duplicate.source, "PARTNER-B");
  EXPECT_TRUE(p.kept.narrative.empty());  // candidates carry no personal fields
  EXPECT_FALSE(p.reasons.empty());

  store::MatchDecision d;
  d.kind = "incident";
  d.left_id = p.kept.id;
  d.right_id = p.duplicate.id;
  d.decision = "confirmed";
  d.decided_by = "1";
  ASSERT_TRUE(store_->PutMatchDecision(d).ok());
  auto after = analysis::LoadFacts(*store_, *cat->taxonomy);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->incidents(), 2u);  // counted once
  EXPECT_EQ(after->duplicates, 1);
  EXPECT_EQ(store_->Counts()->incidents, 3);  // both reports stay as evidence
  auto dup = store_->GetIncident(All(), p.duplicate.id);
  ASSERT_TRUE(dup.ok() && *dup);
  EXPECT_EQ((*dup)->duplicate_of, p.kept.id);
  // Decided: not proposed again.
  EXPECT_TRUE(linkage::DuplicateCandidates(*store_, All(), {}, {})->empty());

  // A rejection (an analyst changing their mind) clears the duplicate: counted twice again.
  d.decision = "rejected";
  ASSERT_TRUE(store_->PutMatchDecision(d).ok());
  EXPECT_EQ(analysis::LoadFacts(*store_, *cat->taxonomy)->incidents(), 3u);
  EXPECT_EQ(store_->ListMatchDecisions("incident")->size(), 1u);
  EXPECT_TRUE(linkage::DuplicateCandidates(*store_, All(), {}, {})->empty());

  // A reader who may not read PARTNER-B's records is never shown the pair.
  store::AccessScope partner_a = All();
  auto orgs = store_->ListOrganisations();
  for (const auto& o : *orgs)
    if (o.code == "PARTNER-A") partner_a.only_organisation_id = o.id;
  ASSERT_TRUE(
      store_->PutMatchDecision({0, "incident", p.kept.id, p.duplicate.id, "confirmed", "1", ""})
          .ok());
  ASSERT_TRUE(
      store_->PutMatchDecision({0, "incident", p.kept.id, p.duplicate.id, "rejected", "1", ""})
          .ok());
  EXPECT_TRUE(linkage::DuplicateCandidates(*store_, partner_a, {}, {})->empty());
}

TEST_F(LinkageTest, TheCliImportsMatchesAndRecordsDecisions) {
  std::string reg = dir_ / "children.csv", req = dir_ / "requests.csv";
  {
    std::ofstream f(reg);
    f << "id,name,sex,age,place,relative_names,consent_for_tracing\n"
         "C-1,Deng Garang Akol,m,10,SS010101,Abuk Deng,yes\n"
         "C-2,Deng Garang,m,11,SS010102,,no\n"
         "C-3,Nyibol Chol,f,7,SS020101,,yes\n";
  }
  {
    std::ofstream f(req);
    f << "id,name,sex,age,place,relative_names\n"
         "R-1,Ding Garang Akol,m,9-11,SS0101,Abuk\n";
  }
  std::string g = "--db " + StoreUrl(dir_, "t.sqlite");
  auto imp = RunAegis(g + " tracing import --kind registered --org UNICEF " + reg + " --keys " +
                      (dir_ / "t.keys"));
  ASSERT_EQ(imp.exit_code, 0) << imp.output;
  EXPECT_NE(imp.output.find("3 registered records stored for UNICEF (2 with consent"),
            std::string::npos)
      << imp.output;
  auto imp2 = RunAegis(g + " tracing import --kind request --org ICRC " + req + " --keys " +
                       (dir_ / "t.keys"));
  ASSERT_EQ(imp2.exit_code, 0) << imp2.output;
  auto m = RunAegis(g + " tracing match --no-explain --keys " + (dir_ / "t.keys"));
  ASSERT_EQ(m.exit_code, 0) << m.output;
  EXPECT_NE(m.output.find("likely   registered 1 "), std::string::npos) << m.output;
  EXPECT_EQ(m.output.find("registered 2 "), std::string::npos) << m.output;  // no consent
  auto reject = RunAegis(g + " tracing decide --request 4 --registered 1 --reject --keys " +
                         (dir_ / "t.keys"));
  ASSERT_EQ(reject.exit_code, 0) << reject.output;
  EXPECT_NE(reject.output.find("never proposed again"), std::string::npos);
  auto m2 = RunAegis(g + " tracing match --no-explain --keys " + (dir_ / "t.keys"));
  EXPECT_EQ(m2.output.find("registered 1 "), std::string::npos) << m2.output;
  auto none =
      RunAegis(g + " tracing decide --request 4 --registered 1 --keys " + (dir_ / "t.keys"));
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.output.find("give --confirm or --reject"), std::string::npos) << none.output;
  // Every step is in the audit log, without names.
  int64_t audited = QueryInt(StoreUrl(dir_),
                             "SELECT count(*) FROM audit_log WHERE action IN ('tracing.import', "
                             "'tracing.match', 'match.rejected')");
  EXPECT_EQ(audited, 5);
  // By record: the first match names the request and the candidate it showed; the second, after
  // the rejection, the request alone.
  EXPECT_EQ(QueryText(StoreUrl(dir_),
                      "SELECT object_id || ';' FROM audit_log WHERE action = 'tracing.match' "
                      "ORDER BY seq"),
            "4,1;4;");
  EXPECT_EQ(QueryInt(StoreUrl(dir_),
                     "SELECT count(*) FROM audit_log WHERE detail LIKE '%Deng%' OR object_id "
                     "LIKE '%Deng%'"),
            0);
}

}  // namespace
}  // namespace aegis::testing
