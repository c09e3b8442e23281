// The service directory as a 3W/4W table ("who does what where"), for exports in HXL, CSV and
// XLSX: one row per entry and area served, with the 3W tags (#org, #sector, #activity,
// #adm1+code, #adm2+code, #service, #date) and the directory's own fields. The contact point (a
// person's name and phone) is never written. A file written here imports again through the
// profile data/profiles/aegis-directory.toml (one entry per row: same coverage, same
// recipients).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "export/export.h"
#include "store/records.h"
#include "store/service_store.h"
#include "util/status.h"

namespace aegis::services {

// The table's columns, in order, with their HXL tags.
const std::vector<exports::Column>& DirectoryColumns();

// The areas of the store by P-code, for the admin chain of each area served.
using AreaIndex = std::map<std::string, store::AreaRow, std::less<>>;
AreaIndex IndexAreas(std::vector<store::AreaRow> areas);

// What WriteDirectory wrote.
struct DirectoryCounts {
  int64_t entries = 0;
  int64_t rows = 0;
};

// Writes the entries `scope` may read that match `q` (its after_id and limit are the paging,
// set here) to `writer`, which the caller has begun with DirectoryColumns() and finishes.
// `today` (YYYY-MM-DD) decides the "confirmed" column. `on_page` receives each page of entries
// before its rows are written (the caller audits them by id).
Status WriteDirectory(store::ServiceStore& services, const AreaIndex& areas,
                      const store::AccessScope& scope, store::ServiceQuery q,
                      const std::string& today, exports::TableWriter& writer,
                      const std::function<void(const std::vector<store::ServiceRecord>&)>& on_page,
                      DirectoryCounts* counts);

}  // namespace aegis::services
