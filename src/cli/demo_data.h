// The demo data set: a small, clearly synthetic, multi-partner South Sudan picture on real
// P-codes. Every person, partner and narrative is invented; files are written in the formats
// real partners send (Kobo CSV with a repeat group, ODK Central CSV, HXL CSV, Kobo key-informant
// monitoring), so the demo runs through the real importers. Deterministic for a given seed and
// end month.
#pragma once

#include <string>
#include <vector>

#include "ingest/importer.h"
#include "store/records.h"
#include "util/status.h"

namespace aegis::cli {

struct DemoFile {
  std::string path, profile;
  std::vector<std::string> repeats;  // GROUP=FILE
};

struct DemoOptions {
  std::string dir;  // output folder
  unsigned seed = 2026;
  int months = 6;     // months of data, ending with the month before `today`
  std::string today;  // YYYY-MM-DD
};

// Writes the files; `areas` are the admin areas loaded in the store (payams with centroids).
Result<std::vector<DemoFile>> WriteDemoFiles(const DemoOptions& opts,
                                             const std::vector<store::AreaRow>& areas);

// Imports the demo files through the real importers, in order; stops at the first failure.
Result<std::vector<ingest::ImportSummary>> ImportDemoFiles(store::Store& store,
                                                           const ingest::Catalog& catalog,
                                                           const std::vector<DemoFile>& files);

// Synthetic population per county (marked as such in its source field).
std::vector<store::Population> DemoPopulation(const std::vector<store::AreaRow>& areas,
                                              unsigned seed, int year);

}  // namespace aegis::cli
