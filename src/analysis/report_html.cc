// The Protection Analysis Update as one HTML page (see report_html.h).
//
// Safety rule of this file: a count reaches the page only through Figure::Text, or as a sum of
// figures whose state is kExact. Sums never include a suppressed cell (a total minus the
// published parts would give it back), rows are ordered by published figures only (an "x" row
// placed between 20 and 15 would bound its value), and map symbols of suppressed cells all have
// the smallest size. In a safe result the trend test's counts, the values behind phase evidence
// and victim disaggregation are left out whatever the result holds.
#include "analysis/report_html.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numbers>
#include <set>
#include <string_view>
#include <vector>

namespace aegis::analysis {

namespace {

// A conventional 5-step severity scale (light yellow-green to dark red, as in IPC-style maps);
// text colours keep a contrast of at least 4.5:1 on each fill.
constexpr std::array<PhaseStyle, 6> kPhaseStyles = {{
    {"#d9d9d9", "#000000", "not assessed"},
    {"#cdfacd", "#000000", "Phase 1"},
    {"#fae61e", "#000000", "Phase 2"},
    {"#e67800", "#000000", "Phase 3"},
    {"#c80000", "#ffffff", "Phase 4"},
    {"#640000", "#ffffff", "Phase 5"},
}};

constexpr size_t kTopSituations = 12;  // area x risk rows in "priority situations"
constexpr size_t kChartRisks = 5;      // risks with a trend chart, besides all risks

}  // namespace

const PhaseStyle& PhaseStyleOf(int phase) {
  return kPhaseStyles[static_cast<size_t>(std::clamp(phase, 0, 5))];
}

namespace {

// ---------------------------------------------------------------------------------------------
// Text

// HTML-escapes s (text and attribute values), replaces invalid UTF-8 with U+FFFD and control
// characters with spaces, so that the page stays valid UTF-8 whatever the data hold.
void AppendEscaped(std::string& out, std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '&') {
        out += "&amp;";
      } else if (c == '<') {
        out += "&lt;";
      } else if (c == '>') {
        out += "&gt;";
      } else if (c == '"') {
        out += "&quot;";
      } else if (c == '\'') {
        out += "&#39;";
      } else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
        out += ' ';
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    size_t len = 0;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    if (c >= 0xe0 && c <= 0xef) len = 3;
    if (c >= 0xf0 && c <= 0xf4) len = 4;
    bool ok = len > 0 && i + len <= s.size();
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok) {
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 >= 0xa0) || (c == 0xf0 && c1 < 0x90) ||
          (c == 0xf4 && c1 >= 0x90))
        ok = false;  // overlong, surrogate or beyond U+10FFFF
    }
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xef\xbf\xbd";
      ++i;
    }
  }
}

std::string Esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  AppendEscaped(out, s);
  return out;
}

std::string Fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Short(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Figures

bool Exact(const Figure& f) { return f.state == Figure::State::kExact; }

// The published value for ordering: exact values, then every unpublished cell as -1.
int64_t SortValue(const Figure& f) { return Exact(f) ? f.value : -1; }

std::string Num(const Figure& f, int64_t threshold) { return Esc(f.Text(threshold)); }

// The text of a monthly series value: -1 = below the threshold, -2 (or any negative) = "x".
std::string MonthlyText(int64_t v, int64_t threshold) {
  if (v >= 0) return std::to_string(v);
  if (v == -1) return "&lt;" + std::to_string(threshold);
  return "x";
}

const RiskFigures* FindRisk(const AreaResult& a, std::string_view code) {
  for (const RiskFigures& r : a.risks)
    if (r.risk == code) return &r;
  return nullptr;
}

// A sum of published (exact) figures, with the number of cells it leaves out.
struct PublishedSum {
  int64_t total = 0;
  int left_out = 0;  // "<5", "x" or "withheld"
  int withheld = 0;
  int cells = 0;
  void Add(const Figure& f) {
    ++cells;
    if (Exact(f)) {
      total += f.value;
    } else {
      ++left_out;
      if (f.state == Figure::State::kWithheld) ++withheld;
    }
  }
  // "123", "123 <small>(+2 cells not shown)</small>", or "withheld" when every cell is.
  std::string Html() const {
    if (cells > 0 && withheld == cells) return "withheld";
    std::string s = std::to_string(total);
    if (left_out > 0)
      s += " <small>(+" + std::to_string(left_out) + (left_out == 1 ? " cell" : " cells") +
           " not shown)</small>";
    return s;
  }
};

// ---------------------------------------------------------------------------------------------
// The report's view of the result

struct RiskSummary {
  std::string code, label;
  PublishedSum incidents, killed, injured, victims;
  std::array<int, 6> by_phase{};  // areas per final phase
  int max_phase = 0;
  int rising = 0, falling = 0;  // areas escalating or emerging; de-escalating
  int AtLeast3() const { return by_phase[3] + by_phase[4] + by_phase[5]; }
};

struct Situation {
  const AreaResult* area;
  const RiskFigures* risk;
  size_t risk_order;
};

struct View {
  const ReportInput& in;
  const AnalysisResult& r;
  int64_t t;
  bool safe;
  std::vector<const AreaResult*> areas;                    // display order
  std::vector<std::pair<std::string, std::string>> risks;  // code, label (not "*")
  std::vector<RiskSummary> summary;                        // ranked
  std::vector<Situation> top;                              // priority situations
  std::string period;                                      // escaped label
};

void BuildView(View& v) {
  for (const AreaResult& a : v.r.areas) v.areas.push_back(&a);
  // Published figures only (see the file comment), then P-code for a stable order.
  std::stable_sort(v.areas.begin(), v.areas.end(), [](const AreaResult* x, const AreaResult* y) {
    if (x->overall_phase != y->overall_phase) return x->overall_phase > y->overall_phase;
    const RiskFigures* rx = FindRisk(*x, "*");
    const RiskFigures* ry = FindRisk(*y, "*");
    int64_t ix = rx ? SortValue(rx->incidents) : -1;
    int64_t iy = ry ? SortValue(ry->incidents) : -1;
    if (ix != iy) return ix > iy;
    return x->pcode < y->pcode;
  });
  std::map<std::string, size_t> index;
  for (const AreaResult* a : v.areas) {
    for (const RiskFigures& rf : a->risks) {
      if (rf.risk == "*") continue;
      auto [it, added] = index.emplace(rf.risk, v.risks.size());
      if (added) {
        v.risks.emplace_back(rf.risk, rf.label);
        RiskSummary s;
        s.code = rf.risk;
        s.label = rf.label;
        v.summary.push_back(s);
      }
      RiskSummary& s = v.summary[it->second];
      s.incidents.Add(rf.incidents);
      s.killed.Add(rf.killed);
      s.injured.Add(rf.injured);
      s.victims.Add(rf.victims);
      int ph = std::clamp(rf.phase.final, 0, 5);
      ++s.by_phase[static_cast<size_t>(ph)];
      s.max_phase = std::max(s.max_phase, ph);
      if (rf.incidents.state != Figure::State::kWithheld) {
        if (rf.trend.flag == Trend::Flag::kEscalating || rf.trend.flag == Trend::Flag::kEmerging)
          ++s.rising;
        if (rf.trend.flag == Trend::Flag::kDeEscalating) ++s.falling;
      }
      if (ph > 0) v.top.push_back({a, &rf, it->second});
    }
  }
  std::vector<size_t> order(v.summary.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const RiskSummary& a = v.summary[x];
    const RiskSummary& b = v.summary[y];
    if (a.max_phase != b.max_phase) return a.max_phase > b.max_phase;
    if (a.AtLeast3() != b.AtLeast3()) return a.AtLeast3() > b.AtLeast3();
    return a.incidents.total > b.incidents.total;
  });
  std::vector<RiskSummary> ranked;
  ranked.reserve(order.size());
  for (size_t i : order) ranked.push_back(v.summary[i]);
  v.summary = std::move(ranked);
  std::stable_sort(v.top.begin(), v.top.end(), [](const Situation& x, const Situation& y) {
    if (x.risk->phase.final != y.risk->phase.final)
      return x.risk->phase.final > y.risk->phase.final;
    int64_t ix = SortValue(x.risk->incidents), iy = SortValue(y.risk->incidents);
    if (ix != iy) return ix > iy;
    if (x.area->pcode != y.area->pcode) return x.area->pcode < y.area->pcode;
    return x.risk_order < y.risk_order;
  });
  if (v.top.size() > kTopSituations) v.top.resize(kTopSituations);
  v.period = Esc(v.r.period.label);
}

