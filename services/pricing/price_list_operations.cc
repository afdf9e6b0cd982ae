// Price list and standard cost use cases; see price_list_operations.h.
#include "services/pricing/price_list_operations.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "services/pricing/price_list_proto.h"
#include "services/pricing/product.h"

namespace qudao::pricing {

using storage::Transaction;
using storage::TransactionMode;

absl::StatusOr<PriceListVersion> PriceListOperations::Publish(
    const std::string& published_by, PriceListVersion draft,
    const storage::IdempotentRequest& request) {
  for (PriceListEntry& e : draft.entries) e.sku = CanonicalCode(e.sku);
  RETURN_IF_ERROR(CheckPublication(draft));
  draft.published_by = published_by;
  draft.publish_time = clock_->Now();
  draft.entry_count = static_cast<int64_t>(draft.entries.size());
  return storage::RunIdempotent<PriceListVersion>(
      *db_, request, draft.publish_time, PriceListVersionCodec(),
      [&](Transaction& tx) -> absl::StatusOr<PriceListVersion> {
        std::vector<std::string> skus;
        skus.reserve(draft.entries.size());
        for (const PriceListEntry& e : draft.entries) skus.push_back(e.sku);
        ASSIGN_OR_RETURN(const std::vector<std::string> missing,
                         products_.Missing(tx, skus));
        if (!missing.empty()) {
          size_t at = 0;
          while (skus[at] != missing.front()) ++at;
          return Refusal(
              absl::StatusCode::kNotFound, kReasonProductNotFound,
              absl::StrCat("price_list.entries[", at, "].sku: product ",
                           missing.front(), " does not exist",
                           missing.size() > 1
                               ? absl::StrCat(" (nor do ", missing.size() - 1,
                                              " more SKUs of the list)")
                               : ""));
        }
        PriceListVersion version = draft;
        ASSIGN_OR_RETURN(version.version,
                         prices_.NextVersion(tx, version.currency));
        RETURN_IF_ERROR(prices_.Insert(tx, version));
        // The answer is the header; the entries are read with
        // GetPriceListVersion.
        version.entries.clear();
        return version;
      });
}

absl::StatusOr<PriceListVersion> PriceListOperations::GetVersion(
    const std::string& currency, int64_t version) {
  absl::StatusOr<PriceListVersion> result;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        result = prices_.GetVersion(tx, currency, version, true);
        return result.status();
      }));
  return result;
}

absl::StatusOr<PriceListVersionPage> PriceListOperations::ListVersions(
    const std::string& currency, const PageRequest& page) {
  absl::StatusOr<PriceListVersionPage> result;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        result = prices_.ListVersions(tx, currency, page);
        return result.status();
      }));
  return result;
}

absl::StatusOr<ListPrice> PriceListOperations::GetPrice(
    const std::string& sku, const std::string& currency, absl::CivilDay day) {
  absl::StatusOr<ListPrice> result;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        // An unknown SKU is told apart from a known one without a price.
        RETURN_IF_ERROR(products_.Get(tx, CanonicalCode(sku)).status());
        result = prices_.PriceOn(tx, sku, currency, day);
        return result.status();
      }));
  return result;
}

absl::StatusOr<StandardCost> PriceListOperations::SetStandardCost(
    const std::string& set_by, StandardCost draft,
    const storage::IdempotentRequest& request) {
  draft.sku = CanonicalCode(draft.sku);
  RETURN_IF_ERROR(CheckStandardCost(draft));
  draft.set_by = set_by;
  draft.set_time = clock_->Now();
  return storage::RunIdempotent<StandardCost>(
      *db_, request, draft.set_time, StandardCostCodec(),
      [&](Transaction& tx) -> absl::StatusOr<StandardCost> {
        RETURN_IF_ERROR(products_.Get(tx, draft.sku).status());
        // A SKU's costs are all in one currency, so they compare.
        ASSIGN_OR_RETURN(const std::optional<std::string> currency,
                         prices_.CostCurrency(tx, draft.sku));
        if (currency.has_value() && *currency != draft.cost.currency()) {
          return InvalidField(
              "standard_cost.cost.currency_code",
              absl::StrCat("must be ", *currency, ", the currency of ",
                           draft.sku, "'s cost history (got ",
                           draft.cost.currency(), ")"));
        }
        StandardCost cost = draft;
        ASSIGN_OR_RETURN(cost.version, prices_.NextCostVersion(tx, cost.sku));
        RETURN_IF_ERROR(prices_.InsertCost(tx, cost));
        return cost;
      });
}

absl::StatusOr<StandardCostAnswer> PriceListOperations::GetStandardCost(
    const std::string& sku, absl::CivilDay day) {
  const std::string canonical = CanonicalCode(sku);
  absl::StatusOr<StandardCostAnswer> result;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(products_.Get(tx, canonical).status());
        StandardCostAnswer answer;
        ASSIGN_OR_RETURN(answer.history,
                         prices_.CostHistory(tx, canonical, kMaxCostHistory));
        if (answer.history.empty()) {
          return Refusal(
              absl::StatusCode::kNotFound, kReasonNoStandardCost,
              absl::StrCat("no standard cost has been set for ", canonical));
        }
        // From every version, not only the newest kMaxCostHistory.
        absl::StatusOr<StandardCost> in_force =
            prices_.CostOn(tx, canonical, day);
        if (in_force.ok()) {
          answer.in_force = *std::move(in_force);
        } else if (!absl::IsNotFound(in_force.status())) {
          return in_force.status();
        }
        result = std::move(answer);
        return absl::OkStatus();
      }));
  return result;
}

}  // namespace qudao::pricing
