// Price rule and freight proto conversion; see price_rule_proto.h.
#include "services/pricing/price_rule_proto.h"

#include "absl/strings/str_cat.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "services/pricing/price_list.h"
#include "services/pricing/product.h"

namespace qudao::pricing {
namespace {

// Money that may be unset (a placeholder then).
absl::StatusOr<Money> OptionalMoney(const std::string& field, bool has,
                                    const type::v1::Money& m) {
  if (!has) return Money();
  return MoneyFromProto(field, m);
}

absl::StatusOr<std::vector<Tier>> TiersFromProto(
    const std::string& field,
    const google::protobuf::RepeatedPtrField<v1::Tier>& tiers) {
  std::vector<Tier> out;
  for (int i = 0; i < tiers.size(); ++i) {
    const std::string f = absl::StrCat(field, "[", i, "]");
    Tier t;
    t.min_quantity = tiers[i].min_quantity();
    ASSIGN_OR_RETURN(t.min_amount, OptionalMoney(absl::StrCat(f, ".min_amount"),
                                                 tiers[i].has_min_amount(),
                                                 tiers[i].min_amount()));
    t.basis_points = tiers[i].basis_points();
    out.push_back(t);
  }
  return out;
}

void TiersToProto(const std::vector<Tier>& tiers,
                  google::protobuf::RepeatedPtrField<v1::Tier>* out) {
  for (const Tier& t : tiers) {
    v1::Tier* p = out->Add();
    p->set_min_quantity(t.min_quantity);
    if (!t.min_amount.currency().empty()) {
      *p->mutable_min_amount() = MoneyToProto(t.min_amount);
    }
    p->set_basis_points(t.basis_points);
  }
}

absl::Status Unknown(const std::string& field) {
  return InvalidField(field, "is not a known value");
}

}  // namespace

absl::StatusOr<RuleType> RuleTypeFromProto(const std::string& field,
                                           v1::PriceRuleType type) {
  if (type < v1::PRICE_RULE_TYPE_CHANNEL_MARGIN ||
      type > v1::PRICE_RULE_TYPE_REBATE) {
    return InvalidField(field,
                        "is required: CHANNEL_MARGIN, SEASONAL, QUANTITY, "
                        "CUMULATIVE_VOLUME, BUNDLE, PRICE_ENDING, FLOOR or "
                        "REBATE");
  }
  return static_cast<RuleType>(static_cast<int>(type));
}

absl::StatusOr<RuleState> RuleStateFromProto(const std::string& field,
                                             v1::PriceRuleState state) {
  if (state < v1::PRICE_RULE_STATE_DRAFT ||
      state > v1::PRICE_RULE_STATE_RETIRED) {
    return InvalidField(field, "must be DRAFT, ACTIVE or RETIRED");
  }
  return static_cast<RuleState>(static_cast<int>(state));
}

absl::StatusOr<DealerScope> DealerScopeFromProto(const std::string& field,
                                                 const v1::DealerScope& in) {
  DealerScope s;
  if (in.kind() < 0 || in.kind() > v1::DEALER_SCOPE_KIND_DEALER) {
    return Unknown(absl::StrCat(field, ".kind"));
  }
  s.kind = static_cast<DealerScopeKind>(static_cast<int>(in.kind()));
  if (in.channel_level() < 0 ||
      in.channel_level() > v1::PRICING_CHANNEL_LEVEL_KEY_ACCOUNT) {
    return Unknown(absl::StrCat(field, ".channel_level"));
  }
  s.channel_level = static_cast<ChannelLevel>(in.channel_level());
  s.code = in.code();
  return s;
}

absl::StatusOr<ProductScope> ProductScopeFromProto(const std::string& field,
                                                   const v1::ProductScope& in) {
  ProductScope s;
  if (in.kind() < 0 || in.kind() > v1::PRODUCT_SCOPE_KIND_SKU) {
    return Unknown(absl::StrCat(field, ".kind"));
  }
  s.kind = static_cast<ProductScopeKind>(static_cast<int>(in.kind()));
  s.code = CanonicalCode(in.code());
  return s;
}

absl::StatusOr<RuleRecord> RuleFromProto(const std::string& field,
                                         const v1::PriceRule& in) {
  RuleRecord record;
  PriceRule& r = record.rule;
  r.rule_id = in.rule_id();
  ASSIGN_OR_RETURN(r.type,
                   RuleTypeFromProto(absl::StrCat(field, ".type"), in.type()));
  r.state = RuleState::kDraft;
  ASSIGN_OR_RETURN(r.dealer_scope,
                   DealerScopeFromProto(absl::StrCat(field, ".dealer_scope"),
                                        in.dealer_scope()));
  ASSIGN_OR_RETURN(r.product_scope,
                   ProductScopeFromProto(absl::StrCat(field, ".product_scope"),
                                         in.product_scope()));
  ASSIGN_OR_RETURN(r.valid_from, ParseDay(absl::StrCat(field, ".valid_from"),
                                          in.valid_from()));
  if (!in.valid_until().empty()) {
    ASSIGN_OR_RETURN(
        r.valid_until,
        ParseDay(absl::StrCat(field, ".valid_until"), in.valid_until()));
  }
  r.priority = in.priority();
  r.basis_points = in.basis_points();
  const v1::QuantityParams& q = in.quantity();
  if (q.basis() < 0 || q.basis() > v1::QUANTITY_BASIS_ORDER_AMOUNT) {
    return Unknown(absl::StrCat(field, ".quantity.basis"));
  }
  r.quantity.basis = q.basis() == v1::QUANTITY_BASIS_ORDER_AMOUNT
                         ? QuantityBasis::kOrderAmount
                         : QuantityBasis::kLineQuantity;
  ASSIGN_OR_RETURN(
      r.quantity.tiers,
      TiersFromProto(absl::StrCat(field, ".quantity.tiers"), q.tiers()));
  const v1::CumulativeParams& c = in.cumulative();
  if (c.measure() < 0 || c.measure() > v1::VOLUME_MEASURE_AMOUNT) {
    return Unknown(absl::StrCat(field, ".cumulative.measure"));
  }
  r.cumulative.measure = c.measure() == v1::VOLUME_MEASURE_AMOUNT
                             ? VolumeMeasure::kAmount
                             : VolumeMeasure::kUnits;
  if (c.period() < 0 || c.period() > v1::VOLUME_PERIOD_YEAR) {
    return Unknown(absl::StrCat(field, ".cumulative.period"));
  }
  r.cumulative.period = c.period() == v1::VOLUME_PERIOD_UNSPECIFIED
                            ? VolumePeriod::kQuarter
                            : static_cast<VolumePeriod>(c.period());
  ASSIGN_OR_RETURN(
      r.cumulative.tiers,
      TiersFromProto(absl::StrCat(field, ".cumulative.tiers"), c.tiers()));
  r.bundle.trigger_sku = CanonicalCode(in.bundle().trigger_sku());
  r.bundle.trigger_quantity = in.bundle().trigger_quantity();
  r.bundle.discounted_quantity = in.bundle().discounted_quantity();
  r.bundle.basis_points = in.bundle().basis_points();
  r.ending.step = in.ending().step();
  r.ending.ending = in.ending().ending();
  const v1::FloorParams& f = in.floor();
  if (f.kind() < 0 || f.kind() > v1::FLOOR_KIND_MIN_MARGIN_OVER_COST) {
    return Unknown(absl::StrCat(field, ".floor.kind"));
  }
  r.floor.kind = f.kind() == v1::FLOOR_KIND_MIN_MARGIN_OVER_COST
                     ? FloorKind::kMinMarginOverCost
                     : FloorKind::kMinNetUnitPrice;
  ASSIGN_OR_RETURN(
      r.floor.min_net_unit_price,
      OptionalMoney(absl::StrCat(field, ".floor.min_net_unit_price"),
                    f.has_min_net_unit_price(), f.min_net_unit_price()));
  r.floor.min_margin_basis_points = f.min_margin_basis_points();
  if (f.action() < 0 || f.action() > v1::FLOOR_ACTION_REJECT) {
    return Unknown(absl::StrCat(field, ".floor.action"));
  }
  r.floor.action = f.action() == v1::FLOOR_ACTION_REJECT ? FloorAction::kReject
                                                         : FloorAction::kClamp;
  record.description = in.description();
  return record;
}

v1::PriceRule RuleToProto(const RuleRecord& record) {
  const PriceRule& r = record.rule;
  v1::PriceRule out;
  out.set_rule_id(r.rule_id);
  out.set_type(static_cast<v1::PriceRuleType>(static_cast<int>(r.type)));
  out.set_state(static_cast<v1::PriceRuleState>(static_cast<int>(r.state)));
  out.mutable_dealer_scope()->set_kind(
      static_cast<v1::DealerScopeKind>(static_cast<int>(r.dealer_scope.kind)));
  out.mutable_dealer_scope()->set_channel_level(
      static_cast<v1::PricingChannelLevel>(
          static_cast<int>(r.dealer_scope.channel_level)));
  out.mutable_dealer_scope()->set_code(r.dealer_scope.code);
  out.mutable_product_scope()->set_kind(static_cast<v1::ProductScopeKind>(
      static_cast<int>(r.product_scope.kind)));
  out.mutable_product_scope()->set_code(r.product_scope.code);
  out.set_valid_from(FormatDay(r.valid_from));
  if (r.valid_until.has_value()) out.set_valid_until(FormatDay(*r.valid_until));
  out.set_priority(r.priority);
  out.set_basis_points(r.basis_points);
  if (r.type == RuleType::kQuantity) {
    out.mutable_quantity()->set_basis(r.quantity.basis ==
                                              QuantityBasis::kOrderAmount
                                          ? v1::QUANTITY_BASIS_ORDER_AMOUNT
                                          : v1::QUANTITY_BASIS_UNSPECIFIED);
    TiersToProto(r.quantity.tiers, out.mutable_quantity()->mutable_tiers());
  }
  if (r.type == RuleType::kCumulativeVolume) {
    out.mutable_cumulative()->set_measure(r.cumulative.measure ==
                                                  VolumeMeasure::kAmount
                                              ? v1::VOLUME_MEASURE_AMOUNT
                                              : v1::VOLUME_MEASURE_UNSPECIFIED);
    out.mutable_cumulative()->set_period(
        static_cast<v1::VolumePeriod>(static_cast<int>(r.cumulative.period)));
    TiersToProto(r.cumulative.tiers, out.mutable_cumulative()->mutable_tiers());
  }
  if (r.type == RuleType::kBundle) {
    out.mutable_bundle()->set_trigger_sku(r.bundle.trigger_sku);
    out.mutable_bundle()->set_trigger_quantity(r.bundle.trigger_quantity);
    out.mutable_bundle()->set_discounted_quantity(r.bundle.discounted_quantity);
    out.mutable_bundle()->set_basis_points(r.bundle.basis_points);
  }
  if (r.type == RuleType::kPriceEnding) {
    out.mutable_ending()->set_step(r.ending.step);
    out.mutable_ending()->set_ending(r.ending.ending);
  }
  if (r.type == RuleType::kFloor) {
    v1::FloorParams* f = out.mutable_floor();
    f->set_kind(r.floor.kind == FloorKind::kMinMarginOverCost
                    ? v1::FLOOR_KIND_MIN_MARGIN_OVER_COST
                    : v1::FLOOR_KIND_UNSPECIFIED);
    if (!r.floor.min_net_unit_price.currency().empty()) {
      *f->mutable_min_net_unit_price() =
          MoneyToProto(r.floor.min_net_unit_price);
    }
    f->set_min_margin_basis_points(r.floor.min_margin_basis_points);
    f->set_action(r.floor.action == FloorAction::kReject
                      ? v1::FLOOR_ACTION_REJECT
                      : v1::FLOOR_ACTION_UNSPECIFIED);
  }
  out.set_description(record.description);
  out.set_version(record.version);
  out.set_etag(EtagOfVersion(record.version));
  out.set_created_by(record.created_by);
  *out.mutable_create_time() = TimeToProto(record.create_time);
  out.set_updated_by(record.updated_by);
  *out.mutable_update_time() = TimeToProto(record.update_time);
  out.set_published_by(record.published_by);
  if (record.publish_time) {
    *out.mutable_publish_time() = TimeToProto(*record.publish_time);
  }
  out.set_retired_by(record.retired_by);
  if (record.retire_time) {
    *out.mutable_retire_time() = TimeToProto(*record.retire_time);
  }
  out.set_retire_reason(record.retire_reason);
  return out;
}

v1::PriceRuleRevision RevisionToProto(const RuleRevision& revision) {
  v1::PriceRuleRevision out;
  out.set_version(revision.record.version);
  out.set_change(revision.change);
  out.set_changed_by(revision.record.updated_by);
  *out.mutable_change_time() = TimeToProto(revision.record.update_time);
  *out.mutable_rule() = RuleToProto(revision.record);
  return out;
}

const storage::ResponseCodec<RuleRecord>& RuleCodec() {
  static const auto* codec = new storage::ResponseCodec<RuleRecord>{
      [](const RuleRecord& r) { return RuleToProto(r).SerializeAsString(); },
      [](absl::string_view bytes) -> absl::StatusOr<RuleRecord> {
        v1::PriceRule p;
        if (!p.ParseFromString(std::string(bytes))) {
          return absl::DataLossError("stored price rule does not parse");
        }
        absl::StatusOr<RuleRecord> r = RuleFromProto("price_rule", p);
        if (!r.ok()) {
          return absl::DataLossError(
              absl::StrCat("stored price rule: ", r.status().message()));
        }
        r->rule.state = static_cast<RuleState>(static_cast<int>(p.state()));
        r->version = p.version();
        r->created_by = p.created_by();
        r->create_time = TimeFromProto(p.create_time());
        r->updated_by = p.updated_by();
        r->update_time = TimeFromProto(p.update_time());
        return r;
      }};
  return *codec;
}

v1::FreightAssignment AssignmentToProto(const FreightAssignment& a) {
  v1::FreightAssignment out;
  out.set_dealer_id(a.dealer_id);
  out.set_pricing_zone(a.pricing_zone);
  out.set_method(static_cast<v1::FreightMethod>(static_cast<int>(a.method)));
  out.set_origin_plant(a.origin_plant);
  out.set_base_city(a.base_city);
  out.set_updated_by(a.updated_by);
  *out.mutable_update_time() = TimeToProto(a.update_time);
  return out;
}

absl::StatusOr<FreightAssignment> AssignmentFromProto(
    const std::string& field, const v1::FreightAssignment& in) {
  FreightAssignment a;
  a.dealer_id = in.dealer_id();
  a.pricing_zone = in.pricing_zone();
  if (in.method() < v1::FREIGHT_METHOD_FOB_ORIGIN ||
      in.method() > v1::FREIGHT_METHOD_BASING_POINT) {
    return InvalidField(absl::StrCat(field, ".method"),
                        "is required: FOB_ORIGIN, UNIFORM_DELIVERED, ZONE or "
                        "BASING_POINT");
  }
  a.method = static_cast<FreightMethod>(static_cast<int>(in.method()));
  a.origin_plant = in.origin_plant();
  a.base_city = in.base_city();
  RETURN_IF_ERROR(CheckFreightAssignment(field, a));
  return a;
}

v1::FreightRate RateToProto(const StoredFreightRate& r) {
  v1::FreightRate out;
  out.set_origin(r.rate.origin);
  out.set_province(r.rate.province);
  out.set_city(r.rate.city);
  *out.mutable_per_order() = MoneyToProto(r.rate.per_order);
  *out.mutable_per_unit() = MoneyToProto(r.rate.per_unit);
  *out.mutable_per_kg() = MoneyToProto(r.rate.per_kg);
  out.set_updated_by(r.updated_by);
  *out.mutable_update_time() = TimeToProto(r.update_time);
  return out;
}

absl::StatusOr<FreightRate> RateFromProto(const std::string& field,
                                          const v1::FreightRate& in) {
  FreightRate r;
  r.origin = in.origin();
  r.province = in.province();
  r.city = in.city();
  ASSIGN_OR_RETURN(r.per_order,
                   OptionalMoney(absl::StrCat(field, ".per_order"),
                                 in.has_per_order(), in.per_order()));
  ASSIGN_OR_RETURN(r.per_unit, OptionalMoney(absl::StrCat(field, ".per_unit"),
                                             in.has_per_unit(), in.per_unit()));
  ASSIGN_OR_RETURN(r.per_kg, OptionalMoney(absl::StrCat(field, ".per_kg"),
                                           in.has_per_kg(), in.per_kg()));
  RETURN_IF_ERROR(CheckFreightRate(field, r));
  return r;
}

v1::ZoneAdjustment ZoneToProto(const StoredZoneAdjustment& z) {
  v1::ZoneAdjustment out;
  out.set_zone(z.adjustment.zone);
  *out.mutable_amount() = MoneyToProto(z.adjustment.amount);
  out.set_basis_points(z.adjustment.basis_points);
  out.set_updated_by(z.updated_by);
  *out.mutable_update_time() = TimeToProto(z.update_time);
  return out;
}

absl::StatusOr<ZoneAdjustment> ZoneFromProto(const std::string& field,
                                             const v1::ZoneAdjustment& in) {
  ZoneAdjustment z;
  z.zone = in.zone();
  ASSIGN_OR_RETURN(z.amount, OptionalMoney(absl::StrCat(field, ".amount"),
                                           in.has_amount(), in.amount()));
  z.basis_points = in.basis_points();
  RETURN_IF_ERROR(CheckZoneAdjustment(field, z));
  return z;
}

}  // namespace qudao::pricing
