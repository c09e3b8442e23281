// Signed webhooks. Each POST carries:
//   Idempotency-Key: <key>            the same on every retry of the same delivery
//   X-Aegis-Timestamp: <unix seconds>
//   X-Aegis-Signature: sha256=<hex>   HMAC-SHA256 of "<timestamp>.<body>" under the shared secret
// The receiver checks the signature (and that the timestamp is recent), and drops a key it has
// already seen: delivery is at least once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "util/status.h"

namespace aegis::alert {

// "sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>".
std::string WebhookSignature(const std::string& secret, int64_t timestamp, const std::string& body);
// Constant-time check of a received signature.
bool VerifyWebhookSignature(const std::string& secret, int64_t timestamp, const std::string& body,
                            const std::string& signature);

struct WebhookResult {
  bool delivered = false;
  int status = 0;     // HTTP status; 0 = no answer
  std::string error;  // why not delivered
};

// POSTs `body` (JSON) to `url` (http:// or https://host[:port]/path) with the headers above.
WebhookResult PostWebhook(const std::string& url, const std::string& secret,
                          const std::string& idempotency_key, const std::string& body,
                          int timeout_ms = 5000);

// A webhook over one kept-alive connection, for many POSTs to the same URL (the SMS gateway of
// life-saving messages: one POST per recipient). Not thread-safe: one per worker.
class WebhookSession {
 public:
  WebhookSession(const std::string& url, std::string secret, int timeout_ms = 5000);
  ~WebhookSession();
  WebhookSession(const WebhookSession&) = delete;
  WebhookSession& operator=(const WebhookSession&) = delete;
  WebhookResult Post(const std::string& idempotency_key, const std::string& body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aegis::alert
