#include "ingest.h"

#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "fsearch/core/process.h"
#include "fsearch/jobs/job_spec.h"
#include "fsearch/jobs/run_dir.h"

namespace fsearch::search::detail {

namespace fs = std::filesystem;

std::string tail_of(const fs::path& file, std::size_t bytes) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::size_t>(in.tellg());
  in.seekg(size > bytes ? size - bytes : 0);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The progress line uses carriage returns on terminals; keep the last state of each line.
  std::string out;
  for (char c : text) {
    if (c == '\r') {
      auto nl = out.rfind('\n');
      out.erase(nl == std::string::npos ? 0 : nl + 1);
    } else {
      out += c;
    }
  }
  return out;
}

std::string error_line(const fs::path& log) {
  std::istringstream in(tail_of(log, 65536));
  std::string line, error, hint;
  bool after_error = false;
  while (std::getline(in, line)) {
    if (line.rfind("error: ", 0) == 0) {
      error = line, hint.clear(), after_error = true;
    } else if (after_error && line.rfind("hint: ", 0) == 0) {
      hint = line, after_error = false;
    } else {
      after_error = false;
    }
  }
  return hint.empty() ? error : error + " (" + hint + ")";
}

// Reads complete new lines of events.jsonl from `offset` into curve points; advances `offset`.
std::vector<db::CurvePoint> read_events(const std::string& key, const fs::path& file,
                                        std::uintmax_t& offset) {
  std::vector<db::CurvePoint> points;
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec) return points;
  if (size < offset) offset = 0;  // the trainer rewrote it on resume
  std::ifstream in(file, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline yet: the line is still being written
    offset += line.size() + 1;
    // A line that is not an event object with a type and an integer step (torn, or written by
    // something else) is skipped: a bad line must not stop the scheduler that reads it.
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    if (!j.contains("type") || !j["type"].is_string() || !j.contains("step") ||
        !j["step"].is_number_integer())
      continue;
    auto number = [&](const char* name) {
      return j.contains(name) && j[name].is_number() ? j[name].get<double>() : NAN;
    };
    const auto type = j["type"].get<std::string>();
    const auto step = j["step"].get<std::int64_t>();
    if (type == "train") {
      points.push_back({key, "train", step, number("loss"), number("lr"), number("grad_norm"), NAN});
    } else if (type == "eval") {
      // A classifier's test loss and accuracy; the DiT's eval event carries only its FID, which is
      // in the result, not on a curve.
      const double loss = number("test_loss"), acc = number("test_acc");
      if (std::isnan(loss) && std::isnan(acc)) continue;
      points.push_back({key, "eval", step, loss, NAN, NAN, acc});
    }
  }
  return points;
}

db::ResultRow result_row(const std::string& key, const fs::path& file) {
  auto r = jobs::read_result_file(file);
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  db::ResultRow row;
  row.key = key;
  static_cast<ResultNumbers&>(row) = r;  // every number of core/result_numbers.h
  row.status = r.status;
  row.steps = r.steps;
  row.diverged_step = r.diverged_step;
  row.diverged_reason = r.diverged_reason;
  row.fid_features = r.fid_features;
  row.result_json = text;
  return row;
}

void set_aside_rung_result(const db::JobRow& job) {
  jobs::RunDir dir{job.run_dir};
  std::error_code ec;
  if (!fs::exists(dir.result(), ec)) return;
  auto r = jobs::read_result_file(dir.result());
  if (r.status != "paused") return;
  fs::rename(dir.result(), dir.root / ("rung-" + std::to_string(r.steps) + ".json"), ec);
}

// A finished job's run directory decides its state: result.json says done, diverged, rejected,
// or paused at a rung.
bool ingest_result(db::Database& db, const db::JobRow& job) {
  jobs::RunDir dir{job.run_dir};
  if (!fs::exists(dir.result())) return false;
  auto row = result_row(job.key, dir.result());
  std::uintmax_t offset = 0;
  db.add_curve(read_events(job.key, dir.events(), offset));
  if (row.status == "paused") {
    const auto r = jobs::read_result_file(dir.result());
    db::RungRow rung;
    rung.key = job.key;
    rung.step = r.steps;
    // The rung is the fraction the job was asked to pause at (its step is that fraction rounded to
    // a whole step, which for a short budget is far from it: 3 of 30 steps for 1/9).
    const double asked = jobs::read_job_file(dir.job().string()).search.pause_at;
    rung.fraction = asked > 0           ? asked
                    : r.total_steps > 0 ? static_cast<double>(r.steps) / static_cast<double>(r.total_steps)
                                        : NAN;
    const bool classifier = std::isfinite(r.test_acc);
    rung.score = classifier ? r.test_acc : -r.final_loss;
    rung.metric = classifier ? "test_acc" : "-train_loss";
    rung.cooldown_steps = r.cooldown_steps;
    db.record_rung(rung, unix_now());
    set_aside_rung_result(job);
    return true;
  }
  const auto state = row.status == "done"       ? db::JobState::Done
                     : row.status == "diverged" ? db::JobState::Diverged
                     : row.status == "rejected" ? db::JobState::Rejected
                                                : std::optional<db::JobState>{};
  if (!state) return false;  // not a result this fsearch writes: the caller records a failure
  db.record_result(row, *state, unix_now());
  return true;
}

}  // namespace fsearch::search::detail