std::string AreaLabel(const AreaResult& a) {
  std::string s = Esc(a.name.empty() ? a.pcode : a.name);
  if (!a.name.empty()) s += " <span class=\"pc\">" + Esc(a.pcode) + "</span>";
  return s;
}

std::string RiskLabel(const std::string& code, const std::string& label) {
  if (code == "*") return "All risks";
  if (label.empty()) return Esc(code);
  return Esc(label) + " <span class=\"pc\">" + Esc(code) + "</span>";
}

// A table cell coloured by phase that prints the number (colour is never the only cue).
std::string PhaseTd(int phase, bool overridden, const std::string& extra = "") {
  int p = std::clamp(phase, 0, 5);
  std::string s = "<td class=\"ph p" + std::to_string(p) + "\"><b>";
  s += p == 0 ? "&#8211;" : std::to_string(p);
  if (overridden) s += "&#8224;";
  s += "</b>";
  if (!extra.empty()) s += " " + extra;
  return s + "</td>";
}

// ---------------------------------------------------------------------------------------------
// Map

struct LonLat {
  double lon, lat;
};
using Ring = std::vector<LonLat>;
struct Shape {
  std::vector<Ring> rings;
};

void AddRing(const nlohmann::json& ring, Shape& shape) {
  if (!ring.is_array()) return;
  Ring out;
  for (const auto& p : ring) {
    if (!p.is_array() || p.size() < 2 || !p[0].is_number() || !p[1].is_number()) continue;
    double lon = p[0].get<double>(), lat = p[1].get<double>();
    if (!std::isfinite(lon) || !std::isfinite(lat) || std::abs(lat) > 90 || std::abs(lon) > 360)
      continue;
    out.push_back({lon, lat});
  }
  if (out.size() >= 3) shape.rings.push_back(std::move(out));
}

void AddGeometry(const nlohmann::json& g, Shape& shape, int depth) {
  if (!g.is_object() || depth > 8) return;
  auto type = g.find("type");
  if (type == g.end() || !type->is_string()) return;
  const auto& name = type->get_ref<const std::string&>();
  if (name == "GeometryCollection") {
    auto parts = g.find("geometries");
    if (parts != g.end() && parts->is_array())
      for (const auto& part : *parts) AddGeometry(part, shape, depth + 1);
    return;
  }
  auto coords = g.find("coordinates");
  if (coords == g.end() || !coords->is_array()) return;
  if (name == "Polygon") {
    for (const auto& ring : *coords) AddRing(ring, shape);
  } else if (name == "MultiPolygon") {
    for (const auto& polygon : *coords)
      if (polygon.is_array())
        for (const auto& ring : polygon) AddRing(ring, shape);
  }
}

// The shapes of the features whose properties (or id) hold one of `pcodes`.
std::map<std::string, Shape> ParseBoundaries(const std::string& text,
                                             const std::set<std::string>& pcodes) {
  std::map<std::string, Shape> out;
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return out;
  std::vector<const nlohmann::json*> features;
  auto list = doc.find("features");
  if (list != doc.end() && list->is_array()) {
    for (const auto& f : *list) features.push_back(&f);
  } else {
    features.push_back(&doc);  // a single Feature
  }
  for (const nlohmann::json* f : features) {
    if (!f->is_object()) continue;
    const std::string* pcode = nullptr;
    auto props = f->find("properties");
    if (props != f->end() && props->is_object()) {
      for (const auto& item : props->items()) {
        if (!item.value().is_string()) continue;
        auto it = pcodes.find(item.value().get_ref<const std::string&>());
        if (it != pcodes.end()) {
          pcode = &*it;
          break;
        }
      }
    }
    auto id = f->find("id");
    if (!pcode && id != f->end() && id->is_string()) {
      auto it = pcodes.find(id->get_ref<const std::string&>());
      if (it != pcodes.end()) pcode = &*it;
    }
    auto geometry = f->find("geometry");
    if (pcode && geometry != f->end()) AddGeometry(*geometry, out[*pcode], 0);
  }
  for (auto it = out.begin(); it != out.end();)
    it = it->second.rings.empty() ? out.erase(it) : ++it;
  return out;
}

// Equirectangular projection (x scaled by the cosine of the middle latitude) fitted to a box.
struct Projection {
  double min_lon = 0, max_lat = 0, kx = 1, scale = 1, pad = 0;
  double width = 0, height = 0;
  double X(double lon) const { return pad + (lon - min_lon) * kx * scale; }
  double Y(double lat) const { return pad + (max_lat - lat) * scale; }
};

struct Box {
  double min_lon = 1e9, min_lat = 1e9, max_lon = -1e9, max_lat = -1e9;
  void Add(double lon, double lat) {
    min_lon = std::min(min_lon, lon);
    max_lon = std::max(max_lon, lon);
    min_lat = std::min(min_lat, lat);
    max_lat = std::max(max_lat, lat);
  }
  bool empty() const { return min_lon > max_lon; }
};

Projection Fit(Box b, double pad) {
  constexpr double kMaxWidth = 680, kMaxHeight = 560, kMinSpan = 1e-3;
  if (b.max_lon - b.min_lon < kMinSpan && b.max_lat - b.min_lat < kMinSpan) {
    b.min_lon -= 0.5;  // a single place: show a degree around it
    b.max_lon += 0.5;
    b.min_lat -= 0.5;
    b.max_lat += 0.5;
  }
  Projection p;
  p.min_lon = b.min_lon;
  p.max_lat = b.max_lat;
  p.pad = pad;
  double mid = (b.min_lat + b.max_lat) / 2;
  p.kx = std::max(0.2, std::cos(mid * std::numbers::pi / 180));
  double sx = std::max((b.max_lon - b.min_lon) * p.kx, kMinSpan);
  double sy = std::max(b.max_lat - b.min_lat, kMinSpan);
  p.scale = std::min((kMaxWidth - 2 * pad) / sx, (kMaxHeight - 2 * pad) / sy);
  p.width = std::ceil(sx * p.scale + 2 * pad);
  p.height = std::ceil(sy * p.scale + 2 * pad);
  return p;
}

// SVG path data of a shape, dropping points within 0.6 px of the last one kept.
std::string PathData(const Shape& shape, const Projection& p, double min_step) {
  std::string d;
  for (const Ring& ring : shape.rings) {
    std::string part;
    int kept = 0;
    double lx = 0, ly = 0;
    for (const LonLat& q : ring) {
      double x = p.X(q.lon), y = p.Y(q.lat);
      if (kept > 0 && std::abs(x - lx) < min_step && std::abs(y - ly) < min_step) continue;
      part += kept == 0 ? "M" : " ";
      part += Fixed(x, 1) + "," + Fixed(y, 1);
      lx = x;
      ly = y;
      ++kept;
    }
    if (kept >= 3) d += part + "Z";
  }
  return d;
}

// Where the phase number goes: the centroid of the shape's largest ring.
std::pair<double, double> LabelPoint(const Shape& shape, const Projection& p, double* area_px) {
  double best = -1, cx = 0, cy = 0;
  for (const Ring& ring : shape.rings) {
    double a = 0, x = 0, y = 0;
    double minx = 1e18, maxx = -1e18, miny = 1e18, maxy = -1e18;
    for (size_t i = 0; i < ring.size(); ++i) {
      const LonLat& u = ring[i];
      const LonLat& w = ring[(i + 1) % ring.size()];
      double x0 = p.X(u.lon), y0 = p.Y(u.lat), x1 = p.X(w.lon), y1 = p.Y(w.lat);
      double cross = x0 * y1 - x1 * y0;
      a += cross;
      x += (x0 + x1) * cross;
      y += (y0 + y1) * cross;
      minx = std::min(minx, x0);
      maxx = std::max(maxx, x0);
      miny = std::min(miny, y0);
      maxy = std::max(maxy, y0);
    }
    if (std::abs(a) / 2 <= best) continue;
    best = std::abs(a) / 2;
    if (std::abs(a) > 1e-9) {
      cx = x / (3 * a);
      cy = y / (3 * a);
    } else {
      cx = (minx + maxx) / 2;
      cy = (miny + maxy) / 2;
    }
  }
  *area_px = std::max(best, 0.0);
  return {cx, cy};
}

std::string PhaseWords(const AreaResult& a) {
  std::string s = a.overall_phase > 0 ? "phase " + std::to_string(a.overall_phase) : "not assessed";
  if (a.overall_override) s += " (set by analyst override)";
  return s;
}

