// Periodic work that runs once per period whatever the number of replicas:
// ABC classification, monthly reviews, follow-up generation, reconcilers,
// housekeeping. A lease row per (job, period) in the owner's database is
// taken with a conditional statement and expires, so a replica that dies
// mid-run is taken over after the lease; a finished period is not run
// again. A run may still be repeated (a lease taken over from a slow
// holder), so every job must be safe to repeat.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"
#include "common/storage/database.h"

namespace qudao::storage {

// One periodic job.
struct JobSpec {
  // Stable name, e.g. "idempotency_purge".
  std::string name;
  // The period an instant belongs to, as a stable key (see
  // BusinessCalendar::Key): the job runs once per key.
  std::function<std::string(absl::Time now)> period;
  // How long a holder may run before another replica may take over.
  absl::Duration lease = absl::Minutes(10);
  // The work; receives the period key. Must be safe to repeat.
  std::function<absl::Status(const std::string& period)> run;
};

enum class JobOutcome {
  kRan,            // this holder ran the period (and finished it)
  kHeldElsewhere,  // another holder's unexpired lease
  kAlreadyDone,    // the period was finished before
};

class LeasedJobs {
 public:
  // `holder` names this replica (host, pid) in the lease rows.
  LeasedJobs(Database* db, std::string holder, const Clock* clock)
      : db_(db), holder_(std::move(holder)), clock_(clock) {}

  // Takes the lease of the job's current period if it is free, expired or
  // never taken, runs the job and marks the period finished. A failed run
  // releases the lease so the next attempt need not wait for it to expire.
  absl::StatusOr<JobOutcome> RunIfDue(const JobSpec& job);

  // The lease of (job, period), taken by this holder: true if taken.
  absl::StatusOr<bool> TryTake(const std::string& job,
                               const std::string& period, absl::Duration lease);
  // For a standing role rather than a periodic run (a relay's leadership):
  // takes (job, period) if free or expired, or extends it if this holder
  // has it. True if this holder holds it afterwards.
  absl::StatusOr<bool> TakeOrRenew(const std::string& job,
                                   const std::string& period,
                                   absl::Duration lease);
  // Marks (job, period) finished if this holder still holds it.
  absl::Status Finish(const std::string& job, const std::string& period);
  // Gives (job, period) back (expires it now) if this holder holds it.
  absl::Status Release(const std::string& job, const std::string& period);

  // A holder name unique to this process: host, pid and a random suffix.
  static std::string ProcessHolder();

 private:
  absl::StatusOr<JobOutcome> Outcome(const std::string& job,
                                     const std::string& period);

  Database* db_;
  const std::string holder_;
  const Clock* clock_;
};

}  // namespace qudao::storage
