// gRPC adapter of credit control: validates requests, converts between
// proto and domain types, calls the rules and the store, maps errors.
#pragma once

#include "common/clock/clock.h"
#include "common/concurrency/worker_pool.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "services/credit_control/credit_store.h"

namespace qudao::credit {

namespace pb = ::qudao::credit::v1;

class CreditControlService final
    : public pb::CreditControlService::CallbackService {
 public:
  CreditControlService(CreditStore* store, WorkerPool* workers,
                       const Clock* clock)
      : store_(store), workers_(workers), clock_(clock) {}

  grpc::ServerUnaryReactor* SetCreditLimit(
      grpc::CallbackServerContext* context,
      const pb::SetCreditLimitRequest* request,
      pb::CreditPosition* response) override;
  grpc::ServerUnaryReactor* GetCreditPosition(
      grpc::CallbackServerContext* context,
      const pb::GetCreditPositionRequest* request,
      pb::CreditPosition* response) override;

 private:
  CreditStore* store_;
  WorkerPool* workers_;
  const Clock* clock_;
};

// Domain -> proto, exposed for tests and other adapters.
pb::CreditPosition CreditPositionToProto(const CreditPosition& position);

}  // namespace qudao::credit