std::string MapLabel(double x, double y, double size, int phase) {
  return "<text class=\"lbl\" x=\"" + Fixed(x, 1) + "\" y=\"" + Fixed(y, 1) + "\" font-size=\"" +
         Fixed(size, 1) + "\">" + (phase > 0 ? std::to_string(phase) : "&#8211;") + "</text>";
}

std::string SvgOpen(const std::string& cls, double w, double h, const std::string& id,
                    const std::string& title, const std::string& desc) {
  std::string s = "<svg class=\"" + cls + "\" viewBox=\"0 0 " + Fixed(w, 0) + " " + Fixed(h, 0) +
                  "\" width=\"" + Fixed(w, 0) + "\" height=\"" + Fixed(h, 0) +
                  "\" role=\"img\" aria-labelledby=\"" + id + "-t" +
                  (desc.empty() ? "" : " " + id + "-d") + "\"><title id=\"" + id + "-t\">" + title +
                  "</title>";
  if (!desc.empty()) s += "<desc id=\"" + id + "-d\">" + desc + "</desc>";
  return s;
}

void Legend(std::string& h) {
  h += "<ul class=\"legend\" aria-label=\"Phase colours\">";
  for (int p = 1; p <= 5; ++p)
    h += "<li><span class=\"sw p" + std::to_string(p) + "\">" + std::to_string(p) + "</span> " +
         PhaseStyleOf(p).label + "</li>";
  h += "<li><span class=\"sw p0\">&#8211;</span> " + std::string(PhaseStyleOf(0).label) +
       "</li></ul>\n";
}

void RenderMap(std::string& h, const View& v) {
  std::set<std::string> pcodes;
  for (const AreaResult* a : v.areas) pcodes.insert(a->pcode);
  std::map<std::string, Shape> shapes;
  bool had_boundaries = false;
  auto b = v.in.boundaries_geojson.find(v.r.level);
  if (b != v.in.boundaries_geojson.end() && !b->second.empty()) {
    had_boundaries = true;
    shapes = ParseBoundaries(b->second, pcodes);
  }
  std::string title = "Overall protection phase by area, " + v.period;
  std::vector<std::string> missing;
  h += "<figure class=\"map\">\n";
  if (!shapes.empty()) {
    Box box;
    for (const auto& [pcode, shape] : shapes)
      for (const Ring& ring : shape.rings)
        for (const LonLat& q : ring) box.Add(q.lon, q.lat);
    Projection p = Fit(box, 12);
    std::string desc = "Choropleth of " + std::to_string(shapes.size()) +
                       " areas; each area carries its phase number.";
    h += SvgOpen("map", p.width, p.height, "map", title, desc);
    h += "<g stroke=\"#333\" stroke-width=\"0.6\" stroke-linejoin=\"round\" "
         "fill-rule=\"evenodd\">\n";
    std::string labels;
    for (const AreaResult* a : v.areas) {
      auto it = shapes.find(a->pcode);
      if (it == shapes.end()) {
        missing.push_back(AreaLabel(*a));
        continue;
      }
      std::string d = PathData(it->second, p, 0.6);
      if (d.empty()) d = PathData(it->second, p, 0);
      if (d.empty()) {
        missing.push_back(AreaLabel(*a));
        continue;
      }
      h += "<path data-pcode=\"" + Esc(a->pcode) + "\" fill=\"" +
           PhaseStyleOf(a->overall_phase).fill + "\" d=\"" + d + "\"><title>" +
           Esc(a->name.empty() ? a->pcode : a->name) + " (" + Esc(a->pcode) +
           "): " + PhaseWords(*a) + "</title></path>\n";
      double area_px = 0;
      auto [lx, ly] = LabelPoint(it->second, p, &area_px);
      auto c = v.in.centroids.find(a->pcode);
      if (c != v.in.centroids.end()) {
        double cx = p.X(c->second.first), cy = p.Y(c->second.second);
        if (cx >= 0 && cx <= p.width && cy >= 0 && cy <= p.height) {
          lx = cx;
          ly = cy;
        }
      }
      double size = std::clamp(std::sqrt(area_px) / 3, 7.0, 13.0);
      labels += MapLabel(lx, ly, size, a->overall_phase);
    }
    h += "</g>\n<g aria-hidden=\"true\">" + labels + "</g></svg>\n";
  } else {
    Box box;
    struct Dot {
      const AreaResult* area;
      double lon, lat, r;
      bool exact;
    };
    std::vector<Dot> dots;
    int64_t vmax = 0;
    for (const AreaResult* a : v.areas) {
      const RiskFigures* all = FindRisk(*a, "*");
      if (all && Exact(all->incidents)) vmax = std::max(vmax, all->incidents.value);
    }
    constexpr double kMinR = 4, kMaxR = 22;
    for (const AreaResult* a : v.areas) {
      auto c = v.in.centroids.find(a->pcode);
      if (c == v.in.centroids.end() || !std::isfinite(c->second.first) ||
          !std::isfinite(c->second.second)) {
        missing.push_back(AreaLabel(*a));
        continue;
      }
      const RiskFigures* all = FindRisk(*a, "*");
      bool exact = all && Exact(all->incidents);
      // A suppressed cell gets the smallest symbol, whatever its true value.
      double r = kMinR;
      if (exact && vmax > 0)
        r = kMinR + (kMaxR - kMinR) * std::sqrt(static_cast<double>(all->incidents.value) /
                                                static_cast<double>(vmax));
      dots.push_back({a, c->second.first, c->second.second, r, exact});
      box.Add(c->second.first, c->second.second);
    }
    if (dots.empty()) {
      h += "<p class=\"note\">No boundaries" +
           std::string(had_boundaries ? " carrying these areas' P-codes" : "") +
           " and no centroids were given for admin level " + std::to_string(v.r.level) +
           ", so there is no map; the table in section 2 lists every area's phase.</p>\n";
      h += "</figure>\n";
      return;
    }
    Projection p = Fit(box, 12 + kMaxR);
    std::stable_sort(dots.begin(), dots.end(),
                     [](const Dot& x, const Dot& y) { return x.r > y.r; });
    std::string desc = "Circles at " + std::to_string(dots.size()) +
                       " area centroids, sized by incidents and coloured by phase; each circle "
                       "carries its phase number.";
    h += SvgOpen("map", p.width, p.height, "map", title, desc);
    h += "<g stroke=\"#222\" stroke-width=\"0.8\">\n";
    std::string labels;
    for (const Dot& d : dots) {
      const RiskFigures* all = FindRisk(*d.area, "*");
      double x = p.X(d.lon), y = p.Y(d.lat);
      h += "<circle data-pcode=\"" + Esc(d.area->pcode) + "\" cx=\"" + Fixed(x, 1) + "\" cy=\"" +
           Fixed(y, 1) + "\" r=\"" + Fixed(d.r, 1) + "\" fill=\"" +
           PhaseStyleOf(d.area->overall_phase).fill + "\" fill-opacity=\"0.9\"" +
           (d.exact ? "" : " stroke-dasharray=\"2 1.5\"") + "><title>" +
           Esc(d.area->name.empty() ? d.area->pcode : d.area->name) + " (" + Esc(d.area->pcode) +
           "): " + PhaseWords(*d.area) + "; incidents " +
           (all ? Num(all->incidents, v.t) : std::string("not reported")) + "</title></circle>\n";
      labels += MapLabel(x, y, 9, d.area->overall_phase);
    }
    h += "</g>\n<g aria-hidden=\"true\">" + labels + "</g></svg>\n";
    if (had_boundaries)
      h += "<p class=\"note\">The boundaries given do not carry these areas' P-codes: areas are "
           "shown at their centroids.</p>\n";
  }
  h += "<figcaption>" + title + " (admin level " + std::to_string(v.r.level) +
       "). The number printed in each area is its overall phase";
  if (shapes.empty())
    h += "; circle area is proportional to incidents (all risks), and a dashed circle marks a "
         "figure that is not published";
  h += ".</figcaption>\n";
  Legend(h);
  if (!missing.empty()) {
    h += "<p class=\"note\">Not on the map (no " +
         std::string(shapes.empty() ? "centroid" : "boundary") + "): ";
    for (size_t i = 0; i < missing.size(); ++i) h += (i ? ", " : "") + missing[i];
    h += ".</p>\n";
  }
  h += "</figure>\n";
}

// ---------------------------------------------------------------------------------------------
// Trend charts

