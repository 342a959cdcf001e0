set terminal pngcairo size 1860,840
set termoption noenhanced
set output "docs/results/reference/figures/table1-loss.png"
set multiplot layout 2,3 title "Table 1: training loss"
set xlabel 'step'
set ylabel 'training loss'
set grid
set key top right font ',8'
set title "erf(x), horizontal"
plot "docs/results/reference/figures/table1-loss-b2d1a43277c0659d.dat" using 1:2 with lines lt 1 dt 1 title "lambda = -2", "docs/results/reference/figures/table1-loss-66d52abd488d0f66.dat" using 1:2 with lines lt 2 dt 1 title "lambda = -1", "docs/results/reference/figures/table1-loss-b85395155b0ad3ac.dat" using 1:2 with lines lt 3 dt 1 title "lambda = 0"
set title "erf(x), vertical"
plot "docs/results/reference/figures/table1-loss-b85395155b0ad3ac.dat" using 1:2 with lines lt 1 dt 1 title "lambda = 0"
set title "tanh(x), horizontal"
plot "docs/results/reference/figures/table1-loss-a3c101fc32e4ef52.dat" using 1:2 with lines lt 1 dt 1 title "lambda = 0"
set title "tanh(x), vertical"
plot "docs/results/reference/figures/table1-loss-a3c101fc32e4ef52.dat" using 1:2 with lines lt 1 dt 1 title "lambda = 0"
set title "arctan(x), horizontal"
plot "docs/results/reference/figures/table1-loss-390599505dd088d8.dat" using 1:2 with lines lt 1 dt 1 title "lambda = 0"
set title "arctan(x), vertical"
plot "docs/results/reference/figures/table1-loss-390599505dd088d8.dat" using 1:2 with lines lt 1 dt 1 title "lambda = 0"
unset multiplot
