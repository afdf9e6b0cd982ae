// The receivables ledger survives crashes: credit control on a real
// PostgreSQL takes orders, invoices, payments and rebates from 16 clients
// for 20 payers; in the middle of it the process is killed with SIGKILL and
// started again on the same address and database, six times. Clients
// retry with the same request_id while it is away. Afterwards:
//   - CheckLedgerConsistency finds no difference;
//   - every document a client saw acknowledged exists exactly once (the
//     invoices listed per payer are exactly the acknowledged ones, one per
//     order; each is on the feed once, as is every acknowledged
//     reservation, payment and credit note, and nothing else is);
//   - each payer's balances equal what the clients were told, summed on the
//     client side (open receivables − credit on account = invoiced − paid −
//     credited; approved, uninvoiced = reserved − invoiced);
//   - every request answered before the last crash, or in flight across
//     one, sent again after it answers with the same document (idempotency
//     survived the crash).
// A kill lands between a write's COMMIT and its answer for about one
// request in 30 in flight; the test counts those it saw.
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/grpc/client.h"
#include "common/testing/harness.h"
#include "common/testing/identity.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "tests/process_fixture.h"

namespace qudao {
namespace {

namespace cpb = ::qudao::customer::v1;
namespace pb = ::qudao::credit::v1;
using Stub = pb::CreditControlService::Stub;
using testing::RunningService;

constexpr int kPayers = 20;
constexpr int kClients = 16;
// Kills (each sees ~16 requests in flight, a few of which have committed
// and not answered yet), with load before the first, between them (from
// the restarted process's first answer) and after the last.
constexpr int kKills = 6;
constexpr absl::Duration kLoadBeforeFirstKill = absl::Seconds(2);
constexpr absl::Duration kLoadBetweenKills = absl::Milliseconds(1500);
constexpr absl::Duration kLoadAfterLastRestart = absl::Seconds(2);
// A request is retried (same request_id) this long before the test gives up.
constexpr absl::Duration kGiveUp = absl::Seconds(30);

type::v1::Money Cny(int64_t minor) {
  type::v1::Money m;
  m.set_currency_code("CNY");
  m.set_minor_units(minor);
  return m;
}

// Calls to credit control as one principal, on its own channel.
struct Caller {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<Stub> stub;
  std::string authorization;

  std::unique_ptr<grpc::ClientContext> Context(absl::Duration timeout) const {
    auto ctx = OutgoingContext(timeout);
    ctx->AddMetadata("authorization", authorization);
    return ctx;
  }
};

// Credit control as one principal sees it. After a restart the test gives
// new calls a new channel, as a new pod behind a Service would get (on the
// same address, a channel that saw the process die kept failing fast for
// 2–8 s after the new one served, with ServiceClient's back-off settings;
// a new channel connected at once).
class Endpoint {
 public:
  Endpoint(std::string target, const std::string& token)
      : target_(std::move(target)),
        authorization_(absl::StrCat("Bearer ", token)) {
    Reconnect();
  }

  std::shared_ptr<const Caller> Get() const {
    absl::MutexLock lock(&mu_);
    return current_;
  }

  void Reconnect() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    // Its own connection, as another process's would be (gRPC otherwise
    // shares one subchannel per address across a process's channels).
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto c = std::make_shared<Caller>();
    c->channel = grpc::CreateCustomChannel(
        target_, grpc::InsecureChannelCredentials(), args);
    c->stub = pb::CreditControlService::NewStub(c->channel);
    c->authorization = authorization_;
    absl::MutexLock lock(&mu_);
    current_ = std::move(c);
  }

  // Closes the connection (once calls in flight are done).
  void Close() {
    absl::MutexLock lock(&mu_);
    current_.reset();
  }

