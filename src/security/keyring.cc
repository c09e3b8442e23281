#include "security/keyring.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

#include "security/internal.h"
#include "util/text.h"

namespace aegis::security {

namespace {

using internal::SecureBytes;

constexpr size_t kKeyBytes = 32;
static_assert(kKeyBytes == crypto_kdf_KEYBYTES);
static_assert(kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kKeyBytes == crypto_auth_hmacsha256_KEYBYTES);

// Layout of a key's secure memory: the master key, then one subkey per use.
enum Slot : size_t { kMaster = 0, kFld = 1, kPsn = 2, kAud = 3, kSes = 4, kSlots = 5 };
constexpr const char* kKdfContext[kSlots] = {nullptr, "AegisFld", "AegisPsn", "AegisAud",
                                             "AegisSes"};

constexpr std::string_view kPurposeData = "data";
constexpr std::string_view kPurposePseudonym = "pseudonym";
constexpr std::string_view kFormat = "aegis-keyring";
constexpr size_t kMaxKeyFileBytes = size_t{1} << 20;

constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;  // 24
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;       // 16
constexpr size_t kMaxContextBytes = 128;

bool ValidKeyId(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool ValidTimestamp(std::string_view t) {
  if (t.empty() || t.size() > 40) return false;
  for (char c : t)
    if (!((c >= '0' && c <= '9') || c == '-' || c == ':' || c == 'T' || c == 'Z' || c == '.' ||
          c == '+'))
      return false;
  return true;
}

bool IsBase64UrlChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

struct ParsedToken {
  std::string_view version;  // "v1"
  std::string_view key_id;
  std::string_view body;  // base64url
};

bool ParseToken(std::string_view v, ParsedToken* out) {
  if (!text::StartsWith(v, "enc:v")) return false;
  size_t p = 4;  // at 'v'
  size_t q = p + 1;
  while (q < v.size() && v[q] >= '0' && v[q] <= '9') ++q;
  if (q == p + 1 || q > p + 6 || q >= v.size() || v[q] != ':') return false;
  out->version = v.substr(p, q - p);
  size_t r = v.find(':', q + 1);
  if (r == std::string_view::npos) return false;
  out->key_id = v.substr(q + 1, r - q - 1);
  out->body = v.substr(r + 1);
  if (!ValidKeyId(out->key_id) || out->body.empty()) return false;
  for (char c : out->body)
    if (!IsBase64UrlChar(c)) return false;
  return true;
}

std::string AssociatedData(std::string_view key_id, std::string_view context) {
  std::string ad = "enc:v1:";
  ad.append(key_id);
  ad.push_back(':');
  ad.append(context);
  return ad;
}

Status CheckContext(std::string_view context) {
  if (context.empty() || context.size() > kMaxContextBytes)
    return Status::InvalidArgument(
        "field encryption: the context must name the column, 1-128 characters (e.g. "
        "\"incident.narrative\")");
  for (char c : context)
    if (c < 0x21 || c > 0x7e)
      return Status::InvalidArgument(
          "field encryption: the context must be printable ASCII without spaces (e.g. "
          "\"incident.narrative\")");
  return Status::Ok();
}

}  // namespace

struct KeyEntry {
  std::string id;
  std::string purpose;
  std::string created_at;
  SecureBytes material;  // kSlots * kKeyBytes

  const unsigned char* Get(Slot s) const { return material.data() + s * kKeyBytes; }
};

struct Keyring::State {
  std::string path;
  Env* env = nullptr;  // never null once built (Create, Load, Rotate)
  std::string active;
  std::string pseudonym;
  std::vector<KeyEntry> keys;

