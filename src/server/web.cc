// The web application (issue 5): the built front end (web/dist, made by scripts/build-web.sh)
// served as static files next to the API, and the two read-only routes it needs that the API
// lacked: areas with centroids for the map, and the mapping profiles for the import page.
//
// Static files: only the files found under the web folder at start are served (ListWebFiles), so
// no request path can name a file elsewhere on disk. Hashed assets (/assets/*) are cached for a
// year (immutable); index.html and everything else must be revalidated. cpp-httplib gzips text
// answers (HTML, JS, CSS, SVG, JSON) itself when the client accepts it (Debian builds it with
// zlib), so nothing is pre-compressed.
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "server/api.h"
#include "server/ops.h"

namespace aegis::server {

namespace {

namespace fs = std::filesystem;

std::string WebDir(const ServerOptions& o) {
  if (!o.web_dir.empty()) return o.web_dir;
  return o.data_dir + "/../web/dist";
}

const char* ContentType(const std::string& ext) {
  static const std::map<std::string, const char*> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".webmanifest", "application/manifest+json"},
  };
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? nullptr : it->second;
}

bool ReadFile(const fs::path& p, std::string* out) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return false;
  std::ostringstream s;
  s << f.rdbuf();
  *out = s.str();
  return static_cast<bool>(f) || f.eof();
}

// The built web application, read once at start: URL path ("/index.html", "/assets/x.js") ->
// content type and bytes. Only regular files under `dir` are in it, found without following a
// symbolic link, and only those of a type in ContentType: a request for any other path (an
// absolute one, "..", an encoded slash, a link out of the folder) finds nothing and is a 404,
// whatever its spelling, because nothing is joined to a path at request time. A rebuilt web
// application is served after a restart.
struct WebFile {
  const char* type;
  std::string body;
};
using WebFiles = std::map<std::string, WebFile>;

WebFiles ListWebFiles(const std::string& dir) {
  WebFiles files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;  // the folder itself may be a link
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::directory_entry& e = *it;
    std::error_code st;
    if (!fs::is_regular_file(e.symlink_status(st))) continue;  // links and folders
    const char* type = ContentType(e.path().extension().string());
    if (type == nullptr) continue;
    std::string rel = fs::relative(e.path(), dir, st).generic_string();
    if (st || rel.empty() || rel.rfind("..", 0) == 0) continue;
    WebFile f{type, {}};
    if (ReadFile(e.path(), &f.body)) files.emplace("/" + rel, std::move(f));
  }
  return files;
}

// GET / and GET /<file>: the front end. The app routes with the URL fragment (#/dashboard), so
// only the files listed at start are served; any other path is a 404.
void Static(const WebFiles& files, const httplib::Request& req, httplib::Response& res) {
  auto it = files.find(req.path == "/" ? "/index.html" : req.path);
  if (it == files.end()) {
    if (req.path == "/" || req.path == "/index.html") {
      res.status = 503;
      res.set_content(
          "The web application is not built: run scripts/build-web.sh (npm ci and vite build), "
          "or point AEGIS_WEB_DIR at a built web/dist, and restart the server. The API is under "
          "/api/v1.\n",
          "text/plain; charset=utf-8");
      return;
    }
    return SendError(res, {404, "not_found", "no such file", ""});
  }
  bool hashed = it->first.rfind("/assets/", 0) == 0;
  res.set_header("Cache-Control",
                 hashed ? "public, max-age=31536000, immutable" : "no-cache, must-revalidate");
  res.set_content(it->second.body, it->second.type);
}

}  // namespace

