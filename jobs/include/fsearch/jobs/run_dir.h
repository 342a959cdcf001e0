// The run directory of one job (docs/design.md): job.json, events.jsonl, checkpoint.pt, result.json.
// result.json is written last, by rename: its presence means the job finished. Torch-free.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "fsearch/core/files.h"
#include "fsearch/core/result_numbers.h"

namespace fsearch::jobs {

struct RunDir {
  std::filesystem::path root;
  std::filesystem::path job() const { return root / "job.json"; }
  std::filesystem::path events() const { return root / "events.jsonl"; }
  std::filesystem::path checkpoint() const { return root / "checkpoint.pt"; }
  std::filesystem::path result() const { return root / "result.json"; }
  // DiT proxy: the generated images (IDX, as the data sets) and a grid of them per class.
  std::filesystem::path sample_images() const { return root / "samples-images-idx3-ubyte"; }
  std::filesystem::path sample_labels() const { return root / "samples-labels-idx1-ubyte"; }
  std::filesystem::path sample_grid() const { return root / "samples.png"; }
};

// Moves a run directory aside, to "<root>.replaced-<tag>" (then "-2", "-3", ... if taken), so that
// the job can train again from the start while its old files stay: how `fsearch run
// --retrain-build` keeps what it replaces. Returns the new path, or "" when there was no directory.
std::string set_aside(const RunDir& run, const std::string& tag);

// events.jsonl: one JSON object per line, flushed per line.
class EventLog {
 public:
  // Opens for appending; first drops every line whose "step" is beyond `keep_through_step` (the
  // lines a killed run logged after its last checkpoint, which the resumed run logs again).
  EventLog(const std::filesystem::path& file, std::int64_t keep_through_step);
  void append(const nlohmann::json& event);

 private:
  std::ofstream out_;
};

// How far a run has come, read from its events.jsonl (for `fsearch status`): the last step it
// logged and the total its latest start announced. {0, 0} for a run that has logged nothing;
// lines cut short by a writer mid-line are skipped.
struct RunProgress {
  std::int64_t step = 0, total_steps = 0;
  std::int64_t start_step = 0;  // where the latest start began: 0, or the checkpoint a resume took up
  bool known() const { return total_steps > 0; }
  // Every step trained: what runs now is the final evaluation (DiT: sampling and FID).
  bool evaluating() const { return known() && step >= total_steps; }
  // The share of the job's steps still to train: 1 when nothing is known yet, 0 once evaluating.
  double share_left() const {
    return known() ? 1.0 - std::min(1.0, static_cast<double>(step) / static_cast<double>(total_steps)) : 1.0;
  }
};
RunProgress read_progress(const RunDir& run);

// result.json: the numbers every result has (core/result_numbers.h: test_acc, fid, ...), and what
// only the run's own record keeps.
struct TrainResult : ResultNumbers {
  std::string status;  // done | diverged | interrupted (interrupted is never written to result.json)
  std::int64_t steps = 0, total_steps = 0, diverged_step = -1;
  std::string diverged_reason;
  // A paused job scored on an annealed branch (search.cooldown): the branch's steps, trained beyond
  // `steps` and thrown away (compute the search spent, not progress of the job).
  std::int64_t cooldown_steps = 0;
  // DiT proxy: what produced the FID.
  std::string fid_features;  // the extractor's id, e.g. "cnn:1a2b3c4d (test acc 91.3%)"
  std::int64_t fid_samples = 0;
  double sample_images_per_sec = NAN;
  double train_time = 0;
  std::string device, torch_version, git_commit, key, budget;
  std::string cpu;  // the CPU's model name (core/process.h); "" when unknown or not recorded (before 2026-12-06)
  int threads = 0;
  // Why a cell trained or failed: {"init": probe, "final": probe} (trainers/src/diagnostics.h), and
  // "from": "stability probe" when they are the stability probe's (the job itself never trained).
  nlohmann::json diagnostics;
};

nlohmann::json to_json(const TrainResult& result);

// A result's diagnostics in one line for people, e.g. "at init: up to 100% of a norm's inputs in a
// flat or saturated zone (mean 100%), input std up to 0.52, attention logits up to 0.17; after
// training: ..." ("when the stability probe stopped: ..." for a job its probe failed; the share
// past a hump only where some input was) -- why a cell stayed at chance or diverged. Empty when
// there are none.
std::string explain_diagnostics(const nlohmann::json& diagnostics);
TrainResult result_from_json(const nlohmann::json& j);
// Throws ConfigError if the file is missing or malformed.
TrainResult read_result_file(const std::filesystem::path& file);

}  // namespace fsearch::jobs
