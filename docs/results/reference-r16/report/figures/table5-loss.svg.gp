set terminal svg size 1560,360 dynamic
set termoption noenhanced
set output "docs/results/reference-r16/report/figures/table5-loss.svg"
set multiplot layout 1,3 title "Table 5: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "erf(x)"
plot "docs/results/reference-r16/report/figures/table5-loss-b85395155b0ad3ac.dat" using 1:2 with lines lt 1 dt 1 title "lambda = 0", "docs/results/reference-r16/report/figures/table5-loss-2b7aafc0cd2aab55.dat" using 1:2 with lines lt 2 dt 1 title "lambda = 0.1", "docs/results/reference-r16/report/figures/table5-loss-b708e60126ff3759.dat" using 1:2 with lines lt 3 dt 1 title "lambda = 0.5", "docs/results/reference-r16/report/figures/table5-loss-d6bc94e921a9a173.dat" using 1:2 with lines lt 4 dt 1 title "lambda = 1.0", "docs/results/reference-r16/report/figures/table5-loss-bec4404eee3afc1f.dat" using 1:2 with lines lt 5 dt 1 title "lambda = 2.0 (rejected at step 141)", "docs/results/reference-r16/report/figures/table5-loss-95f3da3202807739.dat" using 1:2 with lines lt 6 dt 1 title "lambda = 3.0 (rejected at step 141)"
set title "tanh(x)"
plot "docs/results/reference-r16/report/figures/table5-loss-a3c101fc32e4ef52.dat" using 1:2 with lines lt 1 dt 1 title "lambda = 0", "docs/results/reference-r16/report/figures/table5-loss-29e786987d3950ab.dat" using 1:2 with lines lt 2 dt 1 title "lambda = 0.1", "docs/results/reference-r16/report/figures/table5-loss-e594209dc53cfe57.dat" using 1:2 with lines lt 3 dt 1 title "lambda = 0.5", "docs/results/reference-r16/report/figures/table5-loss-e2b9a2f0f9b9934f.dat" using 1:2 with lines lt 4 dt 1 title "lambda = 1.0", "docs/results/reference-r16/report/figures/table5-loss-8e29067c1ef19de7.dat" using 1:2 with lines lt 5 dt 1 title "lambda = 2.0 (rejected at step 141)", "docs/results/reference-r16/report/figures/table5-loss-e1390ba929d106c4.dat" using 1:2 with lines lt 6 dt 1 title "lambda = 3.0 (rejected at step 141)"
set title "arctan(x)"
plot "docs/results/reference-r16/report/figures/table5-loss-390599505dd088d8.dat" using 1:2 with lines lt 1 dt 1 title "lambda = 0", "docs/results/reference-r16/report/figures/table5-loss-8646259faff0477f.dat" using 1:2 with lines lt 2 dt 1 title "lambda = 0.1", "docs/results/reference-r16/report/figures/table5-loss-7505949753821906.dat" using 1:2 with lines lt 3 dt 1 title "lambda = 0.5", "docs/results/reference-r16/report/figures/table5-loss-8c9f1aaee0d210e1.dat" using 1:2 with lines lt 4 dt 1 title "lambda = 1.0", "docs/results/reference-r16/report/figures/table5-loss-58415fb81dbe9d65.dat" using 1:2 with lines lt 5 dt 1 title "lambda = 2.0 (rejected at step 141)", "docs/results/reference-r16/report/figures/table5-loss-13a32685b07112ab.dat" using 1:2 with lines lt 6 dt 1 title "lambda = 3.0 (rejected at step 141)"
unset multiplot
