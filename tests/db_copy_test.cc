// aegis db copy: an operation moved SQLite -> PostgreSQL -> SQLite answers every export exactly
// as before, and a copy never writes into a store that holds records. Needs the test PostgreSQL
// server, so it runs as pg.DbCopy.* (scripts/test.sh).
#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "running_server.h"
#include "test_util.h"

namespace aegis::testing {
namespace {

using nlohmann::json;

constexpr const char* kPassword = "copy test password 2026!";

// What a coordinator reads from a store through the API: incident exports in CSV and JSON, and
// the analysis at county level (the time each was generated left out).
std::map<std::string, std::string> ReadThroughApi(const std::string& db, const std::string& keys) {
  server::ServerOptions o;
  o.threads = 4;
  o.db = db;
  o.data_dir = kData;
  o.key_file = keys;
  RunningServer server(o);
  if (!server.ok()) return {};
  auto client = server.Client();
  httplib::Client& c = *client;
  std::map<std::string, std::string> out;
  auto r = c.Post("/api/v1/session", json{{"username", "copier"}, {"password", kPassword}}.dump(),
                  "application/json");
  EXPECT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  if (r && r->status == 200) {
    std::string cookie = r->get_header_value("Set-Cookie");
    httplib::Headers h{{"Cookie", cookie.substr(0, cookie.find(';'))}};
    const std::regex generated(R"("?generated_at"?[:,=][^,\n}]*)");
    for (const char* path :
         {"/api/v1/exports/incidents?format=csv", "/api/v1/exports/incidents?format=json",
          "/api/v1/analysis?level=2", "/api/v1/areas?level=2"}) {
      auto g = c.Get(path, h);
      EXPECT_TRUE(g && g->status == 200) << path << " " << (g ? g->body.substr(0, 300) : "");
      out[path] = g ? std::regex_replace(g->body, generated, "") : "";
    }
  }
  return out;
}

class DbCopy : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!OnPostgres()) GTEST_SKIP() << "runs as pg.DbCopy.* with the test PostgreSQL server";
    src_ = dir_ / "a.sqlite";
    auto demo =
        RunAegis("--db " + src_ + " demo --dir " + (dir_ / "demo") + " --months 4 --serve no");
    ASSERT_EQ(demo.exit_code, 0) << demo.output;
    setenv("AEGIS_PASSWORD", kPassword, 1);
    auto user = RunAegis("--db " + src_ + " user add copier --role coordinator");
    unsetenv("AEGIS_PASSWORD");
    ASSERT_EQ(user.exit_code, 0) << user.output;
  }

  // A copy of the source's key file (and audit anchor) for a store made from it.
  std::string KeysFor(const std::string& name) {
    std::string k = dir_ / (name + ".keys");
    std::filesystem::copy_file(src_ + ".keys", k);
    if (std::filesystem::exists(src_ + ".keys.audit-anchor"))
      std::filesystem::copy_file(src_ + ".keys.audit-anchor", k + ".audit-anchor");
    return k;
  }

  TempDir dir_;
  std::string src_;
};

TEST_F(DbCopy, SqliteToPostgresToSqliteGivesIdenticalExports) {
  const std::string pg = StoreUrl(dir_, "copy.pg"), back = dir_ / "back.sqlite";
  auto to_pg = RunAegis("db copy " + src_ + " " + pg);
  ASSERT_EQ(to_pg.exit_code, 0) << to_pg.output;
  EXPECT_NE(to_pg.output.find("every count and checksum matches"), std::string::npos)
      << to_pg.output;
  EXPECT_NE(to_pg.output.find("incident "), std::string::npos) << to_pg.output;
  auto to_sqlite = RunAegis("db copy " + pg + " " + back);
  ASSERT_EQ(to_sqlite.exit_code, 0) << to_sqlite.output;
  const std::string pg_keys = KeysFor("pg"), back_keys = KeysFor("back");
  auto original = ReadThroughApi(src_, src_ + ".keys");
  ASSERT_EQ(original.size(), 4u);
  EXPECT_GT(original["/api/v1/exports/incidents?format=csv"].size(), 10000u);
  auto on_pg = ReadThroughApi(pg, pg_keys);
  auto returned = ReadThroughApi(back, back_keys);
  for (const auto& [path, body] : original) {
    EXPECT_TRUE(on_pg[path] == body) << path << " differs on PostgreSQL";
    EXPECT_TRUE(returned[path] == body) << path << " differs after the round trip";
  }
  // Identity columns continue after the copied ids: a new record on the copy gets a new id.
  auto s = store::Store::Open(pg);
  ASSERT_TRUE(s.ok());
  auto src = (*s)->EnsureDataSource({0, "NEW-SOURCE", "new", "manual", "", "direct_monitoring"});
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  EXPECT_GT(*src, QueryInt(src_, "SELECT max(id) FROM data_source"));
}

TEST_F(DbCopy, ACopyNeverWritesIntoAStoreWithRecords) {
  const std::string pg = StoreUrl(dir_, "busy.pg");
  ASSERT_EQ(RunAegis("db copy " + src_ + " " + pg).exit_code, 0);
  const int64_t before = QueryInt(pg, "SELECT count(*) FROM incident");
  auto again = RunAegis("db copy " + src_ + " " + pg);
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("already holds"), std::string::npos) << again.output;
  EXPECT_NE(again.output.find("nothing was written"), std::string::npos) << again.output;
  EXPECT_EQ(QueryInt(pg, "SELECT count(*) FROM incident"), before);
  auto missing = RunAegis("db copy " + (dir_ / "none.sqlite") + " " + (dir_ / "x.sqlite"));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("none.sqlite"), std::string::npos) << missing.output;
}

}  // namespace
}  // namespace aegis::testing
