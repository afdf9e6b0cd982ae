// The real credit control module, in-process on SQLite, for the tests of
// services that call it (the order flow reserves and invoices against it):
// no mocks of the callee. It asks `customer_records_target` for dealer
// facts, so start customer::CustomerRecordsForTest first.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/testing/service_fixture.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "services/credit_control/client/credit_control_client.h"

namespace qudao::credit {

class CreditControlForTest {
 public:
  static absl::StatusOr<std::unique_ptr<CreditControlForTest>> Start(
      const std::string& customer_records_target,
      const Clock* clock = &Clock::Real());

  // "127.0.0.1:<port>", for ModuleEnvironment::target_of.
  std::string target() const;

  // Sets a payer's credit limit (as a credit manager).
  absl::Status SetCreditLimit(const std::string& dealer_id, int64_t limit_minor,
                              const std::string& currency = "CNY");
  // Releases a held reservation (as a credit controller would, after a
  // review), with `request_id` as its idempotency key.
  absl::Status ReleaseReservation(const std::string& reservation_id,
                                  const std::string& reason,
                                  const std::string& request_id);
  // The typed client a calling service uses, as `service_account` (its
  // own token), aimed at this credit control.
  std::unique_ptr<CreditControlClient> ClientAs(
      const std::string& service_account) const;
  // A stub with every staff role, for what a test checks directly.
  v1::CreditControlService::Stub& stub() { return *stub_; }

  // Stops serving: calls to it fail UNAVAILABLE from then on.
  void Stop() { fixture_.reset(); }

 private:
  std::unique_ptr<testing::ServiceFixture> fixture_;
  std::unique_ptr<v1::CreditControlService::Stub> stub_;
  int port_ = 0;
};

}  // namespace qudao::credit
