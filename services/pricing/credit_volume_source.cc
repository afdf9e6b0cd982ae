// CreditVolumeSource; see credit_volume_source.h.
#include "services/pricing/credit_volume_source.h"

#include "absl/strings/ascii.h"
#include "common/status/macros.h"
#include "services/pricing/price_list.h"

namespace qudao::pricing {

namespace cpb = ::qudao::credit::v1;

absl::StatusOr<PriorVolume> CreditVolumeSource::VolumeFor(
    const CallContext& call, const std::string& dealer_id,
    const PriceRule& rule, const VolumeWindow& window,
    const std::string& currency) {
  // Pricing's own account: revenue is not the caller's to read.
  CallContext own = call;
  own.authorization.clear();
  own.partner_dealer_id.clear();
  cpb::GetRevenueSummaryRequest req;
  req.set_dealer_id(dealer_id);
  req.set_from_date(FormatDay(window.from));
  // The summary's period is inclusive.
  req.set_to_date(FormatDay(window.until - 1));
  switch (rule.product_scope.kind) {
    case ProductScopeKind::kGroup:
      req.set_breakdown(cpb::REVENUE_BREAKDOWN_PRODUCT_GROUP);
      break;
    case ProductScopeKind::kSku:
      req.set_breakdown(cpb::REVENUE_BREAKDOWN_SKU);
      break;
    case ProductScopeKind::kAllProducts:
      break;
  }
  ASSIGN_OR_RETURN(const cpb::RevenueSummary summary,
                   credit_->GetRevenueSummary(own, req));
  PriorVolume volume;
  volume.rule_id = rule.rule_id;
  volume.amount = Money::Zero(currency);
  const std::string scope_code = absl::AsciiStrToUpper(rule.product_scope.code);
  for (const cpb::RevenueRow& row : summary.rows()) {
    if (row.dealer_id() != dealer_id) continue;
    if (rule.product_scope.kind != ProductScopeKind::kAllProducts &&
        absl::AsciiStrToUpper(row.key()) != scope_code) {
      continue;
    }
    volume.units += row.units();
    if (row.net_revenue().currency_code() == currency) {
      ASSIGN_OR_RETURN(
          const Money net,
          Money::Create(currency, row.net_revenue().minor_units()));
      ASSIGN_OR_RETURN(volume.amount, volume.amount.Add(net));
    }
  }
  if (volume.units < 0) volume.units = 0;
  if (volume.amount.is_negative()) volume.amount = Money::Zero(currency);
  return volume;
}

}  // namespace qudao::pricing
