#include "util/status.h"

namespace aegis {

std::string Status::ToString() const {
  const char* name = "OK";
  switch (code_) {
    case Code::kOk:
      return "OK";
    case Code::kInvalidArgument:
      name = "invalid input";
      break;
    case Code::kNotFound:
      name = "not found";
      break;
    case Code::kAlreadyExists:
      name = "already exists";
      break;
    case Code::kCorruption:
      name = "corruption";
      break;
    case Code::kIOError:
      name = "I/O error";
      break;
    case Code::kUnsupported:
      name = "unsupported";
      break;
    case Code::kInternal:
      name = "internal error";
      break;
    case Code::kPermissionDenied:
      name = "permission denied";
      break;
    case Code::kUnavailable:
      name = "unavailable";
      break;
    case Code::kFailedPrecondition:
      name = "failed precondition";
      break;
  }
  return std::string(name) + ": " + message_;
}

int Status::ExitCode() const {
  switch (code_) {
    case Code::kOk:
      return 0;
    case Code::kInvalidArgument:
      return 2;
    case Code::kNotFound:
      return 3;
    case Code::kCorruption:
      return 4;
    case Code::kIOError:
      return 5;
    case Code::kPermissionDenied:
      return 6;
    case Code::kUnavailable:
      return 7;
    case Code::kFailedPrecondition:
      return 8;
    default:
      return 1;
  }
}

}  // namespace aegis
