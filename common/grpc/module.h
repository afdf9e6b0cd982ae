// The shape every qudao service module shares: it owns its database (its
// schema migrated at start-up), the stores and operations built on it, and
// the gRPC services that adapt them; health is a database ping. A service's
// factory opens the database, builds its parts and hands them to the
// module, which keeps them alive in the right order.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/auth/permissions.h"
#include "common/events/change_feed.h"
#include "common/grpc/client.h"
#include "common/grpc/service_module.h"
#include "common/grpc/unary.h"
#include "common/storage/database.h"
#include "common/storage/leased_jobs.h"
#include "common/storage/migrations.h"

namespace qudao {

// Opens `env.database_url` and brings the schema of `service_name` up to
// date.
absl::StatusOr<std::unique_ptr<storage::Database>> OpenServiceDatabase(
    const ModuleEnvironment& env, const std::string& service_name,
    const std::vector<storage::Migration>& migrations);

// Options of a module's clients of other services: defaults, and the
// module's own account for calls it makes for no person.
ServiceClientOptions ClientOptionsFor(const ModuleEnvironment& env);

class Module final : public ServiceModule {
 public:
  // Every module runs the idempotency purge (hourly) as a leased job.
  Module(std::string name, std::unique_ptr<storage::Database> db,
         const ModuleEnvironment& env);
  // Parts are destroyed in reverse order of Own/Serve (services first),
  // the database last.
  ~Module() override;

  storage::Database* database() const { return db_.get(); }

  // What the module's served services share: its workers, the token
  // verifier, `permissions` (the service's table) and its database for the
  // audit trail.
  Serving ServingFor(const auth::PermissionTable& permissions) const;

  // Keeps `part` (a store, operations, a cache...) alive as long as the
  // module and returns it.
  template <typename T>
  T* Own(std::unique_ptr<T> part) {
    T* raw = part.get();
    parts_.push_back(std::shared_ptr<void>(std::move(part)));
    return raw;
  }

  // Serves `service`, reported to grpc.health.v1 as `full_name`.
  template <typename S>
  S* Serve(std::unique_ptr<S> service, std::string full_name) {
    S* raw = Own(std::move(service));
    services_.push_back(raw);
    health_names_.push_back(std::move(full_name));
    return raw;
  }

  // Publishes the module's outbox as the change feed `source` on the
  // environment's event bus (one replica at a time; see OutboxRelay), and
  // purges events every follower has passed after kOutboxRetention.
  // Returns the bus the module's own subscribers use.
  events::EventBus* PublishChangeFeed(const ModuleEnvironment& env,
                                      const std::string& source);

  // The bus on which the module follows other services' feeds:
  // `env.events` (null when none reaches other processes). The module
  // stops it before its parts go, so no handler outlives its owner.
  events::EventBus* FollowingBus(const ModuleEnvironment& env);

  // Runs `job` once per period across all replicas (see LeasedJobs).
  void AddJob(storage::JobSpec job) { jobs_.push_back(std::move(job)); }

  std::string name() const override { return name_; }
  std::vector<grpc::Service*> services() override { return services_; }
  std::vector<std::string> health_service_names() const override {
    return health_names_;
  }
  absl::Status CheckHealth() override;
  void RunDueJobs() override;

 private:
  const std::string name_;
  std::unique_ptr<storage::Database> db_;
  WorkerPool* workers_;
  const auth::TokenVerifier* verifier_;
  const Clock* clock_;
  storage::LeasedJobs leases_;
  std::vector<storage::JobSpec> jobs_;
  std::vector<std::shared_ptr<void>> parts_;
  std::shared_ptr<events::EventBus> events_;
  std::unique_ptr<events::OutboxRelay> relay_;
  std::vector<grpc::Service*> services_;
  std::vector<std::string> health_names_;
};

}  // namespace qudao
