// The shape every qudao service module shares: open the service's own
// database, apply its migrations, build the store and the gRPC service, and
// report health from a database ping. A service supplies the three pieces
// that differ.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/grpc/service_module.h"
#include "common/storage/database.h"
#include "common/storage/migrations.h"

namespace qudao {

// Opens `env.database_url` and brings its schema up to date.
absl::StatusOr<std::unique_ptr<storage::Database>> OpenServiceDatabase(
    const ModuleEnvironment& env, const std::string& service_name,
    const std::vector<storage::Migration>& migrations);

// Deletes idempotency records past their retention; logs the outcome.
void PurgeExpiredRecords(storage::Database& db, const std::string& service);

// A module owning a database, a store built on it and a service using the
// store.
template <typename Store, typename Service>
class StandardModule : public ServiceModule {
 public:
  StandardModule(std::string name, std::string health_name,
                 std::unique_ptr<storage::Database> db,
                 std::unique_ptr<Store> store, std::unique_ptr<Service> service)
      : name_(std::move(name)),
        health_name_(std::move(health_name)),
        db_(std::move(db)),
        store_(std::move(store)),
        service_(std::move(service)) {}

  std::string name() const override { return name_; }
  std::string health_service_name() const override { return health_name_; }
  grpc::Service* service() override { return service_.get(); }
  absl::Status CheckHealth() override {
    absl::Status s = db_->Ping();
    // A pool with no free connection is busy, not down: reporting
    // NOT_SERVING would move this replica's load onto the others and
    // cascade.
    if (absl::IsResourceExhausted(s)) return absl::OkStatus();
    return s;
  }
  void RunMaintenance() override { PurgeExpiredRecords(*db_, name_); }
  Store* store() { return store_.get(); }

 private:
  const std::string name_;
  const std::string health_name_;
  // Destroyed in reverse: service, store, then database.
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Service> service_;
};

}  // namespace qudao
