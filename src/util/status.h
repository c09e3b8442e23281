// Status and Result<T>: how every Aegis module reports failure.
//
// No exception crosses a module's interface header. A Status is either OK or carries a code and
// a message written for the person who must act on it: "<where>: <what>; <how to fix>".
// Messages never contain field values from sensitive records (names, narratives).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace aegis {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // bad input from a user or file
    kNotFound,
    kAlreadyExists,
    kCorruption,  // the store or a file is damaged
    kIOError,
    kUnsupported,
    kInternal,
    kPermissionDenied,  // the caller may not do this
    kUnavailable,       // a service it needs (the store) cannot be reached now: retry later
    // Well-formed, but the record's state forbids it (a referral without valid consent, a
    // transition its status does not allow): change the state first, then retry.
    kFailedPrecondition,
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {Code::kAlreadyExists, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {Code::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {Code::kIOError, std::move(msg)}; }
  static Status Unsupported(std::string msg) { return {Code::kUnsupported, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }
  static Status PermissionDenied(std::string msg) {
    return {Code::kPermissionDenied, std::move(msg)};
  }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) {
    return {Code::kFailedPrecondition, std::move(msg)};
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;
  // Exit code for the CLI: 0 ok, 2 bad input, 3 not found, 4 corruption, 5 I/O, 6 permission
  // denied, 7 unavailable (retry later), 8 failed precondition, 1 other.
  int ExitCode() const;

 private:
  Status(Code c, std::string m) : code_(c), message_(std::move(m)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

// A value or an error Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result built from an OK Status");
  }
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace aegis

#define AEGIS_RETURN_IF_ERROR(expr) \
  do {                              \
    ::aegis::Status _st = (expr);   \
    if (!_st.ok()) return _st;      \
  } while (0)

#define AEGIS_CONCAT_INNER(a, b) a##b
#define AEGIS_CONCAT(a, b) AEGIS_CONCAT_INNER(a, b)
#define AEGIS_ASSIGN_OR_RETURN(lhs, expr) \
  AEGIS_ASSIGN_OR_RETURN_IMPL(AEGIS_CONCAT(_res_, __LINE__), lhs, expr)
#define AEGIS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()
