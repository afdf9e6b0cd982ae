// The real customer records module, in-process on SQLite, for the tests of
// services that call it (their dealers must exist): no mocks of the callee.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/testing/service_fixture.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"

namespace qudao::customer {

class CustomerRecordsForTest {
 public:
  static absl::StatusOr<std::unique_ptr<CustomerRecordsForTest>> Start();

  // "127.0.0.1:<port>", for ModuleEnvironment::target_of.
  std::string target() const;

  // Creates an active dealer (with a unified social credit code of its
  // own) and returns its id.
  absl::StatusOr<std::string> CreateDealer(
      const std::string& name,
      v1::ChannelLevel level = v1::CHANNEL_LEVEL_DISTRIBUTOR,
      const std::string& parent = "");
  absl::Status SetStatus(const std::string& dealer_id, v1::DealerStatus status);
  // Bills `dealer_id` through `payer` (an active dealer upstream of it).
  absl::Status SetPayer(const std::string& dealer_id, const std::string& payer);

  // Stops serving: calls to it fail UNAVAILABLE from then on.
  void Stop() { fixture_.reset(); }

 private:
  std::unique_ptr<testing::ServiceFixture> fixture_;
  std::unique_ptr<v1::CustomerRecordsService::Stub> stub_;
  int port_ = 0;
};

}  // namespace qudao::customer
