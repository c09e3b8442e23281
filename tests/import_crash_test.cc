// Crash test: the real aegis binary is killed with SIGKILL at random moments of an import, many
// times. After every kill `aegis db check` is clean; re-running the import ends in exactly the
// store that an uninterrupted import gives (same content digest), with counts that add up.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <chrono>
#include <random>
#include <thread>
#include <tuple>

#include "cli/synthetic_acled.h"
#include "ingest/table.h"
#include "test_util.h"

namespace aegis::testing {
namespace {

pid_t Spawn(const std::vector<std::string>& args) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execv(AEGIS_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

std::string Digest(const std::string& db) {
  auto s = store::Store::Open(db);
  return s.ok() ? (*s)->ContentDigest().value() : "open failed";
}

TEST(ImportCrash, KilledAtRandomPointsThenReRunGivesTheUninterruptedStore) {
  TempDir dir;
  {
    auto s = NewStore(dir, {}, "areas.sqlite");
    ASSERT_TRUE(
        aegis::cli::WriteSyntheticAcled(dir / "events.csv", 40000, s->LoadAreas().value(), 11)
            .ok());
  }
  // A few bad rows so that the quarantine is part of what must survive.
  WriteFile(dir / "bad.csv", "");
  std::string csv = ReadFile(dir / "events.csv");
  csv +=
      "BAD1,31 February 2020,2020,1,Political violence,Battles,Armed clash,X,,3,Y,,7,37,,728,"
      "Eastern Africa,South Sudan,Jonglei,Akobo,,Akobo,7.1,31.6,1,Test,Local,bad date,0,,1\n";
  WriteFile(dir / "events.csv", csv);
  const std::string areas = kData + "/geo/ssd/ssd_adm3_payams_pcodes.csv";
  // Every other run is a bulk load (incident index dropped, built at the end), so that kills
  // land in that window too.
  auto import_args = [&](const std::string& db, bool bulk = false) {
    return std::vector<std::string>{"aegis",
                                    "--data-dir",
                                    kData,
                                    "--db",
                                    db,
                                    "import",
                                    dir / "events.csv",
                                    "--profile",
                                    "acled",
                                    "--batch-rows",
                                    "700",
                                    "--indexes",
                                    bulk ? "defer" : "keep"};
  };
  // The reference: one uninterrupted import.
  std::string ref = dir / "ref.sqlite", crash = dir / "crash.sqlite";
  ASSERT_EQ(RunAegis("--db " + ref + " areas import " + areas).exit_code, 0);
  ASSERT_EQ(RunAegis("--db " + crash + " areas import " + areas).exit_code, 0);
  auto t0 = std::chrono::steady_clock::now();
  pid_t p = Spawn(import_args(ref));
  int st = 0;
  waitpid(p, &st, 0);
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  int full_ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count());
  std::mt19937 rng(42);
  int kills = 0, rounds = 0;
  // Kills land at a random time within `bound`: the reference's time at first, shortened
  // whenever an import finished before its kill (a resumed import has fewer rows left, and a
  // loaded machine times the reference slower than the runs that follow).
  int bound = std::max(2, full_ms);
  for (int i = 0; i < 60 && kills < 12; ++i) {
    pid_t c = Spawn(import_args(crash, i % 2 == 0));
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % bound));
    kill(c, SIGKILL);
    waitpid(c, &st, 0);
    bool killed = WIFSIGNALED(st);
    kills += killed;
    auto check = RunAegis("--db " + crash + " db check");
    ASSERT_EQ(check.exit_code, 0) << "after kill " << i << ":\n" << check.output;
    if (!killed) {  // the import had finished: start a new round from an empty store
      ++rounds;
      bound = std::max(2, bound * 2 / 3);
      EXPECT_EQ(Digest(crash), Digest(ref));
      for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(crash + ext);
      ASSERT_EQ(RunAegis("--db " + crash + " areas import " + areas).exit_code, 0);
    }
  }
  EXPECT_GE(kills, 12);
  auto last =
      RunAegis("--db " + crash + " import " + (dir / "events.csv") + " --profile acled --json");
  ASSERT_EQ(last.exit_code, 0) << last.output;
  std::printf(
      "[figure] crash test: %d imports killed with SIGKILL, %d rounds completed by "
      "resuming, full import %d ms\n",
      kills, rounds, full_ms);
  EXPECT_EQ(Digest(crash), Digest(ref));
  EXPECT_NE(last.output.find("\"quarantined\": 1"), std::string::npos) << last.output;
  auto check = RunAegis("--db " + crash + " db check");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_EQ(check.output.find("interrupted"), std::string::npos) << check.output;
  EXPECT_EQ(QueryInt(crash, "SELECT count(*) FROM sqlite_master WHERE name='incident_area_date'"),
            1)
      << "the deferred index must be back after the last import";
}

