// The catalogue's rules (DOMAIN.md §2): products (SKUs) in product groups
// within product lines, in plain C++ with no gRPC or SQL. List prices live
// in price lists, standard costs beside them (both price_list.h).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace qudao::pricing {

// SKUs, group codes and line codes are case-insensitive: "pump-100" and
// "PUMP-100" are one SKU. They are kept in one canonical form, upper-case,
// so that equality, uniqueness and order are plain string comparisons on
// both databases. Everything that takes a code from outside (the API, the
// quote code) passes it through here first.
std::string CanonicalCode(absl::string_view code);

// A product line → product group → product hierarchy; a group belongs to
// one line for good (its products' line follows from it).
struct ProductGroup {
  std::string group_code;
  std::string product_line;
  std::string name;
  absl::Time create_time;
};

struct Product {
  std::string sku;
  std::string name;
  std::string product_group;
  // The group's line (denormalised for listing by line).
  std::string product_line;
  // Starts at 1, +1 per update; the etag.
  int64_t version = 0;
  absl::Time create_time;
  absl::Time update_time;
};

// Reasons callers branch on.
inline constexpr char kReasonEtagMismatch[] = "ETAG_MISMATCH";
inline constexpr char kReasonGroupNotFound[] = "PRODUCT_GROUP_NOT_FOUND";
inline constexpr char kReasonProductNotFound[] = "PRODUCT_NOT_FOUND";

// "\"v3\"" for version 3 (of a product, a price rule, …).
std::string EtagOfVersion(int64_t version);
std::string EtagOf(const Product& product);
// The version an etag stands for; INVALID_ARGUMENT naming `field` when it
// is not one this service made.
absl::StatusOr<int64_t> VersionFromEtag(absl::string_view field,
                                        absl::string_view etag);

// ABORTED ETAG_MISMATCH when `expected_version` (0: any) is not current.
absl::Status CheckExpectedVersion(const Product& current,
                                  int64_t expected_version);

// Rules that hold for any stored product or group: codes canonical and
// present, a name.
absl::Status CheckProductInvariants(const Product& product);
absl::Status CheckGroupInvariants(const ProductGroup& group);

}  // namespace qudao::pricing
