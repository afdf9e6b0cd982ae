// The HTTP server on Boost.Beast; see server.h.
#include "common/http/server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/concurrency/worker_pool.h"

namespace qudao::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Parser = bhttp::request_parser<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

std::chrono::steady_clock::duration ToSteady(absl::Duration d) {
  return std::chrono::microseconds(absl::ToInt64Microseconds(d));
}

void ConfigureParser(Parser& parser, const ServerOptions& options) {
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
  parser.body_limit(options.max_body_bytes);
}

// The status of a request the server refuses by itself, for a parse error.
int StatusForParseError(const beast::error_code& ec) {
  if (ec == bhttp::error::header_limit) return 431;
  if (ec == bhttp::error::body_limit) return 413;
  return 400;
}

// A request head with more lines than allowed (431).
bool TooManyHeaders(const Parser& parser, const ServerOptions& options) {
  const auto& fields = parser.get().base();
  return static_cast<size_t>(std::distance(fields.begin(), fields.end())) >
         options.max_header_count;
}

Request ToRequest(const bhttp::request<bhttp::string_body>& in,
                  std::string peer) {
  Request out;
  out.method = std::string(in.method_string());
  const beast::string_view target = in.target();
  const size_t q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q != beast::string_view::npos) {
    out.query = std::string(target.substr(q + 1));
  }
  for (const auto& field : in.base()) {
    out.headers.emplace(absl::AsciiStrToLower(std::string(field.name_string())),
                        std::string(field.value()));
  }
  out.body = in.body();
  out.peer = std::move(peer);
  return out;
}

BeastResponse ToBeast(const Response& in, unsigned version, bool keep_alive,
                      bool head_only) {
  BeastResponse out;
  out.version(version);
  out.result(static_cast<unsigned>(in.status));
  bool has_type = false;
  for (const auto& [name, value] : in.headers) {
    out.set(name, value);
    has_type |= absl::EqualsIgnoreCase(name, "Content-Type");
  }
  if (!has_type && !in.body.empty())
    out.set(bhttp::field::content_type, "text/plain");
  out.body() = in.body;
  out.keep_alive(keep_alive);
  out.prepare_payload();
  if (head_only) out.body().clear();
  return out;
}

// The response to a request the server refuses itself (the table renders
// the body), always closing the connection.
BeastResponse Refusal(const RouteTable& routes, int status,
                      const Request& partial) {
  Response r;
  r.status = status;
  routes.RenderError(partial, r);
  return ToBeast(r, 11, /*keep_alive=*/false, /*head_only=*/false);
}

}  // namespace

// One connection: reads requests (pipelined ones in order), has them
// answered on the worker pool, writes the responses, with a deadline on
// every step.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Server::Impl* server);
  ~Session();
  void Start();

 private:
  void WaitForRequest();
  void ReadHead();
  void OnHead(beast::error_code ec);
  void OnBody(beast::error_code ec);
  void Dispatch();
  void Write(BeastResponse response);
  void Close();

  beast::tcp_stream stream_;
  Server::Impl* server_;
  beast::flat_buffer buffer_;
  std::optional<Parser> parser_;
  std::string peer_;
  bool first_ = true;
  std::chrono::steady_clock::time_point request_deadline_;
  std::shared_ptr<BeastResponse> response_;
};

class Server::Impl {
 public:
  Impl(const std::string& name, const RouteTable* routes,
       const ServerOptions& options)
      : name_(name),
        routes_(routes),
        options_(options),
        acceptor_(asio::make_strand(io_)) {}

  absl::Status Start(const std::string& host, int port, int* bound) {
    beast::error_code ec;
    const auto address =
        asio::ip::make_address(host == "" ? "0.0.0.0" : host, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat(name_, ": bad address ", host));
    }
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat(
          name_, " cannot bind ", host, ":", port, " (", ec.message(), ")"));
    }
    *bound = acceptor_.local_endpoint().port();
    workers_ = std::make_unique<WorkerPool>(options_.handler_threads, 10000);
    Accept();
    for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
      threads_.emplace_back([this] { io_.run(); });
    }
    return absl::OkStatus();
  }

  void Stop() {
    if (stopped_.exchange(true)) return;
    asio::post(acceptor_.get_executor(), [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    io_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    // Handlers still running finish; their answers go nowhere.
    workers_.reset();
  }

  const RouteTable& routes() const { return *routes_; }
  const ServerOptions& options() const { return options_; }
  WorkerPool& workers() { return *workers_; }
  std::atomic<int>& open() { return open_; }
  const std::string& name() const { return name_; }

 private:
  void Accept() {
    acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec,
                                                          tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
      } else if (open_.load() >= options_.max_connections) {
        // Over the cap: a short answer, and the connection is closed.
        static const char kBusy[] =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n";
        beast::error_code ignored;
        socket.non_blocking(true, ignored);
        socket.write_some(asio::buffer(kBusy, sizeof(kBusy) - 1), ignored);
        socket.close(ignored);
      } else {
        std::make_shared<Session>(std::move(socket), this)->Start();
      }
      if (!stopped_) Accept();
    });
  }

  const std::string name_;
  const RouteTable* routes_;
  const ServerOptions options_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  std::unique_ptr<WorkerPool> workers_;
  std::atomic<int> open_{0};
  std::atomic<bool> stopped_{false};
};

Session::Session(tcp::socket socket, Server::Impl* server)
    : stream_(std::move(socket)), server_(server) {
  ++server_->open();
  beast::error_code ec;
  stream_.socket().set_option(tcp::no_delay(true), ec);
  const auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) peer_ = endpoint.address().to_string();
}

