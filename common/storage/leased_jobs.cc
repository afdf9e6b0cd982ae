// LeasedJobs; see leased_jobs.h. The lease table is one of the platform
// tables every service database has (migrations.cc).
#include "common/storage/leased_jobs.h"

#include <unistd.h>

#include <random>

#include "absl/strings/str_format.h"
#include "common/status/macros.h"

namespace qudao::storage {

std::string LeasedJobs::ProcessHolder() {
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  std::random_device rd;
  return absl::StrFormat("%s/%d/%08x", host, getpid(), rd());
}

absl::StatusOr<bool> LeasedJobs::TryTake(const std::string& job,
                                         const std::string& period,
                                         absl::Duration lease) {
  const int64_t now = ToStoredTime(clock_->Now());
  const int64_t expires = ToStoredTime(clock_->Now() + lease);
  bool taken = false;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        // First taker of the period.
        ASSIGN_OR_RETURN(
            int64_t inserted,
            tx.Execute("INSERT INTO job_leases (job, period, holder, "
                       "expires_at, finished_at, attempts) VALUES ($1, $2, "
                       "$3, $4, NULL, 1) ON CONFLICT (job, period) DO NOTHING",
                       {job, period, holder_, expires}));
        if (inserted == 1) {
          taken = true;
          return absl::OkStatus();
        }
        // Or the taker of an unfinished lease that has expired.
        ASSIGN_OR_RETURN(
            int64_t updated,
            tx.Execute("UPDATE job_leases SET holder = $3, expires_at = $4, "
                       "attempts = attempts + 1 WHERE job = $1 AND period = "
                       "$2 AND finished_at IS NULL AND expires_at <= $5",
                       {job, period, holder_, expires, now}));
        taken = updated == 1;
        return absl::OkStatus();
      }));
  return taken;
}

absl::StatusOr<bool> LeasedJobs::TakeOrRenew(const std::string& job,
                                             const std::string& period,
                                             absl::Duration lease) {
  const int64_t now = ToStoredTime(clock_->Now());
  const int64_t expires = ToStoredTime(clock_->Now() + lease);
  bool held = false;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(
            int64_t inserted,
            tx.Execute("INSERT INTO job_leases (job, period, holder, "
                       "expires_at, finished_at, attempts) VALUES ($1, $2, "
                       "$3, $4, NULL, 1) ON CONFLICT (job, period) DO NOTHING",
                       {job, period, holder_, expires}));
        if (inserted == 1) {
          held = true;
          return absl::OkStatus();
        }
        ASSIGN_OR_RETURN(
            int64_t updated,
            tx.Execute("UPDATE job_leases SET holder = $3, expires_at = $4 "
                       "WHERE job = $1 AND period = $2 AND (holder = $3 OR "
                       "expires_at <= $5)",
                       {job, period, holder_, expires, now}));
        held = updated == 1;
        return absl::OkStatus();
      }));
  return held;
}

absl::Status LeasedJobs::Finish(const std::string& job,
                                const std::string& period) {
  return db_->RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) {
        return tx
            .Execute(
                "UPDATE job_leases SET finished_at = $4 WHERE job = $1 "
                "AND period = $2 AND holder = $3",
                {job, period, holder_, ToStoredTime(clock_->Now())})
            .status();
      });
}

absl::Status LeasedJobs::Release(const std::string& job,
                                 const std::string& period) {
  return db_->RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) {
        return tx
            .Execute(
                "UPDATE job_leases SET expires_at = $4 WHERE job = $1 "
                "AND period = $2 AND holder = $3 AND finished_at IS NULL",
                {job, period, holder_, ToStoredTime(clock_->Now())})
            .status();
      });
}

absl::StatusOr<JobOutcome> LeasedJobs::Outcome(const std::string& job,
                                               const std::string& period) {
  JobOutcome outcome = JobOutcome::kHeldElsewhere;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT finished_at FROM job_leases WHERE "
                                  "job = $1 AND period = $2",
                                  {job, period}));
        if (!rows.empty() && !rows[0].IsNull("finished_at")) {
          outcome = JobOutcome::kAlreadyDone;
        }
        return absl::OkStatus();
      }));
  return outcome;
}

absl::StatusOr<JobOutcome> LeasedJobs::RunIfDue(const JobSpec& job) {
  const std::string period = job.period(clock_->Now());
  ASSIGN_OR_RETURN(bool taken, TryTake(job.name, period, job.lease));
  if (!taken) return Outcome(job.name, period);
  if (absl::Status s = job.run(period); !s.ok()) {
    (void)Release(job.name, period);
    return s;
  }
  RETURN_IF_ERROR(Finish(job.name, period));
  return JobOutcome::kRan;
}

}  // namespace qudao::storage
