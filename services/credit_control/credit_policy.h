// Credit policy per ABC class (DOMAIN.md §3): how long overdue debt may
// run before new orders are held, the share of the limit at which a watch
// alert is raised, and what counts as slow payment. Unclassified dealers
// use class C's policy. Plain C++, no gRPC or SQL.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace qudao::credit {

struct CreditPolicy {
  // "A", "B" or "C".
  std::string abc_class;
  // Orders are held (OVERDUE) once the oldest overdue debt is more days
  // past due than this.
  int overdue_hold_days = 0;
  // A watch alert when exposure reaches this percent of the limit.
  int watch_ratio_percent = 90;
  // Slow payment: average days paid beyond terms over the last 6 paid
  // invoices above this (an alert, and it lowers Capacity).
  int slow_payment_days = 15;
  std::string updated_by;
  absl::Time update_time;
};

// The defaults: A holds after 30 overdue days, B after 15, C at once;
// watch at 90% of the limit; slow above 15 days.
CreditPolicy DefaultPolicy(absl::string_view abc_class);

// The policy class of a dealer's ABC class: its own, or C when it is not
// classified yet.
std::string PolicyClassOf(absl::string_view dealer_abc_class);

// INVALID_ARGUMENT naming the field: class A, B or C; days 0..365; the
// watch ratio 1..100 percent.
absl::Status CheckPolicy(const CreditPolicy& policy);

}  // namespace qudao::credit