  const KeyEntry* Find(std::string_view id) const {
    for (const auto& k : keys)
      if (k.id == id) return &k;
    return nullptr;
  }
};

namespace {

// Fills the subkey slots from the master key (already in slot kMaster) and seals the memory.
void DeriveSubkeys(KeyEntry* k) {
  unsigned char* base = k->material.data();
  for (size_t s = kFld; s < kSlots; ++s)
    crypto_kdf_derive_from_key(base + s * kKeyBytes, kKeyBytes, 1, kKdfContext[s], base);
  k->material.MakeReadOnly();
}

KeyEntry NewKey(std::string id, std::string_view purpose) {
  KeyEntry k;
  k.id = std::move(id);
  k.purpose = std::string(purpose);
  k.created_at = internal::NowIso();
  k.material = SecureBytes(kSlots * kKeyBytes);
  randombytes_buf(k.material.data(), kKeyBytes);
  DeriveSubkeys(&k);
  return k;
}

KeyEntry CloneKey(const KeyEntry& src) {
  KeyEntry k;
  k.id = src.id;
  k.purpose = src.purpose;
  k.created_at = src.created_at;
  k.material = SecureBytes(kSlots * kKeyBytes);
  std::memcpy(k.material.data(), src.material.data(), kKeyBytes);
  DeriveSubkeys(&k);
  return k;
}

Status Bad(const std::string& path, const std::string& what) {
  return Status::Corruption("key file " + path + ": " + what +
                            "; restore the key file from its backup (do not edit it by hand)");
}

// The key file text. Ids and timestamps were validated (no characters that need escaping).
std::string Serialize(const Keyring::State& s) {
  std::string out;
  out.reserve(512 + s.keys.size() * 256);  // one allocation: no stray copies of key text
  out += "{\n  \"format\": \"aegis-keyring\",\n  \"version\": 1,\n";
  out +=
      "  \"note\": \"Aegis key file. Keep it outside the database (another disk or host), mode "
      "0600, and back it up separately: without it encrypted fields cannot be read.\",\n";
  out += "  \"active_key\": \"" + s.active + "\",\n";
  out += "  \"pseudonym_key\": \"" + s.pseudonym + "\",\n";
  out += "  \"keys\": [\n";
  for (size_t i = 0; i < s.keys.size(); ++i) {
    const KeyEntry& k = s.keys[i];
    std::string b64 = internal::ToBase64(k.Get(kMaster), kKeyBytes, /*url=*/false);
    out += "    {\"id\": \"" + k.id + "\", \"purpose\": \"" + k.purpose + "\", \"created_at\": \"" +
           k.created_at + "\", \"key\": \"";
    out += b64;
    out += i + 1 < s.keys.size() ? "\"},\n" : "\"}\n";
    internal::Wipe(&b64);
  }
  out += "  ]\n}\n";
  return out;
}

// Parses the key file text; wipes every copy of key material it made (best effort: the JSON
// library's own scratch buffers are not reachable).
Result<std::unique_ptr<Keyring::State>> Parse(const std::string& path, std::string* content) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(*content);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() may quote the text around the error, which can be key material: only the offset.
    internal::Wipe(content);
    return Bad(path, "not valid JSON (error near byte " + std::to_string(e.byte) + ")");
  }
  internal::Wipe(content);
  // Wipes the key strings held by the parsed document, whatever happens below.
  struct WipeKeys {
    nlohmann::json* j;
    ~WipeKeys() {
      try {
        if (!j->is_object() || !j->contains("keys") || !(*j)["keys"].is_array()) return;
        for (auto& k : (*j)["keys"])
          if (k.is_object() && k.contains("key") && k["key"].is_string())
            internal::Wipe(&k["key"].get_ref<std::string&>());
      } catch (...) {  // only reads a document already checked for these types
      }
    }
  } wipe{&j};

