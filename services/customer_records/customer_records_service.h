// gRPC adapter of customer records: converts proto ⇄ domain, validates the
// request's shape, calls one dealer operation and maps its status. Nothing
// else lives here.
#pragma once

#include "common/grpc/unary.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "services/customer_records/dealer_operations.h"

namespace qudao::customer {

namespace pb = ::qudao::customer::v1;

// Who may call what (docs/security.md prints it).
const auth::PermissionTable& CustomerRecordsPermissions();

class CustomerRecordsService final
    : public ServedService<pb::CustomerRecordsService> {
 public:
  // `feed` is the database whose outbox ListChanges reads; `serving` is
  // made with CustomerRecordsPermissions().
  CustomerRecordsService(DealerOperations* dealers, storage::Database* feed,
                         Serving serving);

 private:
  absl::Status HandleCreateDealer(const Call& call,
                                  const pb::CreateDealerRequest& request,
                                  pb::Dealer* response);
  absl::Status HandleGetDealer(const Call& call,
                               const pb::GetDealerRequest& request,
                               pb::Dealer* response);
  absl::Status HandleListDealers(const Call& call,
                                 const pb::ListDealersRequest& request,
                                 pb::ListDealersResponse* response);
  absl::Status HandleUpdateDealer(const Call& call,
                                  const pb::UpdateDealerRequest& request,
                                  pb::Dealer* response);
  absl::Status HandleListChanges(const Call& call,
                                 const type::v1::ListChangesRequest& request,
                                 type::v1::ListChangesResponse* response);

  DealerOperations* dealers_;
  storage::Database* feed_;
};

}  // namespace qudao::customer
