#include "security/audit_chain.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "security/internal.h"
#include "util/text.h"

namespace aegis::security {

namespace {

constexpr size_t kHexMacChars = 64;

// The key id of a stored hash "<key id>:<64 hex>", or nullopt when malformed.
std::optional<std::string_view> HashKeyId(std::string_view hash) {
  size_t colon = hash.find(':');
  if (colon == std::string_view::npos || colon == 0 || hash.size() - colon - 1 != kHexMacChars)
    return std::nullopt;
  for (char c : hash.substr(colon + 1))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  return hash.substr(0, colon);
}

std::string EntryMessage(std::string_view key_id, std::string_view prev_hash, int64_t seq,
                         const AuditEntry& e) {
  std::string m;
  m.reserve(160 + prev_hash.size() + e.at.size() + e.actor.size() + e.action.size() +
            e.object_type.size() + e.object_id.size() + e.organisation.size() + e.detail.size());
  internal::AppendField(&m, "aegis-audit-v1");
  internal::AppendField(&m, key_id);
  internal::AppendField(&m, prev_hash);
  internal::AppendInt(&m, seq);
  internal::AppendField(&m, e.at);
  internal::AppendField(&m, e.actor);
  internal::AppendField(&m, e.action);
  internal::AppendField(&m, e.object_type);
  internal::AppendField(&m, e.object_id);
  internal::AppendField(&m, e.organisation);
  internal::AppendField(&m, e.detail);
  return m;
}

std::string FormatMac(std::string_view key_id, const Mac& mac) {
  return std::string(key_id) + ":" + internal::ToHex(mac.data(), mac.size());
}

// The hash of `e` with sequence number `seq` (possibly not e.seq: used to test hypotheses such as
// "this entry was renumbered"), chained after `prev`, under key `key_id`.
Result<std::string> HashWith(const Keyring& kr, std::string_view key_id, std::string_view prev,
                             int64_t seq, const AuditEntry& e) {
  AEGIS_ASSIGN_OR_RETURN(
      Mac mac, kr.ComputeMac(MacPurpose::kAuditMac, key_id, EntryMessage(key_id, prev, seq, e)));
  return FormatMac(key_id, mac);
}

bool SameString(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

// True when e's stored hash is what `prev` and `seq` give.
bool LinksTo(const Keyring& kr, std::string_view prev, int64_t seq, const AuditEntry& e) {
  auto kid = HashKeyId(e.hash);
  if (!kid) return false;
  auto h = HashWith(kr, *kid, prev, seq, e);
  return h.ok() && SameString(*h, e.hash);
}

bool ValidText(std::string_view s) {
  if (text::FindInvalidUtf8(s) != std::string_view::npos) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

bool ValidIsoUtc(std::string_view t) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  if (t.size() < 20 || t.size() > 30 || t.back() != 'Z') return false;
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  for (size_t i = 0; i < kShape.size(); ++i) {
    bool digit = t[i] >= '0' && t[i] <= '9';
    if (kShape[i] == 'd' ? !digit : t[i] != kShape[i]) return false;
  }
  std::string_view rest = t.substr(kShape.size(), t.size() - kShape.size() - 1);
  if (rest.empty()) return true;
  if (rest[0] != '.' || rest.size() < 2) return false;
  for (char c : rest.substr(1))
    if (c < '0' || c > '9') return false;
  return true;
}

std::string AnchorMessage(std::string_view key_id, const AuditAnchor& a) {
  std::string m;
  internal::AppendField(&m, "aegis-audit-anchor-v1");
  internal::AppendField(&m, key_id);
  internal::AppendInt(&m, a.last_seq);
  internal::AppendField(&m, a.last_hash);
  internal::AppendField(&m, a.written_at);
  return m;
}

// Parses and checks an anchor file's text.
Result<AuditAnchor> ParseAnchor(const Keyring& kr, const std::string& path,
                                const std::string& content) {
  auto bad = [&](const std::string& what) {
    return Status::Corruption("audit anchor " + path + ": " + what +
                              "; the anchor was edited or damaged: run audit verification "
                              "without it and investigate before saving a new one");
  };
  nlohmann::json j = nlohmann::json::parse(content, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return bad("not valid JSON");
  if (j.value("format", "") != "aegis-audit-anchor") return bad("not an Aegis audit anchor");
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"] != 1)
    return bad("unknown version");
  if (!j.contains("last_seq") || !j["last_seq"].is_number_integer() || j["last_seq"] < 0)
    return bad("\"last_seq\" missing or not a count");
  for (const char* f : {"last_hash", "written_at", "mac"})
    if (!j.contains(f) || !j[f].is_string())
      return bad(std::string("\"") + f + "\" missing or not text");
  AuditAnchor a;
  a.last_seq = j["last_seq"].get<int64_t>();
  a.last_hash = j["last_hash"].get<std::string>();
  a.written_at = j["written_at"].get<std::string>();
  const std::string mac = j["mac"].get<std::string>();
  auto kid = HashKeyId(mac);
  if (!kid) return bad("\"mac\" malformed");
  if (!kr.HasKey(*kid))
    return Status::Corruption("audit anchor " + path + ": made with key '" + std::string(*kid) +
                              "', which key file " + kr.path() +
                              " does not hold; use the key file that belongs to this database");
  auto expect = kr.ComputeMac(MacPurpose::kAuditMac, *kid, AnchorMessage(*kid, a));
  if (!expect.ok() || !SameString(FormatMac(*kid, *expect), mac)) return bad("fails its MAC check");
  if ((a.last_seq == 0) != a.last_hash.empty() || (a.last_seq > 0 && !HashKeyId(a.last_hash)))
    return bad("\"last_hash\" does not fit \"last_seq\"");
  return a;
}

}  // namespace

Status ValidateAuditEntry(const AuditEntry& e) {
  auto bad = [](const std::string& m) { return Status::InvalidArgument("audit entry: " + m); };
  if (e.seq < 1) return bad("seq must be 1 or more (the first entry is 1)");
  if (!ValidIsoUtc(e.at)) return bad("\"at\" must be a UTC time like 2026-11-22T10:16:00Z");
  if (e.actor.empty()) return bad("\"actor\" is empty; use the user id, or \"system\"");
  if (e.action.empty()) return bad("\"action\" is empty; name it like \"user.add\"");
  for (char c : e.action)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
      return bad("\"action\" must use a-z, 0-9, '.', '_' and '-' only (like \"user.add\")");
  struct Field {
    const char* name;
    const std::string* value;
    size_t max;
  };
  const Field fields[] = {{"actor", &e.actor, 128},
                          {"action", &e.action, 128},
                          {"object_type", &e.object_type, 128},
                          {"object_id", &e.object_id, 128},
                          {"organisation", &e.organisation, 128},
                          {"detail", &e.detail, 256}};
  for (const Field& f : fields) {
    if (f.value->size() > f.max)
      return bad(std::string("\"") + f.name + "\" is longer than " + std::to_string(f.max) +
                 " bytes; shorten it (the audit log holds references, not content)");
    if (!ValidText(*f.value))
      return bad(std::string("\"") + f.name +
                 "\" is not valid UTF-8 or holds control characters (line breaks, tabs)");
  }
  return Status::Ok();
}

std::string ChainHash(const Keyring& keyring, std::string_view prev_hash, const AuditEntry& e) {
  auto h = HashWith(keyring, keyring.active_key_id(), prev_hash, e.seq, e);
  if (!h.ok()) {
    // Cannot happen with a loaded Keyring (its active key is a data key).
    std::fprintf(stderr, "aegis: fatal: audit chain: %s\n", h.status().message().c_str());
    std::abort();
  }
  return std::move(h).value();
}

std::string DefaultAnchorPath(std::string_view key_file_path) {
  return std::string(key_file_path) + ".audit-anchor";
}

Status SaveAuditAnchor(const Keyring& keyring, const std::string& path, const AuditAnchor& anchor,
                       bool allow_backwards) {
  if (anchor.last_seq < 0 || (anchor.last_seq == 0) != anchor.last_hash.empty() ||
      (anchor.last_seq > 0 && !HashKeyId(anchor.last_hash)))
    return Status::InvalidArgument(
        "audit anchor: last_seq and last_hash must describe the last audit entry (0 and \"\" for "
        "an empty log)");
  AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<FileLock> lock,
                         internal::LockBeside(keyring.env(), path, "audit anchor"));
  if (!allow_backwards) {
    auto current = internal::ReadSmallFile(keyring.env(), path, size_t{64} * 1024);
    if (current.ok()) {
      auto old = ParseAnchor(keyring, path, *current);
      if (old.ok() && old->last_seq > anchor.last_seq) return Status::Ok();  // a later one stays
    }
  }
  AuditAnchor a = anchor;
  a.written_at = internal::NowIso();
  const std::string& kid = keyring.active_key_id();
  AEGIS_ASSIGN_OR_RETURN(Mac mac,
                         keyring.ComputeMac(MacPurpose::kAuditMac, kid, AnchorMessage(kid, a)));
  nlohmann::ordered_json j;
  j["format"] = "aegis-audit-anchor";
  j["version"] = 1;
  j["last_seq"] = a.last_seq;
  j["last_hash"] = a.last_hash;
  j["written_at"] = a.written_at;
  j["mac"] = FormatMac(kid, mac);
  return internal::WriteFileAtomic(keyring.env(), path, j.dump(2) + "\n", /*no_clobber=*/false,
                                   "audit anchor");
}

Result<AuditAnchor> LoadAuditAnchor(const Keyring& keyring, const std::string& path) {
  auto content = internal::ReadSmallFile(keyring.env(), path, size_t{64} * 1024);
  if (!content.ok()) {
    if (content.status().code() == Status::Code::kNotFound)
      return Status::NotFound("audit anchor " + path +
                              " does not exist (no anchor saved yet); the end of the audit log "
                              "cannot be checked for truncation");
    return content.status();
  }
  return ParseAnchor(keyring, path, *content);
}

ChainReport VerifyChain(const Keyring& keyring, const std::vector<AuditEntry>& entries,
                        const AuditAnchor* anchor) {
  ChainReport r;
  auto fail = [&r](std::string what, int64_t seq, std::string detail) {
    r.ok = false;
    r.what = std::move(what);
    r.first_bad_seq = seq;
    r.detail = std::move(detail);
    return r;
  };
  std::string prev;  // hash of the previous verified entry
  int64_t prev_seq = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const AuditEntry& e = entries[i];
    const int64_t s = prev_seq + 1;
    const std::string at = "audit entry " + std::to_string(s);
    if (i > 0 && e.seq == prev_seq)
      return fail("inserted", e.seq,
                  "two audit entries have seq " + std::to_string(e.seq) + ": one was inserted");
    if (e.seq < s)
      return fail("reordered", e.seq,
                  "audit entry " + std::to_string(e.seq) + " comes after entry " +
                      std::to_string(prev_seq) + ": entries are out of order");
    if (e.seq > s) {
      for (size_t j = i + 1; j < entries.size(); ++j)
        if (entries[j].seq == s)
          return fail("reordered", s,
                      "audit entry " + std::to_string(s) + " comes after entry " +
                          std::to_string(e.seq) + ": entries are out of order");
      return fail("deleted", s,
                  "audit entries " + std::to_string(s) +
                      (e.seq - 1 > s ? " to " + std::to_string(e.seq - 1) : std::string()) +
                      " are missing: deleted");
    }
    auto kid = HashKeyId(e.hash);
    if (!kid) return fail("edited", s, at + ": its stored hash is malformed: edited");
    if (!keyring.HasKey(*kid))
      return fail("unknown_key", s,
                  at + " names key '" + std::string(*kid) + "', which key file " + keyring.path() +
                      " does not hold: wrong key file, or a forged entry");
    if (LinksTo(keyring, prev, s, e)) {
      prev = e.hash;
      prev_seq = e.seq;
      r.entries_verified++;
      r.last_seq = e.seq;
      r.last_hash = e.hash;
      continue;
    }
    // The entry does not fit. Test the usual kinds of tampering, most specific first.
    const AuditEntry* next = i + 1 < entries.size() ? &entries[i + 1] : nullptr;
    if (next != nullptr && LinksTo(keyring, e.hash, next->seq, *next))
      return fail("edited", s,
                  at + " was changed after it was written (the next entry still "
                       "chains to its original hash)");
    if (next != nullptr && LinksTo(keyring, prev, s, *next)) {
      if (LinksTo(keyring, next->hash, s + 1, e))
        return fail("reordered", s,
                    "audit entries " + std::to_string(s) + " and " + std::to_string(s + 1) +
                        " were swapped");
      return fail("inserted", s, at + " was inserted (the entries after it were renumbered)");
    }
    if (next != nullptr && LinksTo(keyring, e.hash, next->seq + 1, *next))
      return fail(
          "deleted", s,
          "an audit entry before " + at + " was deleted and the following entries renumbered");
    for (size_t j = i + 2; j < entries.size(); ++j)
      if (LinksTo(keyring, prev, s, entries[j]))
        return fail("reordered", s,
                    "the audit entry that belongs at seq " + std::to_string(s) +
                        " was moved further down the log");
    if (next == nullptr && anchor != nullptr && s > anchor->last_seq)
      return fail("inserted", s,
                  at + ", after the anchored end of the log, was added by someone "
                       "without the key");
    return fail("edited", s, at + " does not match its hash: it was changed or forged");
  }
  if (anchor != nullptr) {
    if (anchor->last_seq > prev_seq)
      return fail("truncated", prev_seq + 1,
                  "the anchor records " + std::to_string(anchor->last_seq) +
                      " audit entries but the log ends at " + std::to_string(prev_seq) +
                      ": the last entries were deleted (or the database was restored from an "
                      "older backup)");
    if (anchor->last_seq > 0) {
      const AuditEntry& a = entries[static_cast<size_t>(anchor->last_seq - 1)];
      if (!SameString(a.hash, anchor->last_hash))
        return fail("rewritten", anchor->last_seq,
                    "audit entry " + std::to_string(anchor->last_seq) +
                        " differs from the anchored one although the chain is consistent: the "
                        "log was rewritten with the key file, or the anchor belongs to another "
                        "database");
    }
    r.entries_after_anchor = prev_seq - anchor->last_seq;
  }
  return r;
}

}  // namespace aegis::security
