// Credit proto conversion; see credit_proto.h.
#include "services/credit_control/credit_proto.h"

#include "absl/strings/str_cat.h"
#include "common/proto/conversion.h"

namespace qudao::credit {

v1::CreditPosition CreditPositionToProto(const CreditPosition& p) {
  v1::CreditPosition out;
  out.set_dealer_id(p.dealer_id);
  *out.mutable_credit_limit() = MoneyToProto(p.credit_limit);
  *out.mutable_open_receivables() = MoneyToProto(p.open_receivables);
  *out.mutable_approved_uninvoiced() = MoneyToProto(p.approved_uninvoiced);
  *out.mutable_exposure() = MoneyToProto(p.exposure);
  *out.mutable_available_credit() = MoneyToProto(p.available_credit);
  *out.mutable_limit_update_time() = TimeToProto(p.limit_update_time);
  out.set_limit_revision(p.limit_revision);
  return out;
}

const storage::ResponseCodec<CreditPosition>& CreditPositionCodec() {
  static const auto* codec = new storage::ResponseCodec<CreditPosition>{
      [](const CreditPosition& p) {
        return CanonicalBytes(CreditPositionToProto(p));
      },
      [](absl::string_view bytes) -> absl::StatusOr<CreditPosition> {
        v1::CreditPosition proto;
        if (!proto.ParseFromArray(bytes.data(),
                                  static_cast<int>(bytes.size()))) {
          return absl::DataLossError("stored credit position does not parse");
        }
        CreditPosition p;
        p.dealer_id = proto.dealer_id();
        for (auto [field, in, out] :
             {std::tuple{"credit_limit", &proto.credit_limit(),
                         &p.credit_limit},
              std::tuple{"open_receivables", &proto.open_receivables(),
                         &p.open_receivables},
              std::tuple{"approved_uninvoiced", &proto.approved_uninvoiced(),
                         &p.approved_uninvoiced},
              std::tuple{"exposure", &proto.exposure(), &p.exposure},
              std::tuple{"available_credit", &proto.available_credit(),
                         &p.available_credit}}) {
          auto money = MoneyFromProto(field, *in);
          if (!money.ok()) {
            return absl::DataLossError(absl::StrCat("stored credit position: ",
                                                    money.status().message()));
          }
          *out = *money;
        }
        p.limit_revision = proto.limit_revision();
        p.limit_update_time = TimeFromProto(proto.limit_update_time());
        return p;
      }};
  return *codec;
}

}  // namespace qudao::credit
