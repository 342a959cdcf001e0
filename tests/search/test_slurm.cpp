// The Slurm backend's pure parts: every Slurm state has a meaning, and sbatch gets each value as
// one argument (no shell), with the time-limit signal and the array throttle. The backend on a real
// Slurm is tests/cli/test_slurm_cli.cpp.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "fsearch/search/slurm.h"

namespace fsearch::search {
namespace {

TEST(Slurm, EveryStateMapsOntoAnOutcome) {
  using O = SlurmOutcome;
  const std::vector<std::pair<std::string, O>> states = {{"PENDING", O::Waiting},
                                                         {"RUNNING", O::Running},
                                                         {"COMPLETED", O::Ended},
                                                         {"FAILED", O::Failed},
                                                         {"CANCELLED", O::Cancelled},
                                                         {"CANCELLED by 0", O::Cancelled},
                                                         {"TIMEOUT", O::Timeout},
                                                         {"PREEMPTED", O::Preempted},
                                                         {"REQUEUED", O::Waiting},
                                                         {"NODE_FAIL", O::Failed},
                                                         {"OUT_OF_MEMORY", O::Fatal},
                                                         {"BOOT_FAIL", O::Failed},
                                                         {"COMPLETING", O::Running},
                                                         {"CONFIGURING", O::Waiting},
                                                         {"SUSPENDED", O::Waiting},
                                                         {"DEADLINE", O::Fatal},
                                                         {"", O::Unknown},
                                                         {"SOMETHING_NEW", O::Unknown}};
  for (const auto& [state, outcome] : states) EXPECT_EQ(classify_slurm_state(state), outcome) << state;
}

TEST(Slurm, SbatchArgumentsCarryValuesVerbatim) {
  SlurmOptions o;
  o.binary = "/opt/fsearch dir/fsearch";
  o.partition = "gpu; rm -rf /";
  o.gres = "gpu:1";
  o.time = "1:00:00";
  o.max_parallel = 4;
  o.signal_seconds = 90;
  o.threads = 8;
  o.work_dir = "/shared/runs/it's $(x)/slurm";
  o.sbatch_args = {"--account=lab one"};
  auto args = sbatch_arguments(o, "fsearch-1-abc", "/s/task.sh", "/s/list.jobs", 10);
  const std::vector<std::string> expected = {"--parsable",
                                             "--job-name=fsearch-1-abc",
                                             "--array=0-9%4",
                                             "--output=/shared/runs/it's $(x)/slurm/logs/%A_%a.out",
                                             "--open-mode=append",
                                             "--signal=B:USR1@90",
                                             "--partition=gpu; rm -rf /",
                                             "--gres=gpu:1",
                                             "--time=1:00:00",
                                             "--account=lab one",
                                             "/s/task.sh",
                                             "/opt/fsearch dir/fsearch",
                                             "/s/list.jobs",
                                             "8",
                                             ""};
  EXPECT_EQ(args, expected);
  // The script never expands its arguments unquoted.
  const auto& script = slurm_batch_script();
  EXPECT_EQ(script.find("eval"), std::string::npos);
  EXPECT_NE(script.find("\"$binary\" --threads \"$threads\" train --job \"$run_dir\""), std::string::npos);
}

}  // namespace
}  // namespace fsearch::search
