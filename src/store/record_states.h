// Record states as enums, each with its one text mapping. The text is what the store keeps and
// the API and the CLI show (unchanged); code names a state by its enum and compares through
// these functions, never by a string literal of its own. The records carry the enum
// (AlertRecord::status, TracingRecord::status); an alert's history keeps the text of the states
// it moved between (AlertEvent::from_status/to_status, "" before the first).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace aegis::store {

// An early-warning alert's triage state (AlertRecord::status; doc/alerts.md).
enum class AlertStatus { kNew, kVerified, kUnverified, kEscalated, kResponded, kClosed };
// A family tracing record's state (TracingRecord::status; doc/match.md).
enum class TracingStatus { kOpen, kReunified, kClosed };

namespace internal {
inline constexpr std::array<std::pair<AlertStatus, std::string_view>, 6> kAlertStatusNames = {{
    {AlertStatus::kNew, "new"},
    {AlertStatus::kVerified, "verified"},
    {AlertStatus::kUnverified, "unverified"},
    {AlertStatus::kEscalated, "escalated"},
    {AlertStatus::kResponded, "responded"},
    {AlertStatus::kClosed, "closed"},
}};
inline constexpr std::array<std::pair<TracingStatus, std::string_view>, 3> kTracingStatusNames = {{
    {TracingStatus::kOpen, "open"},
    {TracingStatus::kReunified, "reunified"},
    {TracingStatus::kClosed, "closed"},
}};

template <typename E, size_t N>
constexpr std::string_view NameIn(const std::array<std::pair<E, std::string_view>, N>& names,
                                  E state) {
  for (const auto& [s, name] : names)
    if (s == state) return name;
  return {};
}

template <typename E, size_t N>
constexpr std::optional<E> ParseIn(const std::array<std::pair<E, std::string_view>, N>& names,
                                   std::string_view text) {
  for (const auto& [s, name] : names)
    if (name == text) return s;
  return std::nullopt;
}

// "a, b or c", for messages that say which values are allowed.
template <typename E, size_t N>
std::string ListIn(const std::array<std::pair<E, std::string_view>, N>& names) {
  std::string out;
  for (size_t i = 0; i < N; ++i) {
    if (i > 0) out += i + 1 == N ? " or " : ", ";
    out += names[i].second;
  }
  return out;
}
}  // namespace internal

// The stored text of a state ("new", "open", ...).
constexpr std::string_view Name(AlertStatus s) {
  return internal::NameIn(internal::kAlertStatusNames, s);
}
constexpr std::string_view Name(TracingStatus s) {
  return internal::NameIn(internal::kTracingStatusNames, s);
}
// The state a text names; nullopt for any other text.
constexpr std::optional<AlertStatus> ParseAlertStatus(std::string_view text) {
  return internal::ParseIn(internal::kAlertStatusNames, text);
}
constexpr std::optional<TracingStatus> ParseTracingStatus(std::string_view text) {
  return internal::ParseIn(internal::kTracingStatusNames, text);
}
// Every state's text, in order: "new, verified, unverified, escalated, responded or closed".
inline std::string AlertStatusList() { return internal::ListIn(internal::kAlertStatusNames); }
inline std::string TracingStatusList() { return internal::ListIn(internal::kTracingStatusNames); }

}  // namespace aegis::store
