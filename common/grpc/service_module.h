// The unit a qudao service is packaged as: a gRPC service with its own
// store and health probe. A production binary hosts one module; `qudao dev`
// hosts all of them in one process. Same objects, different wiring.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/auth/tokens.h"
#include "common/cache/cache.h"
#include "common/calendar/calendar.h"
#include "common/clock/clock.h"
#include "common/concurrency/worker_pool.h"
#include "common/events/event_bus.h"
#include "common/metrics/metrics.h"
#include "common/storage/database.h"

namespace qudao {

// What the host provides to every module it builds.
struct ModuleEnvironment {
  // The module's own database: sqlite://... or postgresql://...
  std::string database_url;
  // Pool size and timeouts of that database.
  storage::DatabaseOptions database_options;
  const Clock* clock = &Clock::Real();
  WorkerPool* workers = nullptr;
  metrics::Registry* metrics = nullptr;
  // The shared tier of hot-data caches (Redis, shared by every replica and
  // service); null: each module caches in its own process only.
  std::shared_ptr<Cache> cache;
  // Entries of each in-process near-cache in front of it; 0: none.
  size_t near_cache_entries = 10000;
  // Where committed changes are published: Redis across processes, or an
  // in-process bus shared by the modules of one process (`qudao dev`);
  // null: no bus reaches other processes (a module publishes its own feed
  // in-process, and followers of other services' feeds poll them).
  std::shared_ptr<events::EventBus> events;
  // Whether this process publishes its modules' outboxes (turned off for
  // maintenance; another replica, or the next start, publishes them).
  bool publish_outbox = true;
  // The gRPC target of another service by its short name
  // ("customer_records"), read when a call is made: qudao dev knows its
  // own port only once it serves. Unset: calls fail UNAVAILABLE.
  std::function<std::string(const std::string& service)> target_of;
  // Business dates (company time zone) for rules and job periods.
  const BusinessCalendar* calendar = &BusinessCalendar::Default();
  // Verifies the bearer tokens of every call. Required.
  const auth::TokenVerifier* verifier = nullptr;
  // The token of the service's own account, for calls it makes for no
  // person (its jobs). Null: such calls carry no credentials.
  std::shared_ptr<auth::TokenSource> service_token;
};

class ServiceModule {
 public:
  virtual ~ServiceModule() = default;
  // Short name: customer_records, pricing, credit_control, dealer_support.
  virtual std::string name() const = 0;
  // The gRPC services the module serves (several, as a module grows:
  // pricing serves prices, quotes and orders).
  virtual std::vector<grpc::Service*> services() = 0;
  // The fully-qualified proto service names, for grpc.health.v1; each
  // reports the module's health.
  virtual std::vector<std::string> health_service_names() const = 0;
  // OK when the module can serve (its database answers).
  virtual absl::Status CheckHealth() = 0;
  // Runs the module's periodic jobs whose period is due, each under a lease
  // so one replica runs it per period; called by the host from its
  // background thread every HostOptions::job_interval.
  virtual void RunDueJobs() {}
};

using ModuleFactory =
    std::function<absl::StatusOr<std::unique_ptr<ServiceModule>>(
        const ModuleEnvironment&)>;

}  // namespace qudao
