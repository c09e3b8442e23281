// The one text mapping of record states: every state round-trips through its stored text, the
// text is what the stores already hold, and any other text names no state.
#include "store/record_states.h"

#include <gtest/gtest.h>

namespace aegis::store {
namespace {

TEST(RecordStates, EveryStateRoundTripsThroughItsStoredText) {
  for (AlertStatus s : {AlertStatus::kNew, AlertStatus::kVerified, AlertStatus::kUnverified,
                        AlertStatus::kEscalated, AlertStatus::kResponded, AlertStatus::kClosed})
    EXPECT_EQ(ParseAlertStatus(Name(s)), s) << Name(s);
  for (TracingStatus s : {TracingStatus::kOpen, TracingStatus::kReunified, TracingStatus::kClosed})
    EXPECT_EQ(ParseTracingStatus(Name(s)), s) << Name(s);
}

TEST(RecordStates, TheStoredTextIsUnchangedAndNoOtherTextNamesAState) {
  EXPECT_EQ(AlertStatusList(), "new, verified, unverified, escalated, responded or closed");
  EXPECT_EQ(TracingStatusList(), "open, reunified or closed");
  static_assert(Name(AlertStatus::kClosed) == "closed");
  static_assert(Name(TracingStatus::kOpen) == "open");
  for (const char* text : {"", "Closed", "open ", "merged", "acknowledged"})
    EXPECT_FALSE(ParseAlertStatus(text).has_value()) << text;
  EXPECT_FALSE(ParseTracingStatus("new").has_value());
}

}  // namespace
}  // namespace aegis::store
