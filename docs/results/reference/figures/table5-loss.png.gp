set terminal pngcairo size 1860,420
set termoption noenhanced
set output "docs/results/reference/figures/table5-loss.png"
set multiplot layout 1,3 title "Table 5: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "erf(x)"
plot "docs/results/reference/figures/table5-loss-a834f5bc356f521e.dat" using 1:2 with lines lt 1 dt 1 title "lambda = 0", "docs/results/reference/figures/table5-loss-a8c19c3e25cecd3b.dat" using 1:2 with lines lt 2 dt 1 title "lambda = 0.1", "docs/results/reference/figures/table5-loss-27f65d031db8dd27.dat" using 1:2 with lines lt 3 dt 1 title "lambda = 0.5", "docs/results/reference/figures/table5-loss-eb5c3c9d28f0bf6d.dat" using 1:2 with lines lt 4 dt 1 title "lambda = 1.0", "docs/results/reference/figures/table5-loss-c366974ad17cfe35.dat" using 1:2 with lines lt 5 dt 1 title "lambda = 2.0", "docs/results/reference/figures/table5-loss-b9c09f36546ba5cb.dat" using 1:2 with lines lt 6 dt 1 title "lambda = 3.0 (rejected at step 141)"
set title "tanh(x)"
plot "docs/results/reference/figures/table5-loss-c307ebd6371a9df0.dat" using 1:2 with lines lt 1 dt 1 title "lambda = 0", "docs/results/reference/figures/table5-loss-2383d8111b0183e5.dat" using 1:2 with lines lt 2 dt 1 title "lambda = 0.1", "docs/results/reference/figures/table5-loss-e8c9c0d758b1e2c5.dat" using 1:2 with lines lt 3 dt 1 title "lambda = 0.5", "docs/results/reference/figures/table5-loss-9bb8e1a1100eb971.dat" using 1:2 with lines lt 4 dt 1 title "lambda = 1.0", "docs/results/reference/figures/table5-loss-2224af07433dc381.dat" using 1:2 with lines lt 5 dt 1 title "lambda = 2.0", "docs/results/reference/figures/table5-loss-986fa1c60a1d5d36.dat" using 1:2 with lines lt 6 dt 1 title "lambda = 3.0 (rejected at step 141)"
set title "arctan(x)"
plot "docs/results/reference/figures/table5-loss-d74348fdd38ee50a.dat" using 1:2 with lines lt 1 dt 1 title "lambda = 0", "docs/results/reference/figures/table5-loss-d883efc64778467d.dat" using 1:2 with lines lt 2 dt 1 title "lambda = 0.1", "docs/results/reference/figures/table5-loss-151181c58b32f5e4.dat" using 1:2 with lines lt 3 dt 1 title "lambda = 0.5", "docs/results/reference/figures/table5-loss-db590e3f9c27aadf.dat" using 1:2 with lines lt 4 dt 1 title "lambda = 1.0", "docs/results/reference/figures/table5-loss-973c5aced40bb903.dat" using 1:2 with lines lt 5 dt 1 title "lambda = 2.0", "docs/results/reference/figures/table5-loss-18cc0bf12aacb92d.dat" using 1:2 with lines lt 6 dt 1 title "lambda = 3.0"
unset multiplot
