// The import pipeline: read -> map (validate, resolve place and risks) -> store, in batches.
//
// Every data row read ends as exactly one of: imported, updated, unchanged, quarantined; the four
// counts add up to the rows read. Each batch is committed together with the run's checkpoint, so
// a crash or kill at any moment leaves the store consistent and re-running the same import (the
// same file, sheet, profile and options: its import key) resumes after the last committed batch.
// An import refused before it wrote a row ends failed, with its reason. Re-importing a file
// changes nothing.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "geo/gazetteer.h"
#include "store/store.h"
#include "taxonomy/taxonomy.h"
#include "util/env.h"
#include "util/status.h"

namespace aegis::ingest {

// What an import needs besides the file: reference data and the places known to the store.
struct Profile;

struct Catalog {
  std::string data_dir;  // holds taxonomy/, profiles/, mappings/, geo/
  std::unique_ptr<taxonomy::Taxonomy> taxonomy;
  std::unique_ptr<geo::Gazetteer> gazetteer;
};

// Loads and validates the taxonomy and builds the gazetteer from the store's areas.
Result<Catalog> LoadCatalog(store::Store& store, const std::string& data_dir);

struct ImportOptions {
  std::string file;
  std::string profile;                              // built-in name or path of a .toml profile
  std::map<std::string, std::string> repeat_files;  // repeat group name -> CSV file
  char delimiter = 0;                               // overrides the profile; 0 = profile or detect
  std::string sheet;                                // XLSX sheet; overrides the profile
  std::string source_code;                          // overrides the profile's data source code
  // Set for imports on behalf of a user (the server): every record belongs to this
  // organisation ("" = cluster-wide), whatever the file or profile says, and the data source is
  // the organisation's own (OrganisationSourceCode), so that a source key reaches only that
  // organisation's records and no organisation is ever created by an import.
  std::optional<std::string> organisation;
  // Set with `organisation`: whether the user may create a record of this class and
  // sensitivity ("" = yes, else the reason, from the authorization kernel). A row refused is
  // quarantined with the reason, never dropped.
  std::function<std::string(store::RecordClass, const std::string& sensitivity)> admit;
  int64_t batch_rows = 20000;
  // Bulk loads drop the incident-by-area index and build it once at the end (sorted, several
  // times faster than keeping it through random-order inserts). kAuto does so when the file is
  // large (>= 32 MB) and adds at least a quarter of the incidents the store holds.
  enum class IndexMode { kAuto, kDefer, kKeep };
  IndexMode index_mode = IndexMode::kAuto;
  // Called before a long step that has no row progress (e.g. "building indexes").
  std::function<void(const std::string&)> phase;
  // Called after every batch with (rows read, bytes read, bytes in all).
  std::function<void(int64_t, int64_t, int64_t)> progress;
  // The files (the data file, repeat-group files, a profile's digest) are read through this Env
  // (not owned; it must outlive the call; null = Env::Default()). XLSX workbooks are opened by
  // minizip, outside the Env. The store's own writes go through SQLite, not the Env.
  Env* env = nullptr;
  // The run BeginRun began for this import (the server begins it when an upload arrives, so that
  // the job's id is the run's): taken up as this import's own, not as an interrupted one, unless
  // rows were already committed in it. 0 = none.
  int64_t begun_run_id = 0;
};

struct ReasonCount {
  std::string reason;
  int64_t count = 0;
  std::vector<int64_t> example_rows;
  std::string example;  // the full reason and fix of the first row, e.g. with the bad value
};

struct ImportSummary {
  std::string file, profile, data_source, file_sha256;
  int64_t run_id = 0;
  bool resumed = false;
  int64_t read = 0, imported = 0, updated = 0, unchanged = 0, quarantined = 0;
  std::vector<ReasonCount> quarantine_reasons;  // this run's, grouped
  // How the rows this run stored were placed (quarantined rows are not counted).
  std::map<std::string, int64_t> place_methods;
  std::map<int, int64_t> place_levels;
  int64_t no_risk = 0;
  std::vector<std::string> warnings;
  double seconds = 0;
  double index_seconds = -1;  // time to build the deferred indexes; -1 = indexes kept
  std::string ToJson() const;
};

Result<ImportSummary> RunImport(store::Store& store, const Catalog& catalog,
                                const ImportOptions& opts);

// What BeginRun began: the run, and the data source and file digest it was begun with.
struct BegunRun {
  store::ImportRun run;
  std::string data_source, file_sha256;
};
// Begins (or takes up, when an interrupted run has the same import key) the import run of
// `opts` with `profile`, as RunImport begins it: the data source (the organisation's own with
// opts.organisation), the file's digest and the import key. RunImport with opts.begun_run_id set
// to its id then imports into it. The server calls it before queueing an upload.
Result<BegunRun> BeginRun(store::Store& store, const Profile& profile, const ImportOptions& opts);

// The data source code of `source_code` for an organisation's own imports ("kobo:pm@ORG-A");
// `source_code` itself for cluster-wide accounts ("").
std::string OrganisationSourceCode(const std::string& source_code, const std::string& organisation);
// What `aegis profile check` says of a profile on a file, before anything is imported.
struct ProfileCheck {
  std::string profile, file;
  int64_t rows = 0;                                        // data rows read
  std::vector<std::pair<std::string, std::string>> found;  // field -> the columns it reads
  std::vector<std::string> missing;    // required fields and key columns not in the header
  std::vector<std::string> not_found;  // optional fields none of whose columns is there
  std::vector<std::string> unused;     // file columns nothing in the profile reads
  std::vector<std::string> unmapped;   // risk options and answers that map to no risk
  std::string ToText() const;
};

// Reads the header (and tag row) of opts.file, and every row's risk answers, through the profile
// opts.profile; writes nothing. `data_dir` holds the taxonomy and the built-in profiles.
Result<ProfileCheck> CheckProfile(const std::string& data_dir, const ImportOptions& opts);

// A starting profile (TOML text) for opts.file, from its header: a Kobo or ODK export (groups,
// select_multiple 0/1 columns, _uuid, dates, P-code and place columns) or an HXL-tagged sheet.
// Every guess carries a comment saying what it was guessed from; what could not be guessed is
// left as a commented line to fill in. `data_dir` holds the taxonomy.
Result<std::string> DraftProfile(const std::string& data_dir, const ImportOptions& opts);

// SHA-256 of a file, hex, read through `env` (null = Env::Default()).
Result<std::string> FileSha256(const std::string& path, Env* env = nullptr);

// The import key of `opts` with `profile` on a file with digest `file_sha256`: a digest over
// the file, the sheet, the profile (its name and content), the separator, the data source and
// the repeat-group files. An interrupted import is resumed only by one with the same key; other
// options (batch size, indexes) do not change what is stored and are not part of it.
Result<std::string> ImportKey(const ImportOptions& opts, const Profile& profile,
                              const std::string& file_sha256);

}  // namespace aegis::ingest
