// CustomerRecordsClient; see customer_records_client.h.
#include "services/customer_records/client/customer_records_client.h"

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "services/customer_records/client/cached_dealer_directory.h"

namespace qudao::customer {

CustomerRecordsClient::CustomerRecordsClient(
    std::function<std::string()> target, ServiceClientOptions options,
    metrics::Registry* registry, const Clock* clock)
    : client_("customer_records", std::move(target), options, registry, clock) {
}

absl::StatusOr<v1::Dealer> CustomerRecordsClient::GetDealer(
    const CallContext& call, const std::string& dealer_id) {
  auto stub = client_.Stub<v1::CustomerRecordsService>();
  v1::GetDealerRequest req;
  req.set_dealer_id(dealer_id);
  v1::Dealer out;
  absl::Status s = client_.Call(call, Idempotency::kIdempotent,
                                [&](grpc::ClientContext& ctx) {
                                  return stub->GetDealer(&ctx, req, &out);
                                });
  if (absl::IsNotFound(s)) {
    return WithReason(std::move(s), kReasonDealerNotFound);
  }
  RETURN_IF_ERROR(s);
  return out;
}

absl::StatusOr<type::v1::ListChangesResponse>
CustomerRecordsClient::ListChanges(
    const CallContext& call, const type::v1::ListChangesRequest& request) {
  auto stub = client_.Stub<v1::CustomerRecordsService>();
  type::v1::ListChangesResponse out;
  RETURN_IF_ERROR(client_.Call(call, Idempotency::kIdempotent,
                               [&](grpc::ClientContext& ctx) {
                                 return stub->ListChanges(&ctx, request, &out);
                               }));
  return out;
}

absl::StatusOr<DealerFacts> CustomerRecordsClient::Get(
    const CallContext& call, const std::string& dealer_id) {
  ASSIGN_OR_RETURN(v1::Dealer dealer, GetDealer(call, dealer_id));
  return FactsOf(dealer);
}

DealerFacts FactsOf(const v1::Dealer& d) {
  DealerFacts f;
  f.dealer_id = d.dealer_id();
  f.legal_name = d.legal_name();
  f.status = static_cast<DealerStanding>(d.status());
  f.channel_level = d.channel_level();
  f.parent_dealer_id = d.parent_dealer_id();
  f.owner = d.owner();
  f.province = d.region().province();
  f.city = d.region().city();
  f.sales_territory = d.region().sales_territory();
  // One form for "pays for itself": customer records keeps the dealer's
  // own id when it was sent that way.
  if (d.payer_dealer_id() != d.dealer_id()) {
    f.payer_dealer_id = d.payer_dealer_id();
  }
  f.pricing_zone = d.pricing_zone();
  switch (d.abc_class()) {
    case v1::ABC_CLASS_A:
      f.abc_class = "A";
      break;
    case v1::ABC_CLASS_B:
      f.abc_class = "B";
      break;
    case v1::ABC_CLASS_C:
      f.abc_class = "C";
      break;
    default:
      break;
  }
  f.value_tier = d.value_tier();
  f.revision = RevisionOf(d);
  return f;
}

}  // namespace qudao::customer
