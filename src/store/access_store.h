// AccessStore: who may do what — organisations, user accounts, sessions, API tokens, break-glass
// grants and the versions of the sharing protocol. Part of the Store (store.h); src/access and
// the server's sign-in and admin routes use it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/records.h"
#include "util/status.h"

namespace aegis::store {

class AccessStore {
 public:
  virtual ~AccessStore() = default;

  // --- organisations -------------------------------------------------------------------------
  virtual Result<int64_t> EnsureOrganisation(const Organisation& org) = 0;  // by code
  virtual Result<std::vector<Organisation>> ListOrganisations() = 0;

  // --- accounts ------------------------------------------------------------------------------
  virtual Result<int64_t> AddUser(const User& u) = 0;  // organisation by code; must exist
  virtual Result<std::optional<User>> FindUser(const std::string& username) = 0;
  virtual Result<std::optional<User>> GetUser(int64_t id) = 0;
  virtual Result<std::vector<User>> ListUsers() = 0;
  virtual Status UpdateUser(const User& u) = 0;  // display name, organisation, role, disabled
  virtual Status RecordLogin(int64_t user_id, int failed_logins,
                             const std::string& locked_until) = 0;
  virtual Status SetUserDisabled(int64_t user_id, bool disabled) = 0;
  virtual Status SetUserPassword(int64_t user_id, const std::string& password_hash) = 0;
  virtual Status PutSession(const Session& s) = 0;
  virtual Result<std::optional<Session>> GetSession(const std::string& token_digest) = 0;
  virtual Status DeleteSession(const std::string& token_digest) = 0;
  virtual Status DeleteUserSessions(int64_t user_id) = 0;

  // --- tokens, the protocol, break the glass -------------------------------------------------
  virtual Result<int64_t> AddApiToken(const ApiToken& t) = 0;
  virtual Result<std::optional<ApiToken>> FindApiToken(const std::string& token_digest) = 0;
  virtual Result<std::vector<ApiToken>> ListApiTokens(int64_t user_id) = 0;  // 0 = all
  // Marks a token revoked; false if there is no such live token (of `user_id` when > 0).
  virtual Result<bool> RevokeApiToken(int64_t id, int64_t user_id, const std::string& at) = 0;
  virtual Result<int64_t> AddBreakGlass(const BreakGlassGrant& g) = 0;
  // The user's grant in force at `now` (not expired, not ended), if any.
  virtual Result<std::optional<BreakGlassGrant>> ActiveBreakGlass(int64_t user_id,
                                                                  const std::string& now) = 0;
  virtual Result<std::vector<BreakGlassGrant>> ListBreakGlass() = 0;
  virtual Result<bool> EndBreakGlass(int64_t id, int64_t user_id, const std::string& at) = 0;
  virtual Result<int64_t> AddProtocolVersion(const ProtocolVersion& v) = 0;
  virtual Result<std::vector<ProtocolVersion>> ListProtocolVersions() = 0;  // newest first
};

}  // namespace aegis::store
