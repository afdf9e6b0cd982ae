// A raw TCP client for tests that must misbehave as real peers do (trickle
// a request, flood headers, pipeline, hold connections idle) or measure a
// server on one connection.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace qudao::testing {

class RawConnection {
 public:
  static absl::StatusOr<RawConnection> Connect(int port);
  RawConnection(RawConnection&& other) noexcept : fd_(other.fd_) {
    other.fd_ = -1;
  }
  RawConnection& operator=(RawConnection&&) = delete;
  ~RawConnection();

  // Writes all of `bytes` (fails once the peer has closed).
  absl::Status Send(const std::string& bytes);
  // Reads until `count` whole HTTP responses have arrived (Content-Length
  // bodies), the peer closes, or `timeout` passes; returns what arrived.
  std::string ReadResponses(int count, absl::Duration timeout);
  // Whether the peer has closed the connection (a read sees EOF or reset
  // within `timeout`).
  bool ClosedByPeer(absl::Duration timeout);

 private:
  explicit RawConnection(int fd) : fd_(fd) {}
  int fd_;
};

// How many complete responses `bytes` holds, and the status of each.
std::vector<int> ResponseStatuses(const std::string& bytes);

}  // namespace qudao::testing