  if (!j.is_object()) return Bad(path, "not a JSON object");
  auto str = [&](const char* name) -> const std::string* {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  const std::string* format = str("format");
  if (format == nullptr || *format != kFormat)
    return Bad(path, "not an Aegis key file (\"format\" is not \"aegis-keyring\")");
  auto ver = j.find("version");
  if (ver == j.end() || !ver->is_number_integer())
    return Bad(path, "\"version\" is missing or not a number");
  if (ver->get<int64_t>() != 1)
    return Status::Unsupported("key file " + path + ": version " +
                               std::to_string(ver->get<int64_t>()) +
                               " is newer than this Aegis reads; upgrade Aegis");
  const std::string* active = str("active_key");
  const std::string* pseudonym = str("pseudonym_key");
  if (active == nullptr || !ValidKeyId(*active))
    return Bad(path, "\"active_key\" is missing or not a key id");
  if (pseudonym == nullptr || !ValidKeyId(*pseudonym))
    return Bad(path, "\"pseudonym_key\" is missing or not a key id");
  auto keys = j.find("keys");
  if (keys == j.end() || !keys->is_array() || keys->empty())
    return Bad(path, "\"keys\" is missing or empty");

  auto s = std::make_unique<Keyring::State>();
  s->path = path;
  s->active = *active;
  s->pseudonym = *pseudonym;
  size_t n = 0;
  for (auto& kj : *keys) {
    ++n;
    const std::string where = "key #" + std::to_string(n);
    if (!kj.is_object()) return Bad(path, where + " is not an object");
    auto field = [&](const char* name) -> const std::string* {
      auto it = kj.find(name);
      return it != kj.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
    };
    const std::string* id = field("id");
    const std::string* created = field("created_at");
    const std::string* purpose = field("purpose");
    const std::string* key = field("key");
    if (id == nullptr || !ValidKeyId(*id))
      return Bad(path, where + ": \"id\" is missing or not made of letters, digits, _ and -");
    const std::string named = "key '" + *id + "'";
    if (s->Find(*id) != nullptr) return Bad(path, named + " is listed twice");
    if (created == nullptr || !ValidTimestamp(*created))
      return Bad(path, named + ": \"created_at\" is missing or not a timestamp");
    if (kj.contains("purpose") && purpose == nullptr)
      return Bad(path, named + ": \"purpose\" is not a string");
    std::string_view p = purpose == nullptr ? kPurposeData : std::string_view(*purpose);
    if (p != kPurposeData && p != kPurposePseudonym)
      return Bad(path, named + ": \"purpose\" must be \"data\" or \"pseudonym\"");
    if (key == nullptr) return Bad(path, named + ": \"key\" is missing");
    KeyEntry k;
    k.id = *id;
    k.purpose = std::string(p);
    k.created_at = *created;
    k.material = SecureBytes(kSlots * kKeyBytes);
    size_t len = 0;
    if (!internal::FromBase64(*key, /*url=*/false, k.material.data(), kKeyBytes, &len) ||
        len != kKeyBytes)
      return Bad(path, named + ": \"key\" is not 32 bytes in base64");
    DeriveSubkeys(&k);
    s->keys.push_back(std::move(k));
  }
  const KeyEntry* a = s->Find(s->active);
  if (a == nullptr) return Bad(path, "the active key '" + s->active + "' is not listed");
  if (a->purpose != kPurposeData)
    return Bad(path, "the active key '" + s->active + "' is not a data key");
  const KeyEntry* ps = s->Find(s->pseudonym);
  if (ps == nullptr) return Bad(path, "the pseudonym key '" + s->pseudonym + "' is not listed");
  if (ps->purpose != kPurposePseudonym)
    return Bad(path, "the pseudonym key '" + s->pseudonym + "' does not have purpose pseudonym");
  return s;
}

}  // namespace

Keyring::Keyring(std::unique_ptr<State> s) : s_(std::move(s)) {}
Keyring::Keyring(Keyring&&) noexcept = default;
Keyring& Keyring::operator=(Keyring&&) noexcept = default;
Keyring::~Keyring() = default;

Result<Keyring> Keyring::Create(const std::string& path, Env* env) {
  AEGIS_RETURN_IF_ERROR(internal::EnsureSodium());
  if (path.empty())
    return Status::InvalidArgument("key file: no path given; name a file outside the database");
  const std::string dir = internal::DirOf(path);
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::IOError("key file " + path + ": folder " + dir +
                           " does not exist; create it first (mode 700, on another disk or host "
                           "than the database)");
  auto s = std::make_unique<State>();
  s->path = path;
  s->env = EnvOrDefault(env);
  s->keys.push_back(NewKey("p1", kPurposePseudonym));
  s->keys.push_back(NewKey("k1", kPurposeData));
  s->pseudonym = "p1";
  s->active = "k1";
  Keyring kr(std::move(s));
  AEGIS_RETURN_IF_ERROR(kr.SaveState(*kr.s_, /*no_clobber=*/true));
  return kr;
}

Result<Keyring> Keyring::Load(const std::string& path, Env* env) {
  AEGIS_RETURN_IF_ERROR(internal::EnsureSodium());
  env = EnvOrDefault(env);
  unsigned mode = 0;
  auto content = internal::ReadSmallFile(env, path, kMaxKeyFileBytes, &mode);
  if (!content.ok()) {
    const Status& st = content.status();
    if (st.code() == Status::Code::kNotFound)
      return Status::NotFound("key file " + path +
                              " does not exist; give the right path, or create a new key file "
                              "(only for a new database: a new key cannot read existing data)");
    return Status(st);
  }
  if ((mode & 077U) != 0) {
    internal::Wipe(&content.value());
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", mode & 0777U);
    return Status::InvalidArgument(
        "key file " + path + " may be read or written by group or others (mode " + octal +
        "); refusing to use it. Run: chmod 600 " + path + " (and find out who may have copied it)");
  }
  AEGIS_ASSIGN_OR_RETURN(auto state, Parse(path, &content.value()));
  state->env = env;
  return Keyring(std::move(state));
}

Status Keyring::SaveState(const State& s, bool no_clobber) const {
  AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<FileLock> lock,
                         internal::LockBeside(s.env, s.path, "key file"));
  if (!no_clobber) {
    // Never drop a key: everything on disk must be in `s`, with the same material.
    auto disk = internal::ReadSmallFile(s.env, s.path, kMaxKeyFileBytes);
    if (disk.ok()) {
      auto parsed = Parse(s.path, &disk.value());
      if (!parsed.ok())
        return Status::Corruption(
            "key file " + s.path +
            ": the file on disk cannot be read, so it is not overwritten (a key could be lost): " +
            parsed.status().message());
      for (const KeyEntry& d : parsed.value()->keys) {
        const KeyEntry* m = s.Find(d.id);
        if (m == nullptr || sodium_memcmp(m->Get(kMaster), d.Get(kMaster), kKeyBytes) != 0)
          return Status::Corruption(
              "key file " + s.path + ": the file on disk holds key '" + d.id +
              "' that this process does not have (another process rotated the keys?); "
              "not overwritten. Load the key file again and retry");
      }
    } else if (disk.status().code() != Status::Code::kNotFound) {
      return Status(disk.status());
    }
  }
  std::string text = Serialize(s);
  Status st = internal::WriteFileAtomic(s.env, s.path, text, no_clobber, "key file");
  internal::Wipe(&text);
  return st;
}

