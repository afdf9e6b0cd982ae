// Typed rows: how one struct maps onto one table, written once per table.
//
//   const storage::TableMapping<Dealer>& DealerTable() {
//     static const auto* table = new storage::TableMapping<Dealer>(
//         "dealers",
//         {storage::Text<Dealer>("dealer_id", &Dealer::id).InsertOnly(),
//          storage::Text<Dealer>("province",
//                                [](auto& d) -> auto& { return
//                                d.region.province; }),
//          storage::Int<Dealer>("version", &Dealer::version), ...});
//     return *table;
//   }
//
// Columns are read back by name, never by position, so adding a column
// touches the migration and this list: the SELECT list, INSERT and UPDATE
// statements and their parameters all follow from it. An accessor is a
// data-member pointer or a lambda returning a reference (for nested
// members).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/money/money.h"
#include "common/storage/database.h"

namespace qudao::storage {

// How one field of T is stored, in one or more columns.
template <typename T>
struct Column {
  std::vector<std::string> names;
  // Appends names.size() parameters for the field's value.
  std::function<void(const T&, Params&)> write;
  // Reads the field from a row that selected `names`.
  std::function<absl::Status(const Row&, T&)> read;
  // false: written on insert, never by Update (keys, creation times).
  bool updatable = true;

  Column InsertOnly() && {
    updatable = false;
    return std::move(*this);
  }
};

// "$1, $2, …, $n": the placeholders of an n-column insert.
inline std::string Placeholders(size_t n) {
  std::string out;
  for (size_t i = 1; i <= n; ++i) {
    absl::StrAppend(&out, i > 1 ? ", " : "", "$", i);
  }
  return out;
}

// "INSERT INTO <table> (<columns>) VALUES ($1, …)" with one placeholder per
// value of `params`, for rows written without a TableMapping.
inline absl::Status InsertRow(Transaction& tx, absl::string_view table,
                              absl::string_view columns, const Params& params) {
  return tx
      .Execute(absl::StrCat("INSERT INTO ", table, " (", columns, ") VALUES (",
                            Placeholders(params.size()), ")"),
               params)
      .status();
}

template <typename T>
class TableMapping {
 public:
  TableMapping(std::string table, std::vector<Column<T>> columns)
      : table_(std::move(table)), columns_(std::move(columns)) {
    std::vector<std::string> names;
    for (const Column<T>& c : columns_) {
      names.insert(names.end(), c.names.begin(), c.names.end());
    }
    column_list_ = absl::StrJoin(names, ", ");
    insert_sql_ = absl::StrCat("INSERT INTO ", table_, " (", column_list_,
                               ") VALUES (", Placeholders(names.size()), ")");
  }

  const std::string& table() const { return table_; }
  // "a, b, c": every mapped column, for SELECT lists.
  const std::string& columns() const { return column_list_; }

  // "SELECT <columns> FROM <table> <tail>".
  std::string Select(absl::string_view tail) const {
    return absl::StrCat("SELECT ", column_list_, " FROM ", table_, " ", tail);
  }

  absl::StatusOr<T> Read(const Row& row) const {
    T value{};
    for (const Column<T>& c : columns_) {
      if (absl::Status s = c.read(row, value); !s.ok()) return s;
    }
    return value;
  }

  absl::StatusOr<std::vector<T>> ReadAll(const std::vector<Row>& rows) const {
    std::vector<T> out;
    out.reserve(rows.size());
    for (const Row& row : rows) {
      absl::StatusOr<T> value = Read(row);
      if (!value.ok()) return value.status();
      out.push_back(*std::move(value));
    }
    return out;
  }

  // The first row of `rows` as T, or NOT_FOUND with `not_found`.
  absl::StatusOr<T> ReadOne(const std::vector<Row>& rows,
                            absl::string_view not_found) const {
    if (rows.empty()) return absl::NotFoundError(not_found);
    return Read(rows.front());
  }

  absl::Status Insert(Transaction& tx, const T& value) const {
    Params params;
    for (const Column<T>& c : columns_) c.write(value, params);
    return tx.Execute(insert_sql_, params).status();
  }