double NiceCeil(double v) {
  if (v <= 1) return 1;
  double mag = std::pow(10, std::floor(std::log10(v)));
  for (double step : {1.0, 2.0, 5.0, 10.0})
    if (step * mag >= v) return step * mag;
  return 10 * mag;
}

void RenderChart(std::string& h, int id, const std::string& name,
                 const std::vector<std::string>& months, const std::vector<int64_t>& values,
                 int64_t threshold) {
  constexpr double kW = 340, kH = 170, kL = 40, kR = 24, kT = 10, kB = 30;
  constexpr double kPw = kW - kL - kR, kPh = kH - kT - kB;
  size_t n = std::min(months.size(), values.size());
  double top = 0;
  bool small = false;
  for (size_t i = 0; i < n; ++i) {
    top = std::max(top, static_cast<double>(values[i]));
    small = small || values[i] == -1;
  }
  if (small) top = std::max(top, static_cast<double>(threshold - 1));
  double ymax = NiceCeil(top);
  auto xs = [&](size_t i) {
    return n <= 1 ? kL + kPw / 2 : kL + kPw * static_cast<double>(i) / static_cast<double>(n - 1);
  };
  auto ys = [&](double y) { return kT + kPh - y / ymax * kPh; };
  std::string sid = "c" + std::to_string(id);
  h += "<figure class=\"chart\">";
  h += SvgOpen("chart", kW, kH, sid, "Monthly incidents: " + name,
               "Line chart of incidents per month; months with small or suppressed counts are "
               "shown as hatched markers, not as values.");
  // Hatches: "<threshold" (diagonal) and "x" (cross).
  h += "<defs><pattern id=\"" + sid +
       "-lt\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
       "patternTransform=\"rotate(45)\"><rect width=\"4\" height=\"4\" fill=\"#fff\"/>"
       "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" stroke=\"#444\" stroke-width=\"1.6\"/>"
       "</pattern><pattern id=\"" +
       sid +
       "-x\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\"><rect width=\"4\" "
       "height=\"4\" fill=\"#fff\"/><path d=\"M0,0 4,4M4,0 0,4\" stroke=\"#444\" "
       "stroke-width=\"0.9\"/></pattern></defs>";
  // Axes and grid.
  h += "<g class=\"axis\">";
  for (int k = 0; k <= 2; ++k) {
    double val = ymax * k / 2.0;
    double y = ys(val);
    h += "<line x1=\"" + Fixed(kL, 0) + "\" x2=\"" + Fixed(kW - kR, 0) + "\" y1=\"" + Fixed(y, 1) +
         "\" y2=\"" + Fixed(y, 1) + "\" stroke=\"" + (k == 0 ? "#333" : "#bbb") +
         "\" stroke-width=\"0.7\"/>";
    h += "<text x=\"" + Fixed(kL - 4, 0) + "\" y=\"" + Fixed(y + 3, 1) + "\" text-anchor=\"end\">" +
         Short(val) + "</text>";
  }
  size_t step = n <= 6 ? 1 : 3;
  for (size_t i = 0; i < n; ++i) {
    if ((n - 1 - i) % step != 0) continue;
    h += "<text x=\"" + Fixed(xs(i), 1) + "\" y=\"" + Fixed(kH - kB + 13, 0) +
         "\" text-anchor=\"middle\">" + Esc(months[i]) + "</text>";
  }
  h += "</g>";
  // The line, broken at every month without a published value.
  std::string d;
  bool open = false;
  for (size_t i = 0; i < n; ++i) {
    if (values[i] < 0) {
      open = false;
      continue;
    }
    d += open ? " " : "M";
    d += Fixed(xs(i), 1) + "," + Fixed(ys(static_cast<double>(values[i])), 1);
    open = true;
  }
  if (!d.empty())
    h += "<path class=\"line\" d=\"" + d +
         "\" fill=\"none\" stroke=\"#1f3b5c\" stroke-width=\"1.8\"/>";
  for (size_t i = 0; i < n; ++i) {
    double x = xs(i);
    std::string when = Esc(months[i]);
    if (values[i] >= 0) {
      h += "<circle cx=\"" + Fixed(x, 1) + "\" cy=\"" +
           Fixed(ys(static_cast<double>(values[i])), 1) + "\" r=\"2.4\" fill=\"#1f3b5c\"><title>" +
           when + ": " + std::to_string(values[i]) + "</title></circle>";
    } else if (values[i] == -1) {
      // Somewhere between 1 and threshold - 1: a hatched bar over that range.
      double y0 = ys(0), y1 = std::min(ys(static_cast<double>(threshold - 1)), y0 - 6);
      h += "<rect class=\"lt\" x=\"" + Fixed(x - 4, 1) + "\" y=\"" + Fixed(y1, 1) +
           "\" width=\"8\" height=\"" + Fixed(y0 - y1, 1) + "\" fill=\"url(#" + sid +
           "-lt)\" stroke=\"#444\" stroke-width=\"0.6\"><title>" + when + ": fewer than " +
           std::to_string(threshold) + " (not shown)</title></rect>";
    } else {
      double y0 = ys(0);
      h += "<rect class=\"sx\" x=\"" + Fixed(x - 4, 1) + "\" y=\"" + Fixed(y0 - 8, 1) +
           "\" width=\"8\" height=\"8\" fill=\"url(#" + sid +
           "-x)\" stroke=\"#444\" stroke-width=\"0.6\"><title>" + when +
           ": suppressed (x)</title></rect>";
    }
  }
  h += "</svg><figcaption>" + name + "</figcaption></figure>\n";
}

// ---------------------------------------------------------------------------------------------
// Sections

