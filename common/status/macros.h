// Early-return helpers for absl::Status and absl::StatusOr, which Abseil
// 20220623 does not ship:
//
//   RETURN_IF_ERROR(store.Insert(tx, dealer));
//   ASSIGN_OR_RETURN(Dealer current, store.Get(tx, id));
//
// Both work in any function returning absl::Status or absl::StatusOr<T>.
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace qudao::status_internal {

inline const absl::Status& AsStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& AsStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace qudao::status_internal

#define QUDAO_STATUS_CONCAT_INNER(a, b) a##b
#define QUDAO_STATUS_CONCAT(a, b) QUDAO_STATUS_CONCAT_INNER(a, b)

// Evaluates `expr` (an absl::Status or StatusOr) once and returns its status
// from the enclosing function if it is not OK.
#define RETURN_IF_ERROR(expr)                                      \
  do {                                                             \
    if (const auto& qudao_status_ = (expr); !qudao_status_.ok()) { \
      return ::qudao::status_internal::AsStatus(qudao_status_);    \
    }                                                              \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status if not OK,
// otherwise moves its value into `lhs` (a declaration or an lvalue).
#define ASSIGN_OR_RETURN(lhs, rexpr)                                          \
  QUDAO_ASSIGN_OR_RETURN_IMPL(QUDAO_STATUS_CONCAT(qudao_statusor_, __LINE__), \
                              lhs, rexpr)

#define QUDAO_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr)  \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()
