// Phone numbers: E.164 through libphonenumber (Debian's libphonenumber-dev).
#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumbermatcher.h>
#include <phonenumbers/phonenumberutil.h>

#include <mutex>
#include <string>

#include "messaging/messaging.h"

namespace aegis::messaging {

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberMatcher;
using i18n::phonenumbers::PhoneNumberUtil;

// The library's singleton, with its logging silenced: a parse error must never print a number.
PhoneNumberUtil* Util() {
  static std::once_flag once;
  std::call_once(once, [] {
    PhoneNumberUtil::GetInstance()->SetLogger(new i18n::phonenumbers::NullLogger());
  });
  return PhoneNumberUtil::GetInstance();
}

}  // namespace

Result<std::string> NormalizePhone(std::string_view raw, const std::string& region) {
  PhoneNumberUtil* u = Util();
  PhoneNumber n;
  const std::string text(raw);
  if (text.empty()) return Status::InvalidArgument("phone: required (E.164, e.g. +249...)");
  if (u->Parse(text, region.empty() ? "ZZ" : region, &n) != PhoneNumberUtil::NO_PARSING_ERROR ||
      !u->IsValidNumber(n))
    return Status::InvalidArgument(
        "phone: not a valid phone number; write it with its country code (+ and digits, e.g. "
        "+249 91 234 5678), or set the operation's region for national numbers");
  std::string out;
  u->Format(n, PhoneNumberUtil::E164, &out);
  return out;
}

bool ContainsPhoneNumber(std::string_view text, const std::string& region) {
  Util();
  PhoneNumberMatcher m(*PhoneNumberUtil::GetInstance(), std::string(text),
                       region.empty() ? "ZZ" : region, PhoneNumberMatcher::POSSIBLE, 100);
  return m.HasNext();
}

}  // namespace aegis::messaging
