// Fuzz target: the API server's handling of a request's path, query and cookies
// (server/api.h: ReadIncidentQuery, Int, IsIsoDate, CookieValue; the analysis route's period).
//
// Input: the request target ("/api/v1/incidents/12?from=2024-03-01&limit=50") on the first line,
// the Cookie header after it. The target is split and decoded by cpp-httplib as the server does
// (the path URL-decoded, the query into parameters), then handed to the handlers' readers.
#include <regex>
#include <string>

#include "analysis/analysis.h"
#include "fuzz/fuzz_util.h"
#include "server/api.h"
#include "taxonomy/taxonomy.h"

namespace {

const aegis::taxonomy::Taxonomy& Tax() {
  static const aegis::taxonomy::Taxonomy* tax = [] {
    auto t = aegis::taxonomy::Taxonomy::Load(aegis::fuzz::kDataDir + "/taxonomy");
    if (!t.ok()) {
      std::fprintf(stderr, "http_query_fuzz: %s\n", t.status().ToString().c_str());
      std::abort();
    }
    return new aegis::taxonomy::Taxonomy(std::move(*t));
  }();
  return *tax;
}

// The route patterns with an id ({id} becomes (\d+) when a route is added, server.cc).
const std::regex& IdRoute() {
  static const std::regex re(R"(/api/v1/[a-z-]+/(\d+)(/[a-z-]+)?)");
  return re;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using aegis::server::ApiError;
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  std::string target = input.substr(0, nl);
  httplib::Request req;
  if (nl != std::string::npos) req.set_header("Cookie", input.substr(nl + 1));
  size_t q = target.find('?');
  req.path = httplib::detail::decode_url(target.substr(0, q), false);
  if (q != std::string::npos) httplib::detail::parse_query_text(target.substr(q + 1), req.params);

  // A path id: the handlers answer 400 when it is no number.
  if (std::smatch m; req.path.size() < 256 && std::regex_match(req.path, m, IdRoute())) {
    req.matches = m;
    auto id = aegis::server::Int(req.matches[1].str());
    AEGIS_FUZZ_CHECK(!id || *id >= 0);
  }

  aegis::store::IncidentQuery query;
  ApiError e;
  if (aegis::server::ReadIncidentQuery(Tax(), req, &query, &e)) {
    std::string why;
    for (const std::string* d : {&query.from, &query.to})
      AEGIS_FUZZ_CHECK(d->empty() || (d->size() == 10 && aegis::server::IsIsoDate(*d, &why)));
    AEGIS_FUZZ_CHECK(query.limit >= 1 && query.limit <= 1000);
    AEGIS_FUZZ_CHECK(query.after_id >= 0);
    AEGIS_FUZZ_CHECK(query.risk.empty() || Tax().FindRisk(query.risk) != nullptr);
  } else {
    AEGIS_FUZZ_CHECK(e.status == 400 && !e.field.empty() && !e.message.empty());
  }

  // The analysis route's period and the months it reads around it (data.cc).
  aegis::analysis::Facts facts;
  facts.min_month = facts.max_month = 2024 * 12;
  auto window = aegis::analysis::AnalysisWindow(req.get_param_value("period"), facts);
  if (window.ok()) {
    const aegis::analysis::Period* period = &window->period;
    AEGIS_FUZZ_CHECK(window->first_month == facts.min_month &&
                     window->last_month == facts.max_month);
    AEGIS_FUZZ_CHECK(period->first <= period->last);
    const int baseline = 6;
    int first = std::min(facts.min_month, period->first - baseline * period->months());
    AEGIS_FUZZ_CHECK(first <= period->first);
    aegis::analysis::Period previous = period->Shifted(-1);
    AEGIS_FUZZ_CHECK(previous.months() == period->months());
    aegis::analysis::MonthLabel(period->first);
    aegis::analysis::MonthLabel(period->last);
  } else {
    AEGIS_FUZZ_CHECK(!window.status().message().empty());
  }
  if (req.has_param("level")) aegis::server::Int(req.get_param_value("level"));

  std::string session = aegis::server::CookieValue(req, "aegis_session");
  AEGIS_FUZZ_CHECK(session.find(';') == std::string::npos);
  return 0;
}
