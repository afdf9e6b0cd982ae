// Module; see module.h.
#include "common/grpc/module.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log/log.h"
#include "common/storage/idempotency.h"
#include "common/storage/outbox.h"

namespace qudao {

absl::StatusOr<std::unique_ptr<storage::Database>> OpenServiceDatabase(
    const ModuleEnvironment& env, const std::string& service_name,
    const std::vector<storage::Migration>& migrations) {
  if (env.verifier == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        service_name,
        ": no token verifier; every call must be authenticated (configure "
        "--jwks_file and --token_issuer)"));
  }
  auto db = storage::OpenDatabase(env.database_url, env.database_options);
  if (!db.ok()) return db.status();
  if (absl::Status s = storage::ApplyMigrations(**db, service_name, migrations);
      !s.ok()) {
    return absl::Status(s.code(), absl::StrCat("migrating ", service_name,
                                               " schema: ", s.message()));
  }
  log::Info("database ready",
            {{"service", service_name}, {"database", (*db)->Describe()}});
  return db;
}

ServiceClientOptions ClientOptionsFor(const ModuleEnvironment& env) {
  ServiceClientOptions options;
  options.own_token = env.service_token;
  return options;
}

Module::Module(std::string name, std::unique_ptr<storage::Database> db,
               const ModuleEnvironment& env)
    : name_(std::move(name)),
      db_(std::move(db)),
      workers_(env.workers),
      verifier_(env.verifier),
      clock_(env.clock),
      leases_(db_.get(), storage::LeasedJobs::ProcessHolder(), env.clock) {
  const BusinessCalendar* calendar = env.calendar;
  const Clock* clock = env.clock;
  storage::Database* db_ptr = db_.get();
  AddJob({"idempotency_purge",
          [calendar](absl::Time now) {
            return BusinessCalendar::Key(calendar->HourOf(now));
          },
          absl::Minutes(10),
          [this, db_ptr, clock](const std::string&) {
            auto purged = storage::PurgeIdempotencyRecords(
                *db_ptr, clock->Now() - storage::kIdempotencyRetention);
            if (!purged.ok()) return purged.status();
            if (*purged > 0) {
              log::Info("idempotency records purged",
                        {{"service", name_}, {"count", *purged}});
            }
            return absl::OkStatus();
          }});
}

Module::~Module() {
  if (relay_ != nullptr) relay_->Stop();
  if (events_ != nullptr) events_->Stop();
  while (!parts_.empty()) parts_.pop_back();
}

events::EventBus* Module::FollowingBus(const ModuleEnvironment& env) {
  if (events_ == nullptr) events_ = env.events;
  return env.events.get();
}

events::EventBus* Module::PublishChangeFeed(const ModuleEnvironment& env,
                                            const std::string& source) {
  if (events_ == nullptr) {
    events_ =
        env.events != nullptr
            ? env.events
            : std::shared_ptr<events::EventBus>(events::NewInProcessEventBus());
  }
  if (env.publish_outbox) {
    relay_ = std::make_unique<events::OutboxRelay>(
        db_.get(), events_.get(), env.clock,
        events::OutboxRelay::Options{source});
    relay_->Start();
  }
  const BusinessCalendar* calendar = env.calendar;
  const Clock* clock = env.clock;
  storage::Database* db = db_.get();
  AddJob({"outbox_purge",
          [calendar](absl::Time now) {
            return BusinessCalendar::Key(calendar->DayOf(now));
          },
          absl::Minutes(30),
          [db, clock](const std::string&) {
            return storage::PurgeOutbox(
                       *db, clock->Now() - storage::kOutboxRetention)
                .status();
          }});
  return events_.get();
}

Serving Module::ServingFor(const auth::PermissionTable& permissions) const {
  Serving serving;
  serving.workers = workers_;
  serving.verifier = verifier_;
  serving.permissions = &permissions;
  serving.database = db_.get();
  serving.clock = clock_;
  return serving;
}

absl::Status Module::CheckHealth() {
  absl::Status s = db_->Ping();
  // A pool with no free connection is busy, not down: reporting NOT_SERVING
  // would move this replica's load onto the others and cascade.
  if (absl::IsResourceExhausted(s)) return absl::OkStatus();
  return s;
}

void Module::RunDueJobs() {
  for (const storage::JobSpec& job : jobs_) {
    auto outcome = leases_.RunIfDue(job);
    if (!outcome.ok()) {
      log::Warning("job failed", {{"service", name_},
                                  {"job", job.name},
                                  {"error", outcome.status().ToString()}});
    } else if (*outcome == storage::JobOutcome::kRan) {
      log::Debug("job ran", {{"service", name_}, {"job", job.name}});
    }
  }
}

}  // namespace qudao
