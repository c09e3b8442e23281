// ImportStore: import runs and their batches, the resume checkpoint, quarantined rows and the
// data sources they come from. Part of the Store (store.h); the importer (src/ingest) writes
// through it, the server's import routes read it.
//
// Durability: ApplyImportBatch writes a batch of records and the import's resume checkpoint
// together, so a crash leaves either all of a batch or none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.h"
#include "store/service_store.h"
#include "util/status.h"

namespace aegis::store {

// The state of an import run. Stored as its text (import_run.status); ToString and
// ParseImportRunStatus are the one mapping between the two.
enum class ImportRunStatus { kRunning, kCompleted, kFailed };

inline std::string_view ToString(ImportRunStatus s) {
  switch (s) {
    case ImportRunStatus::kRunning:
      return "running";
    case ImportRunStatus::kCompleted:
      return "completed";
    case ImportRunStatus::kFailed:
      return "failed";
  }
  return "running";
}

// The status stored as `text`; Corruption for any other text.
inline Result<ImportRunStatus> ParseImportRunStatus(std::string_view text) {
  for (ImportRunStatus s :
       {ImportRunStatus::kRunning, ImportRunStatus::kCompleted, ImportRunStatus::kFailed})
    if (ToString(s) == text) return s;
  return Status::Corruption("import_run.status '" + std::string(text) +
                            "' is not running, completed or failed; run aegis db check");
}

struct ImportRun {
  int64_t id = 0;
  int64_t data_source_id = 0;
  std::string profile, file_name, file_sha256;
  std::string import_key;  // the work: file digest, sheet, profile, options (ingest::ImportKey)
  ImportRunStatus status = ImportRunStatus::kRunning;
  std::string error;      // why it failed (files, rows and columns named, never values)
  int64_t rows_done = 0;  // resume checkpoint: records of the file fully processed
  int64_t read = 0, imported = 0, updated = 0, unchanged = 0, quarantined = 0;
  bool resumed = false;
};

// A batch of an import, written atomically with the run's checkpoint and counters.
struct ImportBatch {
  int64_t run_id = 0;
  int64_t data_source_id = 0;
  std::string import_key;      // the run's; identifies its quarantined rows with their numbers
  int64_t rows_done = 0;       // checkpoint after this batch
  int64_t rows_read = 0;       // data rows read in this batch
  int64_t also_unchanged = 0;  // rows recognised as records already seen in this file
  std::vector<Incident> incidents;
  std::vector<MonitoringReport> reports;
  std::vector<Service> services;
  std::vector<QuarantinedRow> quarantined;
};

struct BatchOutcome {
  int64_t imported = 0, updated = 0, unchanged = 0;
};

class ImportStore {
 public:
  virtual ~ImportStore() = default;

  virtual Result<int64_t> EnsureDataSource(const DataSource& src) = 0;  // by code

  // --- imports -------------------------------------------------------------------------------
  // Starts a run, or resumes the interrupted run of the same source and import key (the same
  // file, sheet, profile and options).
  virtual Result<ImportRun> BeginImportRun(int64_t data_source_id, const std::string& profile,
                                           const std::string& file_name,
                                           const std::string& file_sha256,
                                           const std::string& import_key) = 0;
  // Writes a batch atomically. Each record is classified against what the store holds under the
  // same (source, key): new -> imported, same content hash -> unchanged, else -> updated.
  virtual Result<BatchOutcome> ApplyImportBatch(const ImportBatch& batch) = 0;
  // Bulk loads: drops the secondary indexes that random-order inserts make slow (incidents by
  // area and date), so that they are built once, sorted, by RestoreIndexes. Queries stay
  // correct in between, only slower. Migrate (so every Open) restores them too, so an import
  // killed in between leaves a store that heals itself at the next open.
  virtual Status DeferIndexes() = 0;
  virtual Status RestoreIndexes() = 0;
  virtual Status FinishImportRun(int64_t run_id, ImportRunStatus status) = 0;
  // Marks the run failed with its reason, which every process then answers with.
  virtual Status FailImportRun(int64_t run_id, const std::string& reason) = 0;
  virtual Result<ImportRun> GetImportRun(int64_t run_id) = 0;
  // The quarantined rows of the imports of a source with this import key, by row number.
  virtual Result<std::vector<QuarantinedRow>> ListQuarantine(int64_t data_source_id,
                                                             const std::string& import_key) = 0;
};

}  // namespace aegis::store
