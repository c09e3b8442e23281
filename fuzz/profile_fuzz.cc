// Fuzz target: the mapping profile loader (ingest/profile.h) on any bytes written as a .toml
// file.
#include <string>

#include "fuzz/fuzz_util.h"
#include "ingest/profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = aegis::fuzz::WriteInput("input.toml", data, size);
  auto profile = aegis::ingest::LoadProfile(path);
  if (!profile.ok()) {
    // An error names the file, so that a user knows which profile to fix.
    AEGIS_FUZZ_CHECK(profile.status().message().find(path) != std::string::npos);
    return 0;
  }
  AEGIS_FUZZ_CHECK(profile->record == "incident" || profile->record == "monitoring_report");
  for (const auto& [name, spec] : profile->fields) AEGIS_FUZZ_CHECK(profile->Field(name) == &spec);
  return 0;
}