Status Keyring::Save() const { return SaveState(*s_, /*no_clobber=*/false); }

Status Keyring::Rotate() {
  auto next = std::make_unique<State>();
  next->path = s_->path;
  next->env = s_->env;
  next->pseudonym = s_->pseudonym;
  int64_t max_n = 0;
  for (const KeyEntry& k : s_->keys) {
    next->keys.push_back(CloneKey(k));
    int64_t n = 0;
    if (k.id.size() > 1 && k.id[0] == 'k' && text::ParseInt64(k.id.substr(1), &n) && n > max_n)
      max_n = n;
  }
  std::string id = "k" + std::to_string(max_n + 1);
  while (next->Find(id) != nullptr) id += "x";
  next->keys.push_back(NewKey(id, kPurposeData));
  next->active = id;
  AEGIS_RETURN_IF_ERROR(SaveState(*next, /*no_clobber=*/false));
  s_ = std::move(next);
  return Status::Ok();
}

const std::string& Keyring::path() const { return s_->path; }
Env* Keyring::env() const { return s_->env; }
const std::string& Keyring::active_key_id() const { return s_->active; }
const std::string& Keyring::pseudonym_key_id() const { return s_->pseudonym; }

std::vector<KeyInfo> Keyring::keys() const {
  std::vector<KeyInfo> out;
  for (const KeyEntry& k : s_->keys)
    out.push_back({k.id, k.purpose, k.created_at, k.id == s_->active});
  return out;
}

bool Keyring::HasKey(std::string_view id) const { return s_->Find(id) != nullptr; }

Result<std::string> Keyring::Encrypt(std::string_view plaintext, std::string_view context) const {
  AEGIS_RETURN_IF_ERROR(CheckContext(context));
  if (plaintext.size() > kMaxPlaintextBytes)
    return Status::InvalidArgument("field encryption (" + std::string(context) +
                                   "): value larger than 16 MiB; store such content as a file");
  const KeyEntry* k = s_->Find(s_->active);
  const std::string ad = AssociatedData(k->id, context);
  std::string buf(kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* out = reinterpret_cast<unsigned char*>(buf.data());
  randombytes_buf(out, kNonceBytes);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      out + kNonceBytes, &clen, reinterpret_cast<const unsigned char*>(plaintext.data()),
      plaintext.size(), reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, out,
      k->Get(kFld));
  std::string token = "enc:v1:" + k->id + ":";
  token += internal::ToBase64(out, kNonceBytes + clen, /*url=*/true);
  return token;
}

