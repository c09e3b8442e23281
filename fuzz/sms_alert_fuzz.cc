// Fuzz target: the flash-alert SMS parser (alert/parser.h) with the shipped keywords
// (data/alerts/keywords.toml) and the South Sudan gazetteer, on any message text.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "alert/keywords.h"
#include "alert/parser.h"
#include "alert/place.h"
#include "fuzz/fuzz_util.h"
#include "ingest/area_import.h"

namespace {

struct World {
  aegis::geo::Gazetteer gazetteer;
  aegis::alert::Keywords keywords;
};

const World& TheWorld() {
  static const World* world = [] {
    const std::string& d = aegis::fuzz::kDataDir;
    auto g = aegis::ingest::BuildGazetteer({d + "/geo/ssd/ssd_adm3_payams_pcodes.csv"},
                                           d + "/geo/aliases.csv", "SSD");
    auto k = aegis::alert::Keywords::Load(d + "/alerts/keywords.toml");
    if (!g.ok() || !k.ok()) {
      std::fprintf(stderr, "sms_alert_fuzz: cannot load the data folder %s: %s\n", d.c_str(),
                   (g.ok() ? k.status() : g.status()).ToString().c_str());
      std::abort();
    }
    return new World{std::move(*g), std::move(*k)};
  }();
  return *world;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const World& w = TheWorld();
  std::string message(reinterpret_cast<const char*>(data), size);
  aegis::alert::PlaceFinder places(w.gazetteer, "");
  aegis::alert::AlertParser parser(w.keywords, places);
  aegis::alert::ParsedAlert p = parser.Parse(message);
  // Confidences are fractions; an alert nobody can place or class is left for a person.
  AEGIS_FUZZ_CHECK(p.confidence >= 0 && p.confidence <= 1 && !std::isnan(p.confidence));
  AEGIS_FUZZ_CHECK(p.place_confidence >= 0 && p.place_confidence <= 1);
  AEGIS_FUZZ_CHECK(p.risk_confidence >= 0 && p.risk_confidence <= 1);
  AEGIS_FUZZ_CHECK(!(p.pcode.empty() || p.risks.empty()) || p.needs_review);
  AEGIS_FUZZ_CHECK(aegis::alert::UrgencyRank(p.urgency) >= 0);
  AEGIS_FUZZ_CHECK(p.free_text.size() <= message.size());
  for (const std::string& token : aegis::alert::FoldedTokens(message)) {
    std::string normalised;
    aegis::alert::LooksLikePcode(token, &normalised);
    aegis::alert::PcodeCandidates(token);
  }
  return 0;
}
