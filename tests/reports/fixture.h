// A small database with chosen results for chosen cells of the paper's tables (report tests).
#pragma once

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "fsearch/db/database.h"
#include "fsearch/reports/fidelity.h"
#include "fsearch/reports/tables.h"
#include "temp_dir.h"

namespace fsearch::reports {

inline const TableSpec& table(int number) {
  for (const auto& t : paper_tables())
    if (t.number == number) return t;
  throw std::runtime_error("no table " + std::to_string(number));
}

// The named check of a table's fidelity. A copy: tests call it on a temporary TableFidelity, which
// a reference would outlive.
inline FidelityCheck check_named(const TableFidelity& f, const std::string& name) {
  for (const auto& c : f.checks)
    if (c.name == name) return c;
  throw std::runtime_error("no check " + name);
}

// A database holding chosen results for chosen cells of the paper's tables.
class Fixture {
 public:
  Fixture() : path_(fsearch::testing::program_temp_dir() / ("fidelity-" + std::to_string(::getpid()) + ".db")) {
    std::filesystem::remove(path_);
    db_ = std::make_unique<db::Database>(path_.string());
  }
  ~Fixture() {
    db_.reset();
    std::filesystem::remove(path_);
  }
  db::Database& db() { return *db_; }
  // The learning rate of the jobs added next (1e-3 until set): a cell's seed trained at several.
  void at_lr(double lr) { lr_ = lr; }

  // One job per entry of `values` (one seed each: accuracy in %, or FID for a dit proxy); NaN means
  // the seed diverged, kRejected that the early probe rejected it, kPending that it has not run.
  static constexpr double kRejected = -INFINITY;
  static constexpr double kPending = INFINITY;
  void cell(int table_number, const std::string& function, const std::string& shift, const std::string& proxy,
            std::vector<double> values, const std::string& baseline = "", const std::string& result_json = "{}") {
    jobs(table(table_number).sweep, "fp:" + function, function, shift, proxy, values, baseline, result_json);
  }

  // The same for any sweep, with the candidate's fingerprint given.
  void jobs(const std::string& sweep_name, const std::string& fingerprint, const std::string& function,
            const std::string& shift, const std::string& proxy, std::vector<double> values,
            const std::string& baseline = "", const std::string& result_json = "{}") {
    const bool fid = proxy.rfind("dit", 0) == 0;
    auto sweep = db_->ensure_sweep(sweep_name, sweep_name + ".yaml", "smoke", 1.7e9);
    const std::string fp = baseline.empty() ? fingerprint : "";
    if (!fp.empty()) {
      db_->upsert_candidate({fp, function, function, "[]", "{}", true, ""});
      db_->link_candidate(sweep, fp, db::CandidateStatus::Kept, function);
    }
    for (std::size_t seed = 0; seed < values.size(); ++seed) {
      db::JobRow job;
      job.key = sweep_name + "-" + function + baseline + "-" + shift + "-" + proxy + "-" +
                std::to_string(seed) + (lr_ == 1e-3 ? "" : "-lr" + std::to_string(lr_));
      job.lr = lr_;
      job.fingerprint = fp;
      job.label = baseline.empty() ? function : baseline;
      job.proxy = proxy;
      job.shift = shift;
      job.seed = static_cast<std::int64_t>(seed);
      job.spec_json = fid ? R"({"model": {"num_classes": 10, "proxy": "dit"}})" : R"({"model": {"num_classes": 10}})";
      job.run_dir = "runs/" + job.key;
      db_->add_job(sweep, job);
      if (values[seed] == kPending) continue;
      db_->mark_running(job.key, 1, 1000);
      const bool diverged = std::isnan(values[seed]), rejected = values[seed] == kRejected;
      db::ResultRow r;
      r.key = job.key;
      r.status = diverged ? "diverged" : rejected ? "rejected" : "done";
      r.test_acc = diverged || rejected || fid ? NAN : values[seed] / 100;
      r.fid = diverged || rejected || !fid ? NAN : values[seed];
      r.steps = 100;
      if (rejected) {
        r.diverged_step = 10;
        r.diverged_reason = "test accuracy 10.0% is still at chance (10.0%)";
      }
      r.result_json = result_json;
      db_->record_result(r,
                         diverged   ? db::JobState::Diverged
                         : rejected ? db::JobState::Rejected
                                    : db::JobState::Done,
                         1.7e9);
    }
  }

 private:
  std::filesystem::path path_;
  std::unique_ptr<db::Database> db_;
  double lr_ = 1e-3;
};

}  // namespace fsearch::reports
