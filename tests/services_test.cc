// The service directory: an OCHA 3W imported through the importer with every row accounted for,
// the areas without a protection partner found, and who sees and changes which entry decided by
// the authorization kernel over real HTTP.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "access/decision.h"
#include "ingest/importer.h"
#include "server_fixture.h"
#include "services/directory.h"
#include "test_util.h"
#include "util/date.h"

namespace aegis::testing {
namespace {

const std::string k3W = kShared +
                        "/data/hdx-hapi-fixtures/tests/fixtures/input/"
                        "operational_presence_afg_afghanistan_3w_operational_presence_january_"
                        "march_2024.csv";

TEST(ServicesImport, TheAfghanistan3WIsAccountedForAndItsProtectionGapsAreListed) {
  TempDir dir;
  auto st = NewStore(dir, {"AFG"});
  auto cat = ingest::LoadCatalog(*st, kData);
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  ingest::ImportOptions o;
  o.file = k3W;
  o.profile = "ocha-3w";
  auto sum = ingest::RunImport(*st, *cat, o);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  // Every row is a service entry: 10,902 rows, none quarantined.
  EXPECT_EQ(sum->read, 10902);
  EXPECT_EQ(sum->imported, 10902);
  EXPECT_EQ(sum->quarantined, 0);
  // The protection row with an empty organisation name and type (WEWORLD in AF3207) is stored
  // and reported, not dropped; so is the one other such row of the file.
  std::string warnings;
  for (const auto& w : sum->warnings) warnings += w + "\n";
  EXPECT_NE(warnings.find("2 service(s) name their provider by code or acronym only"),
            std::string::npos)
      << warnings;
  store::ServiceQuery q;
  q.service_type = "protection";
  q.limit = 5000;
  auto prot = st->ListServices(access::OperatorScope(), q);
  ASSERT_TRUE(prot.ok());
  std::set<std::string> orgs;
  bool weworld = false;
  for (const auto& r : *prot) {
    orgs.insert(r.s.provider);
    weworld =
        weworld || (r.s.provider == "WEWORLD" && r.s.pcodes == std::vector<std::string>{"AF3207"});
  }
  EXPECT_EQ(prot->size(), 2652u);
  EXPECT_EQ(orgs.size(), 112u);
  EXPECT_TRUE(weworld);
  // The gap map's counts: 398 of 401 districts with a protection partner; the 3 without are
  // in Farah; Kabul (AF0101) has the most, 29 (as many as Jalalabad, AF0601).
  auto cov = st->Coverage(access::OperatorScope(), 2, "AFG");
  ASSERT_TRUE(cov.ok());
  std::vector<std::string> without;
  int64_t districts = 0, most = 0;
  std::set<std::string> most_at;
  for (const auto& c : *cov) {
    if (c.service_type != "protection") continue;
    ++districts;
    if (c.services == 0) without.push_back(c.pcode);
    if (c.providers > most) most_at.clear();
    if (c.providers >= most) most_at.insert(c.pcode);
    most = std::max(most, c.providers);
  }
  EXPECT_EQ(districts, 401);
  EXPECT_EQ(without, (std::vector<std::string>{"AF3305", "AF3307", "AF3309"}));
  EXPECT_EQ(most, 29);
  EXPECT_EQ(most_at, (std::set<std::string>{"AF0101", "AF0601"}));
  // Importing the same file again changes nothing.
  auto again = ingest::RunImport(*st, *cat, o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->unchanged, 10902);
  EXPECT_EQ(again->imported + again->updated, 0);
}

TEST(ServicesImport, TheCommandLineNamesTheDistrictsWithoutAProtectionPartner) {
  TempDir dir;
  const std::string db = "--db " + StoreUrl(dir, "c.sqlite") + " ";
  ASSERT_EQ(RunAegis(db + "areas import --global --country AFG").exit_code, 0);
  auto wrong = RunAegis(db + "services import '" + k3W + "' --profile acled");
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.output.find("reads incident records, not services"), std::string::npos)
      << wrong.output;
  auto imp = RunAegis(db + "services import '" + k3W + "'");  // ocha-3w by default
  ASSERT_EQ(imp.exit_code, 0) << imp.output;
  EXPECT_NE(imp.output.find("read 10902 = imported 10902"), std::string::npos) << imp.output;
  auto gaps = RunAegis(db + "services gaps --type protection --country AFG --top 1");
  ASSERT_EQ(gaps.exit_code, 0) << gaps.output;
  EXPECT_NE(gaps.output.find("protection: 398 of 401 areas of level 2"), std::string::npos)
      << gaps.output;
  for (const char* d : {"AF3305     Shibkoh", "AF3307     Anar Dara", "AF3309     Lash-e-Juwayn"})
    EXPECT_NE(gaps.output.find(d), std::string::npos) << d << "\n" << gaps.output;
  EXPECT_NE(gaps.output.find("gaps by severity: not computed (the store holds no placed "
                             "incidents"),
            std::string::npos)
      << gaps.output;
  auto none = RunAegis(db + "services gaps --type legal");
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.output.find("no active service of type legal"), std::string::npos) << none.output;
}

