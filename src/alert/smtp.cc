#include "alert/smtp.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <mutex>

#include "util/text.h"

namespace aegis::alert {

namespace {

std::string Base64(const std::string& in) {
  static const char* kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kChars[(v >> s) & 63]);
  }
  if (i < in.size()) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(kChars[(v >> 18) & 63]);
    out.push_back(kChars[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kChars[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string HeaderText(const std::string& s) {
  std::string clean = s;
  std::replace(clean.begin(), clean.end(), '\r', ' ');
  std::replace(clean.begin(), clean.end(), '\n', ' ');
  return text::IsAscii(clean) ? clean : "=?UTF-8?B?" + Base64(clean) + "?=";
}

std::string DateHeader() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

struct Reader {
  const std::string* data;
  size_t pos = 0;
};

size_t ReadChunk(char* out, size_t size, size_t n, void* user) {
  auto* r = static_cast<Reader*>(user);
  size_t room = size * n, left = r->data->size() - r->pos, take = std::min(room, left);
  std::memcpy(out, r->data->data() + r->pos, take);
  r->pos += take;
  return take;
}

}  // namespace

std::string FormatMail(const MailMessage& m) {
  return "Date: " + DateHeader() + "\r\nFrom: <" + m.from + ">\r\nTo: <" + m.to +
         ">\r\nMessage-ID: <" + m.message_id + ">\r\nSubject: " + HeaderText(m.subject) +
         "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
         "Content-Transfer-Encoding: 8bit\r\n\r\n" +
         m.body;
}

Status SendMail(const std::string& url, const MailMessage& m, int timeout_ms) {
  if (url.empty()) return Status::InvalidArgument("no SMTP server: set [smtp] url");
  static std::once_flag curl_ready;
  std::call_once(curl_ready, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Status::Internal("libcurl could not start");
  std::string message = FormatMail(m);
  Reader reader{&message, 0};
  std::string from = "<" + m.from + ">", to = "<" + m.to + ">";
  curl_slist* rcpt = curl_slist_append(nullptr, to.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadChunk);
  curl_easy_setopt(curl, CURLOPT_READDATA, &reader);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK)
    return Status::IOError("SMTP " + url + ": " + std::string(curl_easy_strerror(rc)));
  return Status::Ok();
}

}  // namespace aegis::alert