  // Writes every updatable column of `value` to the rows matching all of
  // `where` (column = value pairs, e.g. the key and the version read), and
  // returns how many rows changed: 0 means the condition did not hold.
  absl::StatusOr<int64_t> Update(
      Transaction& tx, const T& value,
      const std::vector<std::pair<std::string, Value>>& where) const {
    Params params;
    std::vector<std::string> sets;
    for (const Column<T>& c : columns_) {
      if (!c.updatable) continue;
      c.write(value, params);
      for (size_t i = 0; i < c.names.size(); ++i) {
        sets.push_back(absl::StrCat(c.names[i], " = $",
                                    params.size() - c.names.size() + i + 1));
      }
    }
    std::vector<std::string> conditions;
    for (const auto& [column, v] : where) {
      params.push_back(v);
      conditions.push_back(absl::StrCat(column, " = $", params.size()));
    }
    return tx.Execute(
        absl::StrCat("UPDATE ", table_, " SET ", absl::StrJoin(sets, ", "),
                     " WHERE ", absl::StrJoin(conditions, " AND ")),
        params);
  }

 private:
  std::string table_;
  std::vector<Column<T>> columns_;
  std::string column_list_;
  std::string insert_sql_;
};

// Column builders. `access` is a data-member pointer or a callable taking
// T& (and const T&) and returning a reference to the field.

template <typename T, typename Access>
Column<T> Text(std::string name, Access access) {
  return {{name},
          [access](const T& r, Params& p) {
            p.emplace_back(std::string(std::invoke(access, r)));
          },
          [access, name](const Row& row, T& r) {
            std::invoke(access, r) = row.Text(name);
            return absl::OkStatus();
          }};
}

// Text stored as NULL when empty (optional references such as a parent).
template <typename T, typename Access>
Column<T> NullableText(std::string name, Access access) {
  return {{name},
          [access](const T& r, Params& p) {
            const std::string& v = std::invoke(access, r);
            if (v.empty()) {
              p.emplace_back();
            } else {
              p.emplace_back(v);
            }
          },
          [access, name](const Row& row, T& r) {
            std::invoke(access, r) = row.IsNull(name) ? "" : row.Text(name);
            return absl::OkStatus();
          }};
}

template <typename T, typename Access>
Column<T> Int(std::string name, Access access) {
  return {{name},
          [access](const T& r, Params& p) {
            p.emplace_back(static_cast<int64_t>(std::invoke(access, r)));
          },
          [access, name](const Row& row, T& r) {
            using Field = std::remove_reference_t<decltype(std::invoke(
                access, std::declval<T&>()))>;
            std::invoke(access, r) = static_cast<Field>(row.Int(name));
            return absl::OkStatus();
          }};
}

// An enum stored as its integer value.
template <typename T, typename Access>
Column<T> Enum(std::string name, Access access) {
  return Int<T>(std::move(name), access);
}

template <typename T, typename Access>
Column<T> Bool(std::string name, Access access) {
  return {{name},
          [access](const T& r, Params& p) {
            p.emplace_back(static_cast<bool>(std::invoke(access, r)));
          },
          [access, name](const Row& row, T& r) {
            std::invoke(access, r) = row.Int(name) != 0;
            return absl::OkStatus();
          }};
}

// Microseconds since the Unix epoch (ToStoredTime).
template <typename T, typename Access>
Column<T> Time(std::string name, Access access) {
  return {{name},
          [access](const T& r, Params& p) {
            p.emplace_back(ToStoredTime(std::invoke(access, r)));
          },
          [access, name](const Row& row, T& r) {
            std::invoke(access, r) = FromStoredTime(row.Int(name));
            return absl::OkStatus();
          }};
}

// An optional time, NULL when unset.
template <typename T, typename Access>
Column<T> OptionalTime(std::string name, Access access) {
  return {{name},
          [access](const T& r, Params& p) {
            const std::optional<absl::Time>& v = std::invoke(access, r);
            if (v.has_value()) {
              p.emplace_back(ToStoredTime(*v));
            } else {
              p.emplace_back();
            }
          },
          [access, name](const Row& row, T& r) {
            auto& field = std::invoke(access, r);
            if (row.IsNull(name)) {
              field.reset();
            } else {
              field = FromStoredTime(row.Int(name));
            }
            return absl::OkStatus();
          }};
}

// Money in two columns: currency code and integer minor units. A currency
// the binary no longer knows reads as DATA_LOSS, never a crash.
template <typename T, typename Access>
Column<T> MoneyAmount(std::string currency_column, std::string minor_column,
                      Access access) {
  return {{currency_column, minor_column},
          [access](const T& r, Params& p) {
            const Money& m = std::invoke(access, r);
            p.emplace_back(m.currency());
            p.emplace_back(m.minor_units());
          },
          [access, currency_column, minor_column](const Row& row, T& r) {
            absl::StatusOr<Money> m = MoneyFromStorage(
                row.Text(currency_column), row.Int(minor_column));
            if (!m.ok()) return m.status();
            std::invoke(access, r) = *std::move(m);
            return absl::OkStatus();
          }};
}

// Optional money: both columns NULL when unset.
template <typename T, typename Access>
Column<T> OptionalMoneyAmount(std::string currency_column,
                              std::string minor_column, Access access) {
  return {{currency_column, minor_column},
          [access](const T& r, Params& p) {
            const std::optional<Money>& m = std::invoke(access, r);
            if (m.has_value()) {
              p.emplace_back(m->currency());
              p.emplace_back(m->minor_units());
            } else {
              p.emplace_back();
              p.emplace_back();
            }
          },
          [access, currency_column, minor_column](const Row& row, T& r) {
            auto& field = std::invoke(access, r);
            if (row.IsNull(currency_column)) {
              field.reset();
              return absl::OkStatus();
            }
            absl::StatusOr<Money> m = MoneyFromStorage(
                row.Text(currency_column), row.Int(minor_column));
            if (!m.ok()) return m.status();
            field = *std::move(m);
            return absl::OkStatus();
          }};
}

// An amount whose currency is another column of the row, shared by several
// amounts (an account kept in one currency): only the minor units are
// written here; the currency column must be mapped by another Column.
template <typename T, typename Access>
Column<T> MinorUnitsIn(std::string minor_column, std::string currency_column,
                       Access access) {
  return {{minor_column},
          [access](const T& r, Params& p) {
            p.emplace_back(std::invoke(access, r).minor_units());
          },
          [access, currency_column, minor_column](const Row& row, T& r) {
            absl::StatusOr<Money> m = MoneyFromStorage(
                row.Text(currency_column), row.Int(minor_column));
            if (!m.ok()) return m.status();
            std::invoke(access, r) = *std::move(m);
            return absl::OkStatus();
          }};
}

// As MinorUnitsIn for an optional amount, NULL when unset.
template <typename T, typename Access>
Column<T> OptionalMinorUnitsIn(std::string minor_column,
                               std::string currency_column, Access access) {
  return {{minor_column},
          [access](const T& r, Params& p) {
            const std::optional<Money>& m = std::invoke(access, r);
            if (m.has_value()) {
              p.emplace_back(m->minor_units());
            } else {
              p.emplace_back();
            }
          },
          [access, currency_column, minor_column](const Row& row, T& r) {
            auto& field = std::invoke(access, r);
            if (row.IsNull(minor_column)) {
              field.reset();
              return absl::OkStatus();
            }
            absl::StatusOr<Money> m = MoneyFromStorage(
                row.Text(currency_column), row.Int(minor_column));
            if (!m.ok()) return m.status();
            field = *std::move(m);
            return absl::OkStatus();
          }};
}

// A list of single-line strings in one TEXT column, separated by newlines
// (values are validated free of control characters).
template <typename T, typename Access>
Column<T> LineList(std::string name, Access access) {
  return {{name},
          [access](const T& r, Params& p) {
            p.emplace_back(absl::StrJoin(std::invoke(access, r), "\n"));
          },
          [access, name](const Row& row, T& r) {
            const std::string text = row.Text(name);
            auto& field = std::invoke(access, r);
            field.clear();
            if (!text.empty()) {
              for (absl::string_view part : absl::StrSplit(text, '\n')) {
                field.emplace_back(part);
              }
            }
            return absl::OkStatus();
          }};
}

}  // namespace qudao::storage
