#include "alert/webhook.h"

#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <ctime>

namespace aegis::alert {

std::string WebhookSignature(const std::string& secret, int64_t timestamp,
                             const std::string& body) {
  std::string message = std::to_string(timestamp) + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  static const char* kHex = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[mac[i] >> 4]);
    out.push_back(kHex[mac[i] & 15]);
  }
  return out;
}

bool VerifyWebhookSignature(const std::string& secret, int64_t timestamp, const std::string& body,
                            const std::string& signature) {
  std::string expected = WebhookSignature(secret, timestamp, body);
  return expected.size() == signature.size() &&
         CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
}

namespace {

// "http://host:port/path" -> ("http://host:port", "/path").
bool SplitUrl(const std::string& url, std::string* base, std::string* path) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return false;
  size_t slash = url.find('/', scheme + 3);
  *base = url.substr(0, slash);
  *path = slash == std::string::npos ? "/" : url.substr(slash);
  return true;
}

void Configure(httplib::Client& client, int timeout_ms) {
  const time_t sec = timeout_ms / 1000;
  const time_t usec = static_cast<time_t>(timeout_ms % 1000) * 1000;
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
  client.set_tcp_nodelay(true);
}

WebhookResult SignedPost(httplib::Client& client, const std::string& path,
                         const std::string& secret, const std::string& idempotency_key,
                         const std::string& body) {
  WebhookResult r;
  const int64_t ts = static_cast<int64_t>(std::time(nullptr));
  httplib::Headers headers = {{"Idempotency-Key", idempotency_key},
                              {"X-Aegis-Timestamp", std::to_string(ts)},
                              {"X-Aegis-Signature", WebhookSignature(secret, ts, body)}};
  auto res = client.Post(path, headers, body, "application/json");
  if (!res) {
    r.error = "no answer: " + httplib::to_string(res.error());
    return r;
  }
  r.status = res->status;
  r.delivered = res->status >= 200 && res->status < 300;
  if (!r.delivered) r.error = "HTTP " + std::to_string(res->status);
  return r;
}

}  // namespace

WebhookResult PostWebhook(const std::string& url, const std::string& secret,
                          const std::string& idempotency_key, const std::string& body,
                          int timeout_ms) {
  std::string base, path;
  if (!SplitUrl(url, &base, &path)) {
    WebhookResult r;
    r.error = "webhook URL must be http(s)://host[:port]/path";
    return r;
  }
  httplib::Client client(base);
  Configure(client, timeout_ms);
  return SignedPost(client, path, secret, idempotency_key, body);
}

struct WebhookSession::Impl {
  std::string path, secret;
  std::unique_ptr<httplib::Client> client;
  std::string error;  // a malformed URL
};

WebhookSession::WebhookSession(const std::string& url, std::string secret, int timeout_ms)
    : impl_(std::make_unique<Impl>()) {
  std::string base;
  impl_->secret = std::move(secret);
  if (!SplitUrl(url, &base, &impl_->path)) {
    impl_->error = "webhook URL must be http(s)://host[:port]/path";
    return;
  }
  impl_->client = std::make_unique<httplib::Client>(base);
  Configure(*impl_->client, timeout_ms);
  impl_->client->set_keep_alive(true);
}

WebhookSession::~WebhookSession() = default;

WebhookResult WebhookSession::Post(const std::string& idempotency_key, const std::string& body) {
  if (!impl_->client) {
    WebhookResult r;
    r.error = impl_->error;
    return r;
  }
  return SignedPost(*impl_->client, impl_->path, impl_->secret, idempotency_key, body);
}

}  // namespace aegis::alert
