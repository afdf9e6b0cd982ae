// Typed-row columns for business days, shared by the pricing stores: a day
// is stored as its day number (price_list.h: whole days since 1970-01-01),
// so both databases compare days as integers.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "common/storage/database.h"
#include "common/storage/table_mapping.h"
#include "services/pricing/price_list.h"

namespace qudao::pricing {

// A business day as its day number (price_list.h).
template <typename T, typename Access>
storage::Column<T> Day(std::string name, Access access) {
  return {{name},
          [access](const T& r, storage::Params& p) {
            p.emplace_back(DayNumber(std::invoke(access, r)));
          },
          [access, name](const storage::Row& row, T& r) {
            std::invoke(access, r) = DayFromNumber(row.Int(name));
            return absl::OkStatus();
          }};
}

// An optional day, NULL when unset.
template <typename T, typename Access>
storage::Column<T> OptionalDay(std::string name, Access access) {
  return {{name},
          [access](const T& r, storage::Params& p) {
            const std::optional<absl::CivilDay>& d = std::invoke(access, r);
            if (d.has_value()) {
              p.emplace_back(DayNumber(*d));
            } else {
              p.emplace_back();
            }
          },
          [access, name](const storage::Row& row, T& r) {
            auto& field = std::invoke(access, r);
            if (row.IsNull(name)) {
              field.reset();
            } else {
              field = DayFromNumber(row.Int(name));
            }
            return absl::OkStatus();
          }};
}

}  // namespace qudao::pricing
