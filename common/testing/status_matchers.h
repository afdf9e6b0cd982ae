// GoogleTest matchers for absl::Status and absl::StatusOr (Abseil 20220623
// ships none):
//
//   EXPECT_THAT(store.Get(tx, id), StatusIs(absl::StatusCode::kNotFound));
//   EXPECT_THAT(ops.Update(u), StatusIs(absl::StatusCode::kFailedPrecondition,
//                                       "HAS_ACTIVE_CHILDREN"));
//   ASSERT_THAT(result, IsOk());
//
// For a finished gRPC call, match FromGrpcCall(status, context) (common/grpc)
// to see the reason and field the server attached.
#pragma once

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/status/status.h"
#include "gmock/gmock.h"

namespace qudao::testing {
namespace status_internal {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace status_internal

// Matches a Status/StatusOr with `code` and, if given, reason `reason`
// (ReasonOf: the attached reason, or the code's name).
MATCHER_P(StatusIs, code,
          std::string(negation ? "isn't " : "is ") +
              absl::StatusCodeToString(code)) {
  const absl::Status& s = status_internal::GetStatus(arg);
  *result_listener << "which is " << s;
  return s.code() == code;
}

MATCHER_P2(StatusIs, code, reason,
           std::string(negation ? "isn't " : "is ") +
               absl::StatusCodeToString(code) + " with reason " +
               ::testing::PrintToString(reason)) {
  const absl::Status& s = status_internal::GetStatus(arg);
  *result_listener << "which is " << s << " with reason " << ReasonOf(s);
  return s.code() == code && ReasonOf(s) == reason;
}

MATCHER(IsOk, negation ? "isn't OK" : "is OK") {
  const absl::Status& s = status_internal::GetStatus(arg);
  *result_listener << "which is " << s;
  return s.ok();
}

}  // namespace qudao::testing
