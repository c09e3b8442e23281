// `aegis db migrate|check|backup`, `aegis taxonomy`, `aegis demo` and --help, through the binary.
#include "store/migrations.h"
#include "test_util.h"

namespace aegis::testing {
namespace {

TEST(CliDb, MigrateIsIdempotentAndCheckBackupWork) {
  TempDir dir;
  std::string db = dir / "ops.sqlite";
  auto m1 = RunAegis("--db " + db + " db migrate");
  ASSERT_EQ(m1.exit_code, 0) << m1.output;
  const std::string latest = std::to_string(store::Migrations().size());
  EXPECT_NE(
      m1.output.find("schema version 0 -> " + latest + " (" + latest + " migrations applied)"),
      std::string::npos)
      << m1.output;
  auto m2 = RunAegis("--db " + db + " db migrate");
  EXPECT_NE(m2.output.find("(0 migrations applied)"), std::string::npos) << m2.output;
  ASSERT_EQ(
      RunAegis("--db " + db + " areas import " + kData + "/geo/ssd/ssd_adm3_payams_pcodes.csv")
          .exit_code,
      0);
  auto check = RunAegis("--db " + db + " db check");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("602 areas"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("check: OK"), std::string::npos);
  auto backup = RunAegis("--db " + db + " db backup " + (dir / "copy.sqlite"));
  ASSERT_EQ(backup.exit_code, 0) << backup.output;
  EXPECT_EQ(RunAegis("--db " + (dir / "copy.sqlite") + " db check").exit_code, 0);
  auto again = RunAegis("--db " + db + " db backup " + (dir / "copy.sqlite"));
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("choose a new file name"), std::string::npos) << again.output;
}

TEST(CliDb, CheckReportsADamagedOrMissingStore) {
  TempDir dir;
  auto missing = RunAegis("--db " + (dir / "none.sqlite") + " db check");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("no such store"), std::string::npos) << missing.output;
  WriteFile(dir / "junk.sqlite", std::string(8192, 'x'));
  auto junk = RunAegis("--db " + (dir / "junk.sqlite") + " db check");
  EXPECT_NE(junk.exit_code, 0);
  EXPECT_NE(junk.output.find("junk.sqlite"), std::string::npos) << junk.output;
}

TEST(CliDb, TaxonomyIsValidatedAndABrokenOneIsRefused) {
  auto ok = RunAegis("taxonomy");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("Gender-Based Violence"), std::string::npos);
  TempDir dir;
  std::filesystem::copy(kData, dir / "data", std::filesystem::copy_options::recursive);
  std::string risks = ReadFile(dir / "data/taxonomy/risks.json");
  risks.replace(risks.find("\"GBV\""), 5, "\"ATK\"");  // two risks with one code
  WriteFile(dir / "data/taxonomy/risks.json", risks);
  std::string cmd = std::string(AEGIS_BINARY) + " --data-dir " + (dir / "data") + " taxonomy 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  std::string out;
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_NE(pclose(p), 0);
  EXPECT_NE(out.find("risks.json"), std::string::npos) << out;
}

// The binary knows nothing of the source tree: it finds its data folder beside itself
// (<prefix>/share/aegis/data once installed; ../data for build/aegis), or is given it; without
// either, the error names the places looked at and the fix.
TEST(CliDataDir, FoundBesideTheExecutableOrGivenElseTheErrorSaysHow) {
  namespace fs = std::filesystem;
  TempDir dir;
  const fs::path prefix = fs::canonical(dir.path()) / "prefix";
  fs::create_directories(prefix / "bin");
  const std::string exe = (prefix / "bin/aegis").string();
  std::error_code ec;
  fs::create_hard_link(AEGIS_BINARY, exe, ec);
  if (ec) fs::copy_file(AEGIS_BINARY, exe);
  auto none = Shell("env -u AEGIS_DATA_DIR " + exe + " taxonomy");
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.output.find((prefix / "share/aegis/data").string()), std::string::npos)
      << none.output;
  EXPECT_NE(none.output.find("--data-dir"), std::string::npos) << none.output;
  auto given = Shell("env -u AEGIS_DATA_DIR " + exe + " --data-dir " + kData + " taxonomy");
  EXPECT_EQ(given.exit_code, 0) << given.output;
  auto from_env = Shell("env AEGIS_DATA_DIR=" + kData + " " + exe + " taxonomy");
  EXPECT_EQ(from_env.exit_code, 0) << from_env.output;
  fs::create_directories(prefix / "share/aegis");
  fs::create_directory_symlink(kData, prefix / "share/aegis/data");
  auto installed = Shell("env -u AEGIS_DATA_DIR " + exe + " taxonomy");
  EXPECT_EQ(installed.exit_code, 0) << installed.output;
  EXPECT_NE(installed.output.find("Gender-Based Violence"), std::string::npos);
  // build/aegis in the source tree finds the project's data/.
  if (fs::equivalent(fs::path(AEGIS_BINARY).parent_path() / "../data", kData, ec)) {
    auto built = Shell("env -u AEGIS_DATA_DIR " + std::string(AEGIS_BINARY) + " taxonomy");
    EXPECT_EQ(built.exit_code, 0) << built.output;
  }
}

TEST(CliDemo, BuildsTheDemoStoreAndPrintsTheMonthlySummary) {
  TempDir dir;
  auto r = RunAegis("demo --dir " + dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("kobo_incidents.csv"), std::string::npos);
  EXPECT_NE(r.output.find("quarantined row 64: '2026-02-30' is not a valid date"),
            std::string::npos)
      << r.output;  // the planted bad rows show, with the value and the fix
  EXPECT_NE(r.output.find("Protection incidents by admin2 (county)"), std::string::npos);
  EXPECT_NE(r.output.find("Pibor (SS0308)"), std::string::npos) << r.output;
  EXPECT_EQ(RunAegis("--db " + (dir / "aegis-demo.sqlite") + " db check").exit_code, 0);
  // Deterministic: the same seed gives the same store.
  TempDir dir2;
  ASSERT_EQ(RunAegis("demo --dir " + dir2.path()).exit_code, 0);
  auto a = store::Store::Open(dir / "aegis-demo.sqlite");
  auto b = store::Store::Open(dir2 / "aegis-demo.sqlite");
  EXPECT_EQ((*a)->ContentDigest().value(), (*b)->ContentDigest().value());
}

TEST(CliHelp, EveryCommandHasHelpThatTeaches) {
  for (const char* c : {"", "db", "areas", "import", "summary", "demo", "bench import"}) {
    auto r = RunAegis(std::string(c) + " --help");
    EXPECT_EQ(r.exit_code, 0) << c;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << c;
  }
  auto imp = RunAegis("import --help");
  EXPECT_NE(imp.output.find("Examples:"), std::string::npos);
  EXPECT_NE(imp.output.find("victim_sex"), std::string::npos);  // the fields a profile can map
  auto list = RunAegis("import --list-profiles");
  for (const char* p :
       {"acled", "kobo-incident", "odk-incident", "hxl-incident", "kobo-monitoring",
        "insecurity-insight-crsv", "insecurity-insight-protection", "acled-reduced"})
    EXPECT_NE(list.output.find(p), std::string::npos) << p;
}

}  // namespace
}  // namespace aegis::testing
