// Dealer proto conversion; see dealer_proto.h.
#include "services/customer_records/dealer_proto.h"

#include "absl/strings/str_cat.h"
#include "common/proto/conversion.h"

namespace qudao::customer {

v1::Dealer DealerToProto(const Dealer& d) {
  v1::Dealer out;
  out.set_dealer_id(d.id);
  out.set_legal_name(d.legal_name);
  out.mutable_region()->set_province(d.region.province);
  out.mutable_region()->set_city(d.region.city);
  out.mutable_region()->set_sales_territory(d.region.sales_territory);
  out.set_channel_level(static_cast<v1::ChannelLevel>(d.channel_level));
  out.set_parent_dealer_id(d.parent_dealer_id);
  out.set_status(static_cast<v1::DealerStatus>(d.status));
  out.set_owner(d.owner);
  if (d.registered_capital.has_value()) {
    *out.mutable_registered_capital() = MoneyToProto(*d.registered_capital);
  }
  for (const auto& b : d.brands) out.add_brands(b);
  out.set_business_scope(d.business_scope);
  out.set_payer_dealer_id(d.payer_dealer_id);
  out.set_pricing_zone(d.pricing_zone);
  out.set_unified_social_credit_code(d.unified_social_credit_code);
  out.set_abc_class(static_cast<v1::AbcClass>(d.abc_class));
  out.set_value_tier(d.value_tier);
  *out.mutable_create_time() = TimeToProto(d.create_time);
  *out.mutable_update_time() = TimeToProto(d.update_time);
  out.set_etag(EtagOf(d));
  return out;
}

absl::StatusOr<Dealer> DealerFromStoredProto(const v1::Dealer& p) {
  Dealer d;
  d.id = p.dealer_id();
  d.legal_name = p.legal_name();
  d.region = {p.region().province(), p.region().city(),
              p.region().sales_territory()};
  d.channel_level = static_cast<ChannelLevel>(p.channel_level());
  d.parent_dealer_id = p.parent_dealer_id();
  d.status = static_cast<DealerStatus>(p.status());
  d.owner = p.owner();
  if (p.has_registered_capital()) {
    auto capital = MoneyFromProto("registered_capital", p.registered_capital());
    if (!capital.ok()) {
      return absl::DataLossError(absl::StrCat(
          "stored dealer ", p.dealer_id(), ": ", capital.status().message()));
    }
    d.registered_capital = *capital;
  }
  d.brands.assign(p.brands().begin(), p.brands().end());
  d.business_scope = p.business_scope();
  d.payer_dealer_id = p.payer_dealer_id();
  d.pricing_zone = p.pricing_zone();
  d.unified_social_credit_code = p.unified_social_credit_code();
  d.abc_class = static_cast<AbcClass>(p.abc_class());
  d.value_tier = p.value_tier();
  d.create_time = TimeFromProto(p.create_time());
  d.update_time = TimeFromProto(p.update_time());
  auto version = VersionFromEtag("etag", p.etag());
  if (!version.ok()) {
    return absl::DataLossError(
        absl::StrCat("stored dealer ", p.dealer_id(), " has no valid etag"));
  }
  d.version = *version;
  return d;
}

const storage::ResponseCodec<Dealer>& DealerCodec() {
  static const auto* codec = new storage::ResponseCodec<Dealer>{
      [](const Dealer& d) { return CanonicalBytes(DealerToProto(d)); },
      [](absl::string_view bytes) -> absl::StatusOr<Dealer> {
        v1::Dealer proto;
        if (!proto.ParseFromArray(bytes.data(),
                                  static_cast<int>(bytes.size()))) {
          return absl::DataLossError("stored dealer does not parse");
        }
        return DealerFromStoredProto(proto);
      }};
  return *codec;
}

}  // namespace qudao::customer