// The directory leaves as a 3W table and comes back: exported as HXL, CSV and XLSX by the
// command line, each file imports into a fresh store with the aegis-directory profile with every
// row accounted for, and the fresh store has the same protection gaps (the same 3 districts
// without a partner, Kabul with 29). The second and third files land on the same entries.
TEST(ServicesExport, TheDirectoryRoundTripsThroughHxlCsvAndXlsxWithTheSameGaps) {
  TempDir dir;
  const std::string a = "--db " + StoreUrl(dir, "a.sqlite") + " ";
  const std::string b = "--db " + StoreUrl(dir, "b.sqlite") + " ";
  for (const auto& db : {a, b})
    ASSERT_EQ(RunAegis(db + "areas import --global --country AFG").exit_code, 0);
  ASSERT_EQ(RunAegis(a + "import '" + k3W + "' --profile ocha-3w").exit_code, 0);
  const std::string hxl = dir / "d.hxl", csv = dir / "d.csv", xlsx = dir / "d.xlsx";
  auto ex = RunAegis(a + "services export " + hxl);
  ASSERT_EQ(ex.exit_code, 0) << ex.output;
  EXPECT_NE(ex.output.find("10902 service(s), 10902 row(s)"), std::string::npos) << ex.output;
  const std::string text = ReadFile(hxl);
  EXPECT_NE(text.find("#org+acronym,#org+name,#org+type+name,#sector+code"), std::string::npos);
  EXPECT_NE(text.find("#adm1+code,#adm1+name,#adm2+code"), std::string::npos);
  ASSERT_EQ(RunAegis(a + "services export " + csv).exit_code, 0);
  ASSERT_EQ(RunAegis(a + "services export " + xlsx).exit_code, 0);
  auto in = RunAegis(b + "import " + hxl + " --profile aegis-directory");
  ASSERT_EQ(in.exit_code, 0) << in.output;
  EXPECT_NE(in.output.find("read 10902 = imported 10902 + updated 0 + unchanged 0 + quarantined 0"),
            std::string::npos)
      << in.output;
  for (const auto& f : {csv, xlsx}) {
    auto again = RunAegis(b + "import " + f + " --profile aegis-directory");
    ASSERT_EQ(again.exit_code, 0) << again.output;
    EXPECT_NE(again.output.find("imported 0 + updated 0 + unchanged 10902 + quarantined 0"),
              std::string::npos)
        << f << "\n"
        << again.output;
  }
  auto gaps = RunAegis(b + "services gaps --type protection --country AFG --top 1");
  ASSERT_EQ(gaps.exit_code, 0) << gaps.output;
  EXPECT_NE(gaps.output.find("protection: 398 of 401 areas of level 2"), std::string::npos)
      << gaps.output;
  for (const char* d : {"AF3305     Shibkoh", "AF3307     Anar Dara", "AF3309     Lash-e-Juwayn"})
    EXPECT_NE(gaps.output.find(d), std::string::npos) << d << "\n" << gaps.output;
  EXPECT_NE(gaps.output.find("29 provider(s)"), std::string::npos) << gaps.output;
  auto bad = RunAegis(a + "services export " + (dir / "d.txt"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("--format"), std::string::npos) << bad.output;
}

// A profile whose sector column holds a value that is no service type: the row is quarantined
// with the column and the fix, never dropped.
TEST(ServicesImport, AnUnknownServiceTypeOrPlaceIsQuarantinedWithItsReason) {
  TempDir dir;
  auto st = NewStore(dir);
  auto cat = ingest::LoadCatalog(*st, kData);
  ASSERT_TRUE(cat.ok());
  const std::string csv = (dir / "s.csv");
  WriteFile(csv,
            "org,sector,pcode\n#org+acronym,#sector+cluster+code,#adm2+code\n"
            "NGO-A,PROTECTION_OP,SS0101\nNGO-B,KARAOKE,SS0101\nNGO-C,HEALTH_OP,XX9999\n"
            ",PROTECTION_OP,SS0102\n");
  ingest::ImportOptions o;
  o.file = csv;
  o.profile = "ocha-3w";
  auto sum = ingest::RunImport(*st, *cat, o);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->read, 4);
  EXPECT_EQ(sum->imported, 1);
  EXPECT_EQ(sum->quarantined, 3);
  std::string reasons;
  for (const auto& r : sum->quarantine_reasons) reasons += r.example + "\n";
  EXPECT_NE(reasons.find("the value is not a valid service_type"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("'XX9999' is not a known area"), std::string::npos) << reasons;
  EXPECT_NE(reasons.find("the record key is empty"), std::string::npos) << reasons;
}

// Where to refer a person in a payam: the service in the payam first, then the county's, then
// the state's; a closed service and one that takes no referrals are not offered; an entry not
// confirmed for 90 days is marked.
TEST(ServiceRecipients, NearestLevelFirstActiveAndAcceptingOnlyUnconfirmedMarked) {
  TempDir dir;
  auto st = NewStore(dir);
  auto src = st->EnsureDataSource({0, "SVC", "test", "manual", "", "secondary"});
  ASSERT_TRUE(src.ok());
  const std::string today = "2025-06-30";
  struct E {
    const char* key;
    const char* pcode;
    const char* status;
    bool accepts;
    const char* assured;
  };
  for (const E& e : {E{"state", "SS01", "active", true, "2025-06-01"},
                     E{"payam", "SS010101", "active", true, "2025-03-01"},
                     E{"county", "SS0101", "active", true, "2025-04-01"},
                     E{"closed", "SS0101", "temporarily_closed", true, "2025-06-01"},
                     E{"no-referrals", "SS010101", "active", false, "2025-06-01"},
                     E{"elsewhere", "SS0102", "active", true, "2025-06-01"}}) {
    store::Service s;
    s.source_key = e.key;
    s.provider = e.key;
    s.service_type = "legal";
    s.pcodes = {e.pcode};
    s.status = e.status;
    s.accepts_referrals = e.accepts;
    s.assured_date = e.assured;
    ASSERT_TRUE(st->CreateService(s, *src).ok()) << e.key;
  }
  auto r = services::Recipients(*st, access::OperatorScope(), "SS010101", "legal", today);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> order;
  for (const auto& x : *r)
    order.push_back(x.service.s.source_key + "/" + std::to_string(x.distance) + "/" +
                    (x.confirmed ? "confirmed" : "unconfirmed"));
  EXPECT_EQ(order, (std::vector<std::string>{"payam/0/unconfirmed", "county/1/confirmed",
                                             "state/2/confirmed"}));
  // For a person known only by county: the county's service, then one level away either way
  // (the state's, and the payam's inside the county), by id.
  r = services::Recipients(*st, access::OperatorScope(), "SS0101", "legal", today);
  ASSERT_TRUE(r.ok());
  order.clear();
  for (const auto& x : *r)
    order.push_back(x.service.s.source_key + "/" + std::to_string(x.distance));
  EXPECT_EQ(order, (std::vector<std::string>{"county/0", "state/1", "payam/1"}));
  EXPECT_TRUE(services::Confirmed("2025-04-01", today));   // 90 days before
  EXPECT_FALSE(services::Confirmed("2025-03-31", today));  // 91 days
  EXPECT_FALSE(services::Confirmed("", today));            // never confirmed
}

class ServicesApi : public ServerTest {
 protected:
  // Two entries per organisation: an ordinary one (internal) and a GBV-specialised one (stored
  // confidential whatever it was given as).
  void SeedServices() {
    auto src = store_->EnsureDataSource({0, "SVC", "test", "manual", "", "secondary"});
    ASSERT_TRUE(src.ok());
    for (const char* org : {"ORG-A", "ORG-B"})
      for (bool gbv : {false, true}) {
        store::Service s;
        s.source_key = std::string(org) + (gbv ? "|gbv" : "|protection");
        s.organisation_code = org;
        s.provider = org;
        s.service_type = gbv ? "gbv" : "protection";
        s.gbv_specialised = gbv;
        s.sensitivity = access::SensitivityName(access::ServiceRank(gbv, 1));
        s.pcodes = {"SS0101"};
        s.contact = "SECRET-CONTACT-" + s.source_key;
        auto id = store_->CreateService(s, *src);
        ASSERT_TRUE(id.ok()) << id.status().ToString();
        ids_[s.source_key] = *id;
      }
  }
  std::set<std::string> Listed(const Session& s) {
    std::set<std::string> out;
    auto r = Client()->Get("/api/v1/services?area=SS010101", s.Get());
    if (!r || r->status != 200) return out;
    json body = json::parse(r->body);
    for (const auto& it : body["items"]) out.insert(it["source_key"].get<std::string>());
    return out;
  }
  std::map<std::string, int64_t> ids_;
};

TEST_F(ServicesApi, TheDirectoryIsSharedButGbvServicesShowOnlyToRolesAllowedThatFar) {
  SeedServices();
  // A partner (own organisation only for case records) reads the other partner's services, and
  // the GBV-specialised ones (the shipped protocol gives it confidential for services).
  EXPECT_EQ(
      Listed(Login("partner_focal_point")),
      (std::set<std::string>{"ORG-A|protection", "ORG-A|gbv", "ORG-B|protection", "ORG-B|gbv"}));
  // A field monitor reads services up to internal: the GBV-specialised ones are not shown.
  EXPECT_EQ(Listed(Login("field_monitor")),
            (std::set<std::string>{"ORG-A|protection", "ORG-B|protection"}));
  auto detail = Client()->Get("/api/v1/services/" + std::to_string(ids_["ORG-B|gbv"]),
                              Login("field_monitor").Get());
  ASSERT_TRUE(detail);
  EXPECT_EQ(detail->status, 404) << detail->body;
  // An outside recipient sees aggregates only: no entry, but the coverage counts.
  Session out = Login("outside_recipient");
  EXPECT_TRUE(Listed(out).empty());
  auto cov = Client()->Get("/api/v1/services/coverage?level=1&type=protection", out.Get());
  ASSERT_TRUE(cov && cov->status == 200) << (cov ? cov->body : "");
  json c = json::parse(cov->body);
  int64_t at = -1;
  for (const auto& it : c["items"])
    if (it["pcode"] == "SS01") at = it["services"];
  EXPECT_EQ(at, 2);  // the two internal entries; the confidential GBV entries are not counted
  EXPECT_EQ(cov->body.find("SECRET-CONTACT"), std::string::npos);
  // The contact point is shown to those who read the entry.
  auto d = Client()->Get("/api/v1/services/" + std::to_string(ids_["ORG-B|protection"]),
                         Login("partner_focal_point").Get());
  ASSERT_TRUE(d && d->status == 200);
  EXPECT_NE(d->body.find("SECRET-CONTACT-ORG-B|protection"), std::string::npos);
}

TEST_F(ServicesApi, APartnerChangesItsOwnOrganisationsServicesOnly) {
  SeedServices();
  Session p = Login("partner_focal_point");  // of ORG-A
  json change = {{"service_type", "protection"},
                 {"provider", "ORG-A"},
                 {"pcodes", {"SS0101", "SS0102"}},
                 {"status", "temporarily closed"}};
  auto own = Client()->Put("/api/v1/services/" + std::to_string(ids_["ORG-A|protection"]),
                           p.Unsafe(), change.dump(), "application/json");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200) << own->body;
  auto other = Client()->Put("/api/v1/services/" + std::to_string(ids_["ORG-B|protection"]),
                             p.Unsafe(), change.dump(), "application/json");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403) << other->body;
  auto kept = store_->GetService(access::OperatorScope(), ids_["ORG-B|protection"]);
  ASSERT_TRUE(kept.ok() && kept->has_value());
  EXPECT_EQ((*kept)->s.status, "active");
  auto changed = store_->GetService(access::OperatorScope(), ids_["ORG-A|protection"]);
  ASSERT_TRUE(changed.ok() && changed->has_value());
  EXPECT_EQ((*changed)->s.status, "temporarily_closed");
  EXPECT_EQ((*changed)->s.pcodes, (std::vector<std::string>{"SS0101", "SS0102"}));
  // A new entry: a GBV service is stored confidential even when entered as public, and a role
  // that may not write services (the field monitor) is refused.
  json gbv = {{"service_type", "gbv"},
              {"provider", "ORG-A"},
              {"pcodes", {"SS0101"}},
              {"sensitivity", "public"}};
  auto made = Client()->Post("/api/v1/services", p.Unsafe(), gbv.dump(), "application/json");
  ASSERT_TRUE(made);
  EXPECT_EQ(made->status, 201) << made->body;
  EXPECT_EQ(json::parse(made->body)["sensitivity"], "confidential");
  auto refused = Client()->Post("/api/v1/services", Login("field_monitor").Unsafe(), gbv.dump(),
                                "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403) << refused->body;
  auto bad = Client()->Post("/api/v1/services", p.Unsafe(),
                            json{{"service_type", "karaoke"}, {"provider", "X"}}.dump(),
                            "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("service_type"), std::string::npos) << bad->body;
}

// The directory's export over HTTP holds what the caller may read and never a contact point: a
// field monitor's file has no GBV-specialised entry, a partner's has them all; the outside
// recipient (aggregates only) may not export entries at all; every entry written is audited.
TEST_F(ServicesApi, TheExportHoldsNoContactPointAndOnlyTheEntriesTheCallerMayRead) {
  SeedServices();
  auto file = [&](const std::string& role, const std::string& query) {
    auto r = Client()->Get("/api/v1/services/export?" + query, Login(role).Get());
    return r ? std::pair{r->status, r->body} : std::pair{-1, std::string()};
  };
  auto [pst, partner] = file("partner_focal_point", "format=hxl");
  ASSERT_EQ(pst, 200) << partner;
  EXPECT_NE(partner.find("#meta+id,#loc+code"), std::string::npos) << partner;
  for (const char* k : {"ORG-A,ORG-A", "ORG-B,ORG-B"})
    EXPECT_NE(partner.find(k), std::string::npos);
  EXPECT_NE(partner.find(",gbv,"), std::string::npos) << partner;
  EXPECT_EQ(partner.find("SECRET-CONTACT"), std::string::npos);
  auto [fst, monitor] = file("field_monitor", "format=csv");
  ASSERT_EQ(fst, 200) << monitor;
  EXPECT_EQ(monitor.find(",gbv,"), std::string::npos) << monitor;
  EXPECT_NE(monitor.find(",protection,"), std::string::npos) << monitor;
  auto [xst, xlsx] = file("partner_focal_point", "format=xlsx&type=protection");
  ASSERT_EQ(xst, 200);
  EXPECT_EQ(xlsx.substr(0, 2), "PK");  // a zip archive
  EXPECT_EQ(xlsx.find("SECRET-CONTACT"), std::string::npos);
  EXPECT_EQ(file("outside_recipient", "format=csv").first, 403);
  EXPECT_EQ(file("partner_focal_point", "format=pdf").first, 400);
  EXPECT_EQ(file("partner_focal_point", "format=csv&type=karaoke").first, 400);
  // Audited by entry: the ids written appear in an export.records row of class service.
  bool listed = false;
  ASSERT_TRUE(store_
                  ->ScanAudit([&](const store::AuditRow& e) {
                    listed =
                        listed ||
                        (e.action == "export.records" && e.object_type == "service" &&
                         e.object_id.find(std::to_string(ids_["ORG-B|gbv"])) != std::string::npos);
                  })
                  .ok());
  EXPECT_TRUE(listed);
}

}  // namespace
}  // namespace aegis::testing
