// A tamper-evident hash chain for the audit log.
//
// Each audit entry stores `hash` = ChainHash(keyring, previous entry's hash, entry): an
// HMAC-SHA256, under the audit subkey ("AegisAud") of the active data key, over
//   len|"aegis-audit-v1" len|key id  len|prev_hash  seq(8 bytes)  len|at  len|actor  len|action
//   len|object_type  len|object_id  len|organisation  len|detail
// (each len an 8-byte big-endian byte count: the serialisation is unambiguous, so moving text
// from one field to the next changes the MAC). The stored form is "<key id>:<64 hex digits>",
// for example "k2:9f86d0...": it names the key, so a chain stays verifiable across key rotation
// (old keys stay in the key file) and entries written after a rotation lock in everything before
// them. The first entry (seq 1) has prev_hash "" (empty).
//
// Writer protocol (the store's job):
//  1. In one write transaction that serialises appends (SQLite BEGIN IMMEDIATE; PostgreSQL a lock
//     or a UNIQUE(seq) constraint with retry): read the last entry, set seq = last.seq + 1 (1 for
//     the first), ValidateAuditEntry, hash = ChainHash(keyring, last.hash or "", entry), insert.
//  2. After the commit, SaveAuditAnchor(keyring, anchor path, {seq, hash}): after every commit,
//     before the writes it holds are reported done (access::AuditLog does so for each batch);
//     rows appended after the last saved anchor can be cut off unseen.
// Verification: VerifyChain(keyring, every entry ORDER BY seq, LoadAuditAnchor(...)).
//
// What the chain PROTECTS against, for someone who can write to the database but does not hold
// the key file: editing any field of an entry, inserting an entry (anywhere, including at the
// end), deleting one in the middle or at the start, reordering entries, and (with the anchor)
// deleting the last entries. VerifyChain reports the first bad seq and what it looks like.
//
// What it does NOT protect against:
//  - someone holding the key file AND write access to the database (and to the anchor file) can
//    rewrite the whole chain and the anchor: keep the key file (and the anchor beside it) on
//    another disk or host than the database in production, readable only by the service user;
//  - replacing the anchor with an older genuine anchor file AND truncating the log to match it
//    (rollback): keep copies of the anchor elsewhere (e.g. the seq and hash in the daily backup
//    report) if that matters;
//  - cutting entries written after the last saved anchor (the anchor is a lower bound: with
//    AuditLog, the batch being committed, or one lost to a crash between commit and anchor);
//  - a dishonest writer: the chain proves the log was not changed after writing, not that what
//    was written is true; and it does not stop anyone from reading the log (it is not encrypted:
//    `detail` must never hold personal data).
// After restoring a database backup the anchor is ahead of the log (VerifyChain: "truncated"):
// verify the restored log without the anchor, then reset it with SaveAuditAnchor(...,
// /*allow_backwards=*/true): `aegis audit reanchor` (access::AuditLog::Reanchor) does both and
// audits it.
//
// Thread-safe (the Keyring is only read); anchor saves are serialised by a lock file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "security/keyring.h"
#include "util/status.h"

namespace aegis::security {

struct AuditEntry {
  int64_t seq = 0;           // 1, 2, 3, ... without gaps
  std::string at;            // UTC, "YYYY-MM-DDTHH:MM:SSZ" (fractional seconds allowed)
  std::string actor;         // user id, or "system"
  std::string action;        // "user.add", "keys.rotate", "incident.update", ...
  std::string object_type;   // "incident", "user", ... ("" when none)
  std::string object_id;     // ("" when none)
  std::string organisation;  // the organisation the action was done for ("" when none)
  std::string detail;        // short, never personal data (at most 256 bytes)
  std::string hash;          // "<key id>:<hex>", from ChainHash
};

// Checks an entry before it is hashed and stored: seq >= 1; `at` an ISO UTC time; actor and action
// present; action of [a-z0-9._-]; fields valid UTF-8 without control characters; length limits
// (detail 256 bytes, others 128). InvalidArgument naming the field (never its value) otherwise.
Status ValidateAuditEntry(const AuditEntry& e);

// The hash of `e` chained after `prev_hash` ("" for seq 1), under the active key. Ignores
// e.hash.
std::string ChainHash(const Keyring& keyring, std::string_view prev_hash, const AuditEntry& e);

// The small record kept OUTSIDE the audit table (a file beside the key file) that fixes the end of
// the chain: the last seq and hash the writer committed. HMAC-protected (audit subkey).
struct AuditAnchor {
  int64_t last_seq = 0;   // 0 = empty log
  std::string last_hash;  // hash of entry last_seq ("" when last_seq is 0)
  std::string written_at;
};

// "<key file path>.audit-anchor": the suggested place for the anchor.
std::string DefaultAnchorPath(std::string_view key_file_path);

// Writes the anchor atomically (temporary file, fsync, rename), mode 0600, MAC'd with the active
// key. Under a lock file "<path>.lock"; it never moves the anchor backwards: when the file holds a
// valid anchor with a higher last_seq (another process saved a later one), it is kept and Ok is
// returned, unless `allow_backwards` (after a restore of the database from a backup). The anchor
// is read and written through keyring.env(), the Env the key file was loaded with.
Status SaveAuditAnchor(const Keyring& keyring, const std::string& path, const AuditAnchor& anchor,
                       bool allow_backwards = false);
// Reads and checks the anchor. NotFound if the file does not exist (no anchor saved yet);
// Corruption if it fails its MAC (edited, or made with another key file) or is malformed.
Result<AuditAnchor> LoadAuditAnchor(const Keyring& keyring, const std::string& path);

// Outcome of VerifyChain.
struct ChainReport {
  bool ok = true;
  // The first seq found wrong (for a gap: the first missing seq; for a truncation: the seq that
  // should follow the log's last entry). 0 when ok.
  int64_t first_bad_seq = 0;
  // "" when ok, else what the damage looks like:
  //   "edited"      an entry's fields or hash were changed;
  //   "inserted"    an entry was added (duplicate seq, a forged entry before others, or a forged
  //                 entry after the anchor);
  //   "deleted"     entries are missing in the middle or at the start (a gap in seq, or the rest
  //                 renumbered);
  //   "reordered"   entries are out of order or swapped;
  //   "truncated"   the log ends before the anchor's last seq;
  //   "rewritten"   the chain is consistent but does not contain the anchored hash (rewritten by
  //                 someone holding the key file, or the anchor belongs to another database);
  //   "unknown_key" an entry names a key that is not in the key file (wrong key file, or forged).
  // The classification is best effort; `ok` and `first_bad_seq` are exact.
  std::string what;
  std::string detail;  // one sentence for the operator (seq numbers and key ids, no entry text)
  int64_t entries_verified = 0;  // entries before the first bad one
  int64_t last_seq = 0;          // seq and hash of the last verified entry (0, "" if none)
  std::string last_hash;
  int64_t entries_after_anchor = 0;  // verified entries written after the anchor was saved
};

// Verifies `entries` (the whole log, ordered by seq) from seq 1. `anchor` may be null (then a
// truncation at the end cannot be seen). Stops at the first problem.
ChainReport VerifyChain(const Keyring& keyring, const std::vector<AuditEntry>& entries,
                        const AuditAnchor* anchor);

}  // namespace aegis::security
