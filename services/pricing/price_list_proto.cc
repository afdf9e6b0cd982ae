// Price list proto conversion; see price_list_proto.h.
#include "services/pricing/price_list_proto.h"

#include "absl/strings/str_cat.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"

namespace qudao::pricing {
namespace {

// A field of a stored response that no longer reads is lost data, not bad
// input.
absl::Status Lost(absl::string_view what, const absl::Status& s) {
  return absl::DataLossError(absl::StrCat("stored ", what, ": ", s.message()));
}

}  // namespace

v1::PriceListVersion PriceListVersionToProto(const PriceListVersion& v) {
  v1::PriceListVersion out;
  PriceListVersionToProto(v, &out);
  return out;
}

void PriceListVersionToProto(const PriceListVersion& v,
                             v1::PriceListVersion* version) {
  v1::PriceListVersion& out = *version;
  out.set_currency_code(v.currency);
  out.set_version(v.version);
  out.set_valid_from(FormatDay(v.valid_from));
  if (v.valid_until.has_value()) out.set_valid_until(FormatDay(*v.valid_until));
  out.set_note(v.note);
  out.set_published_by(v.published_by);
  *out.mutable_publish_time() = TimeToProto(v.publish_time);
  out.set_entry_count(static_cast<int32_t>(v.entry_count));
  for (const PriceListEntry& e : v.entries) {
    v1::PriceListEntry* p = out.add_entries();
    p->set_sku(e.sku);
    if (e.withdrawn) {
      p->set_withdrawn(true);
    } else {
      MoneyToProto(e.list_price, p->mutable_list_price());
    }
  }
}

v1::Price PriceToProto(const ListPrice& price, absl::CivilDay day) {
  v1::Price out;
  out.set_sku(price.sku);
  out.set_day(FormatDay(day));
  *out.mutable_list_price() = MoneyToProto(price.list_price);
  out.set_price_list_version(price.version);
  out.set_valid_from(FormatDay(price.valid_from));
  if (price.valid_until.has_value()) {
    out.set_valid_until(FormatDay(*price.valid_until));
  }
  return out;
}

v1::StandardCost StandardCostToProto(const StandardCost& c) {
  v1::StandardCost out;
  out.set_sku(c.sku);
  out.set_version(c.version);
  *out.mutable_cost() = MoneyToProto(c.cost);
  out.set_effective_from(FormatDay(c.effective_from));
  out.set_note(c.note);
  out.set_set_by(c.set_by);
  *out.mutable_set_time() = TimeToProto(c.set_time);
  return out;
}

const storage::ResponseCodec<PriceListVersion>& PriceListVersionCodec() {
  static const auto* codec = new storage::ResponseCodec<PriceListVersion>{
      [](const PriceListVersion& v) {
        return CanonicalBytes(PriceListVersionToProto(v));
      },
      [](absl::string_view bytes) -> absl::StatusOr<PriceListVersion> {
        v1::PriceListVersion p;
        if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
          return absl::DataLossError(
              "stored price list version does not parse");
        }
        PriceListVersion v;
        v.currency = p.currency_code();
        v.version = p.version();
        auto from = ParseDay("valid_from", p.valid_from());
        if (!from.ok()) return Lost("price list version", from.status());
        v.valid_from = *from;
        if (!p.valid_until().empty()) {
          auto until = ParseDay("valid_until", p.valid_until());
          if (!until.ok()) return Lost("price list version", until.status());
          v.valid_until = *until;
        }
        v.note = p.note();
        v.published_by = p.published_by();
        v.publish_time = TimeFromProto(p.publish_time());
        v.entry_count = p.entry_count();
        for (const v1::PriceListEntry& e : p.entries()) {
          if (e.withdrawn()) {
            auto none = Money::Create(v.currency, 0);
            if (!none.ok()) return Lost("price list version", none.status());
            v.entries.push_back({e.sku(), *none, true});
            continue;
          }
          auto price = MoneyFromProto("list_price", e.list_price());
          if (!price.ok()) return Lost("price list version", price.status());
          v.entries.push_back({e.sku(), *price});
        }
        return v;
      }};
  return *codec;
}

const storage::ResponseCodec<StandardCost>& StandardCostCodec() {
  static const auto* codec = new storage::ResponseCodec<StandardCost>{
      [](const StandardCost& c) {
        return CanonicalBytes(StandardCostToProto(c));
      },
      [](absl::string_view bytes) -> absl::StatusOr<StandardCost> {
        v1::StandardCost p;
        if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
          return absl::DataLossError("stored standard cost does not parse");
        }
        StandardCost c;
        c.sku = p.sku();
        c.version = p.version();
        auto cost = MoneyFromProto("cost", p.cost());
        if (!cost.ok()) return Lost("standard cost", cost.status());
        c.cost = *cost;
        auto from = ParseDay("effective_from", p.effective_from());
        if (!from.ok()) return Lost("standard cost", from.status());
        c.effective_from = *from;
        c.note = p.note();
        c.set_by = p.set_by();
        c.set_time = TimeFromProto(p.set_time());
        return c;
      }};
  return *codec;
}

}  // namespace qudao::pricing
