// The typed client of customer records that other services use: every call
// gets its deadline from the caller, reads are retried on UNAVAILABLE, and
// a circuit breaker stops calling a failing customer records for a moment.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/grpc/client.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "services/customer_records/client/dealer_directory.h"

namespace qudao::customer {

class CustomerRecordsClient : public DealerDirectory {
 public:
  explicit CustomerRecordsClient(std::function<std::string()> target,
                                 ServiceClientOptions options = {},
                                 metrics::Registry* registry = nullptr,
                                 const Clock* clock = &Clock::Real());

  absl::StatusOr<v1::Dealer> GetDealer(const CallContext& call,
                                       const std::string& dealer_id);
  absl::StatusOr<type::v1::ListChangesResponse> ListChanges(
      const CallContext& call, const type::v1::ListChangesRequest& request);

  // DealerDirectory: GetDealer as facts, uncached (see DealerDirectory
  // implementations with a cache for the hot path).
  absl::StatusOr<DealerFacts> Get(const CallContext& call,
                                  const std::string& dealer_id) override;

  ServiceClient& client() { return client_; }

 private:
  ServiceClient client_;
};

// The facts of a dealer record.
DealerFacts FactsOf(const v1::Dealer& dealer);

}  // namespace qudao::customer