TEST(ImportBulk, DeferredIndexIsBuiltAtTheEndAndHealsAfterAKill) {
  TempDir dir;
  std::string db = dir / "s.sqlite";
  auto s = NewStore(dir, {}, "s.sqlite");
  ASSERT_TRUE(aegis::cli::WriteSyntheticAcled(dir / "e.csv", 3000, s->LoadAreas().value(), 5).ok());
  auto r = RunAegis("--db " + db + " import " + (dir / "e.csv") +
                    " --profile acled --indexes defer --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("index_build_seconds"), std::string::npos) << r.output;
  const std::string has_index =
      "SELECT count(*) FROM sqlite_master WHERE name='incident_area_date'";
  EXPECT_EQ(QueryInt(db, has_index), 1);
  // A bulk load killed between dropping and rebuilding the index: the next open rebuilds it.
  ASSERT_TRUE(s->DeferIndexes().ok());
  s.reset();
  EXPECT_EQ(QueryInt(db, has_index), 0);
  ASSERT_EQ(RunAegis("--db " + db + " db check").exit_code, 0);
  EXPECT_EQ(QueryInt(db, has_index), 1);
  EXPECT_EQ(QueryInt(db,
                     "SELECT count(*) FROM incident INDEXED BY incident_area_date WHERE "
                     "area_pcode IS NOT NULL"),
            QueryInt(db, "SELECT count(*) FROM incident WHERE area_pcode IS NOT NULL"));
}

// Writes CSV files as the sheets of one workbook (inline strings); `key_prefix` is put before the
// first cell of every data row of that sheet, so that the sheets' records have distinct keys.
void CsvsToWorkbook(const TempDir& dir, const std::string& out,
                    const std::vector<std::tuple<std::string, std::string, std::string>>& sheets) {
  lxw_workbook_options o{};
  o.constant_memory = LXW_TRUE;
  std::string tmp = dir.path();
  o.tmpdir = tmp.data();
  lxw_workbook* wb = workbook_new_opt(out.c_str(), &o);
  ASSERT_NE(wb, nullptr);
  for (const auto& [name, csv, key_prefix] : sheets) {
    lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
    auto reader = ingest::OpenTable(csv, {});
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    ingest::Row row;
    lxw_row_t r = 0;
    while ((*reader)->Next(&row)) {
      for (size_t c = 0; c < row.size(); ++c) {
        std::string v = (r > 0 && c == 0 ? key_prefix : "") + row[c];
        if (!v.empty())
          worksheet_write_string(ws, r, static_cast<lxw_col_t>(c), v.c_str(), nullptr);
      }
      ++r;
    }
  }
  ASSERT_EQ(workbook_close(wb), LXW_NO_ERROR);
}

// An import killed on one sheet of a workbook, then an import of another sheet of the same
// workbook: the second is a new import (not a "resume" of the first that skips its rows), every
// row of it is stored, and re-running the first resumes it to the end.
TEST(ImportResume, AKilledSheetDoesNotSkipRowsOfAnotherSheetOfTheSameWorkbook) {
  TempDir dir;
  std::string db = dir / "s.sqlite";
  {
    auto s = NewStore(dir, {}, "s.sqlite");
    auto areas = s->LoadAreas().value();
    ASSERT_TRUE(aegis::cli::WriteSyntheticAcled(dir / "a.csv", 30000, areas, 21).ok());
    ASSERT_TRUE(aegis::cli::WriteSyntheticAcled(dir / "b.csv", 9000, areas, 22).ok());
  }
  const std::string book = dir / "events.xlsx";
  CsvsToWorkbook(dir, book, {{"North", dir / "a.csv", "N"}, {"South", dir / "b.csv", "S"}});
  auto args = [&](const std::string& sheet) {
    return std::vector<std::string>{"aegis",  "--data-dir",   kData,       "--db",      db,
                                    "import", book,           "--profile", "acled",     "--sheet",
                                    sheet,    "--batch-rows", "500",       "--indexes", "keep"};
  };
  // Killed once some batches of the first sheet are committed.
  pid_t p = Spawn(args("North"));
  int64_t done = 0;
  for (int i = 0; i < 20000 && done <= 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    done = QueryInt(db, "SELECT coalesce(max(rows_done),0) FROM import_run");
  }
  kill(p, SIGKILL);
  int st = 0;
  waitpid(p, &st, 0);
  ASSERT_TRUE(WIFSIGNALED(st)) << "the import finished before it could be killed";
  const int64_t stored_north = QueryInt(db, "SELECT count(*) FROM incident");
  ASSERT_GT(stored_north, 0);
  ASSERT_LT(stored_north, 30000);

  auto south = RunAegis("--db " + db + " import " + book + " --profile acled --sheet South --json");
  ASSERT_EQ(south.exit_code, 0) << south.output;
  EXPECT_NE(south.output.find("\"read\": 9000"), std::string::npos) << south.output;
  EXPECT_NE(south.output.find("\"imported\": 9000"), std::string::npos) << south.output;
  EXPECT_NE(south.output.find("\"resumed\": false"), std::string::npos) << south.output;
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM incident WHERE source_key LIKE 'S%'"), 9000);

  auto north = RunAegis("--db " + db + " import " + book + " --profile acled --sheet North --json");
  ASSERT_EQ(north.exit_code, 0) << north.output;
  EXPECT_NE(north.output.find("\"resumed\": true"), std::string::npos) << north.output;
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM incident WHERE source_key LIKE 'N%'"), 30000);
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM incident"), 39000);
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM import_run WHERE status<>'completed'"), 0);
  EXPECT_EQ(QueryInt(db, "SELECT sum(n_read) FROM import_run"), 39000);
  auto check = RunAegis("--db " + db + " db check");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_EQ(check.output.find("interrupted"), std::string::npos) << check.output;
}

// An import refused before any row is written (a required column missing) ends as failed, with
// its reason, not as an interrupted run that `db check` advises resuming.
TEST(ImportResume, AnImportRefusedBeforeAnyRowEndsFailed) {
  TempDir dir;
  std::string db = dir / "s.sqlite";
  NewStore(dir, {}, "s.sqlite");
  WriteFile(dir / "bad.csv", "event_id_cnty,evnt_date,admin2\nSSD1,2024-01-05,Akobo\n");
  auto r = RunAegis("--db " + db + " import " + (dir / "bad.csv") + " --profile acled");
  ASSERT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM import_run WHERE status='running'"), 0);
  EXPECT_EQ(QueryInt(db,
                     "SELECT count(*) FROM import_run WHERE status='failed' AND error LIKE "
                     "'%missing required column%'"),
            1);
  auto check = RunAegis("--db " + db + " db check");
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_EQ(check.output.find("resume"), std::string::npos) << check.output;
}

}  // namespace
}  // namespace aegis::testing
