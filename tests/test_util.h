// Helpers shared by the scenario tests: temporary folders, files, running the aegis binary,
// and a store loaded with South Sudan admin areas.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "ingest/area_import.h"
#include "ingest/importer.h"
#include "store/store.h"

namespace aegis::testing {

inline const std::string kShared = AEGIS_SHARED_DIR;
inline const std::string kSource = AEGIS_SOURCE_DIR;
inline const std::string kData = std::string(AEGIS_SOURCE_DIR) + "/data";

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "aegis-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary);
  f << content;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs the aegis binary with `args` (a shell-quoted string).
inline CommandResult RunAegis(const std::string& args) {
  std::string cmd = std::string(AEGIS_BINARY) + " --data-dir " + kData + " " + args + " 2>&1";
  CommandResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int st = pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

inline std::vector<store::AreaRow> ToRows(const std::vector<geo::Area>& areas) {
  return ingest::ToAreaRows(areas);
}

// A test oracle: one integer from a read-only SQL query on a SQLite store file.
inline int64_t QueryInt(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  int64_t v = -1;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

// A fresh SQLite store in `dir` with the South Sudan payam list loaded; `global_countries`
// adds admin1-2 of other countries from OCHA's global P-code list (e.g. {"MLI", "CAF"}).
inline std::unique_ptr<store::Store> NewStore(const TempDir& dir,
                                              const std::vector<std::string>& global_countries = {},
                                              const std::string& name = "t.sqlite") {
  auto s = store::Store::Open(dir / name);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  auto areas = ingest::ReadAreas(kData + "/geo/ssd/ssd_adm3_payams_pcodes.csv", "SSD");
  EXPECT_TRUE(areas.ok()) << areas.status().ToString();
  EXPECT_TRUE((*s)->UpsertAreas(ToRows(*areas)).ok());
  for (const auto& c : global_countries) {
    auto g = ingest::ReadAreas(kShared +
                                   "/data/hdx-python-country-pcodes/tests/fixtures/"
                                   "fixtures-download-global-pcodes-adm-1-2.csv",
                               c);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    std::vector<geo::Area> only;
    for (auto& a : *g)
      if (a.country == c) only.push_back(a);
    Status st = (*s)->UpsertAreas(ToRows(only));
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  return std::move(s).value();
}

inline Result<ingest::ImportSummary> Import(store::Store& s, const std::string& file,
                                            const std::string& profile,
                                            std::map<std::string, std::string> repeats = {}) {
  auto cat = ingest::LoadCatalog(s, kData);
  if (!cat.ok()) return cat.status();
  ingest::ImportOptions o;
  o.file = file;
  o.profile = profile;
  o.repeat_files = std::move(repeats);
  return ingest::RunImport(s, *cat, o);
}

#define EXPECT_ACCOUNTED(sum)                                                                 \
  EXPECT_EQ((sum).read, (sum).imported + (sum).updated + (sum).unchanged + (sum).quarantined) \
      << (sum).ToJson()

}  // namespace aegis::testing
