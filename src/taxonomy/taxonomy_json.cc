// Helpers shared by the taxonomy loaders: the folded-name index, term lists, JSON file reading
// and typed field access. nlohmann::json exceptions are caught here and never leave the module.

#include <fstream>
#include <sstream>

#include "taxonomy/taxonomy_internal.h"
#include "util/text.h"

namespace aegis::taxonomy::internal {

using nlohmann::json;

int FoldedIndex::Add(std::string_view name, int pos) {
  std::string key = text::FoldName(name);
  if (key.empty()) return -1;
  auto [it, inserted] = map_.emplace(std::move(key), pos);
  if (inserted || it->second == pos) return -1;
  return it->second;
}

int FoldedIndex::Find(std::string_view name) const { return FindFolded(text::FoldName(name)); }

int FoldedIndex::FindFolded(const std::string& folded) const {
  auto it = map_.find(folded);
  return it == map_.end() ? -1 : it->second;
}

std::optional<std::string> TermList::Normalize(std::string_view text) const {
  int pos = index.Find(text);
  if (pos < 0) return std::nullopt;
  return terms[pos].id;
}

bool TermList::HasId(std::string_view id) const {
  for (const Term& t : terms) {
    if (t.id == id) return true;
  }
  return false;
}

namespace {

Status CheckMeta(const json& doc, const std::string& path, std::string* version) {
  auto meta = doc.find("_meta");
  if (meta == doc.end() || !meta->is_object()) {
    return Status::InvalidArgument(path + ": missing \"_meta\" object; add _meta with source, " +
                                   "status and version");
  }
  Fields f(*meta, path + ": _meta");
  std::string status, source;
  AEGIS_RETURN_IF_ERROR(f.Str("version", version));
  AEGIS_RETURN_IF_ERROR(f.Str("source", &source));
  AEGIS_RETURN_IF_ERROR(f.Str("status", &status));
  if (status != "read" && status != "partial" && status != "unverified" &&
      status != "project-decision") {
    return f.Error("status \"" + status + "\" is not read, partial, unverified or project-decision",
                   "use one of these four values");
  }
  return Status::Ok();
}

}  // namespace

Result<json> ReadJsonFile(const std::string& path, std::string* version) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::IOError(path + ": cannot open file; check that the taxonomy directory is " +
                           "complete and readable");
  }
  std::stringstream buf;
  buf << in.rdbuf();
  json doc;
  try {
    doc = json::parse(buf.str());
  } catch (const json::exception& e) {
    return Status::InvalidArgument(path + ": not valid JSON (" + e.what() + "); fix the syntax");
  }
  if (!doc.is_object()) {
    return Status::InvalidArgument(path + ": top level is not a JSON object; restore the file");
  }
  AEGIS_RETURN_IF_ERROR(CheckMeta(doc, path, version));
  return doc;
}

Status Fields::Error(std::string_view what, std::string_view fix) const {
  std::string msg = where_;
  msg.append(": ").append(what).append("; ").append(fix);
  return Status::InvalidArgument(std::move(msg));
}

Status Fields::Str(const char* key, std::string* out) const {
  AEGIS_RETURN_IF_ERROR(OptStr(key, out));
  if (out->empty()) {
    return Error(std::string("field \"") + key + "\" is missing or empty", "add a non-empty text");
  }
  return Status::Ok();
}

Status Fields::OptStr(const char* key, std::string* out) const {
  out->clear();
  if (!obj_.is_object()) return Error("entry is not a JSON object", "write it as {...}");
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) {
    return Error(std::string("field \"") + key + "\" is not a string", "quote the value");
  }
  *out = std::string(text::Trim(it->get_ref<const std::string&>()));
  return Status::Ok();
}

Status Fields::Int(const char* key, int* out) const {
  std::optional<int> v;
  AEGIS_RETURN_IF_ERROR(OptInt(key, &v));
  if (!v) return Error(std::string("field \"") + key + "\" is missing", "add an integer");
  *out = *v;
  return Status::Ok();
}

Status Fields::OptInt(const char* key, std::optional<int>* out) const {
  out->reset();
  if (!obj_.is_object()) return Error("entry is not a JSON object", "write it as {...}");
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) return Status::Ok();
  if (!it->is_number_integer()) {
    return Error(std::string("field \"") + key + "\" is not an integer", "write a whole number");
  }
  *out = it->get<int>();
  return Status::Ok();
}

Status Fields::Bool(const char* key, bool* out) const {
  std::optional<bool> v;
  AEGIS_RETURN_IF_ERROR(OptBool(key, &v));
  if (!v) return Error(std::string("field \"") + key + "\" is missing", "add true or false");
  *out = *v;
  return Status::Ok();
}

Status Fields::OptBool(const char* key, std::optional<bool>* out) const {
  out->reset();
  if (!obj_.is_object()) return Error("entry is not a JSON object", "write it as {...}");
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) return Status::Ok();
  if (!it->is_boolean()) {
    return Error(std::string("field \"") + key + "\" is not true/false", "write true or false");
  }
  *out = it->get<bool>();
  return Status::Ok();
}

Status Fields::Strs(const char* key, std::vector<std::string>* out) const {
  out->clear();
  if (!obj_.is_object()) return Error("entry is not a JSON object", "write it as {...}");
  auto it = obj_.find(key);
  if (it == obj_.end() || it->is_null()) return Status::Ok();
  if (!it->is_array()) {
    return Error(std::string("field \"") + key + "\" is not a list", "write [\"...\", ...]");
  }
  for (const json& v : *it) {
    if (!v.is_string() || text::Trim(v.get_ref<const std::string&>()).empty()) {
      return Error(std::string("field \"") + key + "\" has an empty or non-text entry",
                   "list non-empty strings only");
    }
    out->emplace_back(text::Trim(v.get_ref<const std::string&>()));
  }
  return Status::Ok();
}

Status Fields::Array(const char* key, const json** out) const {
  if (!obj_.is_object()) return Error("entry is not a JSON object", "write it as {...}");
  auto it = obj_.find(key);
  if (it == obj_.end() || !it->is_array()) {
    return Error(std::string("list \"") + key + "\" is missing", "restore the list");
  }
  *out = &*it;
  return Status::Ok();
}

Status IndexNames(FoldedIndex* index, const std::vector<std::string>& names, int pos,
                  std::string_view where, const std::vector<std::string>& item_names) {
  for (const std::string& name : names) {
    int other = index->Add(name, pos);
    if (other < 0) continue;
    std::string msg(where);
    msg.append(": \"").append(name).append("\" already names ");
    msg.append(other < static_cast<int>(item_names.size()) ? item_names[other] : "another item");
    msg.append(" (names are compared ignoring case, accents and punctuation); ");
    msg.append("keep each code, label and synonym on one item only");
    return Status::InvalidArgument(std::move(msg));
  }
  return Status::Ok();
}

}  // namespace aegis::taxonomy::internal
