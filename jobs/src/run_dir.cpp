#include "fsearch/jobs/run_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <sstream>
#include <vector>

#include "fsearch/core/error.h"

namespace fsearch::jobs {

std::string set_aside(const RunDir& run, const std::string& tag) {
  namespace fs = std::filesystem;
  if (!fs::exists(run.root)) return "";
  const std::string base = run.root.string() + ".replaced-" + tag;
  std::string target = base;
  for (int n = 2; fs::exists(target); ++n) target = base + "-" + std::to_string(n);
  fs::rename(run.root, target);
  return target;
}

EventLog::EventLog(const std::filesystem::path& file, std::int64_t keep_through_step) {
  if (std::filesystem::exists(file)) {
    std::ifstream in(file);
    std::string line, kept;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto event = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (event.is_discarded()) continue;  // a line cut short by a kill
      if (event.value("step", std::int64_t{0}) > keep_through_step) continue;
      kept += line + "\n";
    }
    write_atomic(file, kept);
  }
  out_.open(file, std::ios::app);
  if (!out_) throw Error("cannot open " + file.string() + " for appending");
}

void EventLog::append(const nlohmann::json& event) {
  out_ << event.dump() << "\n";
  out_.flush();
  if (!out_) {
    throw Error("cannot append to the run's events.jsonl: " + std::string(std::strerror(errno)),
                "is the disk full? Free space, then run the same command again");
  }
}

namespace {
nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}
double number_from(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : NAN;
}
}  // namespace

nlohmann::json to_json(const TrainResult& r) {
  nlohmann::json j = {{"status", r.status},
                      {"fid_features", r.fid_features},
                      {"fid_samples", r.fid_samples},
                      {"sample_images_per_sec", number(r.sample_images_per_sec)},
                      {"diverged", r.status == "diverged"},
                      {"diverged_step", r.diverged_step},
                      {"diverged_reason", r.diverged_reason},
                      {"steps", r.steps},
                      {"total_steps", r.total_steps},
                      {"train_time", r.train_time},
                      {"device", r.device},
                      {"threads", r.threads},
                      {"torch_version", r.torch_version},
                      {"cpu", r.cpu},
                      {"git_commit", r.git_commit},
                      {"key", r.key},
                      {"budget", r.budget}};
  for (const auto& field : result_number_fields()) j[std::string(field.name)] = number(r.*field.member);
  if (r.cooldown_steps > 0) j["cooldown_steps"] = r.cooldown_steps;
  if (!r.diagnostics.is_null()) j["diagnostics"] = r.diagnostics;
  return j;
}

std::string explain_diagnostics(const nlohmann::json& d) {
  auto value = [](const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_number() ? j[key].get<double>() : NAN;
  };
  auto fixed = [](double v, int decimals) {
    std::ostringstream out;
    out.setf(std::ios::fixed);
    out.precision(decimals);
    out << v;
    return out.str();
  };
  std::string out;
  if (!d.is_object()) return out;
  // A job failed by its stability probe carries the probe's diagnostics (trainers/src/train.cpp).
  const bool probe = d.value("from", "") == "stability probe";
  for (const auto& [when, label] : {std::pair<const char*, const char*>{"init", "at init"},
                                    {"final", probe ? "when the stability probe stopped" : "after training"}}) {
    if (!d.contains(when) || !d[when].is_object()) continue;
    const auto& p = d[when];
    std::string line = label;
    line += ":";
    const double dead = value(p, "frac_dead_max");
    if (!std::isnan(dead)) {
      line += " up to " + fixed(100 * dead, 1) + "% of a norm's inputs in a flat or saturated zone (mean " +
              fixed(100 * value(p, "frac_dead_mean"), 1) + "%),";
    }
    const double reversed = value(p, "frac_reversed_max");
    if (reversed > 0) line += " up to " + fixed(100 * reversed, 1) + "% past a hump (f' against the way f rises),";
    line += " input std up to " + fixed(value(p, "x_std_max"), 2);
    const double logit = value(p, "attn_logit_max");
    if (!std::isnan(logit)) line += ", attention logits up to " + fixed(logit, 1);
    out += (out.empty() ? "" : "; ") + line;
  }
  return out;
}

RunProgress read_progress(const RunDir& run) {
  RunProgress progress;
  std::ifstream in(run.events());
  std::string line;
  while (std::getline(in, line)) {
    auto event = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!event.is_object()) continue;
    const auto step = event.find("step");
    if (step == event.end() || !step->is_number_integer()) continue;
    progress.step = step->get<std::int64_t>();
    if (event.value("type", "") == "start") {
      progress.total_steps = event.value("total_steps", std::int64_t{0});
      progress.start_step = progress.step;
    }
  }
  return progress;
}

TrainResult result_from_json(const nlohmann::json& j) {
  TrainResult r;
  r.status = j.value("status", "");
  for (const auto& field : result_number_fields())
    r.*field.member = number_from(j, std::string(field.name).c_str());
  r.fid_features = j.value("fid_features", "");
  r.fid_samples = j.value("fid_samples", std::int64_t{0});
  r.sample_images_per_sec = number_from(j, "sample_images_per_sec");
  r.diverged_step = j.value("diverged_step", std::int64_t{-1});
  r.diverged_reason = j.value("diverged_reason", "");
  r.steps = j.value("steps", std::int64_t{0});
  r.total_steps = j.value("total_steps", std::int64_t{0});
  r.cooldown_steps = j.value("cooldown_steps", std::int64_t{0});
  r.train_time = number_from(j, "train_time");
  r.device = j.value("device", "");
  r.threads = j.value("threads", 0);
  r.torch_version = j.value("torch_version", "");
  r.cpu = j.value("cpu", "");
  r.git_commit = j.value("git_commit", "");
  r.key = j.value("key", "");
  r.budget = j.value("budget", "");
  if (j.contains("diagnostics") && j["diagnostics"].is_object()) r.diagnostics = j["diagnostics"];
  return r;
}

TrainResult read_result_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError("cannot read " + file.string());
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw ConfigError(file.string() + ": not a JSON object");
  return result_from_json(j);
}

}  // namespace fsearch::jobs