// With `centroids`, each area's own centroid, else the mean of the centroids of the payams under
// it, rounded to 0.001 degree.
void ListAreas(Api& api, const httplib::Request& req, httplib::Response& res, bool centroids) {
  int level = -1;
  if (req.has_param("level")) {
    auto v = Int(req.get_param_value("level"));
    if (!v || *v < 0 || *v > 5)
      return SendError(res, {400, "invalid", "level must be 0 to 5", "level"});
    level = static_cast<int>(*v);
  }
  std::string parent = req.get_param_value("parent");
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto areas = (*lease)->LoadAreas();
  if (!areas.ok()) return SendError(res, FromStatus(areas.status()));
  std::map<std::string, const store::AreaRow*> by_code;
  for (const auto& a : *areas) by_code[a.pcode] = &a;
  struct Sum {
    double lat = 0, lon = 0;
    int n = 0;
  };
  std::map<std::string, Sum> sums;
  for (const auto& a : *areas) {
    if (!centroids || !a.lat || !a.lon) continue;
    // Up the chain; bounded in case of a cycle in bad data.
    const store::AreaRow* up = &a;
    for (int depth = 0; up != nullptr && depth < 8; ++depth) {
      Sum& s = sums[up->pcode];
      s.lat += *a.lat;
      s.lon += *a.lon;
      ++s.n;
      auto it = by_code.find(up->parent_pcode);
      up = it == by_code.end() ? nullptr : it->second;
    }
  }
  json items = json::array();
  for (const auto& a : *areas) {
    if (level >= 0 && a.level != level) continue;
    if (!parent.empty() && a.parent_pcode != parent) continue;
    json item = {
        {"pcode", a.pcode}, {"name", a.name}, {"level", a.level}, {"parent", a.parent_pcode}};
    if (!centroids) {
      items.push_back(std::move(item));
      continue;
    }
    auto s = sums.find(a.pcode);
    // 0.001 degree (about 110 m) is plenty for a symbol, and a third of the bytes on a slow link.
    auto deg = [](double v) { return std::round(v * 1000) / 1000; };
    if (a.lat && a.lon) {
      item["lat"] = deg(*a.lat);
      item["lon"] = deg(*a.lon);
    } else if (s != sums.end() && s->second.n > 0) {
      item["lat"] = deg(s->second.lat / s->second.n);
      item["lon"] = deg(s->second.lon / s->second.n);
    } else {
      item["lat"] = nullptr;
      item["lon"] = nullptr;
    }
    items.push_back(std::move(item));
  }
  SendJson(res, {{"items", items}, {"count", items.size()}});
}

namespace {

// The built-in mapping profiles (data/profiles/*.toml): name, description, record kind.
void Profiles(Api& api, httplib::Response& res) {
  json items = json::array();
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(api.options().data_dir + "/profiles", ec))
    if (e.path().extension() == ".toml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& p : files) {
    try {
      toml::table t = toml::parse_file(p.string());
      std::string name = t["name"].value_or(p.stem().string());
      items.push_back({{"name", name},
                       {"description", t["description"].value_or(std::string())},
                       {"record", t["record"].value_or(std::string("incident"))}});
    } catch (const toml::parse_error&) {
      continue;  // a broken profile is reported by `aegis import --list-profiles`
    }
  }
  SendJson(res, {{"items", items}, {"count", items.size()}});
}

}  // namespace

void AddWebRoutes(Api& api, httplib::Server& http) {
  Api* a = &api;
  api.Add(
      "GET", "/api/v1/map/areas", access::Action::kSignedIn,
      [a](const httplib::Request& q, httplib::Response& r, Caller*) { ListAreas(*a, q, r, true); });
  api.Add("GET", "/api/v1/import-profiles", access::Action::kSignedIn,
          [a](const httplib::Request&, httplib::Response& r, Caller*) { Profiles(*a, r); });
  auto files = std::make_shared<const WebFiles>(ListWebFiles(WebDir(api.options())));
  // Everything outside /api/ is the front end.
  http.Get(R"(/(?!api/)[A-Za-z0-9._/-]*)",
           [files](const httplib::Request& q, httplib::Response& r) {
             CurrentRequest().route = "/{web}";  // one pattern for every file of the front end
             Static(*files, q, r);
           });
}

}  // namespace aegis::server