const char* kCss = R"css(
@page { size: A4; margin: 14mm 12mm 16mm; }
* { box-sizing: border-box; }
html { color: #111; background: #fff; }
body { font: 10.5pt/1.45 "Noto Sans", "DejaVu Sans", "Segoe UI", Arial, sans-serif;
       margin: 0 auto; max-width: 200mm; padding: 8mm; }
h1 { font-size: 19pt; margin: 0 0 4pt; color: #1f3b5c; }
h2 { font-size: 14pt; color: #1f3b5c; border-bottom: 2px solid #1f3b5c; margin: 20pt 0 6pt; }
h3 { font-size: 11.5pt; margin: 14pt 0 4pt; }
p { margin: 4pt 0; }
.kicker { text-transform: uppercase; letter-spacing: .08em; font-size: 9pt; color: #333; margin: 0; }
.meta { color: #333; }
.banner { border: 2px solid #7a1f1f; background: #fdf1f1; padding: 4pt 8pt; }
.banner.safe { border-color: #1f5c2e; background: #eef8f0; }
.note, .pc, small { color: #444; }
.note { font-size: 9pt; }
.pc { font-size: 8pt; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; margin: 6pt 0; font-size: 9pt; }
caption { text-align: left; font-weight: bold; padding: 2pt 0; }
th, td { border: 1px solid #8c8c8c; padding: 2pt 4pt; text-align: left; vertical-align: top; }
thead th { background: #e6ecf2; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.ph { text-align: center; white-space: nowrap; }
table.kv th { width: 28%; background: #f3f5f8; }
table.heat { font-size: 7.5pt; }
table.heat td, table.heat th { padding: 1pt 2pt; }
table.heat td { text-align: center; white-space: nowrap; }
table.heat small { color: inherit; }
.legend { list-style: none; padding: 0; margin: 4pt 0; display: flex; flex-wrap: wrap; gap: 4pt 12pt;
          font-size: 9pt; }
.sw { display: inline-block; min-width: 1.8em; text-align: center; border: 1px solid #333;
      font-weight: bold; }
figure { margin: 6pt 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 9pt; color: #333; }
svg { max-width: 100%; height: auto; display: block; }
svg text { font-family: inherit; }
.lbl { font-weight: bold; fill: #000; stroke: #fff; stroke-width: 2.5px; paint-order: stroke;
       text-anchor: middle; dominant-baseline: central; }
.axis text { font-size: 9px; fill: #222; }
.charts { display: flex; flex-wrap: wrap; gap: 6pt 10pt; }
.charts figure { width: calc(50% - 5pt); min-width: 240px; }
nav ol { columns: 2; margin: 4pt 0; }
footer { margin-top: 18pt; font-size: 8.5pt; color: #333; border-top: 1px solid #999; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  nav { display: none; }
  .pillar { break-before: page; page-break-before: always; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
)css";

void Head(std::string& h, const View& v) {
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       "<title>Protection Analysis Update: " +
       Esc(v.in.operation) + ", " + v.period + "</title>\n<style>";
  h += kCss;
  for (int p = 0; p <= 5; ++p)
    h += ".p" + std::to_string(p) + " { background: " + PhaseStyleOf(p).fill +
         "; color: " + PhaseStyleOf(p).text + "; }\n";
  h += "</style>\n</head>\n<body>\n";
}

void Header(std::string& h, const View& v) {
  h += "<header>\n<p class=\"kicker\">Protection Analysis Update</p>\n<h1>" +
       Esc(v.in.operation.empty() ? std::string("Protection Cluster") : v.in.operation) +
       "</h1>\n<p class=\"meta\">Period <b>" + v.period + "</b> &#183; admin level " +
       std::to_string(v.r.level) + " &#183; " + std::to_string(v.areas.size()) + " areas";
  if (!v.in.generated_at.empty()) h += " &#183; generated " + Esc(v.in.generated_at);
  h += "</p>\n";
  if (v.safe) {
    h += "<p class=\"banner safe\"><b>Safe aggregates.</b> Counts from 1 to " +
         std::to_string(v.t - 1) + " are shown as &#8220;&lt;" + std::to_string(v.t) +
         "&#8221;, counts that would reveal them as &#8220;x&#8221;, and withheld risks as "
         "&#8220;withheld&#8221;. This report may be shared with partners without access to "
         "individual records.</p>\n";
  } else {
    h += "<p class=\"banner\"><b>Restricted: exact counts.</b> For partners with access to "
         "individual records only; share a safe version (small counts suppressed) more "
         "widely.</p>\n";
  }
  h += "</header>\n<nav aria-label=\"Contents\"><ol>"
       "<li><a href=\"#summary\">Summary</a></li>"
       "<li><a href=\"#context\">1. Context</a></li>"
       "<li><a href=\"#threats\">2. Current threats to the population</a></li>"
       "<li><a href=\"#effects\">3. Threats&#8217; effects on the population</a></li>"
       "<li><a href=\"#capacities\">4. Existing capacities</a></li>"
       "<li><a href=\"#methodology\">Methodology</a></li></ol></nav>\n<main>\n";
}

void Summary(std::string& h, const View& v) {
  h += "<section id=\"summary\" aria-labelledby=\"h-summary\">\n<h2 id=\"h-summary\">Summary</h2>\n"
       "<ul>\n";
  std::array<int, 6> by_phase{};
  for (const AreaResult* a : v.areas)
    ++by_phase[static_cast<size_t>(std::clamp(a->overall_phase, 0, 5))];
  h += "<li>Areas by overall phase: ";
  bool first = true;
  for (int p = 5; p >= 1; --p) {
    if (by_phase[static_cast<size_t>(p)] == 0) continue;
    h += std::string(first ? "" : ", ") + "phase " + std::to_string(p) + ": " +
         std::to_string(by_phase[static_cast<size_t>(p)]);
    first = false;
  }
  if (by_phase[0] > 0)
    h += std::string(first ? "" : ", ") + "not assessed: " + std::to_string(by_phase[0]);
  if (v.areas.empty()) h += "no areas in this analysis";
  h += ".</li>\n";
  size_t shown = 0;
  for (const RiskSummary& s : v.summary) {
    if (shown == 3 || s.max_phase == 0) break;
    h += shown == 0 ? "<li>Highest-ranked risks: " : "; ";
    h += Esc(s.label.empty() ? s.code : s.label) + " (up to phase " + std::to_string(s.max_phase) +
         ", " + std::to_string(s.AtLeast3()) + (s.AtLeast3() == 1 ? " area" : " areas") +
         " at phase 3 or above)";
    ++shown;
  }
  if (shown > 0) h += ".</li>\n";
  int rising = 0;
  for (const RiskSummary& s : v.summary) rising += s.rising;
  h += "<li>" + std::to_string(rising) + " area&#8211;risk " + (rising == 1 ? "pair" : "pairs") +
       " escalating or emerging against the baseline.</li>\n</ul>\n";
  RenderMap(h, v);
  h += "</section>\n";
}

void Context(std::string& h, const View& v) {
  h += "<section id=\"context\" class=\"pillar\" aria-labelledby=\"h-context\">\n"
       "<h2 id=\"h-context\">1. Context</h2>\n<h3>Period and coverage</h3>\n"
       "<table class=\"kv\"><tbody>\n";
  h += "<tr><th scope=\"row\">Operation</th><td>" + Esc(v.in.operation) + "</td></tr>\n";
  h += "<tr><th scope=\"row\">Period</th><td>" + v.period;
  if (!v.r.previous.label.empty())
    h += "; trends compare it with the previous period (" + Esc(v.r.previous.label) + ")";
  if (v.r.baseline_periods > 0)
    h += " and with the " + std::to_string(v.r.baseline_periods) +
         " periods of the same length before it";
  h += "</td></tr>\n";
  int assessed = 0;
  for (const AreaResult* a : v.areas) assessed += a->overall_phase > 0;
  h += "<tr><th scope=\"row\">Areas covered</th><td>" + std::to_string(v.areas.size()) +
       " areas at admin level " + std::to_string(v.r.level) + "; " + std::to_string(assessed) +
       " assessed, " + std::to_string(static_cast<int>(v.areas.size()) - assessed) +
       " not assessed (no incidents and no monitoring answers)</td></tr>\n";
  h += "<tr><th scope=\"row\">Not further located</th><td>";
  if (v.r.not_further_located.empty()) {
    h += "every incident of the period is placed at admin level " + std::to_string(v.r.level) +
         " or below";
  } else {
    h += Num(v.r.above_level, v.t) + " incidents of the period are placed above admin level " +
         std::to_string(v.r.level) + " (the source locates them no further), on " +
         std::to_string(v.r.not_further_located.size()) +
         (v.r.not_further_located.size() == 1 ? " area" : " areas") +
         ": they count in that area&#8217;s total and in its &#8220;not further located&#8221; "
         "line of the heat table, in no admin level " +
         std::to_string(v.r.level) + " row";
  }
  h += "</td></tr>\n";
  h += "</tbody></table>\n<h3>Data sources</h3>\n<table class=\"kv\"><tbody>\n";
  PublishedSum incidents;
  int max_orgs = 0, convergent = 0;
  int64_t answers = 0;
  std::set<std::string> sources;
  for (const AreaResult* a : v.areas) {
    const RiskFigures* all = FindRisk(*a, "*");
    if (!all) continue;
    incidents.Add(all->incidents);
    max_orgs = std::max(max_orgs, all->organisations);
    convergent += all->organisations >= 2;
    answers += all->reports;
    sources.insert(all->source_types.begin(), all->source_types.end());
  }
  h += "<tr><th scope=\"row\">Incidents counted</th><td>" + incidents.Html() +
       " <small>(each incident once, whatever its number of risks; the sum of the published area "
       "figures)</small></td></tr>\n";
  h += "<tr><th scope=\"row\">Reporting organisations</th><td>Up to " + std::to_string(max_orgs) +
       " per area; " + std::to_string(convergent) +
       " areas with reports from two or more organisations</td></tr>\n";
  h += "<tr><th scope=\"row\">Source types</th><td>";
  if (sources.empty()) h += "none recorded";
  bool first = true;
  for (const std::string& s : sources) {
    h += (first ? "" : ", ") + Esc(s);
    first = false;
  }
  h += "</td></tr>\n<tr><th scope=\"row\">Monitoring answers</th><td>" + std::to_string(answers) +
       "</td></tr>\n</tbody></table>\n<h3>Notes on the data</h3>\n";
  if (v.r.notes.empty()) {
    h += "<p>None.</p>\n";
  } else {
    h += "<ul>\n";
    for (const std::string& n : v.r.notes) h += "<li>" + Esc(n) + "</li>\n";
    h += "</ul>\n";
  }
  h += "<p class=\"note\">The narrative of the context (events and shocks, the environment of the "
       "crisis, conflict dynamics) is written by the cluster&#8217;s analysts; Aegis provides the "
       "figures.</p>\n</section>\n";
}

void RiskTable(std::string& h, const View& v) {
  h += "<h3>Protection risks across the areas</h3>\n<table>\n<thead><tr><th scope=\"col\">Risk</th>"
       "<th scope=\"col\" class=\"n\">Incidents</th>";
  for (int p = 5; p >= 1; --p)
    h += "<th scope=\"col\" class=\"n\">Areas in phase " + std::to_string(p) + "</th>";
  h +=
      "<th scope=\"col\">Highest phase</th><th scope=\"col\" class=\"n\">Areas escalating or "
      "emerging</th><th scope=\"col\" class=\"n\">Areas de-escalating</th></tr></thead>\n<tbody>\n";
  for (const RiskSummary& s : v.summary) {
    h += "<tr><th scope=\"row\">" + RiskLabel(s.code, s.label) + "</th><td class=\"n\">" +
         s.incidents.Html() + "</td>";
    for (int p = 5; p >= 1; --p)
      h += "<td class=\"n\">" + std::to_string(s.by_phase[static_cast<size_t>(p)]) + "</td>";
    h += PhaseTd(s.max_phase, false) + "<td class=\"n\">" + std::to_string(s.rising) +
         "</td><td class=\"n\">" + std::to_string(s.falling) + "</td></tr>\n";
  }
  h += "</tbody></table>\n<p class=\"note\">Risks are ranked by their highest phase, then the "
       "number "
       "of areas at phase 3 or above, then published incidents. Incidents add the published "
       "area figures only.</p>\n";
}

void SituationTable(std::string& h, const View& v) {
  h += "<h3>Priority situations: risk by area</h3>\n";
  if (v.top.empty()) {
    h += "<p>No risk was assessed in any area.</p>\n";
    return;
  }
  h += "<table>\n<thead><tr><th scope=\"col\">Area</th><th scope=\"col\">Risk</th>"
       "<th scope=\"col\">Phase</th><th scope=\"col\" class=\"n\">Incidents</th>"
       "<th scope=\"col\">Trend</th><th scope=\"col\">Test figures</th></tr></thead>\n<tbody>\n";
  for (const Situation& s : v.top) {
    const RiskFigures& rf = *s.risk;
    bool withheld = rf.incidents.state == Figure::State::kWithheld;
    std::string extra;
    if (rf.phase.override && rf.phase.computed != rf.phase.final)
      extra = "<small>(rules: " + std::to_string(rf.phase.computed) + ")</small>";
    h += "<tr><th scope=\"row\">" + AreaLabel(*s.area) + "</th><td>" +
         RiskLabel(rf.risk, rf.label) + "</td>" +
         PhaseTd(rf.phase.final, rf.phase.override.has_value(), extra) + "<td class=\"n\">" +
         Num(rf.incidents, v.t) + "</td><td>" +
         (withheld || !rf.trend_withheld.empty() ? "withheld" : Esc(rf.trend.Name())) +
         "</td><td><small>";
    if (withheld)
      h += "withheld";
    else if (v.safe)
      h += "not published in safe outputs";
    else
      h += Esc(rf.trend.Explain());
    h += "</small></td></tr>\n";
  }
  h += "</tbody></table>\n<p class=\"note\">&#8224; phase set by an analyst override (see "
       "Methodology). Trend flags: escalating, emerging, de-escalating, stable, no data.</p>\n";
}

void Charts(std::string& h, const View& v) {
  h += "<h3>Monthly incidents";
  if (!v.r.months.empty()) h += ", " + Esc(v.r.months.front()) + " to " + Esc(v.r.months.back());
  h += "</h3>\n";
  std::vector<std::pair<std::string, std::string>> series;  // code, escaped name
  if (v.r.monthly.count("*")) series.emplace_back("*", "All risks");
  for (const RiskSummary& s : v.summary) {
    if (series.size() > kChartRisks) break;
    if (v.r.monthly.count(s.code))
      series.emplace_back(s.code, Esc(s.label.empty() ? s.code : s.label));
  }
  if (series.empty() || v.r.months.empty()) {
    h += "<p>No monthly series in this analysis.</p>\n";
    return;
  }
  h += "<div class=\"charts\">\n";
  int id = 0;
  for (const auto& [code, name] : series)
    RenderChart(h, id++, name, v.r.months, v.r.monthly.at(code), v.t);
  h += "</div>\n<p class=\"note\">A diagonally hatched bar marks a month with fewer than " +
       std::to_string(v.t) +
       " incidents (not shown); a cross-hatched box marks a suppressed month (x). The line is "
       "broken at those months.</p>\n";
  h += "<table>\n<caption>Monthly incidents (the charts&#8217; data)</caption>\n<thead><tr>"
       "<th scope=\"col\">Month</th>";
  for (const auto& [code, name] : series) h += "<th scope=\"col\" class=\"n\">" + name + "</th>";
  h += "</tr></thead>\n<tbody>\n";
  for (size_t m = 0; m < v.r.months.size(); ++m) {
    h += "<tr><th scope=\"row\">" + Esc(v.r.months[m]) + "</th>";
    for (const auto& [code, name] : series) {
      const std::vector<int64_t>& vals = v.r.monthly.at(code);
      h += "<td class=\"n\">" + (m < vals.size() ? MonthlyText(vals[m], v.t) : "") + "</td>";
    }
    h += "</tr>\n";
  }
  h += "</tbody></table>\n";
}

void HeatTable(std::string& h, const View& v) {
  h += "<h3>Phase by area and risk</h3>\n<p class=\"note\">Each cell gives the risk&#8217;s final "
       "phase (bold) and the incidents in the period; &#8211; = not assessed, &#8224; = phase set "
       "by an analyst override, w = phase withheld (publishing it would reveal a small count). The "
       "number is printed in every cell, so the table reads without colour. A &#8220;not further "
       "located&#8221; line, after the areas, holds the incidents placed on a larger area (a "
       "country, a state) and on none of its areas at this level: counts only, no phase.</p>\n"
       "<table class=\"heat\">\n<thead><tr><th scope=\"col\">Area</th>"
       "<th scope=\"col\">Overall</th><th scope=\"col\">All risks</th>";
  for (const auto& [code, label] : v.risks)
    h += "<th scope=\"col\"><abbr title=\"" + Esc(label) + "\">" + Esc(code) + "</abbr></th>";
  h += "</tr></thead>\n<tbody>\n";
  for (const AreaResult* a : v.areas) {
    const RiskFigures* all = FindRisk(*a, "*");
    h += "<tr data-pcode=\"" + Esc(a->pcode) + "\"><th scope=\"row\">" + AreaLabel(*a) + "</th>" +
         (a->overall_withheld.empty() ? PhaseTd(a->overall_phase, a->overall_override.has_value())
                                      : std::string("<td class=\"ph p0\"><b>w</b></td>")) +
         "<td class=\"n\">" + (all ? Num(all->incidents, v.t) : std::string()) + "</td>";
    for (const auto& [code, label] : v.risks) {
      const RiskFigures* rf = FindRisk(*a, code);
      if (!rf) {
        h += "<td></td>";
        continue;
      }
      std::string inc = rf->incidents.state == Figure::State::kWithheld ? "<small>withheld</small>"
                                                                        : Num(rf->incidents, v.t);
      if (!rf->phase_withheld.empty() && !rf->phase.override &&
          rf->incidents.state != Figure::State::kWithheld)
        h += "<td class=\"ph p0\"><b>w</b> " + inc + "</td>";
      else
        h += PhaseTd(rf->phase.final, rf->phase.override.has_value(), inc);
    }
    h += "</tr>\n";
  }
  // Records placed above the level: one line per area they are placed on, counts only (a line
  // is not an area: no phase).
  for (const AreaResult& a : v.r.not_further_located) {
    const RiskFigures* all = FindRisk(a, "*");
    h += "<tr class=\"nfl\" data-not-further-located=\"" + Esc(a.pcode) + "\"><th scope=\"row\">" +
         AreaLabel(a) + " <small>not further located</small></th><td class=\"ph p0\"></td>" +
         "<td class=\"n\">" + (all ? Num(all->incidents, v.t) : std::string()) + "</td>";
    for (const auto& [code, label] : v.risks) {
      const RiskFigures* rf = FindRisk(a, code);
      if (!rf) {
        h += "<td></td>";
        continue;
      }
      h += "<td class=\"n\">" +
           (rf->incidents.state == Figure::State::kWithheld ? "<small>withheld</small>"
                                                            : Num(rf->incidents, v.t)) +
           "</td>";
    }
    h += "</tr>\n";
  }
  h += "</tbody></table>\n<p class=\"note\">Risk codes: ";
  for (size_t i = 0; i < v.risks.size(); ++i)
    h += (i ? "; " : "") + Esc(v.risks[i].first) + " = " + Esc(v.risks[i].second);
  h += ".</p>\n";
}

void Threats(std::string& h, const View& v) {
  h += "<section id=\"threats\" class=\"pillar\" aria-labelledby=\"h-threats\">\n"
       "<h2 id=\"h-threats\">2. Current threats to the population</h2>\n";
  RiskTable(h, v);
  SituationTable(h, v);
  Charts(h, v);
  HeatTable(h, v);
  h += "</section>\n";
}

void Breakdown(std::string& h, const char* title, const std::map<std::string, int64_t>& counts) {
  h += "<table>\n<caption>Victims by " + std::string(title) +
       "</caption>\n<thead><tr><th scope=\"col\">" + std::string(title) +
       "</th><th scope=\"col\" class=\"n\">Victims</th></tr></thead>\n<tbody>\n";
  auto row = [&](const std::string& k, int64_t n) {
    h += "<tr><th scope=\"row\">" + Esc(k) + "</th><td class=\"n\">" + std::to_string(n) +
         "</td></tr>\n";
  };
  for (const auto& [k, n] : counts)
    if (k != "unknown") row(k, n);
  auto unknown = counts.find("unknown");
  if (unknown != counts.end()) row(unknown->first, unknown->second);
  h += "</tbody></table>\n";
}

void Effects(std::string& h, const View& v) {
  h += "<section id=\"effects\" class=\"pillar\" aria-labelledby=\"h-effects\">\n"
       "<h2 id=\"h-effects\">3. Threats&#8217; effects on the population</h2>\n"
       "<h3>People killed and injured, and victims, by area</h3>\n";
  PublishedSum killed, injured, victims;
  std::string rows;
  int quiet = 0;
  for (const AreaResult* a : v.areas) {
    const RiskFigures* all = FindRisk(*a, "*");
    if (!all) continue;
    killed.Add(all->killed);
    injured.Add(all->injured);
    victims.Add(all->victims);
    bool zero = true;
    for (const Figure* f : {&all->killed, &all->injured, &all->victims})
      zero = zero && Exact(*f) && f->value == 0;
    if (zero) {
      ++quiet;
      continue;
    }
    rows += "<tr><th scope=\"row\">" + AreaLabel(*a) + "</th><td class=\"n\">" +
            Num(all->killed, v.t) + "</td><td class=\"n\">" + Num(all->injured, v.t) +
            "</td><td class=\"n\">" + Num(all->victims, v.t) + "</td></tr>\n";
  }
  if (rows.empty()) {
    h += "<p>No one was recorded killed, injured or otherwise harmed in the period.</p>\n";
  } else {
    h += "<table>\n<thead><tr><th scope=\"col\">Area</th><th scope=\"col\" class=\"n\">Killed</th>"
         "<th scope=\"col\" class=\"n\">Injured</th><th scope=\"col\" class=\"n\">Victims</th>"
         "</tr></thead>\n<tbody>\n" +
         rows + "</tbody>\n<tfoot><tr><th scope=\"row\">Total of published figures</th>" +
         "<td class=\"n\">" + killed.Html() + "</td><td class=\"n\">" + injured.Html() +
         "</td><td class=\"n\">" + victims.Html() + "</td></tr></tfoot></table>\n";
    if (quiet > 0)
      h += "<p class=\"note\">" + std::to_string(quiet) + (quiet == 1 ? " area" : " areas") +
           " with no one recorded killed, injured or harmed are not listed.</p>\n";
  }
  h += "<h3>By risk</h3>\n<table>\n<thead><tr><th scope=\"col\">Risk</th><th scope=\"col\" "
       "class=\"n\">Killed</th><th scope=\"col\" class=\"n\">Injured</th><th scope=\"col\" "
       "class=\"n\">Victims</th></tr></thead>\n<tbody>\n";
  for (const RiskSummary& s : v.summary)
    h += "<tr><th scope=\"row\">" + RiskLabel(s.code, s.label) + "</th><td class=\"n\">" +
         s.killed.Html() + "</td><td class=\"n\">" + s.injured.Html() + "</td><td class=\"n\">" +
         s.victims.Html() + "</td></tr>\n";
  h += "</tbody></table>\n<p class=\"note\">An incident can concern several risks, so the rows "
       "do not add up to the area totals. Totals add published figures only.</p>\n"
       "<h3>Who is affected</h3>\n";
  if (v.safe) {
    h += "<p>Victims by sex, age band, disability and displacement status are not published in "
         "safe outputs.</p>\n</section>\n";
    return;
  }
  std::array<std::map<std::string, int64_t>, 4> dims;
  for (const AreaResult* a : v.areas) {
    const RiskFigures* all = FindRisk(*a, "*");
    if (!all) continue;
    const std::map<std::string, int64_t>* src[4] = {&all->by_sex, &all->by_age_band,
                                                    &all->by_disability, &all->by_displacement};
    for (size_t d = 0; d < 4; ++d)
      for (const auto& [k, n] : *src[d])
        if (n > 0) dims[d][k] += n;
  }
  const char* titles[4] = {"sex", "age band", "disability", "displacement status"};
  bool any = false;
  for (size_t d = 0; d < 4; ++d) {
    if (dims[d].empty()) continue;
    Breakdown(h, titles[d], dims[d]);
    any = true;
  }
  if (!any) h += "<p>No victim disaggregation was recorded for the period.</p>\n";
  h += "</section>\n";
}

// Pillar 4: where the risks are severe, the services present and the referrals turned away (the
// service-gap map), gaps first. The full map is the API's (GET /api/v1/analysis/gaps).
void Capacities(std::string& h, const View& v) {
  constexpr size_t kRows = 40;
  h += "<section id=\"capacities\" class=\"pillar\" aria-labelledby=\"h-capacities\">\n"
       "<h2 id=\"h-capacities\">4. Existing capacities to address protection threats</h2>\n";
  const std::vector<CapacityRow>& rows = v.in.capacities;
  if (!v.in.capacities_known) {
    h += "<p>The service directory was not read for this report.</p>\n";
  } else if (rows.empty()) {
    h += "<p>The service directory has no entry: import the cluster&#8217;s 3W/4W (who does "
         "what where) to map services against the threats, e.g. <code>aegis import 3w.csv "
         "--profile ocha-3w</code>.</p>\n";
  } else {
    size_t gaps = 0;
    std::set<std::string> types;
    for (const CapacityRow& c : rows) {
      gaps += c.gap ? 1 : 0;
      types.insert(c.service_type);
    }
    h += "<p>The service-gap map joins each area&#8217;s phase for the risks a type of service "
         "answers with the services covering the area and the referrals closed there as "
         "&#8220;service unavailable&#8221; in the period. A <b>gap</b> is phase 3 or worse with "
         "no service, or with referrals turned away. " +
         std::to_string(gaps) + " gap" + (gaps == 1 ? "" : "s") + " across " +
         std::to_string(rows.size()) + " area and service-type cells (" +
         std::to_string(types.size()) + " service type" + (types.size() == 1 ? "" : "s") +
         ").</p>\n";
    h += "<table>\n<thead><tr><th scope=\"col\">Area</th><th scope=\"col\">Service type</th>"
         "<th scope=\"col\">Phase</th><th scope=\"col\">Risk</th><th scope=\"col\" "
         "class=\"n\">Services</th><th scope=\"col\" class=\"n\">Providers</th><th "
         "scope=\"col\" class=\"n\">Referrals turned away</th><th scope=\"col\">Gap</th>"
         "</tr></thead>\n<tbody>\n";
    size_t shown = 0;
    for (const CapacityRow& c : rows) {
      if (shown == kRows) break;
      if (!c.gap && c.phase < 3 && !c.phase_withheld) continue;  // severe or withheld only
      ++shown;
      h += "<tr><th scope=\"row\">" + Esc(c.name.empty() ? c.pcode : c.name) + " <small>" +
           Esc(c.pcode) + "</small></th><td>" + Esc(c.service_type) + "</td>" +
           (c.phase_withheld ? std::string("<td class=\"ph p0\"><b>w</b></td>")
                             : PhaseTd(c.phase, false)) +
           "<td>" + Esc(c.phase_risk) + "</td><td class=\"n\">" + std::to_string(c.services) +
           "</td><td class=\"n\">" + std::to_string(c.providers) + "</td><td class=\"n\">" +
           (c.turned_away.empty() ? "&#8211;" : Esc(c.turned_away)) + "</td><td>" +
           (c.gap ? "<b>gap</b>" : "") + "</td></tr>\n";
    }
    if (shown == 0)
      h += "<tr><td colspan=\"8\">No area is at phase 3 or worse for a risk a service type "
           "answers.</td></tr>\n";
    h += "</tbody></table>\n<p class=\"note\">Listed: the gaps, then the other cells at phase 3 "
         "or worse (or withheld), worst first";
    if (shown == kRows) h += ", the first " + std::to_string(kRows);
    h += ". The whole map, in HXL: <code>GET /api/v1/analysis/gaps?format=hxl</code>. "
         "&#8220;w&#8221;: a phase withheld so that no suppressed count can be worked out; "
         "&#8220;&#8211;&#8221;: referral counts not shown to this report&#8217;s readers.</p>\n";
  }
  h += "<p class=\"note\">The capacities of the affected population and of institutions are "
       "the cluster&#8217;s to add from its own knowledge.</p>\n</section>\n";
}

std::string EvidenceText(const PhaseDecision& d, bool safe) {
  if (d.evidence.empty()) return "no indicator";
  std::string s;
  for (size_t i = 0; i < d.evidence.size(); ++i) {
    const PhaseEvidence& e = d.evidence[i];
    s += (i ? "; " : "") + Esc(e.measure);
    if (!safe) s += " " + Short(e.value);
    s += " &#8594; " + std::to_string(e.phase);
  }
  return s;
}

void Methodology(std::string& h, const View& v) {
  h += "<section id=\"methodology\" class=\"pillar\" aria-labelledby=\"h-methodology\">\n"
       "<h2 id=\"h-methodology\">Methodology</h2>\n<h3>Severity phases</h3>\n"
       "<p>Each risk in each area gets a phase from 1 to 5 from the operation&#8217;s severity "
       "rules: every indicator (a measure with thresholds for phases 2 to 5) reaches a phase, and "
       "the risk takes the highest. Phases 4 and 5 need reports from the number of organisations "
       "the rules set; with fewer, the phase is capped at 3. An area&#8217;s overall phase comes "
       "from its risks&#8217; phases by the rule below. &#8220;Not assessed&#8221; means no "
       "incidents and no monitoring answers. Phases are printed as numbers: the names of the "
       "five phases are set by each operation.</p>\n"
       "<p>An area&#8217;s figures and phase come from the records placed in it, on it or on "
       "any of its sub-areas. Records a source locates only on a larger area (a country, a "
       "state) count in that area and in a &#8220;not further located&#8221; line under it at "
       "every lower level; such a line has no phase: it is not an area, and its records may lie "
       "in any of the areas below.</p>\n";
  Legend(h);
  std::map<std::string, int> rules;
  int capped = 0;
  for (const AreaResult* a : v.areas) {
    if (!a->overall_rule.empty()) ++rules[a->overall_rule];
    for (const RiskFigures& rf : a->risks) capped += !rf.phase.cap.empty();
  }
  h += "<p>Overall phase rule: ";
  if (rules.empty()) h += "not recorded";
  bool first = true;
  for (const auto& [rule, n] : rules) {
    h += (first ? "" : "; ") + Esc(rule) + " (" + std::to_string(n) +
         (n == 1 ? " area)" : " areas)");
    first = false;
  }
  h += ". Risk phases capped for lack of convergent sources: " + std::to_string(capped) + ".</p>\n";
  if (!v.top.empty()) {
    h += "<table>\n<caption>Evidence behind the priority situations</caption>\n<thead><tr>"
         "<th scope=\"col\">Area</th><th scope=\"col\">Risk</th><th scope=\"col\">Indicators "
         "(measure" +
         std::string(v.safe ? "" : " per month") +
         " &#8594; phase)</th><th scope=\"col\">Cap</th><th scope=\"col\">Rules</th>"
         "<th scope=\"col\">Final</th></tr></thead>\n<tbody>\n";
    for (const Situation& s : v.top) {
      const PhaseDecision& d = s.risk->phase;
      h += "<tr><th scope=\"row\">" + AreaLabel(*s.area) + "</th><td>" +
           RiskLabel(s.risk->risk, s.risk->label) + "</td><td><small>" + EvidenceText(d, v.safe) +
           "</small></td><td><small>" + Esc(d.cap) + "</small></td>" + PhaseTd(d.computed, false) +
           PhaseTd(d.final, d.override.has_value()) + "</tr>\n";
    }
    h += "</tbody></table>\n";
    if (v.safe)
      h += "<p class=\"note\">The indicator values are not published in safe outputs.</p>\n";
  }
  h += "<h3>Analyst overrides</h3>\n";
  std::string rows;
  auto override_row = [&](const AreaResult& a, const std::string& risk, int computed,
                          const store::SeverityOverride& o) {
    rows += "<tr><th scope=\"row\">" + AreaLabel(a) + "</th><td>" + risk + "</td><td class=\"n\">" +
            (computed > 0 ? std::to_string(computed) : std::string("&#8211;")) + "</td>" +
            PhaseTd(o.phase, true) + "<td>" + Esc(o.rationale) + "</td><td>" + Esc(o.author) +
            "</td><td>" + Esc(o.created_at) + "</td></tr>\n";
  };
  for (const AreaResult* a : v.areas) {
    if (a->overall_override) override_row(*a, "Overall", 0, *a->overall_override);
    for (const RiskFigures& rf : a->risks)
      if (rf.phase.override)
        override_row(*a, RiskLabel(rf.risk, rf.label), rf.phase.computed, *rf.phase.override);
  }
  if (rows.empty()) {
    h += "<p>No phase was overridden for this period.</p>\n";
  } else {
    h += "<table>\n<thead><tr><th scope=\"col\">Area</th><th scope=\"col\">Risk</th>"
         "<th scope=\"col\" class=\"n\">Rules</th><th scope=\"col\">Set to</th>"
         "<th scope=\"col\">Rationale</th><th scope=\"col\">By</th><th scope=\"col\">On</th>"
         "</tr></thead>\n<tbody>\n" +
         rows + "</tbody></table>\n";
  }
  h += "<h3>Trends</h3>\n<p>A risk&#8217;s incidents in the period are compared with the ";
  h += std::to_string(v.r.baseline_periods) +
       " periods of the same length before it by an exact conditional binomial test of two "
       "Poisson rates (sound for small counts; one-sided). &#8220;Escalating&#8221; and "
       "&#8220;de-escalating&#8221; mean a significant rise or fall against the baseline mean; "
       "&#8220;emerging&#8221;, incidents where the baseline had none.";
  if (v.safe)
    h += " The counts and probabilities behind each flag are not published in safe outputs.";
  h += "</p>\n<h3>Small counts and suppression</h3>\n";
  if (v.safe) {
    h += "<p>This is a safe report. Counts from 1 to " + std::to_string(v.t - 1) +
         " are printed &#8220;&lt;" + std::to_string(v.t) +
         "&#8221;; a count from which a small count could be recovered (through totals, "
         "roll-ups or other periods) is printed &#8220;x&#8221;; risks withheld from safe outputs "
         "are printed &#8220;withheld&#8221;. Totals in this report add published figures only, "
         "rows are ordered by published figures only, and map symbols of unpublished figures all "
         "have the smallest size, so that none of them reveals a suppressed value. Charts show "
         "such months as hatched markers.</p>\n";
  } else {
    h += "<p>This report prints exact counts, including counts below " + std::to_string(v.t) +
         ". Before sharing beyond partners with access to individual records, produce the safe "
         "version, in which counts from 1 to " +
         std::to_string(v.t - 1) + " are printed &#8220;&lt;" + std::to_string(v.t) +
         "&#8221; and counts that would reveal them &#8220;x&#8221;.</p>\n";
  }
  h += "</section>\n";
}

}  // namespace

std::string RenderReportHtml(const ReportInput& in) {
  static const AnalysisResult kEmpty{};
  const AnalysisResult& r = in.result ? *in.result : kEmpty;
  View v{in, r, r.threshold, r.safe, {}, {}, {}, {}, {}};
  BuildView(v);
  std::string h;
  h.reserve(size_t{64} * 1024 + v.areas.size() * (v.risks.size() + 4) * 64);
  Head(h, v);
  Header(h, v);
  Summary(h, v);
  Context(h, v);
  Threats(h, v);
  Effects(h, v);
  Capacities(h, v);
  Methodology(h, v);
  h += "</main>\n<footer><p>Protection Analysis Update produced by Aegis";
  if (!in.generated_at.empty()) h += " on " + Esc(in.generated_at);
  h += ". Structure: the four pillars of the GPC Protection Analytical Framework.</p></footer>\n"
       "</body>\n</html>\n";
  return h;
}

}  // namespace aegis::analysis
