// Product rules; see product.h.
#include "services/pricing/product.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status/status.h"

namespace qudao::pricing {
namespace {

absl::Status CheckCanonical(absl::string_view field, absl::string_view code) {
  if (code.empty()) return InvalidField(field, "is required");
  if (CanonicalCode(code) != code) {
    return InvalidField(field, "must be upper-case (canonical)");
  }
  return absl::OkStatus();
}

}  // namespace

std::string CanonicalCode(absl::string_view code) {
  return absl::AsciiStrToUpper(code);
}

std::string EtagOfVersion(int64_t version) {
  return absl::StrCat("\"v", version, "\"");
}

std::string EtagOf(const Product& product) {
  return EtagOfVersion(product.version);
}

absl::StatusOr<int64_t> VersionFromEtag(absl::string_view field,
                                        absl::string_view etag) {
  absl::string_view v = etag;
  int64_t version = 0;
  if (!absl::ConsumePrefix(&v, "\"v") || !absl::ConsumeSuffix(&v, "\"") ||
      !absl::SimpleAtoi(v, &version) || version <= 0) {
    return InvalidField(field, "is not an etag returned by this service");
  }
  return version;
}

absl::Status CheckExpectedVersion(const Product& current,
                                  int64_t expected_version) {
  if (expected_version == 0 || current.version == expected_version) {
    return absl::OkStatus();
  }
  return Refusal(
      absl::StatusCode::kAborted, kReasonEtagMismatch,
      absl::StrCat("product ", current.sku,
                   " was changed by someone else (etag ", EtagOf(current),
                   "); read it again and reapply your change"));
}

absl::Status CheckProductInvariants(const Product& product) {
  if (absl::Status s = CheckCanonical("product.sku", product.sku); !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckCanonical("product.product_group", product.product_group);
      !s.ok()) {
    return s;
  }
  if (product.name.empty()) return InvalidField("product.name", "is required");
  return absl::OkStatus();
}

absl::Status CheckGroupInvariants(const ProductGroup& group) {
  if (absl::Status s =
          CheckCanonical("product_group.group_code", group.group_code);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckCanonical("product_group.product_line", group.product_line);
      !s.ok()) {
    return s;
  }
  if (group.name.empty()) {
    return InvalidField("product_group.name", "is required");
  }
  return absl::OkStatus();
}

}  // namespace qudao::pricing