 private:
  const std::string target_;
  const std::string authorization_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Caller> current_ ABSL_GUARDED_BY(mu_);
};

bool Retryable(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::UNAVAILABLE ||
         s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

// A request a client saw succeed, to send again after the crash.
struct Acknowledged {
  enum Kind { kReserve, kInvoice, kPayment, kCreditNote } kind;
  std::string request;  // serialized request message
  std::string id;       // the document it answered with
  // How many kills there had been when it was answered.
  int generation = 0;
  bool retried = false;  // needed a retry (in flight across a crash)
  absl::Time created;    // the document's create_time
  absl::Time answered;
};

absl::Time TimeOf(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// What one payer was told, summed by the clients.
struct PayerBook {
  int64_t invoiced = 0;
  int64_t paid = 0;
  int64_t credited = 0;
  int64_t reserved_uninvoiced = 0;
};

// One client's record of everything it was answered.
struct ClientLog {
  std::vector<Acknowledged> acknowledged;
  std::map<std::string, PayerBook> books;
  // invoice id → (order, payer, total).
  struct InvoiceFacts {
    std::string order_id;
    std::string payer;
    int64_t total = 0;
  };
  std::map<std::string, InvoiceFacts> invoices;
  std::set<std::string> payments;
  std::set<std::string> credit_notes;
  std::set<std::string> reservations;
  std::vector<std::string> errors;
  int64_t retries = 0;
  int64_t iterations = 0;
  int64_t not_approved = 0;
};

class LedgerCrashEndToEndTest : public testing::ProcessTest {
 protected:
  // Calls `rpc` until it answers something other than UNAVAILABLE or
  // DEADLINE_EXCEEDED (the same request, so the same request_id), asking
  // the channel to reconnect at once between attempts.
  template <typename Rpc>
  static grpc::Status Retrying(const Endpoint& endpoint, const Rpc& rpc,
                               int64_t* retries, bool* retried) {
    const absl::Time give_up = absl::Now() + kGiveUp;
    for (;;) {
      const std::shared_ptr<const Caller> caller = endpoint.Get();
      auto ctx = caller->Context(absl::Seconds(5));
      grpc::Status s = rpc(*caller->stub, ctx.get());
      if (!Retryable(s) || absl::Now() > give_up) return s;
      ++*retries;
      *retried = true;
      grpc::experimental::ChannelResetConnectionBackoff(caller->channel.get());
      absl::SleepFor(absl::Milliseconds(50));
    }
  }

  static std::string Describe(const char* what, const std::string& key,
                              const grpc::Status& s) {
    return absl::StrCat(what, " ", key, ": ", s.error_code(), " ",
                        s.error_message());
  }
};

TEST_F(LedgerCrashEndToEndTest, KillNineUnderLoadLosesAndDuplicatesNothing) {
  const absl::Time test_start = absl::Now();
  auto pg = testing::SharedPostgres();
  ASSERT_TRUE(pg.ok()) << pg.status();
  ASSERT_TRUE((*pg)->CreateDatabase("ledger_crash_customers").ok());
  ASSERT_TRUE((*pg)->CreateDatabase("ledger_crash_credit").ok());
  RunningService customers = Start(QUDAO_CUSTOMER_RECORDS_BIN, "customers",
                                   (*pg)->Uri("ledger_crash_customers"));
  ASSERT_GT(customers.port, 0);

  // Credit control on a fixed address, so the restarted process is found
  // where clients (and their channels) expect it, as behind a Service.
  auto free_port = testing::PickFreePort();
  ASSERT_TRUE(free_port.ok()) << free_port.status();
  const int port = *free_port;
  const std::string target = absl::StrCat("127.0.0.1:", port);
  const std::vector<std::string> credit_flags = {
      absl::StrCat("--listen=", target),
      absl::StrCat("--customer_records_target=127.0.0.1:", customers.port),
      absl::StrCat("--service_token_file=",
                   ServiceTokenFile("credit_control"))};
  auto credit = std::make_unique<RunningService>(
      Start(QUDAO_CREDIT_CONTROL_BIN, "credit_0",
            (*pg)->Uri("ledger_crash_credit"), credit_flags));
  ASSERT_EQ(credit->port, port);

  const testing::TestIdentity& identity = testing::TestIdentity::Get();
  Endpoint manager(target, identity.Token("credit.boss", {"credit_manager"}));
  Endpoint pricing(target, identity.ServiceToken("pricing"));
  Endpoint controller(target,
                      identity.Token("credit.zhou", {"credit_controller"}));

  // 20 payers (distributors paying for themselves), each with CNY 50M of
  // credit approved by a credit manager who owns none of them.
  std::vector<std::string> payers;
  {
    auto dealers = cpb::CustomerRecordsService::NewStub(customers.channel);
    for (int i = 0; i < kPayers; ++i) {
      cpb::CreateDealerRequest req;
      req.mutable_dealer()->set_legal_name(
          absl::StrCat("Crash Ledger Trading ", i));
      req.mutable_dealer()->mutable_region()->set_province("Jiangsu");
      req.mutable_dealer()->mutable_region()->set_city("Suzhou");
      req.mutable_dealer()->set_channel_level(cpb::CHANNEL_LEVEL_DISTRIBUTOR);
      req.mutable_dealer()->set_owner(absl::StrCat("rep.", i % 4));
      req.set_request_id(absl::StrCat("ledger-crash-dealer-", i));
      cpb::Dealer out;
      auto ctx = OutgoingContext(absl::Seconds(10));
      grpc::Status s = dealers->CreateDealer(ctx.get(), req, &out);
      ASSERT_TRUE(s.ok()) << s.error_message();
      payers.push_back(out.dealer_id());
    }
    for (int i = 0; i < kPayers; ++i) {
      pb::SetCreditLimitRequest req;
      req.set_dealer_id(payers[i]);
      *req.mutable_credit_limit() = Cny(int64_t{50'000'000} * 100);
      req.set_reason("crash test limit");
      req.set_request_id(absl::StrCat("ledger-crash-limit-", i));
      pb::CreditPosition out;
      auto m = manager.Get();
      auto ctx = m->Context(absl::Seconds(10));
      grpc::Status s = m->stub->SetCreditLimit(ctx.get(), req, &out);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
  }

  // Kills so far; answers from the process started after the last one.
  std::atomic<int> generation{0};
  std::atomic<bool> stop{false};
  std::atomic<int64_t> answered_since_restart{0};
  std::vector<ClientLog> logs(kClients);
  auto client = [&](int w) {
    ClientLog& log = logs[w];
    for (int64_t seq = 0; !stop.load(); ++seq) {
      ++log.iterations;
      const std::string key = absl::StrCat(w, "-", seq);
      const std::string& payer = payers[(w * 7 + seq) % kPayers];
      const int64_t amount = 100'000 + (seq % 50) * 10'000;  // CNY 1,000+
      auto acknowledge =
          [&](Acknowledged::Kind kind, const google::protobuf::Message& request,
              const std::string& id, const google::protobuf::Timestamp& created,
              bool retried) {
            ++answered_since_restart;
            log.acknowledged.push_back({kind, request.SerializeAsString(), id,
                                        generation.load(), retried,
                                        TimeOf(created), absl::Now()});
          };

      // The order flow reserves credit for a new order.
      pb::ReserveCreditRequest reserve;
      reserve.set_order_id(absl::StrCat("ord-crash-", key));
      reserve.set_dealer_id(payer);
      *reserve.mutable_amount() = Cny(amount);
      reserve.set_payment_term_days(30);
      reserve.set_request_id(absl::StrCat("crash-reserve-", key));
      pb::CreditReservation reservation;
      bool retried = false;
      grpc::Status s = Retrying(
          pricing,
          [&](Stub& stub, grpc::ClientContext* ctx) {
            return stub.ReserveCredit(ctx, reserve, &reservation);
          },
          &log.retries, &retried);
      if (!s.ok()) {
        log.errors.push_back(Describe("ReserveCredit", key, s));
        continue;
      }
      acknowledge(Acknowledged::kReserve, reserve, reservation.reservation_id(),
                  reservation.create_time(), retried);
      log.reservations.insert(reservation.reservation_id());
      if (reservation.status() != pb::RESERVATION_STATUS_APPROVED) {
        ++log.not_approved;
        continue;
      }
      PayerBook& book = log.books[payer];
      book.reserved_uninvoiced += amount;

      // A shipment: one line for 50–100% of the order, so some
      // reservations stay partly open.
      const int64_t quantity = 1 + seq % 4;
      const int64_t unit_price = amount * (5 + seq % 6) / 10 / quantity;
      pb::IssueInvoiceRequest invoice;
      invoice.set_order_id(reserve.order_id());
      pb::InvoiceLine* line = invoice.add_lines();
      line->set_sku(absl::StrCat("SKU-", seq % 9));
      line->set_product_group("PUMPS");
      line->set_quantity(quantity);
      *line->mutable_net_price() = Cny(unit_price);
      *line->mutable_unit_cost() = Cny(unit_price * 6 / 10);
      invoice.mutable_payment_term()->set_net_days(30);
      invoice.set_request_id(absl::StrCat("crash-invoice-", key));
      pb::Invoice issued;
      retried = false;
      s = Retrying(
          pricing,
          [&](Stub& stub, grpc::ClientContext* ctx) {
            return stub.IssueInvoice(ctx, invoice, &issued);
          },
          &log.retries, &retried);
      if (!s.ok()) {
        log.errors.push_back(Describe("IssueInvoice", key, s));
        continue;
      }
      acknowledge(Acknowledged::kInvoice, invoice, issued.invoice_id(),
                  issued.create_time(), retried);
      book.invoiced += issued.total().minor_units();
      book.reserved_uninvoiced -= issued.total().minor_units();
      log.invoices[issued.invoice_id()] = {invoice.order_id(),
                                           issued.payer_dealer_id(),
                                           issued.total().minor_units()};
      if (issued.total().minor_units() != quantity * unit_price ||
          issued.payer_dealer_id() != payer) {
        log.errors.push_back(absl::StrCat("invoice ", issued.invoice_id(),
                                          " answered ",
                                          issued.ShortDebugString()));
      }

      // Sometimes the payer pays: half, all or one and a half times the
      // invoice (the rest becomes credit on account), oldest due first.
      if (seq % 3 == 0) {
        pb::RecordPaymentRequest pay;
        pay.mutable_payment()->set_payer_dealer_id(payer);
        const int64_t paid =
            issued.total().minor_units() * (1 + (seq / 3) % 3) / 2;
        *pay.mutable_payment()->mutable_amount() = Cny(paid);
        pay.mutable_payment()->set_reference(absl::StrCat("BANK-", key));
        pay.set_request_id(absl::StrCat("crash-pay-", key));
        pb::Payment payment;
        retried = false;
        s = Retrying(
            controller,
            [&](Stub& stub, grpc::ClientContext* ctx) {
              return stub.RecordPayment(ctx, pay, &payment);
            },
            &log.retries, &retried);
        if (!s.ok()) {
          log.errors.push_back(Describe("RecordPayment", key, s));
          continue;
        }
        acknowledge(Acknowledged::kPayment, pay, payment.payment_id(),
                    payment.create_time(), retried);
        log.payments.insert(payment.payment_id());
        book.paid += paid;
      }
      // Sometimes a rebate, to the dealer (its payer of the day).
      if (seq % 5 == 0) {
        pb::IssueCreditNoteRequest note;
        note.mutable_credit_note()->set_kind(pb::CREDIT_NOTE_KIND_REBATE);
        note.mutable_credit_note()->set_dealer_id(payer);
        note.mutable_credit_note()->set_source(absl::StrCat("rebate ", key));
        const int64_t rebate = 5'000 + (seq % 7) * 1'000;
        *note.mutable_credit_note()->mutable_net_amount() = Cny(rebate);
        *note.mutable_credit_note()->mutable_vat() = Cny(0);
        note.set_request_id(absl::StrCat("crash-rebate-", key));
        pb::CreditNote issued_note;
        retried = false;
        s = Retrying(
            controller,
            [&](Stub& stub, grpc::ClientContext* ctx) {
              return stub.IssueCreditNote(ctx, note, &issued_note);
            },
            &log.retries, &retried);
        if (!s.ok()) {
          log.errors.push_back(Describe("IssueCreditNote", key, s));
          continue;
        }
        acknowledge(Acknowledged::kCreditNote, note,
                    issued_note.credit_note_id(), issued_note.create_time(),
                    retried);
        log.credit_notes.insert(issued_note.credit_note_id());
        book.credited += issued_note.total().minor_units();
      }
    }
  };

  std::vector<std::thread> threads;
  for (int w = 0; w < kClients; ++w) threads.emplace_back(client, w);
  auto stop_load = [&] {
    stop = true;
    for (auto& t : threads) t.join();
    threads.clear();
  };

  // kill -9 in the middle of it, start again on the same database and
  // address, let the clients find it; kKills times.
  std::vector<absl::Time> kills;
  std::vector<std::string> outages;
  for (int k = 0; k < kKills; ++k) {
    absl::SleepFor(k == 0 ? kLoadBeforeFirstKill : kLoadBetweenKills);
    kills.push_back(absl::Now());
    if (!credit->process->Signal(SIGKILL).ok()) {
      stop_load();
      FAIL() << "cannot kill credit control";
    }
    auto waited = credit->process->Wait(absl::Seconds(10));
    if (!waited.ok() || !WIFSIGNALED(*waited) || WTERMSIG(*waited) != SIGKILL) {
      stop_load();
      FAIL() << "credit control did not die of SIGKILL";
    }
    absl::SleepFor(absl::Milliseconds(300));  // down for a moment
    credit = std::make_unique<RunningService>(
        Start(QUDAO_CREDIT_CONTROL_BIN, absl::StrCat("credit_", k + 1),
              (*pg)->Uri("ledger_crash_credit"), credit_flags));
    const absl::Time serving_again = absl::Now();
    for (Endpoint* e : {&manager, &pricing, &controller}) e->Reconnect();
    answered_since_restart = 0;
    generation = k + 1;
    if (credit->port != port) {
      stop_load();
      FAIL() << "credit control did not start again on " << target;
    }
    // Clients reconnect (within a second or so), then keep going.
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (answered_since_restart.load() == 0 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    outages.push_back(absl::StrCat(
        "down ", absl::FormatDuration(serving_again - kills.back()),
        ", answering ", absl::FormatDuration(absl::Now() - serving_again),
        " later"));
  }
  absl::SleepFor(kLoadAfterLastRestart);
  stop_load();

  // Every client's answers, merged.
  ClientLog all;
  for (ClientLog& log : logs) {
    all.acknowledged.insert(all.acknowledged.end(), log.acknowledged.begin(),
                            log.acknowledged.end());
    for (const auto& [payer, b] : log.books) {
      PayerBook& to = all.books[payer];
      to.invoiced += b.invoiced;
      to.paid += b.paid;
      to.credited += b.credited;
      to.reserved_uninvoiced += b.reserved_uninvoiced;
    }
    all.invoices.insert(log.invoices.begin(), log.invoices.end());
    all.payments.insert(log.payments.begin(), log.payments.end());
    all.credit_notes.insert(log.credit_notes.begin(), log.credit_notes.end());
    all.reservations.insert(log.reservations.begin(), log.reservations.end());
    all.errors.insert(all.errors.end(), log.errors.begin(), log.errors.end());
    all.retries += log.retries;
    all.iterations += log.iterations;
    all.not_approved += log.not_approved;
  }
  int64_t in_flight = 0, answer_lost = 0, last_generation = 0;
  for (const Acknowledged& a : all.acknowledged) {
    in_flight += a.retried;
    last_generation += a.generation == kKills;
    // Made by a process killed before its client had the answer: the write
    // committed and the answer was lost; the retry got it from the record.
    for (absl::Time k : kills) {
      if (a.retried && a.created < k && k <= a.answered) {
        ++answer_lost;
        break;
      }
    }
  }
  std::printf(
      "load: %lld orders, %zu requests acknowledged (%lld after the last "
      "restart); %d kills (%s); %lld requests in flight across a kill, "
      "%lld of them committed by the killed process before their answer "
      "was lost; %lld retries; %zu invoices, %zu payments, %zu credit "
      "notes, %lld not approved\n",
      static_cast<long long>(all.iterations), all.acknowledged.size(),
      static_cast<long long>(last_generation), kKills,
      absl::StrJoin(outages, "; ").c_str(), static_cast<long long>(in_flight),
      static_cast<long long>(answer_lost), static_cast<long long>(all.retries),
      all.invoices.size(), all.payments.size(), all.credit_notes.size(),
      static_cast<long long>(all.not_approved));
  for (const std::string& e : all.errors) ADD_FAILURE() << e;
  EXPECT_EQ(all.not_approved, 0) << "every order fits its payer's limit";
  // The crashes hit the load: requests were in flight, and work went on
  // after the last one.
  EXPECT_GT(in_flight, 0);
  EXPECT_GT(last_generation, 0);
  ASSERT_FALSE(all.invoices.empty());

  // 1. Idempotency survived the crashes: every request answered before the
  // last kill, and every one that was in flight across one, sent again now
  // answers with the same document, and applies nothing again (checked by
  // the counts below).
  {
    std::vector<const Acknowledged*> again;
    for (const Acknowledged& a : all.acknowledged) {
      if (a.generation < kKills || a.retried) again.push_back(&a);
    }
    std::atomic<size_t> next{0};
    absl::Mutex mu;
    std::vector<std::string> mismatches;
    int64_t replay_retries = 0;
    auto replay = [&] {
      int64_t retries = 0;
      for (size_t i = next++; i < again.size(); i = next++) {
        const Acknowledged& a = *again[i];
        std::string id;
        bool retried = false;
        grpc::Status s;
        switch (a.kind) {
          case Acknowledged::kReserve: {
            pb::ReserveCreditRequest req;
            pb::CreditReservation out;
            req.ParseFromString(a.request);
            s = Retrying(
                pricing,
                [&](Stub& stub, grpc::ClientContext* ctx) {
                  return stub.ReserveCredit(ctx, req, &out);
                },
                &retries, &retried);
            id = out.reservation_id();
            break;
          }
          case Acknowledged::kInvoice: {
            pb::IssueInvoiceRequest req;
            pb::Invoice out;
            req.ParseFromString(a.request);
            s = Retrying(
                pricing,
                [&](Stub& stub, grpc::ClientContext* ctx) {
                  return stub.IssueInvoice(ctx, req, &out);
                },
                &retries, &retried);
            id = out.invoice_id();
            break;
          }
          case Acknowledged::kPayment: {
            pb::RecordPaymentRequest req;
            pb::Payment out;
            req.ParseFromString(a.request);
            s = Retrying(
                controller,
                [&](Stub& stub, grpc::ClientContext* ctx) {
                  return stub.RecordPayment(ctx, req, &out);
                },
                &retries, &retried);
            id = out.payment_id();
            break;
          }
          case Acknowledged::kCreditNote: {
            pb::IssueCreditNoteRequest req;
            pb::CreditNote out;
            req.ParseFromString(a.request);
            s = Retrying(
                controller,
                [&](Stub& stub, grpc::ClientContext* ctx) {
                  return stub.IssueCreditNote(ctx, req, &out);
                },
                &retries, &retried);
            id = out.credit_note_id();
            break;
          }
        }
        if (!s.ok() || id != a.id) {
          absl::MutexLock lock(&mu);
          mismatches.push_back(
              absl::StrCat("kind ", a.kind, " first answered ", a.id,
                           ", again: ", s.ok() ? id : s.error_message()));
        }
      }
      absl::MutexLock lock(&mu);
      replay_retries += retries;
    };
    std::vector<std::thread> replayers;
    for (int i = 0; i < kClients; ++i) replayers.emplace_back(replay);
    for (auto& t : replayers) t.join();
    std::printf("replayed %zu acknowledged requests after the restart\n",
                again.size());
    EXPECT_EQ(replay_retries, 0);
    EXPECT_THAT(mismatches, ::testing::IsEmpty());
  }

  // 2. The books agree with themselves.
  {
    pb::CheckLedgerConsistencyRequest req;
    pb::CheckLedgerConsistencyResponse out;
    auto m = manager.Get();
    auto ctx = m->Context(absl::Seconds(30));
    grpc::Status s = m->stub->CheckLedgerConsistency(ctx.get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (const pb::LedgerDifference& d : out.differences()) {
      ADD_FAILURE() << d.what() << ": stored " << d.stored_minor()
                    << ", from entries " << d.from_entries_minor();
    }
    EXPECT_EQ(out.differences_size(), 0);
  }

  // 3. Each payer's balances are what its clients were told, summed on
  // the client side (no cash discounts in these terms).
  for (const std::string& payer : payers) {
    pb::GetCreditPositionRequest req;
    req.set_dealer_id(payer);
    pb::CreditPosition position;
    auto m = manager.Get();
    auto ctx = m->Context(absl::Seconds(10));
    grpc::Status s = m->stub->GetCreditPosition(ctx.get(), req, &position);
    ASSERT_TRUE(s.ok()) << s.error_message();
    const PayerBook& book = all.books[payer];
    EXPECT_EQ(position.open_receivables().minor_units() -
                  position.unapplied_credit().minor_units(),
              book.invoiced - book.paid - book.credited)
        << payer << ": " << position.ShortDebugString();
    EXPECT_EQ(position.approved_uninvoiced().minor_units(),
              book.reserved_uninvoiced)
        << payer << ": " << position.ShortDebugString();
  }

  // 4. The invoices on record are exactly the acknowledged ones, one per
  // order, each as it was answered, with one invoice entry; the payments
  // and credit notes applied to them are acknowledged ones.
  {
    std::map<std::string, int> invoices_of_order;
    std::set<std::string> listed;
    for (const std::string& payer : payers) {
      std::string token;
      do {
        pb::ListInvoicesRequest req;
        req.set_dealer_id(payer);
        req.set_page_size(500);
        req.set_page_token(token);
        pb::ListInvoicesResponse out;
        auto m = manager.Get();
        auto ctx = m->Context(absl::Seconds(10));
        grpc::Status s = m->stub->ListInvoices(ctx.get(), req, &out);
        ASSERT_TRUE(s.ok()) << s.error_message();
        for (const pb::Invoice& inv : out.invoices()) {
          EXPECT_TRUE(listed.insert(inv.invoice_id()).second)
              << inv.invoice_id() << " listed twice";
          ++invoices_of_order[inv.order_id()];
          EXPECT_EQ(inv.payer_dealer_id(), payer);
        }
        token = out.next_page_token();
      } while (!token.empty());
    }
    EXPECT_EQ(listed.size(), all.invoices.size());
    for (const auto& [id, facts] : all.invoices) {
      EXPECT_EQ(listed.count(id), 1u) << "acknowledged invoice " << id << " ("
                                      << facts.order_id << ") is not listed";
      EXPECT_EQ(invoices_of_order[facts.order_id], 1) << facts.order_id;
    }
    for (const std::string& id : listed) {
      EXPECT_EQ(all.invoices.count(id), 1u)
          << "invoice " << id << " was never acknowledged to a client";
    }

    std::atomic<size_t> next{0};
    std::vector<std::string> ids;
    for (const auto& [id, facts] : all.invoices) ids.push_back(id);
    absl::Mutex mu;
    std::vector<std::string> problems;
    auto check = [&] {
      for (size_t i = next++; i < ids.size(); i = next++) {
        const ClientLog::InvoiceFacts& facts = all.invoices.at(ids[i]);
        pb::GetInvoiceRequest req;
        req.set_invoice_id(ids[i]);
        pb::Invoice inv;
        auto m = manager.Get();
        auto ctx = m->Context(absl::Seconds(10));
        grpc::Status s = m->stub->GetInvoice(ctx.get(), req, &inv);
        std::vector<std::string> found;
        if (!s.ok()) {
          found.push_back(absl::StrCat(ids[i], ": ", s.error_message()));
        } else {
          if (inv.order_id() != facts.order_id ||
              inv.payer_dealer_id() != facts.payer ||
              inv.total().minor_units() != facts.total) {
            found.push_back(
                absl::StrCat(ids[i], " is now ", inv.ShortDebugString()));
          }
          int invoice_entries = 0;
          int64_t sum = 0;
          for (const pb::LedgerEntry& e : inv.entries()) {
            sum += e.amount().minor_units();
            if (e.kind() == pb::LEDGER_ENTRY_KIND_INVOICE) ++invoice_entries;
            if (e.kind() == pb::LEDGER_ENTRY_KIND_PAYMENT &&
                all.payments.count(e.document_id()) == 0) {
              found.push_back(absl::StrCat(ids[i], " was paid by ",
                                           e.document_id(),
                                           ", never acknowledged"));
            }
            if (e.kind() == pb::LEDGER_ENTRY_KIND_CREDIT_NOTE &&
                all.credit_notes.count(e.document_id()) == 0) {
              found.push_back(absl::StrCat(ids[i], " was credited by ",
                                           e.document_id(),
                                           ", never acknowledged"));
            }
          }
          if (invoice_entries != 1 || sum != inv.outstanding().minor_units()) {
            found.push_back(absl::StrCat(ids[i], " has ", invoice_entries,
                                         " invoice entries summing to ", sum,
                                         ", outstanding ",
                                         inv.outstanding().minor_units()));
          }
        }
        if (!found.empty()) {
          absl::MutexLock lock(&mu);
          problems.insert(problems.end(), found.begin(), found.end());
        }
      }
    };
    std::vector<std::thread> checkers;
    for (int i = 0; i < 8; ++i) checkers.emplace_back(check);
    for (auto& t : checkers) t.join();
    EXPECT_THAT(problems, ::testing::IsEmpty());
  }

  // 5. The feed, written in each document's transaction: one event per
  // acknowledged document, none for anything else.
  {
    std::map<std::string, std::map<std::string, int>> events;  // topic → key
    std::string cursor;
    for (;;) {
      type::v1::ListChangesRequest req;
      req.set_after_cursor(cursor);
      req.set_page_size(1000);
      type::v1::ListChangesResponse out;
      auto m = manager.Get();
      auto ctx = m->Context(absl::Seconds(10));
      grpc::Status s = m->stub->ListChanges(ctx.get(), req, &out);
      ASSERT_TRUE(s.ok()) << s.error_message();
      for (const type::v1::ChangeEvent& e : out.events()) {
        ++events[e.topic()][e.key()];
      }
      if (out.events_size() == 0) break;
      cursor = out.next_cursor();
    }
    auto exactly_once = [&](const std::string& topic,
                            const std::set<std::string>& acknowledged) {
      const std::map<std::string, int>& seen = events[topic];
      EXPECT_EQ(seen.size(), acknowledged.size()) << topic;
      for (const std::string& id : acknowledged) {
        auto it = seen.find(id);
        EXPECT_TRUE(it != seen.end() && it->second == 1)
            << topic << " " << id << " seen "
            << (it == seen.end() ? 0 : it->second) << " times";
      }
      for (const auto& [id, n] : seen) {
        EXPECT_EQ(acknowledged.count(id), 1u)
            << topic << " " << id << " was never acknowledged";
      }
    };
    std::set<std::string> invoice_ids;
    for (const auto& [id, facts] : all.invoices) invoice_ids.insert(id);
    exactly_once("invoice.issued", invoice_ids);
    exactly_once("payment.recorded", all.payments);
    exactly_once("credit_note.issued", all.credit_notes);
    exactly_once("reservation.created", all.reservations);
  }

  // Connections closed first: the servers' drain then has nothing to wait
  // for (an idle client otherwise answers their GOAWAY only when gRPC's
  // backup poller runs, every 5 s).
  for (Endpoint* e : {&manager, &pricing, &controller}) e->Close();
  customers.channel.reset();
  ExpectCleanExit(*credit);
  ExpectCleanExit(customers);
  std::printf("ledger crash test took %s\n",
              absl::FormatDuration(absl::Now() - test_start).c_str());
}

}  // namespace
}  // namespace qudao