Result<std::string> Keyring::Decrypt(std::string_view token, std::string_view context) const {
  AEGIS_RETURN_IF_ERROR(CheckContext(context));
  const std::string where = "field decryption (" + std::string(context) + ")";
  if (!text::StartsWith(token, "enc:"))
    return Status::InvalidArgument(where +
                                   ": the value is not encrypted (no enc: prefix); check "
                                   "IsEncrypted before decrypting");
  ParsedToken t;
  if (!ParseToken(token, &t))
    return Status::Corruption(where +
                              ": the encrypted value is malformed (damaged or cut short); "
                              "restore the record from a backup");
  if (t.version != "v1")
    return Status::Unsupported(where + ": value encrypted with format " + std::string(t.version) +
                               ", newer than this Aegis reads; upgrade Aegis");
  const KeyEntry* k = s_->Find(t.key_id);
  if (k == nullptr)
    return Status::NotFound(where + ": value encrypted with key '" + std::string(t.key_id) +
                            "', which key file " + s_->path +
                            " does not hold; if the keys were rotated since this process "
                            "started, restart it, otherwise restore the key file from backup");
  if (k->purpose != kPurposeData)
    return Status::Corruption(where + ": value names key '" + k->id +
                              "', which is not a data key; the value was altered");
  std::string raw(t.body.size() * 3 / 4 + 3, '\0');
  size_t len = 0;
  auto* rb = reinterpret_cast<unsigned char*>(raw.data());
  if (!internal::FromBase64(t.body, /*url=*/true, rb, raw.size(), &len) ||
      len < kNonceBytes + kTagBytes)
    return Status::Corruption(where +
                              ": the encrypted value is malformed (damaged or cut short); "
                              "restore the record from a backup");
  const std::string ad = AssociatedData(k->id, context);
  std::string plain(len - kNonceBytes - kTagBytes, '\0');
  unsigned long long plen = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &plen, nullptr, rb + kNonceBytes,
          len - kNonceBytes, reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), rb,
          k->Get(kFld)) != 0)
    return Status::Corruption(where + ": value under key '" + k->id +
                              "' fails authentication: it was altered, or it belongs to another "
                              "column than " +
                              std::string(context) + "; restore the record from a backup");
  plain.resize(plen);
  return plain;
}

Result<std::string> Keyring::Reencrypt(std::string_view token, std::string_view context) const {
  AEGIS_RETURN_IF_ERROR(CheckContext(context));
  if (IsEncrypted(token) && TokenKeyId(token) == s_->active) {
    // Still checked: a re-encryption pass doubles as a verification of every value.
    AEGIS_ASSIGN_OR_RETURN(std::string plain, Decrypt(token, context));
    internal::Wipe(&plain);
    return std::string(token);
  }
  AEGIS_ASSIGN_OR_RETURN(std::string plain, Decrypt(token, context));
  auto out = Encrypt(plain, context);
  internal::Wipe(&plain);
  return out;
}

bool Keyring::NeedsReencrypt(std::string_view value) const {
  ParsedToken t;
  return ParseToken(value, &t) && t.key_id != s_->active;
}

Result<Mac> Keyring::ComputeMac(MacPurpose purpose, std::string_view key_id,
                                std::string_view message) const {
  const bool pseudonym = purpose == MacPurpose::kPseudonym;
  std::string_view id = key_id.empty() ? (pseudonym ? s_->pseudonym : s_->active) : key_id;
  const KeyEntry* k = s_->Find(id);
  if (k == nullptr)
    return Status::NotFound("key '" + std::string(id) + "' is not in key file " + s_->path +
                            "; use the key file this data was written with");
  if ((k->purpose == kPurposePseudonym) != pseudonym)
    return Status::InvalidArgument("key '" + k->id + "' has purpose " + k->purpose +
                                   " and cannot be used for this MAC");
  Slot slot = purpose == MacPurpose::kPseudonym  ? kPsn
              : purpose == MacPurpose::kAuditMac ? kAud
                                                 : kSes;
  Mac mac{};
  crypto_auth_hmacsha256(mac.data(), reinterpret_cast<const unsigned char*>(message.data()),
                         message.size(), k->Get(slot));
  return mac;
}

bool Keyring::VerifyMac(MacPurpose purpose, std::string_view key_id, std::string_view message,
                        const Mac& mac) const {
  auto m = ComputeMac(purpose, key_id, message);
  return m.ok() && crypto_verify_32(m->data(), mac.data()) == 0;
}

bool IsEncrypted(std::string_view value) {
  ParsedToken t;
  return ParseToken(value, &t);
}

std::string TokenKeyId(std::string_view value) {
  ParsedToken t;
  return ParseToken(value, &t) ? std::string(t.key_id) : std::string();
}

}  // namespace aegis::security
