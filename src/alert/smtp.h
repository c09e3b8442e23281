// E-mail over SMTP (libcurl): one message to one address. The Message-ID carries the delivery's
// idempotency key, so a mail client or relay can drop a repeat.
#pragma once

#include <string>

#include "util/status.h"

namespace aegis::alert {

struct MailMessage {
  std::string from, to, subject, body;  // body: plain text, UTF-8, CRLF line ends
  std::string message_id;               // without angle brackets
};

// Sends through `url` ("smtp://host:port", or "smtps://..."); an error says what failed.
Status SendMail(const std::string& url, const MailMessage& m, int timeout_ms = 10000);

// The whole message as sent: headers (subject encoded per RFC 2047 when not ASCII) and body.
std::string FormatMail(const MailMessage& m);

}  // namespace aegis::alert