Session::~Session() { --server_->open(); }

void Session::Start() {
  asio::dispatch(stream_.get_executor(),
                 [self = shared_from_this()] { self->WaitForRequest(); });
}

void Session::WaitForRequest() {
  const ServerOptions& o = server_->options();
  if (buffer_.size() > 0) {
    // A pipelined request is already here.
    ReadHead();
    return;
  }
  // Idle until the next request's first byte: the keep-alive timeout (or
  // the head timeout for a connection's first request).
  stream_.expires_after(
      ToSteady(first_ ? o.head_timeout : o.keep_alive_timeout));
  stream_.async_read_some(
      buffer_.prepare(4096),
      [self = shared_from_this()](beast::error_code ec, std::size_t n) {
        if (ec) {
          self->Close();
          return;
        }
        self->buffer_.commit(n);
        self->ReadHead();
      });
}

void Session::ReadHead() {
  first_ = false;
  const ServerOptions& o = server_->options();
  parser_.emplace();
  ConfigureParser(*parser_, o);
  const auto now = std::chrono::steady_clock::now();
  request_deadline_ = now + ToSteady(o.request_timeout);
  stream_.expires_after(ToSteady(o.head_timeout));
  bhttp::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) {
        self->OnHead(ec);
      });
}

void Session::OnHead(beast::error_code ec) {
  const RouteTable& routes = server_->routes();
  if (ec == beast::error::timeout) {
    // The stream closed itself at the deadline: nothing to answer on.
    Close();
    return;
  }
  if (ec) {
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == asio::error::operation_aborted) {
      Close();
      return;
    }
    Write(Refusal(routes, StatusForParseError(ec), Request{}));
    return;
  }
  if (TooManyHeaders(*parser_, server_->options())) {
    Write(Refusal(routes, 431, Request{}));
    return;
  }
  // The body, within what is left of the request's deadline.
  stream_.expires_at(request_deadline_);
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) {
        self->OnBody(ec);
      });
}

void Session::OnBody(beast::error_code ec) {
  const RouteTable& routes = server_->routes();
  if (ec == beast::error::timeout) {
    Close();
    return;
  }
  if (ec) {
    if (ec == asio::error::operation_aborted) {
      Close();
      return;
    }
    Write(Refusal(routes, StatusForParseError(ec), Request{}));
    return;
  }
  Dispatch();
}

void Session::Dispatch() {
  stream_.expires_never();
  auto request =
      std::make_shared<bhttp::request<bhttp::string_body>>(parser_->release());
  auto self = shared_from_this();
  const bool accepted = server_->workers().Schedule([self, request] {
    Response response;
    self->server_->routes().Dispatch(ToRequest(*request, self->peer_),
                                     response);
    BeastResponse out =
        ToBeast(response, request->version(), request->keep_alive(),
                request->method() == bhttp::verb::head);
    asio::post(self->stream_.get_executor(),
               [self, out = std::move(out)]() mutable {
                 self->Write(std::move(out));
               });
  });
  if (!accepted) {
    Request partial = ToRequest(*request, peer_);
    Write(Refusal(server_->routes(), 503, partial));
  }
}

void Session::Write(BeastResponse response) {
  response_ = std::make_shared<BeastResponse>(std::move(response));
  stream_.expires_after(ToSteady(server_->options().write_timeout));
  bhttp::async_write(
      stream_, *response_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) {
        const bool keep = !ec && self->response_->keep_alive();
        self->response_.reset();
        if (!keep) {
          self->Close();
          return;
        }
        self->WaitForRequest();
      });
}

void Session::Close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
}

Server::Server(std::string name, const RouteTable* routes,
               ServerOptions options)
    : name_(std::move(name)),
      impl_(std::make_unique<Impl>(name_, routes, options)) {}

Server::~Server() { Stop(); }

absl::Status Server::Start(const std::string& host, int port) {
  return impl_->Start(host, port, &port_);
}

void Server::Stop() {
  if (impl_ != nullptr) impl_->Stop();
}

int Server::open_connections() const { return impl_->open().load(); }

std::string ServeBytesForTesting(const RouteTable& routes,
                                 const ServerOptions& options,
                                 const std::string& bytes) {
  std::ostringstream out;
  size_t offset = 0;
  while (offset < bytes.size()) {
    Parser parser;
    ConfigureParser(parser, options);
    parser.eager(true);
    beast::error_code ec;
    bool head_checked = false;
    while (!parser.is_done()) {
      const size_t used = parser.put(
          asio::buffer(bytes.data() + offset, bytes.size() - offset), ec);
      offset += used;
      if (ec == bhttp::error::need_more || (!ec && used == 0)) {
        // All bytes are here: what is missing never comes. (The parser may
        // also take nothing without an error, e.g. inside a chunk whose
        // announced size the input never reaches.)
        if (used == 0 || offset >= bytes.size()) return out.str();
        ec = {};
        continue;
      }
      if (ec) break;
      if (parser.is_header_done() && !head_checked) {
        head_checked = true;
        if (TooManyHeaders(parser, options)) {
          out << Refusal(routes, 431, Request{});
          return out.str();
        }
      }
    }
    if (ec) {
      out << Refusal(routes, StatusForParseError(ec), Request{});
      return out.str();
    }
    auto request = parser.release();
    Response response;
    routes.Dispatch(ToRequest(request, "127.0.0.1"), response);
    out << ToBeast(response, request.version(), request.keep_alive(),
                   request.method() == bhttp::verb::head);
    if (!request.keep_alive()) break;
  }
  return out.str();
}

}  // namespace qudao::http
